// README claims no other engine test covers, through the real engine against a real cluster
// (3 mons, 3 OSDs: an erasure-coded data pool and a monitor that can leave): pool settings, a pool
// holding objects, image features / object size / data pool / shrink / default clone depth, a chosen
// key and its rotation, keyring files (overwrite, drift), client files (types, secrets), a changed
// monitor map, and the refusals nothing else exercises.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { connect, openImage } from "../native";
import { generateCephxKey } from "../provider/cephx";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);
const execFileAsync = promisify(execFile);
const MiB = 2 ** 20;

let cluster: TestCluster;
let stack: TestStack;
let dir: string;

const volumes = { resource: "volumes", name: "volumes", application: "rbd", forceDestroy: true };
const chosenKey = generateCephxKey();
// The key goes in as a secret config value: the spec is plain config, which the state keeps as is.
const chosen = { resource: "chosen", entity: "client.chosen", rbdPools: ["volumes"], keyConfig: "chosenKey" };
/** The spec so far: each test adds to it, so later ups keep what earlier tests made. */
const spec: Record<string, any[]> = { pools: [volumes], users: [], images: [], snapshots: [], keyringFiles: [], clientFiles: [] };
const apply = async (change: Partial<typeof spec>) => {
  Object.assign(spec, change);
  await stack.setSpec(spec);
};
const failure = async (args: string[]) => {
  const r = await stack.run(args, { expectFailure: true });
  return r.stdout + r.stderr;
};
const up = () => stack.run(["up", "--yes", "--skip-preview"]);
const noDrift = () => stack.run(["preview", "--refresh", "--expect-no-changes"]);

async function rados(...args: string[]): Promise<string> {
  return (await execFileAsync("rados", ["-c", cluster.conf, ...args], { encoding: "utf8", timeout: 60_000 })).stdout;
}
const info = async (image: string) => JSON.parse(await cluster.rbd("info", image, "--format", "json"));
const poolGet = async (pool: string, key: string) => (await cluster.cephJson("osd", "pool", "get", pool, key))[key];
const authKey = async (entity: string) => (await cluster.cephJson("auth", "get", entity))[0].key as string;
const until = async (what: string, ok: () => Promise<boolean>) => {
  for (let i = 0; i < 300; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
};

beforeAll(async () => {
  cluster = startCluster({ mons: 3, osds: 3 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "claims-"));
  // An erasure-coded data pool for RBD (k=2 m=1 over the three OSDs); memstore OSDs need the mon's
  // debug switch for EC overwrites, which RBD data needs.
  await cluster.ceph("config", "set", "mon", "mon_debug_no_require_bluestore_for_ec_overwrites", "true");
  await cluster.ceph("osd", "erasure-code-profile", "set", "ec21", "k=2", "m=1", "crush-failure-domain=osd");
  await cluster.ceph("osd", "pool", "create", "ecdata", "8", "8", "erasure", "ec21");
  await cluster.ceph("osd", "pool", "set", "ecdata", "allow_ec_overwrites", "true");
  await cluster.ceph("osd", "pool", "application", "enable", "ecdata", "rbd");
  await cluster.ceph("osd", "crush", "rule", "create-replicated", "by-osd", "default", "osd");
  stack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "test-claims");
  await stack.setConfig("ceph:conf", cluster.conf);
  await stack.setConfig("chosenKey", chosenKey, { secret: true });
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("Pool", () => {
  const tuned = { resource: "tuned", name: "tuned", pgNum: 16, pgAutoscaleMode: "off", size: 2, minSize: 1, crushRule: "by-osd", application: "rbd", forceDestroy: true };

  test("pgNum, pgAutoscaleMode, size/minSize and crushRule are set at creation", async () => {
    await apply({ pools: [volumes, tuned] });
    await up();
    expect(await poolGet("tuned", "pg_num")).toBe(16);
    expect(await poolGet("tuned", "pg_autoscale_mode")).toBe("off");
    expect(await poolGet("tuned", "size")).toBe(2);
    expect(await poolGet("tuned", "min_size")).toBe(1);
    expect(await poolGet("tuned", "crush_rule")).toBe("by-osd");
    await noDrift();
  });

  test("pg_num (autoscale off), min_size and the crush rule change in place", async () => {
    await apply({ pools: [volumes, { ...tuned, pgNum: 32, minSize: 2, crushRule: "replicated_rule" }] });
    const r = await up();
    expect(r.stdout).toMatch(/tuned\s+updated/);
    expect(await poolGet("tuned", "min_size")).toBe(2);
    expect(await poolGet("tuned", "crush_rule")).toBe("replicated_rule");
    // Ceph moves pg_num to its target step by step.
    await until("pg_num 32", async () => (await poolGet("tuned", "pg_num")) === 32);
    await noDrift();
  });

  test("a pool holding objects (not images) is deleted only with forceDestroy", async () => {
    const objects = { resource: "objects", name: "objects" };
    await apply({ pools: [volumes, objects] });
    await up();
    const file = path.join(dir, "object.bin");
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    await rados("-p", "objects", "put", "obj-1", file);
    // Right away: the objects are listed, not taken from the mgr's counts (which lag behind writes).
    await apply({ pools: [volumes] });
    expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(/pool objects holds 1 object\(s\); .*Set forceDestroy: true/s);
    expect(await cluster.cephJson("osd", "pool", "ls")).toContain("objects");
    await apply({ pools: [volumes, { ...objects, forceDestroy: true }] });
    await up();
    await apply({ pools: [volumes] });
    await up();
    expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain("objects");
  });
});

describe("RbdImage", () => {
  const featured = {
    resource: "featured", pool: "volumes", name: "featured", size: "32MiB",
    features: ["layering", "exclusive-lock", "object-map", "fast-diff"], objectSize: "1MiB",
  };
  const ec = { resource: "ec", pool: "volumes", name: "ec", size: "16MiB", dataPool: "ecdata", forceDestroy: true };
  const shrink = { resource: "shrink", pool: "volumes", name: "shrink", size: "64MiB" };

  test("features, objectSize and an erasure-coded dataPool are what the image gets", async () => {
    await apply({ images: [featured, ec, shrink] });
    await up();
    const f = await info("volumes/featured");
    expect([...f.features].sort()).toEqual(["exclusive-lock", "fast-diff", "layering", "object-map"]);
    expect(f.object_size).toBe(MiB);
    const e = await info("volumes/ec");
    expect(e.data_pool).toBe("ecdata");
    await cluster.rbd("bench", "--io-type", "write", "--io-size", "64K", "--io-total", "1M", "--io-pattern", "seq", "volumes/ec");
    // The data went to the EC pool, the header stayed in the replicated one.
    expect((await rados("-p", "ecdata", "ls")).split("\n").some((o) => o.startsWith(`rbd_data.`))).toBe(true);
    expect(await rados("-p", "volumes", "ls")).toContain(`rbd_header.${e.id}`);
    await noDrift();
  });

  test("a shrink is refused at preview without allowShrink, and done in place with it", async () => {
    await apply({ images: [featured, ec, { ...shrink, size: "32MiB" }] });
    expect(await failure(["preview"])).toMatch(/size: shrinking volumes\/shrink from 64 MiB to 32 MiB discards data; set allowShrink: true/);
    expect((await info("volumes/shrink")).size).toBe(64 * MiB);
    await apply({ images: [featured, ec, { ...shrink, size: "32MiB", allowShrink: true }] });
    const r = await up();
    expect(r.stdout).toMatch(/shrink\s+updated/);
    expect((await info("volumes/shrink")).size).toBe(32 * MiB);
  });

  test("the default maxCloneDepth is 5: the sixth clone in a chain is flattened, the fifth is not", async () => {
    const images: any[] = [{ resource: "d0", pool: "volumes", name: "d0", size: "8MiB" }];
    const snapshots: any[] = [];
    for (let i = 1; i <= 6; i++) {
      snapshots.push({ resource: `d${i - 1}-s`, pool: "volumes", image: `d${i - 1}`, name: "s", protected: true });
      images.push({ resource: `d${i}`, pool: "volumes", name: `d${i}`, size: "8MiB", cloneFrom: { pool: "volumes", image: `d${i - 1}`, snapshot: "s" } });
    }
    await apply({ images: [featured, ec, { ...shrink, size: "32MiB", allowShrink: true }, ...images], snapshots });
    await up();
    expect((await info("volumes/d5")).parent).toEqual(expect.objectContaining({ image: "d4", snapshot: "s" }));
    expect((await info("volumes/d6")).parent).toBeUndefined();
    await apply({ images: [featured, ec, { ...shrink, size: "32MiB", allowShrink: true }], snapshots: [] });
    await up();
  });
});

describe("CephUser", () => {
  test("a key the user chose is the key the cluster holds, and a secret in state", async () => {
    await apply({ users: [chosen] });
    await up();
    expect(await authKey("client.chosen")).toBe(chosenKey);
    expect(stack.stateText()).not.toContain(chosenKey);
    const state = (await stack.resources()).find((x) => x.urn.endsWith("::chosen"));
    expect(state?.outputs.key).toBe(chosenKey);
    await noDrift();
  });

  test("keyVersion with a declared key is refused at preview; declaring a new key rotates it in place", async () => {
    await apply({ users: [{ ...chosen, keyVersion: 2 }] });
    expect(await failure(["preview"])).toMatch(/keyVersion: this user's key is declared \(key\), so changing keyVersion cannot rotate it/);
    expect(await authKey("client.chosen")).toBe(chosenKey);
    const next = generateCephxKey();
    await stack.setConfig("nextKey", next, { secret: true });
    await apply({ users: [{ ...chosen, keyConfig: "nextKey", keyVersion: 2 }] });
    const r = await up();
    expect(r.stdout).toMatch(/chosen\s+updated/);
    expect(await authKey("client.chosen")).toBe(next);
    await apply({ users: [chosen] });
    await up();
    expect(await authKey("client.chosen")).toBe(chosenKey);
  });

  test("creating a user that already exists is refused, pointing at import; importing one that does not exist too", async () => {
    // Other caps than declared: not taken for this resource's own (a user carries no owner marker).
    await cluster.ceph("auth", "get-or-create", "client.stray", "mon", "allow r", "osd", "allow r");
    const strayKey = await authKey("client.stray");
    await apply({ users: [chosen, { resource: "stray", entity: "client.stray", caps: { mon: "allow r" } }] });
    expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(
      /client\.stray already exists and it was not created by this stack .*nothing was changed\. Adopt it with the resource option import: "client\.stray" instead of creating it/s,
    );
    expect(await authKey("client.stray")).toBe(strayKey);
    await apply({ users: [chosen, { resource: "ghost", entity: "client.ghost", caps: { mon: "allow r" }, import: "client.ghost" }] });
    expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(/cannot import user client\.ghost: it does not exist/);
    await apply({ users: [chosen] });
    await up();
    expect(await authKey("client.stray")).toBe(strayKey); // never ours: left alone
  });
});

describe("refusals on images and snapshots", () => {
  const rb = { resource: "rb", pool: "volumes", name: "rb", size: "8MiB", forceDestroy: true };
  const s0 = { resource: "rb-s0", pool: "volumes", image: "rb", name: "s0" };
  const gone = { resource: "rb-gone", pool: "volumes", image: "rb", name: "gone" };
  const keep = () => spec.images.filter((i) => i.resource !== "rb");

  test("an import id that does not name the declared image is refused", async () => {
    await cluster.rbd("create", "--size", "8M", "volumes/legacy");
    await apply({ images: [...keep(), { resource: "legacy", pool: "volumes", name: "legacy", size: "8MiB", import: "volumes/other" }] });
    expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(/import id "volumes\/other" does not name this image \(expected "volumes\/legacy"\)/);
    await apply({ images: keep().filter((i) => i.resource !== "legacy") });
    await cluster.rbd("rm", "volumes/legacy");
  });

  test("rolling back an image in use is refused, naming the client", async () => {
    await apply({ images: [...keep(), rb], snapshots: [s0, gone] });
    await up();
    const c = await connect({ conf: cluster.conf, label: "claims" });
    const io = await c.openIoCtx("volumes");
    const img = await openImage(io, "rb");
    try {
      await apply({ images: [...keep(), rb], snapshots: [{ ...s0, rollbackRequest: "r1" }, gone] });
      expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(/cannot roll back volumes\/rb to s0: the image is in use by \S+/);
    } finally {
      await img.close();
      await io.close();
      await c.close();
    }
  });

  test("updating a snapshot removed behind Pulumi's back says it no longer exists; up --refresh makes it again", async () => {
    await apply({ images: [...keep(), rb], snapshots: [s0, gone] });
    await up();
    await cluster.rbd("snap", "rm", "volumes/rb@gone");
    await apply({ images: [...keep(), rb], snapshots: [s0, { ...gone, protected: true }] });
    expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(/snapshot volumes\/rb@gone no longer exists/);
    await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
    const snaps = JSON.parse(await cluster.rbd("snap", "ls", "volumes/rb", "--format", "json"));
    expect(snaps.map((s: any) => s.name).sort()).toEqual(["gone", "s0"]);
    await apply({ images: keep(), snapshots: [] });
    await up();
  });
});

describe("KeyringFile and client files", () => {
  const keyringPath = () => path.join(dir, "ceph.client.chosen.keyring");
  const expectedKeyring = `[client.chosen]\n\tkey = ${chosenKey}\n`;
  // The file's first line names its owner (ownership marker: project/stack/resource).
  const keyringFileText = (resource: string) => `# managed by Pulumi: ceph-resources/${stack.name}/${resource}\n${expectedKeyring}`;

  test("an existing keyring file with other content is refused, and replaced with overwrite: true", async () => {
    fs.writeFileSync(keyringPath(), "[client.chosen]\n\tkey = hand-made\n", { mode: 0o644 });
    await apply({ keyringFiles: [{ resource: "kr", user: "chosen", path: keyringPath() }] });
    expect(await failure(["up", "--yes", "--skip-preview"])).toMatch(/already exists and has other content; nothing was changed\. Set overwrite: true to replace it/);
    expect(fs.readFileSync(keyringPath(), "utf8")).toBe("[client.chosen]\n\tkey = hand-made\n");
    await apply({ keyringFiles: [{ resource: "kr", user: "chosen", path: keyringPath(), overwrite: true }] });
    await up();
    expect(fs.readFileSync(keyringPath(), "utf8")).toBe(keyringFileText("kr"));
    expect(fs.statSync(keyringPath()).mode & 0o777).toBe(0o600);
  });

  test("a hand-edited or opened-up keyring file is drift, and up --refresh puts it back", async () => {
    await noDrift();
    fs.writeFileSync(keyringPath(), "[client.chosen]\n\tkey = edited\n");
    await failure(["preview", "--refresh", "--expect-no-changes"]);
    await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
    expect(fs.readFileSync(keyringPath(), "utf8")).toBe(keyringFileText("kr"));
    fs.chmodSync(keyringPath(), 0o644);
    await failure(["preview", "--refresh", "--expect-no-changes"]);
    await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
    expect(fs.statSync(keyringPath()).mode & 0o777).toBe(0o600);
    await noDrift();
  });

  test("CephClientFiles and CephClientConf show their types; the keyring output stays a secret", async () => {
    const cf = path.join(dir, "cf");
    fs.mkdirSync(cf);
    await apply({ users: [chosen], clientFiles: [{ resource: "cf", user: "chosen", directory: cf }] });
    const r = await up();
    expect(r.stdout).toContain("ceph:files:CephClientFiles");
    expect(r.stdout).toContain("ceph:files:CephClientConf");
    expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:KeyringFile");
    expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:CephClusterInfo");
    expect(fs.readFileSync(path.join(cf, "ceph.client.chosen.keyring"), "utf8")).toBe(keyringFileText("cf-keyring"));
    expect(fs.readFileSync(path.join(cf, "ceph.conf"), "utf8")).toContain(`fsid = ${cluster.fsid}`);
    const shown = JSON.parse((await stack.run(["stack", "output", "--json"])).stdout);
    expect(shown.clientKeyrings).toEqual({ cf: "[secret]" });
    expect((await stack.outputs()).clientKeyrings).toEqual({ cf: expectedKeyring });
    expect(stack.stateText()).not.toContain(chosenKey);
  });

  test("a monitor leaving the cluster is drift of CephClusterInfo, and up --refresh rewrites mon_host", async () => {
    const conf = path.join(dir, "cf", "ceph.conf");
    const monB = (await cluster.cephJson("mon", "dump")).mons.find((m: any) => m.name === "b");
    const addrB = monB.public_addrs.addrvec[0].addr as string;
    expect(fs.readFileSync(conf, "utf8")).toContain(addrB);
    await cluster.ceph("mon", "remove", "b");
    const r = await stack.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { expectFailure: true });
    expect(r.stdout).toMatch(/~ pulumi-nodejs:dynamic\/ceph:CephClusterInfo: \(update\)/);
    await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
    const text = fs.readFileSync(conf, "utf8");
    expect(text).not.toContain(addrB);
    expect(text).toMatch(/^mon_host = v2:127\.0\.0\.1:\d+,v2:127\.0\.0\.1:\d+$/m);
    await noDrift();
  });
});
