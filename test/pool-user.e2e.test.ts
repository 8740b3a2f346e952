// Pool and CephUser through the real engine against a real cluster: create, no-op, in-place update,
// replace, drift made with the ceph CLI (seen by preview --refresh and by ceph-drift), import,
// refusals, and no key material in state or output.
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);
const execFileAsync = promisify(execFile);

let cluster: TestCluster;
let stack: TestStack;

const volumes = { resource: "volumes", name: "volumes", application: "rbd", size: 1, quota: { maxObjects: 1000 } };
const cinder = { resource: "cinder", entity: "client.cinder", rbdPools: ["volumes"] };

async function authGet(entity: string): Promise<{ key: string; caps: Record<string, string> } | undefined> {
  try {
    const [e] = await cluster.cephJson("auth", "get", entity);
    return e;
  } catch (err) {
    if (/ENOENT|failed to find/.test(String(err))) return undefined;
    throw err;
  }
}

async function poolGet(pool: string, key: string): Promise<any> {
  return (await cluster.cephJson("osd", "pool", "get", pool, key))[key];
}

/** Quotas from the osdmap (`osd pool get-quota` answers ENOENT until the mgr has reported stats for a new pool). */
async function quota(pool: string): Promise<{ quota_max_objects: number; quota_max_bytes: number }> {
  const detail = (await cluster.cephJson("osd", "pool", "ls", "detail")) as Array<{ pool_name: string; quota_max_objects: number; quota_max_bytes: number }>;
  return detail.find((p) => p.pool_name === pool)!;
}

async function drift(json = true): Promise<{ code: number; out: any; text: string }> {
  const args = [path.join(repoRoot, "dist", "bin", "ceph-drift.js"), "--stack", stack.name, "--cwd", stack.programDir, ...(json ? ["--json"] : [])];
  try {
    const r = await execFileAsync("node", args, { env: stack.env, encoding: "utf8" });
    return { code: 0, out: json ? JSON.parse(r.stdout) : undefined, text: r.stdout };
  } catch (e: any) {
    return { code: e.code, out: json && e.stdout ? JSON.parse(e.stdout) : undefined, text: String(e.stdout) + String(e.stderr) };
  }
}

beforeAll(async () => {
  cluster = startCluster();
  stack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "test-pooluser");
  await stack.setConfig("ceph:conf", cluster.conf);
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("up creates the pool (rbd-initialised, quota) and the user with rbd-profile caps", async () => {
  await stack.setSpec({ pools: [volumes], users: [cinder] });
  const r = await stack.up();
  expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:Pool");
  expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:CephUser");
  expect(await poolGet("volumes", "size")).toBe(1);
  expect(Object.keys((await cluster.cephJson("osd", "pool", "application", "get", "volumes")) ?? {})).toEqual(["rbd"]);
  expect((await quota("volumes")).quota_max_objects).toBe(1000);
  const user = await authGet("client.cinder");
  expect(user?.caps).toEqual({ mon: "profile rbd", osd: "profile rbd pool=volumes", mgr: "profile rbd pool=volumes" });
  const state = (await stack.resources()).find((x) => x.type === "pulumi-nodejs:dynamic/ceph:CephUser");
  expect(state?.outputs.key).toBe(user?.key);
  expect(state?.outputs.keyring).toContain(`[client.cinder]\n\tkey = ${user?.key}`);
});

test("a second up is a no-op, with and without refresh, and ceph-drift reports nothing", async () => {
  await stack.run(["preview", "--expect-no-changes"]);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
  const d = await drift();
  expect(d.code).toBe(0);
  expect(d.out.drift).toBe(false);
});

test("no key material in the state file or the engine's output", async () => {
  const key = (await authGet("client.cinder"))!.key;
  expect(stack.stateText()).not.toContain(key);
  expect(stack.stateText()).not.toContain(cluster.adminKey);
  const r = await stack.run(["stack", "output", "--json"]);
  expect(r.stdout).not.toContain(key);
  const preview = await stack.run(["preview", "--diff", "--refresh"]);
  expect(preview.stdout + preview.stderr).not.toContain(key);
});

test("settings and caps change in place; the key stays", async () => {
  const before = await authGet("client.cinder");
  await stack.setSpec({
    pools: [{ ...volumes, quota: { maxObjects: 2000, maxBytes: "1GiB" } }, { resource: "vms", name: "vms", application: "rbd" }],
    users: [{ ...cinder, rbdPools: ["volumes", "vms"], rbdReadOnlyPools: ["images"] }],
  });
  const r = await stack.up();
  expect(r.stdout).toMatch(/volumes\s+updated/);
  expect(r.stdout).toMatch(/cinder\s+updated/);
  const q = await quota("volumes");
  expect(q.quota_max_objects).toBe(2000);
  expect(q.quota_max_bytes).toBe(2 ** 30);
  const after = await authGet("client.cinder");
  expect(after?.key).toBe(before?.key);
  expect(after?.caps).toEqual({
    mon: "profile rbd",
    osd: "profile rbd pool=volumes, profile rbd pool=vms, profile rbd-read-only pool=images",
    mgr: "profile rbd pool=volumes, profile rbd pool=vms",
  });
});

test("key rotation on request replaces the key without deleting the user", async () => {
  const before = await authGet("client.cinder");
  await stack.setSpec({
    pools: [{ ...volumes, quota: { maxObjects: 2000, maxBytes: "1GiB" } }, { resource: "vms", name: "vms", application: "rbd" }],
    users: [{ ...cinder, rbdPools: ["volumes", "vms"], rbdReadOnlyPools: ["images"], keyVersion: 2 }],
  });
  await stack.up();
  const after = await authGet("client.cinder");
  expect(after?.key).toBeDefined();
  expect(after?.key).not.toBe(before?.key);
  expect(after?.caps).toEqual(before?.caps);
  const state = (await stack.resources()).find((x) => x.type === "pulumi-nodejs:dynamic/ceph:CephUser");
  expect(state?.outputs.key).toBe(after?.key);
});

test("drift made with the ceph CLI fails the gate and is named by property", async () => {
  await cluster.ceph("osd", "pool", "set", "volumes", "size", "2", "--yes-i-really-mean-it");
  await cluster.ceph("auth", "caps", "client.cinder", "mon", "allow r");
  const gate = await stack.run(["preview", "--refresh", "--expect-no-changes"], { expectFailure: true });
  expect(gate.code).not.toBe(0);
  const d = await drift();
  expect(d.code).toBe(1);
  const props = d.out.rows.map((r: any) => `${r.resource}.${r.property}`).sort();
  // One row per daemon whose caps changed (all three: only mon is left, as "allow r").
  expect(props).toEqual(["cinder.caps.mgr", "cinder.caps.mon", "cinder.caps.osd", "volumes.size"]);
  const table = await drift(false);
  expect(table.text).toMatch(/volumes\s+ceph:Pool\s+size\s+1\s+2\s+update/);
  // up --refresh puts the declared state back (plain up trusts the state it has).
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect(await poolGet("volumes", "size")).toBe(1);
  expect((await authGet("client.cinder"))?.caps.mon).toBe("profile rbd");
  expect((await drift()).code).toBe(0);
});

test("renaming a pool replaces it (the empty old pool goes)", async () => {
  await stack.setSpec({
    pools: [{ ...volumes, quota: { maxObjects: 2000, maxBytes: "1GiB" } }, { resource: "vms", name: "vms-2", application: "rbd" }],
    users: [{ ...cinder, rbdPools: ["volumes", "vms"], rbdReadOnlyPools: ["images"], keyVersion: 2 }],
  });
  const r = await stack.up();
  expect(r.stdout).toMatch(/vms\s+replaced/);
  const pools = (await cluster.cephJson("osd", "pool", "ls")) as string[];
  expect(pools).toContain("vms-2");
  expect(pools).not.toContain("vms");
});

test("an existing user is adopted with the import option", async () => {
  await cluster.ceph("auth", "get-or-create", "client.glance", "mon", "profile rbd", "osd", "profile rbd pool=images", "mgr", "profile rbd pool=images");
  const key = (await authGet("client.glance"))!.key;
  const spec = {
    pools: [{ ...volumes, quota: { maxObjects: 2000, maxBytes: "1GiB" } }],
    users: [
      { ...cinder, rbdPools: ["volumes", "vms"], rbdReadOnlyPools: ["images"], keyVersion: 2 },
      { resource: "glance", entity: "client.glance", rbdPools: ["images"], import: "client.glance" },
    ],
  };
  // A declaration that does not match what exists is refused, and nothing changes.
  await stack.setSpec({ ...spec, users: [spec.users[0], { ...spec.users[1], rbdPools: ["other"] }] });
  const bad = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(bad.stdout + bad.stderr).toMatch(/cannot import user client.glance: the declaration differs.*caps/);
  expect((await authGet("client.glance"))?.caps.osd).toBe("profile rbd pool=images");
  await stack.setSpec(spec);
  await stack.up();
  const glance = (await stack.resources()).find((x) => x.urn.endsWith("::glance"));
  expect(glance?.outputs.key).toBe(key);
  expect((await authGet("client.glance"))?.key).toBe(key);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("a pool holding data is not destroyed without forceDestroy", async () => {
  await cluster.rbd("create", "--size", "8M", "volumes/hand-made");
  const spec = { pools: [], users: [] };
  await stack.setSpec(spec);
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/pool volumes holds 1 RBD image\(s\): hand-made.*forceDestroy: true/s);
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).toContain("volumes");
});

test("the monitors refusing pool deletion is reported plainly", async () => {
  await stack.setSpec({ pools: [{ ...volumes, quota: { maxObjects: 2000, maxBytes: "1GiB" }, forceDestroy: true }] });
  await stack.up();
  await cluster.ceph("tell", "mon.a", "injectargs", "--mon_allow_pool_delete=false");
  try {
    await stack.setSpec({});
    const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
    expect(r.stdout + r.stderr).toMatch(/mon_allow_pool_delete is false/);
  } finally {
    await cluster.ceph("tell", "mon.a", "injectargs", "--mon_allow_pool_delete=true");
  }
  await stack.up();
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).not.toContain("volumes");
  expect(await authGet("client.cinder")).toBeUndefined();
  expect(await authGet("client.glance")).toBeUndefined();
});

test("bad input is rejected at preview, naming the field, before anything is created", async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ pools: [{ resource: "p", name: "bad/name" }] }, /name: .*must not contain '@' or '\/'|name: name may hold only/],
    [{ pools: [{ resource: "p", name: "p", size: 2, minSize: 3 }] }, /minSize: must not exceed size/],
    [{ users: [{ resource: "u", entity: "cinder", caps: { mon: "profile rbd" } }] }, /entity: must be a client entity/],
    [{ users: [{ resource: "u", entity: "client.u", caps: { osd: "bogus caps" } }] }, /caps.osd: grant "bogus caps"/],
    [{ images: [{ resource: "i", pool: "p", name: "i", size: "10GB" }] }, /size: "10GB" is ambiguous/],
  ];
  for (const [spec, message] of cases) {
    await stack.setSpec(spec);
    const r = await stack.run(["preview"], { expectFailure: true });
    expect(r.stdout + r.stderr).toMatch(message);
  }
  expect((await cluster.cephJson("osd", "pool", "ls")) as string[]).not.toContain("p");
  await stack.setSpec({});
});
