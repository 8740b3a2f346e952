// The drift matrix for the kinds the OpenStack program does not declare directly: pools with every
// setting, a user with extra caps, images (size, features) and snapshots (protected), through the
// spec-driven test program, the real engine and a real cluster. One batch of out-of-band changes
// (ceph/rbd CLIs, deletions) to distinct resources; `ceph-drift` exits 1 with exactly those rows,
// `pulumi up --refresh` repairs them, and `ceph-drift` then exits 0. Then no rows after an in-place
// update and after a replace.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { expectNoDrift as expectNoDriftOn, runDrift } from "./helpers/drift";
import { createStack, type TestStack } from "./helpers/pulumi";

const expectNoDrift = () => expectNoDriftOn(stack);
const execFileAsync = promisify(execFile);

jest.setTimeout(600_000);

let cluster: TestCluster;
let stack: TestStack;
let scratch: string;

const pool = { resource: "dp", name: "dp", application: "rbd", size: 1, pgAutoscaleMode: "on", quota: { maxBytes: "1GiB", maxObjects: 1000 }, forceDestroy: true };
// Size 2 on one OSD stays active with min_size 1; min_size 2 set by hand stops its I/O until repaired.
const pool2 = { resource: "dp2", name: "dp2", application: "rbd", size: 2, minSize: 1, forceDestroy: true };
const pool3 = { resource: "dp3", name: "dp3", application: "rbd", size: 1, pgNum: 8, pgAutoscaleMode: "off", crushRule: "replicated_rule", forceDestroy: true };
// The data pool of img6 (a second replicated pool: RBD data pools need overwrites, which replicated pools have).
const dataPool = { resource: "dpd", name: "dpd", application: "rbd", size: 1, forceDestroy: true };
const user = { resource: "du", entity: "client.du", caps: { mon: "profile rbd", osd: "profile rbd pool=dp" } };
// A user whose key the program declares (from secret stack config).
const user2 = { resource: "du2", entity: "client.du2", caps: { mon: "profile rbd", osd: "profile rbd pool=dp" }, keyConfig: "du2Key" };
const img = { resource: "img", pool: "dp", name: "img", size: "64MiB", forceDestroy: true };
const img2 = { resource: "img2", pool: "dp", name: "img2", size: "64MiB", forceDestroy: true };
const img3 = { resource: "img3", pool: "dp", name: "img3", size: "64MiB", features: ["layering", "exclusive-lock", "object-map", "fast-diff"], forceDestroy: true };
const img4 = { resource: "img4", pool: "dp", name: "img4", size: "64MiB", forceDestroy: true };
// Immutable settings: no forceDestroy, so the replace that repairs them deletes only an empty image.
const img5 = { resource: "img5", pool: "dp", name: "img5", size: "64MiB", objectSize: "4MiB" };
const img6 = { resource: "img6", pool: "dp", name: "img6", size: "64MiB", dataPool: "dpd" };
const s1 = { resource: "s1", pool: "dp", image: "img", name: "s1", protected: true };
const s2 = { resource: "s2", pool: "dp", image: "img2", name: "s2" };
let spec = { pools: [pool, pool2, pool3, dataPool], users: [user, user2], images: [img, img2, img3, img4, img5, img6], snapshots: [s1, s2] };

const drift = async () => (await runDrift(stack, ["--json"])) as { code: number; stderr: string; json: any };

const row = (resource: string, type: string, property: string, declared: string, actual: string, action = "update") => ({ resource, type, property, declared, actual, action });

beforeAll(async () => {
  cluster = startCluster();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "drift-res-"));
  stack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "test-drift-res");
  await stack.setConfig("ceph:conf", cluster.conf);
  await stack.setConfig("du2Key", await cephxKey(), { secret: true });
});

async function cephxKey(): Promise<string> {
  return (await execFileAsync("ceph-authtool", ["--gen-print-key"], { encoding: "utf8", timeout: 30_000 })).stdout.trim();
}

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test("no rows right after create, and a refresh returns exactly what create returned", async () => {
  await stack.setSpec(spec);
  await stack.up();
  await expectNoDrift();
  await stack.run(["refresh", "--yes", "--expect-no-changes"]);
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
  await cluster.ceph("osd", "pool", "set", "dp2", "min_size", "2");
  await cluster.ceph("osd", "crush", "rule", "create-replicated", "by-osd", "default", "osd");
  await cluster.ceph("osd", "pool", "set", "dp3", "crush_rule", "by-osd");
  await cluster.ceph("osd", "pool", "set", "dp3", "pg_num", "16");
  // Object size and data pool cannot change on an image: out of band, the image is removed and
  // made again under its name with another one.
  await cluster.rbd("rm", "dp/img5");
  await cluster.rbd("create", "dp/img5", "--size", "64M", "--object-size", "8M");
  await cluster.ceph("osd", "pool", "create", "dpd2", "8");
  await cluster.rbd("pool", "init", "dpd2");
  await cluster.rbd("rm", "dp/img6");
  await cluster.rbd("create", "dp/img6", "--size", "64M", "--data-pool", "dpd2");
  // The declared user's key replaced with another one (same caps).
  const keyring = path.join(scratch, "du2.keyring");
  fs.writeFileSync(keyring, `[client.du2]\n\tkey = ${await cephxKey()}\n\tcaps mon = "profile rbd"\n\tcaps osd = "profile rbd pool=dp"\n`, { mode: 0o600 });
  await cluster.ceph("auth", "import", "-i", keyring);

  const r = await drift();
  expect(r.code).toBe(1);
  expect(r.json.rows).toEqual([
    row("dp", "ceph:Pool", "pgAutoscaleMode", "on", "warn"),
    row("dp", "ceph:Pool", "quota.maxBytes", "1 GiB", "2 GiB"),
    row("dp2", "ceph:Pool", "minSize", "1", "2"),
    row("dp3", "ceph:Pool", "crushRule", "replicated_rule", "by-osd"),
    row("dp3", "ceph:Pool", "pgNum", "8", "16"),
    row("du", "ceph:CephUser", "caps.mds", "-", "allow"),
    row("du2", "ceph:CephUser", "key", "[secret]", "[secret]"),
    row("img", "ceph:RbdImage", "size", "64 MiB", "128 MiB"),
    row("img3", "ceph:RbdImage", "features", "exclusive-lock,fast-diff,layering,object-map", "exclusive-lock,layering", "replace"),
    row("img4", "ceph:RbdImage", "(resource)", "present", "gone", "create"),
    row("img5", "ceph:RbdImage", "objectSize", "4 MiB", "8 MiB", "replace"),
    row("img6", "ceph:RbdImage", "dataPool", "dpd", "dpd2", "replace"),
    row("s1", "ceph:RbdSnapshot", "protected", "true", "false"),
    row("s2", "ceph:RbdSnapshot", "(resource)", "present", "gone", "create"),
  ]);
  expect(r.json.follows).toEqual([]);

  // Shrinking back to the declared size discards data: the declaration has to say so.
  spec = { ...spec, images: [{ ...img, allowShrink: true } as typeof img, img2, img3, img4, img5, img6] };
  await stack.setSpec(spec);
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  await expectNoDrift();
  const info = async (image: string) => JSON.parse(await cluster.rbd("info", `dp/${image}`, "--format", "json"));
  expect((await info("img")).size).toBe(64 * 2 ** 20);
  expect((await info("img5")).object_size).toBe(4 * 2 ** 20);
  expect((await info("img6")).data_pool).toBe("dpd");
  expect((await cluster.cephJson("osd", "pool", "get", "dp2", "min_size")).min_size).toBe(1);
  expect((await cluster.cephJson("osd", "pool", "get", "dp3", "crush_rule")).crush_rule).toBe("replicated_rule");
  const du2 = (await stack.resources()).find((r) => r.urn.endsWith("::du2"))!;
  expect((await cluster.ceph("auth", "print-key", "client.du2")).trim()).toBe(du2.inputs.key);
  console.log(`resources batch (15 rows, repair, recheck): ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("no rows after an in-place update and after a replace", async () => {
  spec = { ...spec, images: [spec.images[0], { ...img2, size: "96MiB" }, img3, img4, img5, img6] };
  await stack.setSpec(spec);
  let r = await stack.run(["up", "--yes"]);
  expect(r.stdout).toMatch(/~ 1 updated/);
  await expectNoDrift();

  spec = { ...spec, images: [spec.images[0], spec.images[1], { ...img3, name: "img3b" }, img4, img5, img6] };
  await stack.setSpec(spec);
  r = await stack.run(["up", "--yes"]);
  expect(r.stdout).toMatch(/\+-\s+pulumi-nodejs:dynamic\/ceph:RbdImage\s+img3\s+replaced/);
  await expectNoDrift();
});
