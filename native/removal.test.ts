// The removal facts read from an image's id object, header and object map, against librbd's own
// answers (an open: stat, snapshots, disk usage) on a real cluster; and the judgement built on them.
import * as ceph from "./index";
import { connectedCluster } from "./testing";

const fx = connectedCluster();
const MiB = 1024 * 1024;

const librbd = (io: ceph.IoCtx, name: string) =>
  ceph.withImage(io, name, async (img) => ({ stat: await img.stat(), snaps: await img.listSnaps(), used: (await img.diskUsage()).used }), { readOnly: true });

test("a plain image's facts are librbd's: id, features, flags, no snapshots, no parent, the object map empty until written", async () => {
  const { io } = await fx.rbdPool("rmfacts");
  await ceph.createImage(io, "v", { size: 40 * MiB });
  const before = await librbd(io, "v");
  expect(await ceph.imageRemovalFacts(io, "v")).toEqual({
    id: before.stat.id,
    features: Number(ceph.featureMask(before.stat.featureNames)),
    flags: before.stat.flags,
    snapshots: 0,
    parentPool: -1,
    objectMapEmpty: true,
  });
  expect(before.used).toBe(0);
  expect(ceph.removableWithoutOpen(await ceph.imageRemovalFacts(io, "v"), false)).toBe(true);

  // One byte in the last object: librbd counts an object of data, and the object map shows it.
  await ceph.withImage(io, "v", (img) => img.write(40 * MiB - 1, Buffer.from("x")));
  expect((await librbd(io, "v")).used).toBe(4 * MiB);
  const written = await ceph.imageRemovalFacts(io, "v");
  expect(written).toMatchObject({ objectMapEmpty: false });
  expect(ceph.removableWithoutOpen(written, false)).toBe(false);
  expect(ceph.removableWithoutOpen(written, true)).toBe(true);

  // A snapshot (clones hang off snapshots): counted, and never removable without the open's checks.
  await ceph.withImage(io, "v", (img) => ceph.createSnap(img, "s1"));
  const snapped = await ceph.imageRemovalFacts(io, "v");
  expect(snapped).toMatchObject({ snapshots: (await librbd(io, "v")).snaps.length });
  expect(snapped!.snapshots).toBe(1);
  expect(ceph.removableWithoutOpen(snapped, true)).toBe(false);
  await io.close();
});

test("an object map flagged invalid, or none at all, leaves the judgement to the open", async () => {
  const { pool, io } = await fx.rbdPool("rmmap");
  await ceph.createImage(io, "nomap", { size: 8 * MiB, features: ceph.featureMask(["layering"]) });
  const nomap = await ceph.imageRemovalFacts(io, "nomap");
  expect(nomap).toMatchObject({ objectMapEmpty: null, snapshots: 0, parentPool: -1 });
  expect(ceph.removableWithoutOpen(nomap, false)).toBe(false);
  expect(ceph.removableWithoutOpen(nomap, true)).toBe(true);

  await ceph.createImage(io, "invalid", { size: 8 * MiB });
  // Turning fast-diff back on leaves the map flagged invalid until `rbd object-map rebuild`.
  await fx.tc.rbd("feature", "disable", `${pool}/invalid`, "fast-diff", "object-map");
  await fx.tc.rbd("feature", "enable", `${pool}/invalid`, "object-map", "fast-diff");
  const invalid = await ceph.imageRemovalFacts(io, "invalid");
  expect(invalid!.flags).toBe((await librbd(io, "invalid")).stat.flags);
  expect(invalid!.flags & 1).toBe(1);
  expect(ceph.removableWithoutOpen(invalid, false)).toBe(false);
  await io.close();
});

test("clones, striped images and missing or headless images are left to the open", async () => {
  const { pool, io } = await fx.rbdPool("rmleft");
  await ceph.createImage(io, "parent", { size: 4 * MiB });
  await ceph.withImage(io, "parent", async (img) => {
    await ceph.createSnap(img, "base");
    await ceph.protectSnap(img, "base");
  });
  await ceph.cloneImage(io, "parent", "base", io, "child");
  const child = await ceph.imageRemovalFacts(io, "child");
  const pools: Array<{ pool_name: string; pool_id: number }> = JSON.parse(await fx.tc.ceph("osd", "pool", "ls", "detail", "--format", "json"));
  expect(child!.parentPool).toBe(pools.find((p) => p.pool_name === pool)!.pool_id);
  expect(ceph.removableWithoutOpen(child, true)).toBe(false);

  await ceph.createImage(io, "striped", { size: 3 * MiB, order: 20, stripeUnit: 256 * 1024, stripeCount: 4 });
  expect(await ceph.imageRemovalFacts(io, "striped")).toBeUndefined();
  expect(await ceph.imageRemovalFacts(io, "nothing")).toBeUndefined();
  await ceph.createImage(io, "headless", { size: MiB });
  const { id } = await ceph.withImage(io, "headless", (img) => img.stat(), { readOnly: true });
  await ceph.removeObject(io, `rbd_header.${id}`);
  expect(await ceph.imageRemovalFacts(io, "headless")).toBeUndefined();
  expect(ceph.removableWithoutOpen(undefined, true)).toBe(false);
  await io.close();
});
