import { parseIni } from "./model";
import { renderIni } from "./render";
import { getValues } from "./values";

describe("renderIni", () => {
  it("writes [section] then `key = value` lines, a blank line between sections", () => {
    expect(
      renderIni({
        DEFAULT: { enabled_backends: "ceph", glance_api_version: "2" },
        ceph: { volume_driver: "cinder.volume.drivers.rbd.RBDDriver", rbd_pool: "volumes" },
      }),
    ).toBe(
      "[DEFAULT]\nenabled_backends = ceph\nglance_api_version = 2\n\n" +
        "[ceph]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\n",
    );
  });

  it("round-trips the values that trip up the `ini` package", () => {
    const values = { hash: "a#b", semi: "a;b", equals: "a=b", backslash: "C:\\x=", spaces: " x ", quotes: "'q'", empty: "" };
    const text = renderIni({ "ceph.ssd": values });
    expect(text.startsWith("[ceph.ssd]\n")).toBe(true);
    expect(parseIni(text).problems).toEqual([]);
    expect(getValues(text, "ceph.ssd", Object.keys(values))).toEqual(values);
  });

  it("renders an empty section and an empty file", () => {
    expect(renderIni({ DEFAULT: {} })).toBe("[DEFAULT]\n");
    expect(renderIni({})).toBe("");
  });

  it("refuses two spellings of one section", () => {
    expect(() => renderIni({ ceph: {}, Ceph: {} })).toThrow(/appears twice/);
  });
});
