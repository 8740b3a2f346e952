import { parseIni } from "./model";
import { applyMultiValues, getMultiValues, restoreMultiValues } from "./multi";
import { CINDER_CONF } from "./testFixtures";
import { applyValues, getValues } from "./values";

const A = "backend_id:site-b,conf:/etc/ceph/site-b.conf,user:cinder,secret_uuid:11111111-2222-4333-8444-555555555555";
const B = "backend_id:site-c,conf:/etc/ceph/site-c.conf,user:cinder,secret_uuid:66666666-7777-4888-9999-aaaaaaaaaaaa";
const C = "backend_id:site-d,conf:/etc/ceph/site-d.conf,user:cinder,secret_uuid:bbbbbbbb-cccc-4ddd-8eee-ffffffffffff";
const KEEP = { removeSectionIfCreatedAndEmpty: false };
const BACKEND = "[ceph]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\n# replicas\n";

describe("multi-valued keys (MultiOpt)", () => {
  it("reads every line of the key in file order, across repeated sections, where a single-valued read sees only the last", () => {
    const text = `[ceph]\nreplication_device = ${A}\n[other]\nreplication_device = x\n[Ceph]\nreplication_device = ${B}\n`;
    expect(getMultiValues(text, "ceph", "replication_device")).toEqual([A, B]);
    expect(getValues(text, "ceph", ["replication_device"])).toEqual({ replication_device: B });
    expect(getMultiValues(text, "ceph", "absent")).toEqual([]);
  });

  it("adds two lines next to each other after the section's last setting, and restores the original byte for byte", () => {
    const applied = applyMultiValues(BACKEND, "ceph", "replication_device", [A, B]);
    expect(applied.text).toBe(
      `[ceph]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\nreplication_device = ${A}\nreplication_device = ${B}\n# replicas\n`,
    );
    expect(applied.previous).toBeNull();
    expect(applied.changed).toBe(true);
    expect(getMultiValues(applied.text, "ceph", "replication_device")).toEqual([A, B]);
    expect(parseIni(applied.text).problems).toEqual([]);
    expect(restoreMultiValues(applied.text, "ceph", "replication_device", applied.previous, KEEP)).toBe(BACKEND);
  });

  it("is idempotent: applying the same list again changes nothing", () => {
    const first = applyMultiValues(BACKEND, "ceph", "replication_device", [A, B]);
    const second = applyMultiValues(first.text, "ceph", "replication_device", [A, B]);
    expect(second.changed).toBe(false);
    expect(second.text).toBe(first.text);
    expect(second.previous).toEqual([A, B]);
  });

  it("changes one line of two in place, keeping the other line and its spacing", () => {
    const text = `[ceph]\nreplication_device=${A}\n# second site\nreplication_device   =   ${B}\n`;
    const applied = applyMultiValues(text, "ceph", "replication_device", [A, C]);
    expect(applied.text).toBe(`[ceph]\nreplication_device=${A}\n# second site\nreplication_device   =   ${C}\n`);
    expect(applied.previous).toEqual([A, B]);
    expect(restoreMultiValues(applied.text, "ceph", "replication_device", applied.previous, KEEP)).toBe(text);
  });

  it("removes one of two lines, and puts it back on restore", () => {
    const text = `[ceph]\nreplication_device = ${A}\nreplication_device = ${B}\nrbd_pool = volumes\n`;
    const applied = applyMultiValues(text, "ceph", "replication_device", [A]);
    expect(applied.text).toBe(`[ceph]\nreplication_device = ${A}\nrbd_pool = volumes\n`);
    expect(restoreMultiValues(applied.text, "ceph", "replication_device", applied.previous, KEEP)).toBe(text);
  });

  it("adds a third line right after the key's last line, spelt like it", () => {
    const text = `[ceph]\nreplication_device=${A}\nreplication_device=${B}\nrbd_pool = volumes\n`;
    const applied = applyMultiValues(text, "ceph", "replication_device", [A, B, C]);
    expect(applied.text).toBe(`[ceph]\nreplication_device=${A}\nreplication_device=${B}\nreplication_device=${C}\nrbd_pool = volumes\n`);
  });

  it("removes every line it added, and the section it created, on restore", () => {
    const applied = applyMultiValues(CINDER_CONF, "ceph", "replication_device", [A, B]);
    expect(applied.sectionCreated).toBe(true);
    expect(applied.text.endsWith(`\n\n[ceph]\nreplication_device = ${A}\nreplication_device = ${B}\n`)).toBe(true);
    expect(restoreMultiValues(applied.text, "ceph", "replication_device", applied.previous, { removeSectionIfCreatedAndEmpty: true })).toBe(CINDER_CONF);
  });

  it("shows a hand edit of one line as a difference of that line alone", () => {
    const applied = applyMultiValues(BACKEND, "ceph", "replication_device", [A, B]);
    const edited = applied.text.replace("conf:/etc/ceph/site-c.conf", "conf:/etc/ceph/elsewhere.conf");
    const found = getMultiValues(edited, "ceph", "replication_device");
    expect(found).toEqual([A, B.replace("site-c.conf", "elsewhere.conf")]);
    expect(found[0]).toBe(A);
    // Applying again repairs exactly that line.
    const repaired = applyMultiValues(edited, "ceph", "replication_device", [A, B]);
    expect(repaired.text).toBe(applied.text);
  });

  it("restores the operator's own lines after removing them all", () => {
    const text = `[ceph]\nreplication_device = "${A}"\nreplication_device = ${B}\n`;
    const applied = applyMultiValues(text, "ceph", "replication_device", []);
    expect(applied.text).toBe("[ceph]\n");
    expect(applied.previous).toEqual([`"${A}"`, B]);
    expect(restoreMultiValues(applied.text, "ceph", "replication_device", applied.previous, KEEP)).toBe(text);
  });

  it("the single-valued editor keeps only one line of such a key (why multi-valued keys have their own functions)", () => {
    const text = `[ceph]\nreplication_device = ${A}\nreplication_device = ${B}\n`;
    const single = applyValues(text, "ceph", { replication_device: C });
    expect(getMultiValues(single.text, "ceph", "replication_device")).toEqual([A, C]);
  });
});
