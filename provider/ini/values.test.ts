import { IniWriteError } from "./encode";
import { parseIni } from "./model";
import { CINDER_CONF } from "./testFixtures";
import { applyValues, getValues, restoreValues } from "./values";

const CEPH_BACKEND = {
  volume_driver: "cinder.volume.drivers.rbd.RBDDriver",
  volume_backend_name: "ceph",
  rbd_pool: "volumes",
  rbd_user: "cinder",
  rbd_secret_uuid: "457eb676-33da-42ec-9a8c-9293d545c337",
};

describe("getValues", () => {
  it("reads what oslo reads, last occurrence winning, across repeated sections", () => {
    const text = "[DEFAULT]\ndebug = false\n[ceph]\nrbd_pool = a\n[other]\nrbd_pool = x\n[Ceph]\nrbd_pool = b\n";
    expect(getValues(text, "ceph", ["rbd_pool", "rbd_user"])).toEqual({ rbd_pool: "b", rbd_user: undefined });
    expect(getValues(text, "DEFAULT", ["debug"])).toEqual({ debug: "false" });
  });

  it("matches DEFAULT exactly and other names case-insensitively, as oslo does", () => {
    const text = "[default]\na = lower\n[DEFAULT]\na = upper\n";
    expect(getValues(text, "DEFAULT", ["a"])).toEqual({ a: "upper" });
    expect(getValues(text, "default", ["a"])).toEqual({ a: "lower" });
  });

  it("ignores keys before the first section", () => {
    expect(getValues("a = 1\n[DEFAULT]\n", "DEFAULT", ["a"])).toEqual({ a: undefined });
  });
});

describe("applyValues / restoreValues on a realistic cinder.conf", () => {
  it("creates a new section at the end and restores the byte-identical original", () => {
    const applied = applyValues(CINDER_CONF, "ceph", CEPH_BACKEND);
    expect(applied.sectionCreated).toBe(true);
    expect(applied.previous).toEqual(Object.fromEntries(Object.keys(CEPH_BACKEND).map((k) => [k, null])));
    expect(applied.text).toBe(
      CINDER_CONF +
        "\n[ceph]\n" +
        "volume_driver = cinder.volume.drivers.rbd.RBDDriver\n" +
        "volume_backend_name = ceph\n" +
        "rbd_pool = volumes\n" +
        "rbd_user = cinder\n" +
        "rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337\n",
    );
    expect(getValues(applied.text, "ceph", Object.keys(CEPH_BACKEND))).toEqual(CEPH_BACKEND);
    expect(parseIni(applied.text).problems).toEqual([]);

    const restored = restoreValues(applied.text, "ceph", applied.previous, { removeSectionIfCreatedAndEmpty: true });
    expect(restored).toBe(CINDER_CONF);
  });

  it("is idempotent: a second apply changes nothing", () => {
    const first = applyValues(CINDER_CONF, "ceph", CEPH_BACKEND);
    const second = applyValues(first.text, "ceph", CEPH_BACKEND);
    expect(second.changed).toBe(false);
    expect(second.text).toBe(first.text);
    expect(second.sectionCreated).toBe(false);
  });

  it("replaces a value in place, keeping comments on neighbouring lines and other keys", () => {
    const applied = applyValues(CINDER_CONF, "DEFAULT", { debug: "true", my_ip: "10.0.0.12" });
    const before = CINDER_CONF.split("\n");
    const after = applied.text.split("\n");
    expect(after.length).toBe(before.length);
    const changedLines = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
    expect(changedLines).toEqual([
      ["my_ip = 10.0.0.11", "my_ip = 10.0.0.12"],
      ["debug = false", "debug = true"],
    ]);
    expect(applied.previous).toEqual({ debug: "false", my_ip: "10.0.0.11" });
    expect(restoreValues(applied.text, "DEFAULT", applied.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(CINDER_CONF);
  });

  it("keeps the `key=value` style of the line it replaces", () => {
    const applied = applyValues(CINDER_CONF, "DEFAULT", { transport_url: "rabbit://openstack:new@controller" });
    expect(applied.text).toContain("\ntransport_url=rabbit://openstack:new@controller\n");
  });

  it("appends a missing key after the section's last setting, before trailing comments", () => {
    const applied = applyValues(CINDER_CONF, "lvm", { volume_backend_name: "lvm" });
    expect(applied.sectionCreated).toBe(false);
    expect(applied.text).toContain("target_helper = lioadm\nvolume_backend_name = lvm\n# end of the LVM backend\n");
    expect(restoreValues(applied.text, "lvm", applied.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(CINDER_CONF);
  });

  it("appends into a section holding only comments right after its header", () => {
    const applied = applyValues(CINDER_CONF, "backend_defaults", { volume_backend_name: "x" });
    expect(applied.text).toContain("[backend_defaults]\nvolume_backend_name = x\n# The backend name");
  });

  it("does not treat a commented-out [ceph] header as the section", () => {
    const applied = applyValues(CINDER_CONF, "ceph", { rbd_pool: "volumes" });
    expect(applied.sectionCreated).toBe(true);
    expect(applied.text.endsWith("lock_path = /var/lib/cinder/tmp\n\n[ceph]\nrbd_pool = volumes\n")).toBe(true);
  });

  it("follows the section's `key=value` style for appended keys", () => {
    const text = "[ceph]\nrbd_pool=volumes\n";
    expect(applyValues(text, "ceph", { rbd_user: "cinder" }).text).toBe("[ceph]\nrbd_pool=volumes\nrbd_user=cinder\n");
  });
});

describe("applyValues edge cases", () => {
  it("keeps CRLF line endings and restores byte-identically", () => {
    const text = CINDER_CONF.replace(/\n/g, "\r\n");
    const applied = applyValues(text, "DEFAULT", { debug: "true", glance_api_version: "2" });
    const created = applyValues(applied.text, "ceph", CEPH_BACKEND);
    expect(created.text).not.toMatch(/[^\r]\n/);
    expect(created.text).toContain("\r\n[ceph]\r\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\r\n");
    const back = restoreValues(created.text, "ceph", created.previous, { removeSectionIfCreatedAndEmpty: true });
    expect(restoreValues(back, "DEFAULT", applied.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(text);
  });

  it("handles a file without a trailing newline, and keeps it that way", () => {
    const text = "[DEFAULT]\ndebug = false";
    const inPlace = applyValues(text, "DEFAULT", { debug: "true" });
    expect(inPlace.text).toBe("[DEFAULT]\ndebug = true");

    const appended = applyValues(text, "DEFAULT", { verbose: "true" });
    expect(appended.text).toBe("[DEFAULT]\ndebug = false\nverbose = true");
    expect(restoreValues(appended.text, "DEFAULT", appended.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(text);

    const created = applyValues(text, "ceph", { rbd_pool: "volumes" });
    expect(created.text).toBe("[DEFAULT]\ndebug = false\n\n[ceph]\nrbd_pool = volumes");
    expect(restoreValues(created.text, "ceph", created.previous, { removeSectionIfCreatedAndEmpty: true })).toBe(text);
  });

  it("sets the occurrence oslo reads when a key is present twice, and restores it", () => {
    const text = "[ceph]\nrbd_pool = first\n# the one that counts:\nrbd_pool = second\n";
    const applied = applyValues(text, "ceph", { rbd_pool: "volumes" });
    expect(applied.text).toBe("[ceph]\nrbd_pool = first\n# the one that counts:\nrbd_pool = volumes\n");
    expect(applied.previous).toEqual({ rbd_pool: "second" });
    expect(getValues(applied.text, "ceph", ["rbd_pool"])).toEqual({ rbd_pool: "volumes" });
    expect(restoreValues(applied.text, "ceph", applied.previous, { removeSectionIfCreatedAndEmpty: true })).toBe(text);
  });

  it("appends to the last block of a repeated section", () => {
    const text = "[ceph]\na = 1\n\n[other]\nb = 2\n\n[ceph]\nc = 3\n";
    const applied = applyValues(text, "ceph", { d: "4" });
    expect(applied.text).toBe("[ceph]\na = 1\n\n[other]\nb = 2\n\n[ceph]\nc = 3\nd = 4\n");
  });

  it("restores quoted values and multi-line values exactly", () => {
    const text = `[s]\na = "quoted value"   \nb = first\n    second\n\tthird\nc = x\n`;
    const applied = applyValues(text, "s", { a: "plain", b: "single" });
    expect(applied.text).toBe("[s]\na = plain   \nb = single\nc = x\n");
    expect(applied.previous).toEqual({ a: '"quoted value"', b: "first\n    second\n\tthird" });
    expect(restoreValues(applied.text, "s", applied.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(text);
  });

  it("does not rewrite a key whose value already matches in another spelling", () => {
    const text = `[s]\na = "x"\n`;
    const applied = applyValues(text, "s", { a: "x" });
    expect(applied.changed).toBe(false);
    expect(applied.text).toBe(text);
  });

  it("quotes values oslo would otherwise strip", () => {
    const applied = applyValues("", "s", { a: " padded ", b: '"in quotes"', c: "a # b ; c = d" });
    expect(applied.text).toBe(`[s]\na = " padded "\nb = ""in quotes""\nc = a # b ; c = d\n`);
    expect(getValues(applied.text, "s", ["a", "b", "c"])).toEqual({ a: " padded ", b: '"in quotes"', c: "a # b ; c = d" });
  });

  it("writes into an empty file and restores it to empty", () => {
    const applied = applyValues("", "ceph", { rbd_pool: "volumes" });
    expect(applied.text).toBe("[ceph]\nrbd_pool = volumes\n");
    expect(restoreValues(applied.text, "ceph", applied.previous, { removeSectionIfCreatedAndEmpty: true })).toBe("");
  });

  it("fills an empty value keeping the line's spacing", () => {
    expect(applyValues("[s]\na = \nb =\n", "s", { a: "1", b: "2" }).text).toBe("[s]\na = 1\nb =2\n");
  });

  it("re-adds a key the operator removed after we recorded it", () => {
    const text = "[s]\na = 1\n";
    const applied = applyValues(text, "s", { a: "2" });
    const operatorEdited = applied.text.replace("a = 2\n", "");
    expect(restoreValues(operatorEdited, "s", applied.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(text);
  });

  it("keeps a created section that the operator has since put something into", () => {
    const applied = applyValues("[DEFAULT]\n", "ceph", { rbd_pool: "volumes" });
    const operatorEdited = applied.text + "# operator note\n";
    expect(restoreValues(operatorEdited, "ceph", applied.previous, { removeSectionIfCreatedAndEmpty: true })).toBe(
      "[DEFAULT]\n\n[ceph]\n# operator note\n",
    );
  });

  it("keeps the section header when it was not created by us", () => {
    const text = "[ceph]\n";
    const applied = applyValues(text, "ceph", { rbd_pool: "volumes" });
    expect(applied.sectionCreated).toBe(false);
    expect(restoreValues(applied.text, "ceph", applied.previous, { removeSectionIfCreatedAndEmpty: applied.sectionCreated })).toBe(text);
  });

  it("refuses keys, sections and values that oslo would read differently", () => {
    expect(() => applyValues("", "s", { "a=b": "1" })).toThrow(IniWriteError);
    expect(() => applyValues("", "s", { "#a": "1" })).toThrow(/must not start/);
    expect(() => applyValues("", "s]", { a: "1" })).toThrow(/must not contain/);
    expect(() => applyValues("", "s", { a: "line\nbreak" })).toThrow(/line break/);
    expect(() => applyValues("", "", { a: "1" })).toThrow(/must not be empty/);
  });
});
