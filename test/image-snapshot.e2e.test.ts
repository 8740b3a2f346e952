// RbdImage and RbdSnapshot through the real engine against a real cluster, with Cinder's rules:
// clone depth and flatten, protect/unprotect, refusals while clones exist, trash for parents of
// unmanaged clones, in-use and holds-data refusals, rollback on request, drift and import.
import * as path from "path";
import { connect, openImage, type Cluster } from "../native";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);
const MiB = 2 ** 20;

let cluster: TestCluster;
let stack: TestStack;

const pool = { resource: "volumes", name: "volumes", application: "rbd", forceDestroy: true };
const base = { resource: "base", pool: "volumes", name: "base", size: "64MiB" };
const s1 = { resource: "s1", pool: "volumes", image: "base", name: "s1", protected: true };
const clone1 = { resource: "clone1", pool: "volumes", name: "clone1", size: "64MiB", cloneFrom: { pool: "volumes", image: "base", snapshot: "s1" } };

async function info(image: string): Promise<any | undefined> {
  try {
    return JSON.parse(await cluster.rbd("info", image, "--format", "json"));
  } catch (e) {
    if (/No such file|error opening/.test(String(e))) return undefined;
    throw e;
  }
}
async function snaps(image: string): Promise<Array<{ name: string; protected: string }>> {
  return JSON.parse(await cluster.rbd("snap", "ls", image, "--format", "json"));
}

beforeAll(async () => {
  cluster = startCluster();
  stack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "test-imgsnap");
  await stack.setConfig("ceph:conf", cluster.conf);
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("an image, a protected snapshot and a clone of it", async () => {
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1] });
  const r = await stack.up();
  expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:RbdSnapshot");
  expect((await info("volumes/base"))?.size).toBe(64 * MiB);
  expect(await snaps("volumes/base")).toEqual([expect.objectContaining({ name: "s1", protected: "true" })]);
  const c = await info("volumes/clone1");
  expect(c?.parent).toEqual(expect.objectContaining({ pool: "volumes", image: "base", snapshot: "s1" }));
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("a clone past maxCloneDepth is flattened; flattenOnCreate always flattens", async () => {
  const s2 = { resource: "s2", pool: "volumes", image: "clone1", name: "s2", protected: true };
  const deep = { resource: "deep", pool: "volumes", name: "deep", size: "64MiB", maxCloneDepth: 1, cloneFrom: { pool: "volumes", image: "clone1", snapshot: "s2" } };
  const shallow = { resource: "shallow", pool: "volumes", name: "shallow", size: "64MiB", cloneFrom: { pool: "volumes", image: "clone1", snapshot: "s2" } };
  const flat = { resource: "flat", pool: "volumes", name: "flat", size: "128MiB", flattenOnCreate: true, cloneFrom: { pool: "volumes", image: "base", snapshot: "s1" } };
  await stack.setSpec({ pools: [pool], images: [base, clone1, deep, shallow, flat], snapshots: [s1, s2] });
  await stack.up();
  expect((await info("volumes/deep"))?.parent).toBeUndefined(); // depth 2 > 1: flattened
  expect((await info("volumes/shallow"))?.parent).toEqual(expect.objectContaining({ image: "clone1", snapshot: "s2" }));
  const f = await info("volumes/flat");
  expect(f?.parent).toBeUndefined();
  expect(f?.size).toBe(128 * MiB); // grown past the parent's size, as Cinder does
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1] });
  await stack.up();
  expect(await info("volumes/deep")).toBeUndefined();
  expect(await snaps("volumes/clone1")).toEqual([]);
});

test("unprotecting or deleting a snapshot with clones is refused, naming the clones", async () => {
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [{ ...s1, protected: false }] });
  let r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/cannot unprotect snapshot volumes\/base@s1: it has 1 clone\(s\): volumes\/clone1/);
  expect((await snaps("volumes/base"))[0].protected).toBe("true");
  // Deleting the snapshot while an unmanaged clone exists is refused too.
  await cluster.rbd("clone", "volumes/base@s1", "volumes/hand-clone");
  await stack.setSpec({ pools: [pool], images: [base], snapshots: [] });
  r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/cannot delete snapshot volumes\/base@s1: .*volumes\/hand-clone/);
  expect((await snaps("volumes/base")).map((s) => s.name)).toEqual(["s1"]);
  await cluster.rbd("rm", "volumes/hand-clone");
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1] });
  await stack.up();
});

test("protect and unprotect change in place", async () => {
  const s3 = { resource: "s3", pool: "volumes", image: "base", name: "s3", protected: false };
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1, s3] });
  await stack.up();
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1, { ...s3, protected: true }] });
  const r = await stack.up();
  expect(r.stdout).toMatch(/s3\s+updated/);
  expect((await snaps("volumes/base")).find((s) => s.name === "s3")?.protected).toBe("true");
});

test("a parent whose snapshot still has clones waits in the trash, and goes with its last clone", async () => {
  // As Glance leaves it: an image with a protected snapshot nobody declared.
  await cluster.rbd("create", "--size", "16M", "volumes/parent");
  await cluster.rbd("snap", "create", "volumes/parent@golden");
  await cluster.rbd("snap", "protect", "volumes/parent@golden");
  const parent = { resource: "parent", pool: "volumes", name: "parent", size: "16MiB", import: "volumes/parent" };
  const child = { resource: "child", pool: "volumes", name: "child", size: "16MiB", cloneFrom: { pool: "volumes", image: "parent", snapshot: "golden" } };
  await stack.setSpec({ pools: [pool], images: [base, clone1, parent, child], snapshots: [s1] });
  await stack.up();
  expect((await info("volumes/child"))?.parent).toEqual(expect.objectContaining({ image: "parent", snapshot: "golden" }));
  // The parent goes from the program while its clone stays: it moves to the trash instead of failing.
  await stack.setSpec({ pools: [pool], images: [base, clone1, child], snapshots: [s1] });
  await stack.up();
  expect(await info("volumes/parent")).toBeUndefined();
  const trash = JSON.parse(await cluster.rbd("trash", "ls", "volumes", "--format", "json"));
  expect(trash.map((t: any) => t.name)).toEqual(["parent"]);
  expect((await info("volumes/child"))?.parent).toEqual(expect.objectContaining({ image: "parent", trash: true }));
  // The last clone goes: the trashed parent is purged with it.
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1] });
  await stack.up();
  expect(await info("volumes/child")).toBeUndefined();
  expect(JSON.parse(await cluster.rbd("trash", "ls", "volumes", "--format", "json"))).toEqual([]);
});

test("an image in use is not deleted; one holding data only with forceDestroy", async () => {
  const used = { resource: "used", pool: "volumes", name: "used", size: "16MiB" };
  await stack.setSpec({ pools: [pool], images: [base, clone1, used], snapshots: [s1] });
  await stack.up();
  const c: Cluster = await connect({ conf: cluster.conf, label: "test" });
  const io = await c.openIoCtx("volumes");
  const img = await openImage(io, "used");
  try {
    await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1] });
    const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
    expect(r.stdout + r.stderr).toMatch(/image volumes\/used is in use by 1 client/);
  } finally {
    await img.close();
    await io.close();
    await c.close();
  }
  await cluster.rbd("bench", "--io-type", "write", "--io-size", "64K", "--io-total", "1M", "--io-pattern", "seq", "volumes/used");
  let r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/image volumes\/used holds .* of data; set forceDestroy: true/);
  expect(await info("volumes/used")).toBeDefined();
  await stack.setSpec({ pools: [pool], images: [base, clone1, { ...used, forceDestroy: true }], snapshots: [s1] });
  await stack.up();
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1] });
  r = await stack.up();
  expect(await info("volumes/used")).toBeUndefined();
});

test("rollback to a snapshot happens on request", async () => {
  const img = { resource: "rb", pool: "volumes", name: "rb", size: "16MiB", forceDestroy: true };
  const snap = { resource: "rb-s0", pool: "volumes", image: "rb", name: "s0" };
  await stack.setSpec({ pools: [pool], images: [base, clone1, img], snapshots: [s1, snap] });
  await stack.up();
  await cluster.rbd("bench", "--io-type", "write", "--io-size", "64K", "--io-total", "1M", "--io-pattern", "seq", "volumes/rb");
  const written = JSON.parse(await cluster.rbd("du", "volumes/rb", "--format", "json")).images.find((i: any) => !i.snapshot);
  expect(written.used_size).toBeGreaterThan(0);
  await stack.setSpec({ pools: [pool], images: [base, clone1, img], snapshots: [s1, { ...snap, rollbackRequest: "after-bad-upgrade" }] });
  await stack.up();
  const after = JSON.parse(await cluster.rbd("du", "volumes/rb", "--format", "json")).images.find((i: any) => !i.snapshot);
  expect(after.used_size).toBe(0);
});

test("out-of-band changes are drift: a removed snapshot, a resized image", async () => {
  const s4 = { resource: "s4", pool: "volumes", image: "base", name: "s4" };
  await stack.setSpec({ pools: [pool], images: [base, clone1], snapshots: [s1, s4] });
  await stack.up();
  await cluster.rbd("snap", "rm", "volumes/base@s4");
  await cluster.rbd("resize", "--size", "128M", "volumes/base");
  const r = await stack.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { expectFailure: true });
  // The refresh names what changed; the plan then re-creates the snapshot and resizes the image.
  expect(r.stdout).toMatch(/RbdSnapshot: \(create\)\s*\n\s*\[urn=[^\]]*::s4\]/);
  expect(r.stdout).toMatch(/~ size\s*: 67108864 => 134217728/);
  // The image grew: declaring the new size adopts it; the snapshot comes back with up.
  await stack.setSpec({ pools: [pool], images: [{ ...base, size: "128MiB" }, clone1], snapshots: [s1, s4] });
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect((await snaps("volumes/base")).map((s) => s.name).sort()).toEqual(["s1", "s4"]);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("an image and a snapshot made outside Pulumi are imported", async () => {
  await cluster.rbd("create", "--size", "32M", "volumes/legacy");
  await cluster.rbd("snap", "create", "volumes/legacy@keep");
  const id = (await info("volumes/legacy")).id;
  await stack.setSpec({
    pools: [pool],
    images: [{ ...base, size: "128MiB" }, clone1, { resource: "legacy", pool: "volumes", name: "legacy", size: "32MiB", import: "volumes/legacy", forceDestroy: true }],
    snapshots: [s1, { resource: "keep", pool: "volumes", image: "legacy", name: "keep", import: "volumes/legacy@keep" }],
  });
  await stack.up();
  const state = (await stack.resources()).find((x) => x.urn.endsWith("::legacy"));
  expect(state?.outputs.imageId).toBe(id);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("an image with snapshots nobody declared goes to the trash on delete, snapshots kept", async () => {
  const snapped = { resource: "snapped", pool: "volumes", name: "snapped", size: "8MiB" };
  const keep = [{ ...base, size: "128MiB" }, clone1];
  await stack.setSpec({ pools: [pool], images: [...keep, snapped], snapshots: [s1] });
  await stack.up();
  await cluster.rbd("snap", "create", "volumes/snapped@by-hand");
  await stack.setSpec({ pools: [pool], images: keep, snapshots: [s1] });
  await stack.up();
  expect(await info("volumes/snapped")).toBeUndefined();
  const trash = JSON.parse(await cluster.rbd("trash", "ls", "volumes", "--format", "json"));
  expect(trash.map((t: any) => t.name)).toContain("snapped");
  await cluster.rbd("trash", "restore", "volumes/" + trash.find((t: any) => t.name === "snapped").id);
  expect((await snaps("volumes/snapped")).map((s) => s.name)).toEqual(["by-hand"]);
});

test("renaming an image or a snapshot replaces it", async () => {
  const keep = [{ ...base, size: "128MiB" }, clone1];
  const ren = { resource: "ren", pool: "volumes", name: "ren", size: "8MiB" };
  const renSnap = { resource: "ren-snap", pool: "volumes", image: "ren", name: "first" };
  await stack.setSpec({ pools: [pool], images: [...keep, ren], snapshots: [s1, renSnap] });
  await stack.up();
  const oldId = (await info("volumes/ren")).id;
  await stack.setSpec({ pools: [pool], images: [...keep, { ...ren, name: "ren2" }], snapshots: [s1, { ...renSnap, image: "ren2" }] });
  let r = await stack.up();
  expect(r.stdout).toMatch(/ren\s+replaced/);
  expect(await info("volumes/ren")).toBeUndefined();
  expect((await info("volumes/ren2")).id).not.toBe(oldId);
  expect((await snaps("volumes/ren2")).map((s) => s.name)).toEqual(["first"]);
  await stack.setSpec({ pools: [pool], images: [...keep, { ...ren, name: "ren2" }], snapshots: [s1, { ...renSnap, image: "ren2", name: "second" }] });
  r = await stack.up();
  expect(r.stdout).toMatch(/ren-snap\s+replaced/);
  expect((await snaps("volumes/ren2")).map((s) => s.name)).toEqual(["second"]);
});
