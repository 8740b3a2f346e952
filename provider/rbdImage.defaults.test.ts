// State keeps an image's settings only where they differ from their defaults (they travel between
// engine, program and provider host at every step, twice per image), and a setting left out reads
// as its default in every handler and diff, including state written before this was so.
import { rbdImageProvider, rbdImageInputs } from "./rbdImage";
import { UNKNOWN, withDefaults } from "./validate";

const connection = { conf: "/etc/ceph/ceph.conf", label: "A" };
const base = { connection, owner: "p/s/img", pool: "vol", name: "v", size: "1GiB" };
const defaulted = ["maxCloneDepth", "flattenOnCreate", "allowShrink", "forceDestroy"];

test("check keeps no setting at its default, given or left out, and keeps every other", async () => {
  const left = await rbdImageProvider.check!({}, base);
  const given = await rbdImageProvider.check!({}, { ...base, maxCloneDepth: 5, flattenOnCreate: false, allowShrink: false, forceDestroy: false });
  for (const r of [left, given]) {
    expect(r.failures).toBeUndefined();
    expect(Object.keys(r.inputs!).filter((k) => defaulted.includes(k))).toEqual([]);
    expect(r.inputs).toMatchObject({ pool: "vol", name: "v", size: 2 ** 30 });
  }
  const set = await rbdImageProvider.check!({}, { ...base, maxCloneDepth: 0, flattenOnCreate: true, allowShrink: true, forceDestroy: true });
  expect(set.inputs).toMatchObject({ maxCloneDepth: 0, flattenOnCreate: true, allowShrink: true, forceDestroy: true });
  // A preview with a value not known yet shows the same inputs.
  const partial = await rbdImageProvider.check!({}, { ...base, size: UNKNOWN, forceDestroy: false });
  expect(partial.failures).toBeUndefined();
  expect(Object.keys(partial.inputs!).filter((k) => defaulted.includes(k))).toEqual([]);
});

test("a setting left out reads as its default: parse fills it, diff sees no change against state that spelled it out", async () => {
  const lean = (await rbdImageProvider.check!({}, base)).inputs!;
  expect(rbdImageInputs.parse(lean)).toMatchObject({ maxCloneDepth: 5, flattenOnCreate: false, allowShrink: false, forceDestroy: false });
  // State written by an earlier version holds every default.
  const spelled = { ...withDefaults(rbdImageInputs, lean), imageId: "abc", features: ["layering"], objectSize: 4 << 20 };
  expect(spelled.forceDestroy).toBe(false);
  const same = await rbdImageProvider.diff!("vol/v", spelled, lean);
  expect(same.changes).toBe(false);
  // Turning a setting on, or back to its default, is an update in place.
  const on = await rbdImageProvider.diff!("vol/v", spelled, { ...lean, forceDestroy: true });
  expect(on).toMatchObject({ changes: true, replaces: [], changed: ["forceDestroy"] });
  const back = await rbdImageProvider.diff!("vol/v", { ...spelled, forceDestroy: true, maxCloneDepth: 2 }, lean);
  expect(back).toMatchObject({ changes: true, replaces: [], changed: ["maxCloneDepth", "forceDestroy"] });
});
