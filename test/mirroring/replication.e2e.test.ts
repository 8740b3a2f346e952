// Cinder-style replication on RBD mirroring, end to end through the real engine: two throwaway
// clusters with Debian's rbd-mirror on each, PoolMirroring on both, an rx-tx MirrorPeer, and one
// journaled image declared on each side (`primary` says which copy takes writes). Data written on
// the primary through the addon is read on the replica (bounded polls on mirror status, no sleeps);
// a declared change of `primary` fails over and back; mirroring disabled and a peer removed out of
// band are drift rows, and so is the pool's mode changed by hand; PoolMirroring's delete refuses
// while an image it does not own is still mirrored (forceDisable lets it); destroy refuses to drop
// data without forceDestroy and then leaves both clusters as they were.
import * as path from "path";
import * as ceph from "../../native";
import { repoRoot } from "../helpers/cluster";
import { expectNoDrift, runDrift } from "../helpers/drift";
import { pollFor, startMirroredClusters, type MirroredClusters } from "../helpers/mirror";
import { createStack, type TestStack } from "../helpers/pulumi";

jest.setTimeout(900_000);

const POOL = "vol";
const IMAGE = "vol1";
const MiB = 1024 * 1024;

let env: MirroredClusters;
let stack: TestStack;
let ca: ceph.Cluster, cb: ceph.Cluster;

const spec = (image: { aPrimary: boolean; bPrimary: boolean; forceDestroy?: boolean } | undefined, mirroring: { peer?: boolean; forceDisable?: boolean } = {}) => ({
  pool: POOL,
  ...(image ? { image: { name: IMAGE, ...image } } : {}),
  ...mirroring,
});
/** An image no resource manages, made with the rbd CLI and mirrored (snapshot mode) by hand. */
const OOB = "oob1";

beforeAll(async () => {
  env = startMirroredClusters();
  // The operator's pools, there before the program and after it.
  for (const tc of [env.a, env.b]) {
    await tc.ceph("osd", "pool", "create", POOL, "8");
    await tc.rbd("pool", "init", POOL);
  }
  ca = await ceph.connect({ conf: env.a.conf, label: "A", retries: 0 });
  cb = await ceph.connect({ conf: env.b.conf, label: "B", retries: 0 });
  stack = await createStack(path.join(repoRoot, "test", "mirroring", "program"), "test-mirroring");
  await stack.setConfig("cephA:conf", env.a.conf);
  await stack.setConfig("cephA:label", "A");
  await stack.setConfig("cephB:conf", env.b.conf);
  await stack.setConfig("cephB:label", "B");
});

afterAll(async () => {
  await stack?.teardown();
  await ca?.close();
  await cb?.close();
  env?.stop();
});

async function mirrorInfo(c: ceph.Cluster, image = IMAGE): Promise<ceph.ImageMirrorInfo | undefined> {
  const io = await c.openIoCtx(POOL);
  try {
    return await ceph.withImage(io, image, (img) => ceph.getImageMirrorInfo(img), { readOnly: true });
  } catch (e) {
    if (ceph.isCephError(e, "ENOENT")) return undefined;
    throw e;
  } finally {
    await io.close();
  }
}

async function withImage<T>(c: ceph.Cluster, fn: (img: ceph.Image) => Promise<T>, readOnly = false): Promise<T> {
  const io = await c.openIoCtx(POOL);
  try {
    return await ceph.withImage(io, IMAGE, fn, { readOnly });
  } finally {
    await io.close();
  }
}

/** Writes on `from` (the primary) and waits, bounded, until `to` (the replica, replaying) reads the same bytes. */
async function writeAndReplicate(from: ceph.Cluster, to: ceph.Cluster, offset: number, fill: number): Promise<void> {
  const payload = Buffer.alloc(MiB, fill);
  await withImage(from, (img) => img.write(offset, payload));
  await pollFor(`replica on ${to.label} replaying`, 60_000, async () => {
    const s = await withImage(to, (img) => ceph.getImageMirrorStatus(img), true);
    return s.sites.some((site) => site.mirrorUuid === "" && site.state === "replaying") ? true : undefined;
  });
  await pollFor(`${to.label} reading ${from.label}'s bytes`, 60_000, async () =>
    (await withImage(to, (img) => img.read(offset, MiB), true)).equals(payload) ? true : undefined,
  );
}

const drift = async () => (await runDrift(stack, ["--json"])) as { code: number; stderr: string; json: any };

test("up: mirroring on both pools, an rx-tx peer, the image primary on A and rbd-mirror's replica on B; A's writes reach B", async () => {
  const started = Date.now();
  await stack.setSpec(spec({ aPrimary: true, bPrimary: false }));
  await stack.up();
  for (const [tc, site] of [[env.a, "site-a"], [env.b, "site-b"]] as const) {
    const info = JSON.parse(await tc.rbd("mirror", "pool", "info", POOL, "--format", "json"));
    expect(info).toMatchObject({ mode: "image", site_name: site });
    expect(info.peers.map((p: any) => [p.site_name, p.direction])).toEqual([[site === "site-a" ? "site-b" : "site-a", "rx-tx"]]);
  }
  const a = await mirrorInfo(ca);
  const b = await mirrorInfo(cb);
  expect(a).toMatchObject({ state: "enabled", primary: true, mode: "journal" });
  expect(b).toMatchObject({ state: "enabled", primary: false, globalId: a!.globalId });
  await writeAndReplicate(ca, cb, 2 * MiB, 0x41);
  // The snapshot-mode image: its schedule is the mgr's, its replica rbd-mirror's.
  const schedules = JSON.parse(await env.a.ceph("rbd", "mirror", "snapshot", "schedule", "list", `${POOL}/${IMAGE}-snap`, "--format", "json"));
  expect(Object.values(schedules).map((l: any) => [l.name, l.schedule.map((x: any) => x.interval)])).toEqual([[`${POOL}/${IMAGE}-snap`, ["1h"]]]);
  const snapB = JSON.parse(await env.b.rbd("mirror", "image", "status", `${POOL}/${IMAGE}-snap`, "--format", "json"));
  expect(snapB.global_id).toBe(JSON.parse(await env.a.rbd("mirror", "image", "status", `${POOL}/${IMAGE}-snap`, "--format", "json")).global_id);
  expect(JSON.parse(await env.b.rbd("info", `${POOL}/${IMAGE}-snap`, "--format", "json")).mirroring).toMatchObject({ mode: "snapshot", primary: false });
  await expectNoDrift(stack);
  // The bootstrap tokens held the peer users' cephx keys: none of them reached the state.
  for (const tc of [env.a, env.b]) {
    const key = JSON.parse(await tc.ceph("auth", "get", "client.rbd-mirror-peer", "--format", "json"))[0].key;
    expect(stack.stateText()).not.toContain(key);
  }
  console.log(`up + first replication + drift check: ${Math.round((Date.now() - started) / 1000)}s`);
});

test("a declared change of primary fails over to B (demote A, promote B), B's writes reach A, then fails back", async () => {
  await stack.setSpec(spec({ aPrimary: false, bPrimary: true }));
  await stack.up();
  expect((await mirrorInfo(ca))!.primary).toBe(false);
  expect((await mirrorInfo(cb))!.primary).toBe(true);
  await writeAndReplicate(cb, ca, 4 * MiB, 0x42);

  await stack.setSpec(spec({ aPrimary: true, bPrimary: false }));
  await stack.up();
  expect((await mirrorInfo(ca))!.primary).toBe(true);
  expect((await mirrorInfo(cb))!.primary).toBe(false);
  await writeAndReplicate(ca, cb, 6 * MiB, 0x43);
  // What B wrote while it was primary is still on A.
  expect((await withImage(ca, (img) => img.read(4 * MiB, MiB), true)).equals(Buffer.alloc(MiB, 0x42))).toBe(true);
  await expectNoDrift(stack);
});

test("a peer removed out of band is a `peers` row; up --refresh imports it again", async () => {
  const info = JSON.parse(await env.b.rbd("mirror", "pool", "info", POOL, "--format", "json"));
  await env.b.rbd("mirror", "pool", "peer", "remove", POOL, info.peers[0].uuid);
  const r = await drift();
  expect({ code: r.code, rows: r.json?.rows }).toEqual({
    code: 1,
    rows: [{ resource: "peer", type: "ceph:MirrorPeer", property: "peers", declared: "rx-tx", actual: "no peer site-a in vol", action: "update" }],
  });
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect(JSON.parse(await env.b.rbd("mirror", "pool", "info", POOL, "--format", "json")).peers.map((p: any) => p.site_name)).toEqual(["site-a"]);
  await expectNoDrift(stack);
});

test("mirroring disabled out of band on the primary is a `mirroring.mode` row (and B's replica is gone); up --refresh mirrors it again", async () => {
  await env.a.rbd("mirror", "image", "disable", `${POOL}/${IMAGE}`);
  // rbd-mirror on B removes the replica of an image no longer mirrored.
  await pollFor("B's replica removed by rbd-mirror", 60_000, async () => ((await mirrorInfo(cb)) === undefined ? true : undefined));
  const r = await drift();
  const rows = [...(r.json?.rows ?? [])].sort((x, y) => x.resource.localeCompare(y.resource));
  expect({ code: r.code, rows }).toEqual({
    code: 1,
    rows: [
      // librbd drops the journaling feature with journal mirroring; enabling it again brings it back (in place).
      { resource: "volA", type: "ceph:RbdImage", property: "features", declared: "exclusive-lock,journaling,layering", actual: "exclusive-lock,layering", action: "update" },
      { resource: "volA", type: "ceph:RbdImage", property: "mirroring.mode", declared: "journal", actual: "disabled", action: "update" },
      { resource: "volB", type: "ceph:RbdImage", property: "(resource)", declared: "present", actual: "gone", action: "create" },
    ],
  });
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect(await mirrorInfo(ca)).toMatchObject({ state: "enabled", primary: true });
  expect(await mirrorInfo(cb)).toMatchObject({ state: "enabled", primary: false });
  expect(JSON.parse(await env.a.rbd("info", `${POOL}/${IMAGE}`, "--format", "json")).features).toContain("journaling");
  // The data written before comes over again with the new replica.
  await writeAndReplicate(ca, cb, 8 * MiB, 0x44);
  expect((await withImage(cb, (img) => img.read(2 * MiB, MiB), true)).equals(Buffer.alloc(MiB, 0x41))).toBe(true);
  await expectNoDrift(stack);
});

test("the pool's mirror mode changed out of band is exactly a `mode` row; up --refresh sets it back", async () => {
  await env.b.rbd("mirror", "pool", "enable", POOL, "pool");
  const r = await drift();
  expect({ code: r.code, rows: r.json?.rows }).toEqual({
    code: 1,
    rows: [{ resource: "mirrorB", type: "ceph:PoolMirroring", property: "mode", declared: "image", actual: "pool", action: "update" }],
  });
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect(JSON.parse(await env.b.rbd("mirror", "pool", "info", POOL, "--format", "json"))).toMatchObject({ mode: "image", site_name: "site-b" });
  await expectNoDrift(stack);
});

test("destroy refuses to delete the image holding data, and PoolMirroring refuses while a hand-made image is still mirrored; with forceDestroy and forceDisable both clusters are left as they were", async () => {
  const refused = await stack.run(["destroy", "--yes", "--skip-preview"], { expectFailure: true });
  expect(refused.stdout + refused.stderr).toContain(`ceph cluster A: image ${POOL}/${IMAGE} holds`);
  expect(await mirrorInfo(ca)).toMatchObject({ primary: true });
  expect((await withImage(ca, (img) => img.read(2 * MiB, MiB), true)).equals(Buffer.alloc(MiB, 0x41))).toBe(true);

  await stack.setSpec(spec({ aPrimary: true, bPrimary: false, forceDestroy: true }));
  await stack.up();

  // The images and the peer go first (a peer is not removed while a replica still follows it).
  await stack.setSpec(spec(undefined, { peer: false }));
  await stack.up();
  // Then an image mirrored by hand on A, which no resource owns: PoolMirroring's delete must not
  // stop its mirroring by surprise.
  await env.a.rbd("create", `${POOL}/${OOB}`, "--size", "8M", "--image-feature", "layering,exclusive-lock");
  await env.a.rbd("mirror", "image", "enable", `${POOL}/${OOB}`, "snapshot");
  const kept = await stack.run(["destroy", "--yes", "--skip-preview"], { expectFailure: true });
  expect(kept.stdout + kept.stderr).toContain(`ceph cluster A: pool ${POOL} still mirrors 1 image(s) (${OOB})`);
  expect(JSON.parse(await env.a.rbd("mirror", "pool", "info", POOL, "--format", "json"))).toMatchObject({ mode: "image", site_name: "site-a" });
  expect(await mirrorInfo(ca, OOB)).toMatchObject({ state: "enabled", mode: "snapshot", primary: true });

  // forceDisable, declared: the delete turns the hand-made image's mirroring off too.
  await stack.setSpec(spec(undefined, { peer: false, forceDisable: true }));
  await stack.up();
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await mirrorInfo(ca, OOB)).toMatchObject({ state: "disabled" });
  await env.a.rbd("rm", `${POOL}/${OOB}`);
  for (const [tc, c] of [[env.a, ca], [env.b, cb]] as const) {
    expect((await tc.rbd("ls", POOL)).trim()).toBe("");
    const info = JSON.parse(await tc.rbd("mirror", "pool", "info", POOL, "--format", "json"));
    expect(info.mode).toBe("disabled");
    expect(info.peers ?? []).toEqual([]);
    // The site name is the fsid again.
    expect(await ceph.getMirrorSiteName(c)).toBe(tc.fsid);
    const apps = JSON.parse(await tc.ceph("osd", "pool", "application", "get", POOL, "--format", "json"));
    expect(apps).toEqual({ rbd: {} });
  }
});
