// Ownership markers through the real engine: every object a stack creates names its owner, a create
// that finds its own object (a crash, a lost or emptied state) adopts it, and one that finds anyone
// else's refuses, naming the owner and the import option, without changing or deleting it.
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { generateCephxKey } from "../provider/cephx";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);
const MiB = 2 ** 20;
const program = path.join(repoRoot, "test", "programs", "ceph-resources");

let cluster: TestCluster;
let stack: TestStack;
let other: TestStack;

const pool = { resource: "adopt-pool", name: "adopt", application: "rbd", forceDestroy: true };
const user = { resource: "adopt-user", entity: "client.adopt", rbdPools: ["adopt"] };
const snap = { resource: "s1", pool: "adopt", image: "img1", name: "s1", protected: true };
const img = (n: number) => ({ resource: `img${n}`, pool: "adopt", name: `img${n}`, size: "16MiB" });
const images = [img(1), img(2), img(3)];

async function rbdList(p: string): Promise<string[]> {
  return JSON.parse(await cluster.rbd("ls", p, "--format", "json")).sort();
}
async function imageMeta(spec: string, key: string): Promise<string> {
  return (await cluster.rbd("image-meta", "get", spec, key)).trim();
}
async function stateTypes(s: TestStack): Promise<string[]> {
  return (await s.resources()).map((r) => r.type.replace("pulumi-nodejs:dynamic/ceph:", "")).filter((t) => !t.startsWith("pulumi:")).sort();
}

/** Loses the stack's record of every resource whose type matches, as a truncated or old checkpoint would. */
async function forget(s: TestStack, types: RegExp): Promise<void> {
  const exported = JSON.parse((await s.run(["stack", "export"])).stdout);
  exported.deployment.resources = (exported.deployment.resources ?? []).filter((r: { type: string }) => !types.test(r.type));
  const file = path.join(s.backendDir, "tmp", "emptied.json");
  fs.writeFileSync(file, JSON.stringify(exported));
  await s.run(["stack", "import", "--file", file]);
}

/** Both stacks get the admin key as stack config (a secret), as a real deployment would. */
async function configure(s: TestStack): Promise<void> {
  await s.setConfig("ceph:monHost", cluster.monHost);
  await s.setConfig("ceph:entity", "client.admin");
  await s.setConfig("ceph:key", cluster.adminKey, { secret: true });
  await s.setConfig("ceph:label", "adopt-test");
}

async function authGet(entity: string): Promise<{ key: string; caps: Record<string, string> } | undefined> {
  try {
    return (await cluster.cephJson("auth", "get", entity))[0];
  } catch (err) {
    if (/ENOENT|failed to find/.test(String(err))) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  cluster = startCluster();
  stack = await createStack(program, "test-adopt");
  await configure(stack);
  other = await createStack(program, "test-adopt-other");
  await configure(other);
});

afterAll(async () => {
  await other?.teardown();
  await stack?.teardown();
  cluster?.stop();
});

test("every image created names its owner: project, stack and resource", async () => {
  await stack.setSpec({ pools: [pool], images });
  await stack.up();
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
  expect(await imageMeta("adopt/img2", "pulumi-owner")).toBe(`ceph-resources/${stack.name}/img2`);
});

test("up on a state that lost its images adopts them instead of failing or duplicating", async () => {
  await forget(stack, /RbdImage$/);
  expect(await stateTypes(stack)).toEqual(["Pool"]);
  await stack.up();
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
  expect(await stateTypes(stack)).toEqual(["Pool", "RbdImage", "RbdImage", "RbdImage"]);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("an adopted image must still match the declaration: a different size is refused, nothing changed", async () => {
  await forget(stack, /RbdImage$/);
  await stack.setSpec({ pools: [pool], images: [img(1), img(2), { ...img(3), size: "32MiB" }] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/image adopt\/img3 already exists, created by this resource, but differs from the declaration \(size: declared 33554432, actual 16777216\)/);
  expect(JSON.parse(await cluster.rbd("info", "adopt/img3", "--format", "json")).size).toBe(16 * MiB);
  await stack.setSpec({ pools: [pool], images });
  await stack.up();
  expect(await stateTypes(stack)).toEqual(["Pool", "RbdImage", "RbdImage", "RbdImage"]);
});

test("an image made by hand is refused as not created by this stack, and left alone", async () => {
  await cluster.rbd("create", "adopt/hand", "--size", "8");
  await stack.setSpec({ pools: [pool], images: [...images, { resource: "hand", pool: "adopt", name: "hand", size: "8MiB" }] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(
    /image adopt\/hand already exists and it was not created by this stack; nothing was changed\. To manage it from this resource, declare it with the resource option import: "adopt\/hand"/,
  );
  expect(JSON.parse(await cluster.rbd("info", "adopt/hand", "--format", "json")).size).toBe(8 * MiB);
  await stack.setSpec({ pools: [pool], images: [...images, { resource: "hand", pool: "adopt", name: "hand", size: "8MiB", import: "adopt/hand" }] });
  await stack.up();
  expect(await stateTypes(stack)).toEqual(["Pool", "RbdImage", "RbdImage", "RbdImage", "RbdImage"]);
  await stack.setSpec({ pools: [pool], images });
  await stack.up();
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
});

test("another stack's image is refused, naming its owner; neither stack's objects change", async () => {
  await other.setSpec({ images: [{ ...img(2), resource: "theirs" }] });
  const r = await other.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toContain(`image adopt/img2 already exists and it was created by ceph-resources/${stack.name}/img2; nothing was changed`);
  expect(await stateTypes(other)).toEqual([]);
  expect(await imageMeta("adopt/img2", "pulumi-owner")).toBe(`ceph-resources/${stack.name}/img2`);
  await other.setSpec({});
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("pool, user and snapshot: markers written, and a lost state adopts them all", async () => {
  await stack.setSpec({ pools: [pool], users: [user], images, snapshots: [snap] });
  await stack.up();
  const apps = await cluster.cephJson("osd", "pool", "application", "get", "adopt");
  expect(apps).toEqual({ rbd: { "pulumi-owner": `ceph-resources/${stack.name}/adopt-pool` } });
  expect(await imageMeta("adopt/img1", "pulumi-owner.snap.s1")).toBe(`ceph-resources/${stack.name}/s1`);
  const key = (await authGet("client.adopt"))!.key;
  await forget(stack, /ceph:(Pool|CephUser|RbdImage|RbdSnapshot)$/);
  expect(await stateTypes(stack)).toEqual([]);
  await stack.up();
  expect(await stateTypes(stack)).toEqual(["CephUser", "Pool", "RbdImage", "RbdImage", "RbdImage", "RbdSnapshot"]);
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).toEqual(expect.arrayContaining(["adopt"]));
  expect((await authGet("client.adopt"))!.key).toBe(key); // the same user, not a new key
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
  // Neither the admin key, the user's key, nor an unsalted digest of either is in the state.
  const state = stack.stateText();
  for (const secret of [cluster.adminKey, key]) {
    expect(state).not.toContain(secret);
    expect(state).not.toContain(createHash("sha256").update(secret).digest("hex"));
  }
});

test("another stack's pool, user and snapshot are refused, the owner named, nothing changed", async () => {
  await other.setSpec({ pools: [{ ...pool, resource: "their-pool" }] });
  let r = await other.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toContain(`pool adopt already exists and it was created by ceph-resources/${stack.name}/adopt-pool; nothing was changed`);
  await other.setSpec({ snapshots: [{ ...snap, resource: "their-snap" }] });
  r = await other.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toContain(`snapshot adopt/img1@s1 already exists and it was created by ceph-resources/${stack.name}/s1; nothing was changed`);
  // A user declared with other caps than the one that exists is not taken for this stack's.
  await other.setSpec({ users: [{ ...user, resource: "their-user", rbdPools: ["elsewhere"] }] });
  r = await other.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/client\.adopt already exists and it was not created by this stack \(caps: declared .*elsewhere.*\); nothing was changed/);
  expect(await stateTypes(other)).toEqual([]);
  await other.setSpec({});
  expect((await authGet("client.adopt"))!.caps.osd).toBe("profile rbd pool=adopt");
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("a pool made by hand is refused, its settings untouched, and destroy leaves it", async () => {
  await cluster.ceph("osd", "pool", "create", "handpool", "8");
  await stack.setSpec({ pools: [pool, { resource: "hand-pool", name: "handpool", application: "rbd", quota: { maxObjects: 10 } }] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/pool handpool already exists and it was not created by this stack; nothing was changed\. To manage it from this resource, declare it with the resource option import: "handpool"/);
  expect(await cluster.cephJson("osd", "pool", "application", "get", "handpool")).toEqual({});
  const detail = (await cluster.cephJson("osd", "pool", "ls", "detail")) as Array<{ pool_name: string; quota_max_objects: number }>;
  expect(detail.find((p) => p.pool_name === "handpool")?.quota_max_objects).toBe(0);
  await stack.setSpec({ pools: [pool] });
  await stack.up();
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).toContain("handpool");
  await cluster.ceph("osd", "pool", "delete", "handpool", "handpool", "--yes-i-really-really-mean-it");
});

test("an image in an RBD namespace keeps its pool from being deleted without forceDestroy", async () => {
  const nsPool = { resource: "ns-pool", name: "nsdata", application: "rbd" };
  await stack.setSpec({ pools: [pool, nsPool] });
  await stack.up();
  await cluster.rbd("namespace", "create", "nsdata/tenant1");
  await cluster.rbd("create", "nsdata/tenant1/inner", "--size", "8");
  await stack.setSpec({ pools: [pool] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/pool nsdata holds 1 RBD image\(s\): tenant1\/inner .*forceDestroy: true/s);
  expect(JSON.parse(await cluster.rbd("ls", "nsdata/tenant1", "--format", "json"))).toEqual(["inner"]);
  // Empty again (the namespace's own bookkeeping objects are not data): deleted without the flag.
  await cluster.rbd("rm", "nsdata/tenant1/inner");
  await cluster.rbd("namespace", "remove", "nsdata/tenant1");
  await stack.up();
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).not.toContain("nsdata");
});

test("a non-rbd pool with an object just written is not deleted without forceDestroy", async () => {
  const raw = { resource: "raw-pool", name: "rawdata", application: "rgw" };
  await stack.setSpec({ pools: [pool, raw] });
  await stack.up();
  const file = path.join(stack.backendDir, "tmp", "object");
  fs.writeFileSync(file, "payload");
  await execRados(["-p", "rawdata", "put", "obj1", file]);
  await stack.setSpec({ pools: [pool] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/pool rawdata holds 1 object\(s\); deleting it would destroy that data/);
  await execRados(["-p", "rawdata", "rm", "obj1"]);
  await stack.up();
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).not.toContain("rawdata");
});

test("importing a user whose declared key differs says so without printing either key", async () => {
  await cluster.ceph("auth", "get-or-create", "client.keyed", "mon", "profile rbd");
  const actual = (await authGet("client.keyed"))!.key;
  const declared = generateCephxKey();
  await stack.setSpec({ pools: [pool], users: [{ resource: "keyed", entity: "client.keyed", key: declared, caps: { mon: "profile rbd" }, import: "client.keyed" }] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  const out = r.stdout + r.stderr;
  expect(out).toMatch(/cannot import user client\.keyed: the declaration differs from the cluster \(key differs\)/);
  expect(out).not.toContain(actual);
  expect(out).not.toContain(declared);
  expect((await authGet("client.keyed"))!.key).toBe(actual);
  await stack.setSpec({ pools: [pool] });
  await cluster.ceph("auth", "del", "client.keyed");
});

test("ceph:longOpTimeoutSec is stack config: checked at preview, carried to the provider", async () => {
  await stack.setSpec({ pools: [pool] });
  await stack.setConfig("ceph:longOpTimeoutSec", "0");
  const r = await stack.run(["preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/connection\.longOpTimeoutSec: /);
  await stack.setConfig("ceph:longOpTimeoutSec", "600");
  await stack.up();
  const poolState = (await stack.resources()).find((x) => x.type.endsWith("ceph:Pool"));
  expect(poolState?.inputs.connection.longOpTimeoutSec).toBe(600);
});

function execRados(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("rados", ["-c", cluster.conf, ...args], { encoding: "utf8", timeout: 60_000 }, (e, out) => (e ? reject(e) : resolve(out))),
  );
}

test("a deleted checkpoint: stack init, then up adopts this stack's objects instead of duplicating them", async () => {
  await stack.setSpec({ pools: [pool], users: [user], images, snapshots: [snap] });
  await stack.up();
  const before = await stateTypes(stack);
  const checkpoints = path.join(stack.backendDir, ".pulumi", "stacks", "ceph-resources");
  for (const f of fs.readdirSync(checkpoints)) if (f.startsWith(`${stack.name}.json`)) fs.rmSync(path.join(checkpoints, f));
  await stack.run(["stack", "init"]);
  expect(await stateTypes(stack)).toEqual([]);
  await stack.up();
  expect(await stateTypes(stack)).toEqual(before);
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});
