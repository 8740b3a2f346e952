// The drift matrix for the kinds the OpenStack program does not declare directly: pools with every
// setting, a user with extra caps, images (size, features) and snapshots (protected), through the
// spec-driven test program, the real engine and a real cluster. One batch of out-of-band changes
// (ceph/rbd CLIs, deletions) to distinct resources; `ceph-drift` exits 1 with exactly those rows,
// `pulumi up --refresh` repairs them, and `ceph-drift` then exits 0. Then no rows after an in-place
// update and after a replace.
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { expectNoDrift as expectNoDriftOn, runDrift } from "./helpers/drift";
import { createStack, type TestStack } from "./helpers/pulumi";

const expectNoDrift = () => expectNoDriftOn(stack);

jest.setTimeout(600_000);

let cluster: TestCluster;
let stack: TestStack;

const pool = { resource: "dp", name: "dp", application: "rbd", size: 1, pgAutoscaleMode: "on", quota: { maxBytes: "1GiB", maxObjects: 1000 }, forceDestroy: true };
const user = { resource: "du", entity: "client.du", caps: { mon: "profile rbd", osd: "profile rbd pool=dp" } };
const img = { resource: "img", pool: "dp", name: "img", size: "64MiB", forceDestroy: true };
const img2 = { resource: "img2", pool: "dp", name: "img2", size: "64MiB", forceDestroy: true };
const img3 = { resource: "img3", pool: "dp", name: "img3", size: "64MiB", features: ["layering", "exclusive-lock", "object-map", "fast-diff"], forceDestroy: true };
const img4 = { resource: "img4", pool: "dp", name: "img4", size: "64MiB", forceDestroy: true };
const s1 = { resource: "s1", pool: "dp", image: "img", name: "s1", protected: true };
const s2 = { resource: "s2", pool: "dp", image: "img2", name: "s2" };
let spec = { pools: [pool], users: [user], images: [img, img2, img3, img4], snapshots: [s1, s2] };

const drift = async () => (await runDrift(stack, ["--json"])) as { code: number; stderr: string; json: any };

const row = (resource: string, type: string, property: string, declared: string, actual: string, action = "update") => ({ resource, type, property, declared, actual, action });

beforeAll(async () => {
  cluster = startCluster();
  stack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "test-drift-res");
  await stack.setConfig("ceph:conf", cluster.conf);
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("no rows right after create", async () => {
  await stack.setSpec(spec);
  await stack.up();
  await expectNoDrift();
});

test("every managed setting of pool, user, image and snapshot, changed out of band: exact rows, repaired by up --refresh", async () => {
  const started = Date.now();
  await cluster.ceph("osd", "pool", "set", "dp", "pg_autoscale_mode", "warn");
  await cluster.ceph("osd", "pool", "set-quota", "dp", "max_bytes", String(2 * 2 ** 30));
  await cluster.ceph("auth", "caps", "client.du", "mon", "profile rbd", "osd", "profile rbd pool=dp", "mds", "allow");
  await cluster.rbd("resize", "dp/img", "--size", "128M");
  await cluster.rbd("feature", "disable", "dp/img3", "fast-diff", "object-map");
  await cluster.rbd("rm", "dp/img4");
  await cluster.rbd("snap", "unprotect", "dp/img@s1");
  await cluster.rbd("snap", "rm", "dp/img2@s2");

  const r = await drift();
  expect(r.code).toBe(1);
  expect(r.json.rows).toEqual([
    row("dp", "ceph:Pool", "pgAutoscaleMode", "on", "warn"),
    row("dp", "ceph:Pool", "quota.maxBytes", "1 GiB", "2 GiB"),
    row("du", "ceph:CephUser", "caps.mds", "-", "allow"),
    row("img", "ceph:RbdImage", "size", "64 MiB", "128 MiB"),
    row("img3", "ceph:RbdImage", "features", "exclusive-lock,fast-diff,layering,object-map", "exclusive-lock,layering", "replace"),
    row("img4", "ceph:RbdImage", "(resource)", "present", "gone", "create"),
    row("s1", "ceph:RbdSnapshot", "protected", "true", "false"),
    row("s2", "ceph:RbdSnapshot", "(resource)", "present", "gone", "create"),
  ]);
  expect(r.json.follows).toEqual([]);

  // Shrinking back to the declared size discards data: the declaration has to say so.
  spec = { ...spec, images: [{ ...img, allowShrink: true } as typeof img, img2, img3, img4] };
  await stack.setSpec(spec);
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  await expectNoDrift();
  expect(JSON.parse(await cluster.rbd("info", "dp/img", "--format", "json")).size).toBe(64 * 2 ** 20);
  console.log(`resources batch (8 rows, repair, recheck): ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("no rows after an in-place update and after a replace", async () => {
  spec = { ...spec, images: [spec.images[0], { ...img2, size: "96MiB" }, img3, img4] };
  await stack.setSpec(spec);
  let r = await stack.run(["up", "--yes"]);
  expect(r.stdout).toMatch(/~ 1 updated/);
  await expectNoDrift();

  spec = { ...spec, images: [spec.images[0], spec.images[1], { ...img3, name: "img3b" }, img4] };
  await stack.setSpec(spec);
  r = await stack.run(["up", "--yes"]);
  expect(r.stdout).toMatch(/\+-\s+pulumi-nodejs:dynamic\/ceph:RbdImage\s+img3\s+replaced/);
  await expectNoDrift();
});
