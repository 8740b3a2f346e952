// Snapshots and layering (clone, flatten, children) against a real cluster.
import { uniqueName } from "../test/helpers/cluster";
import { connectedCluster, rejection } from "./testing";
import * as ceph from "./index";

const fx = connectedCluster();
const { rbdPool } = fx;

const MiB = 1024 * 1024;


async function cliSnaps(spec: string): Promise<Array<{ id: number; name: string; size: number; protected: string }>> {
  return JSON.parse(await fx.tc.rbd("snap", "ls", spec, "--format", "json"));
}

async function writeData(spec: string, total: string): Promise<void> {
  await fx.tc.rbd("bench", "--io-type", "write", "--io-threads", "1", "--io-size", "1M", "--io-total", total, "--io-pattern", "seq", spec);
}

test("create, list, protect, unprotect, remove snapshots", async () => {
  const { pool, io } = await rbdPool("snap");
  await ceph.createImage(io, "vol", { size: 4 * MiB });
  const img = await ceph.openImage(io, "vol");
  expect(await img.listSnaps()).toEqual([]);
  await img.createSnap("s1");
  await img.resize(8 * MiB);
  await img.createSnap("s2");

  const snaps = await img.listSnaps();
  const cli = await cliSnaps(`${pool}/vol`);
  expect(snaps).toEqual(cli.map((s) => ({ id: s.id, name: s.name, size: s.size, protected: s.protected === "true" })));
  expect(snaps.map((s) => [s.name, s.size])).toEqual([
    ["s1", 4 * MiB],
    ["s2", 8 * MiB],
  ]);

  await img.protectSnap("s1");
  expect(await img.isSnapProtected("s1")).toBe(true);
  expect(await img.isSnapProtected("s2")).toBe(false);
  expect((await cliSnaps(`${pool}/vol`)).find((s) => s.name === "s1")?.protected).toBe("true");
  expect((await img.listSnaps()).find((s) => s.name === "s1")?.protected).toBe(true);

  // a protected snapshot cannot be removed
  const busy = await rejection(img.removeSnap("s1"));
  expect(busy).toBeInstanceOf(ceph.BusyError);
  expect(busy.message).toBe(`ceph cluster ${fx.tc.conf}: remove snapshot ${pool}/vol@s1 failed: EBUSY (Device or resource busy)`);
  expect(busy.snapshot).toBe("s1");

  await img.unprotectSnap("s1");
  expect(await img.isSnapProtected("s1")).toBe(false);
  await img.removeSnap("s1");
  await img.removeSnap("s2");
  expect(await img.listSnaps()).toEqual([]);
  expect(await cliSnaps(`${pool}/vol`)).toEqual([]);
  await img.close();
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("snapshot error paths: ENOENT, EEXIST, and an image with snapshots cannot be removed", async () => {
  const { pool, io } = await rbdPool("snaperr");
  await ceph.createImage(io, "vol", { size: MiB });
  await ceph.withImage(io, "vol", async (img) => {
    await img.createSnap("s1");
    await expect(img.createSnap("s1")).rejects.toBeInstanceOf(ceph.ExistsError);
    await expect(img.removeSnap("nope")).rejects.toBeInstanceOf(ceph.NotFoundError);
    await expect(img.protectSnap("nope")).rejects.toBeInstanceOf(ceph.NotFoundError);
    await expect(img.isSnapProtected("nope")).rejects.toBeInstanceOf(ceph.NotFoundError);
    await expect(img.rollbackSnap("nope")).rejects.toBeInstanceOf(ceph.NotFoundError);
    await expect(img.unprotectSnap("s1")).rejects.toBeInstanceOf(ceph.InvalidArgumentError); // not protected
    await expect(img.createSnap("")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  });
  // librbd answers ENOTEMPTY (not EBUSY) for an image that still has snapshots
  const err = await rejection(ceph.removeImage(io, "vol"));
  expect(err).toBeInstanceOf(ceph.NotEmptyError);
  expect(err.errno).toBe(39);
  expect(JSON.parse(await fx.tc.rbd("ls", pool, "--format", "json"))).toEqual(["vol"]);
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("rollback restores the snapshot's data", async () => {
  const { pool, io } = await rbdPool("rollback");
  await ceph.createImage(io, "vol", { size: 16 * MiB });
  await writeData(`${pool}/vol`, "4M");
  await ceph.withImage(io, "vol", (img) => img.createSnap("base"));
  await writeData(`${pool}/vol`, "12M");
  const usedBySnap = async () => JSON.parse(await fx.tc.rbd("du", `${pool}/vol`, "--format", "json")).images;
  await ceph.withImage(io, "vol", async (img) => {
    expect((await img.diskUsage()).used).toBe(12 * MiB);
    await img.rollbackSnap("base");
    // Objects written after the snapshot are gone again.
    expect((await img.diskUsage()).used).toBe(4 * MiB);
  });
  const du = await usedBySnap();
  expect(du.find((i: { snapshot?: string }) => i.snapshot === undefined).used_size).toBe(4 * MiB);
  // Allocated extents are the snapshot's again.
  expect(await fx.tc.rbd("diff", `${pool}/vol`, "--format", "json")).toEqual(await fx.tc.rbd("diff", `${pool}/vol@base`, "--format", "json"));
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});

test("clone, children, EBUSY on unprotect with clones, flatten", async () => {
  const { pool, io } = await rbdPool("layer");
  const childPool = uniqueName("layer-child");
  await ceph.createPool(fx.cluster, childPool, { pgNum: 8 });
  const childIo = await fx.cluster.openIoCtx(childPool);
  await ceph.poolInit(childIo);

  await ceph.createImage(io, "golden", { size: 8 * MiB });
  await writeData(`${pool}/golden`, "4M");
  const parent = await ceph.openImage(io, "golden");
  await parent.createSnap("base");
  // This cluster's min compat client is luminous, so clones are v1 and need a protected snapshot.
  await expect(ceph.cloneImage(io, "golden", "base", childIo, "vm1")).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  await parent.protectSnap("base");

  await ceph.cloneImage(io, "golden", "base", childIo, "vm1");
  await ceph.cloneImage(io, "golden", "base", io, "vm2", { features: ceph.featureMask(["layering"]), order: 20 });
  await expect(ceph.cloneImage(io, "golden", "base", io, "vm2")).rejects.toBeInstanceOf(ceph.ExistsError);
  await expect(ceph.cloneImage(io, "golden", "nope", io, "vm3")).rejects.toBeInstanceOf(ceph.NotFoundError);

  const vm2Info = JSON.parse(await fx.tc.rbd("info", `${pool}/vm2`, "--format", "json"));
  expect(vm2Info.features).toEqual(["layering"]);
  expect(vm2Info.order).toBe(20);

  const child = await ceph.openImage(childIo, "vm1");
  const st = await child.stat();
  expect(st.parent).toMatchObject({ pool, image: "golden", snapshot: "base", id: (await parent.stat()).id });

  const byName = (a: ceph.LinkedImage, b: ceph.LinkedImage) => `${a.pool}/${a.image}`.localeCompare(`${b.pool}/${b.image}`);
  const expected = [
    { pool: childPool, image: "vm1", trash: false },
    { pool, image: "vm2", trash: false },
  ].sort((a, b) => `${a.pool}/${a.image}`.localeCompare(`${b.pool}/${b.image}`));
  expect((await parent.listChildren()).sort(byName)).toMatchObject(expected);
  expect((await parent.snapChildren("base")).sort(byName)).toMatchObject(expected);
  const cliChildren = JSON.parse(await fx.tc.rbd("children", `${pool}/golden@base`, "--format", "json"));
  expect(cliChildren.map((c: { pool: string; image: string }) => `${c.pool}/${c.image}`).sort()).toEqual(
    expected.map((c) => `${c.pool}/${c.image}`),
  );
  expect((await parent.listChildren())[0].id).toMatch(/^[0-9a-f]+$/);

  // Clones exist: the snapshot cannot be unprotected (nor the parent removed).
  const busy = await rejection(parent.unprotectSnap("base"));
  expect(busy).toBeInstanceOf(ceph.BusyError);
  expect(busy.errno).toBe(16);
  expect(busy.message).toContain(`unprotect snapshot ${pool}/golden@base failed: EBUSY`);

  // Flatten both children; the clone keeps the parent's data.
  await child.flatten();
  expect((await child.stat()).parent).toBeUndefined();
  expect((await child.diskUsage()).used).toBe(4 * MiB);
  await ceph.withImage(io, "vm2", (img) => img.flatten());
  expect(await parent.listChildren()).toEqual([]);
  expect(await parent.snapChildren("base")).toEqual([]);
  await parent.unprotectSnap("base");
  await parent.removeSnap("base");
  await child.close();
  await parent.close();
  await ceph.removeImage(io, "golden");

  await childIo.close();
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
  await ceph.deletePool(fx.cluster, childPool);
});

test("flatten on an image without a parent is an InvalidArgumentError", async () => {
  const { pool, io } = await rbdPool("flat");
  await ceph.createImage(io, "vol", { size: MiB });
  await ceph.withImage(io, "vol", async (img) => {
    await expect(img.flatten()).rejects.toBeInstanceOf(ceph.InvalidArgumentError);
  });
  await io.close();
  await ceph.deletePool(fx.cluster, pool);
});
