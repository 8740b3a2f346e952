// RBD mirroring through the addon against two throwaway clusters (rbd-mirror on B, receiving from A);
// results are checked with the rbd CLI, and replication by reading B's copy through the addon.
import { startCluster, type TestCluster, uniqueName } from "../test/helpers/cluster";
import { pollFor, startRbdMirror, type RbdMirrorDaemon } from "../test/helpers/mirror";
import * as ceph from "./index";

jest.setTimeout(120_000);

let a: TestCluster, b: TestCluster, daemonB: RbdMirrorDaemon;
let ca: ceph.Cluster, cb: ceph.Cluster;

beforeAll(async () => {
  a = startCluster();
  b = startCluster();
  daemonB = startRbdMirror(b, "b");
  ca = await ceph.connect({ conf: a.conf, label: "A", retries: 0 });
  cb = await ceph.connect({ conf: b.conf, label: "B", retries: 0 });
});

afterAll(async () => {
  await ca?.close();
  await cb?.close();
  daemonB?.stop();
  b?.stop();
  a?.stop();
});

const MiB = 1024 * 1024;

async function rbdPool(c: ceph.Cluster, name: string): Promise<ceph.IoCtx> {
  await ceph.createPool(c, name, { pgNum: 8 });
  const io = await c.openIoCtx(name);
  await ceph.poolInit(io);
  return io;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

test("pool mirror mode and site name are set and read back (and the CLI agrees)", async () => {
  const pool = uniqueName("mode");
  const io = await rbdPool(ca, pool);
  expect(await ceph.getMirrorMode(io)).toBe("disabled");
  await ceph.setMirrorMode(io, "image");
  expect(await ceph.getMirrorMode(io)).toBe("image");
  expect(JSON.parse(await a.rbd("mirror", "pool", "info", pool, "--format", "json")).mode).toBe("image");
  await ceph.setMirrorMode(io, "pool");
  expect(await ceph.getMirrorMode(io)).toBe("pool");

  // The site name is the fsid until one is set.
  expect(await ceph.getMirrorSiteName(ca)).toBe(a.fsid);
  await ceph.setMirrorSiteName(ca, "site-a");
  expect(await ceph.getMirrorSiteName(ca)).toBe("site-a");
  expect(JSON.parse(await a.rbd("mirror", "pool", "info", pool, "--format", "json")).site_name).toBe("site-a");

  await ceph.setMirrorMode(io, "disabled");
  expect(await ceph.getMirrorMode(io)).toBe("disabled");
  const bad = await rejection(ceph.setMirrorMode(io, "both" as ceph.PoolMirrorMode));
  expect(bad).toBeInstanceOf(ceph.InvalidArgumentError);
  expect(bad.message).toContain(`ceph cluster A: set mirror mode ${pool} failed: EINVAL`);
  await io.close();
});

test("image write and read round-trip a byte range", async () => {
  const pool = uniqueName("io");
  const io = await rbdPool(ca, pool);
  await ceph.createImage(io, "data", { size: 8 * MiB });
  const payload = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7) % 251));
  await ceph.withImage(io, "data", async (img) => {
    expect(await img.write(MiB, payload)).toBe(payload.length);
    expect((await img.read(MiB, payload.length)).equals(payload)).toBe(true);
    // Past the end: fewer bytes.
    expect((await img.read(8 * MiB - 10, 100)).length).toBe(10);
  });
  const err = await rejection(ceph.withImage(io, "data", (img) => img.write(-1, payload)));
  expect(err).toBeInstanceOf(ceph.InvalidArgumentError);
  expect(err.message).toContain(`write image ${pool}/data failed: EINVAL`);
  await io.close();
});

test("images: enable (journal, snapshot), info, demote/promote, mirror snapshot, schedules, disable", async () => {
  const pool = uniqueName("img");
  const io = await rbdPool(ca, pool);
  await ceph.setMirrorMode(io, "image");
  // A mirror snapshot needs a peer to send to (librbd: "no mirror tx peers configured for the pool").
  const ioB = await rbdPool(cb, pool);
  await ceph.setMirrorMode(ioB, "image");
  await ceph.importBootstrapToken(io, "rx-tx", await ceph.createBootstrapToken(ioB));
  expect((await ceph.listMirrorPeers(io)).map((p) => p.direction)).toEqual(["rx-tx"]);
  const journaled = ceph.featureMask(["layering", "exclusive-lock", "journaling"]);
  await ceph.createImage(io, "j", { size: 4 * MiB, features: journaled });
  await ceph.createImage(io, "s", { size: 4 * MiB });
  await ceph.withImage(io, "j", async (img) => {
    expect(await ceph.getImageMirrorInfo(img)).toMatchObject({ state: "disabled" });
    await ceph.enableImageMirroring(img, "journal");
    const info = await ceph.getImageMirrorInfo(img);
    expect(info).toMatchObject({ state: "enabled", primary: true, mode: "journal" });
    expect(info.globalId).toMatch(/^[0-9a-f-]{36}$/);
    const cli = JSON.parse(await a.rbd("mirror", "image", "status", `${pool}/j`, "--format", "json"));
    expect(cli.global_id).toBe(info.globalId);
    await ceph.demoteImage(img);
    expect((await ceph.getImageMirrorInfo(img)).primary).toBe(false);
    await ceph.promoteImage(img);
    expect((await ceph.getImageMirrorInfo(img)).primary).toBe(true);
    const status = await ceph.getImageMirrorStatus(img);
    expect(status.name).toBe("j");
    expect(status.info.globalId).toBe(info.globalId);
    await ceph.disableImageMirroring(img);
    expect((await ceph.getImageMirrorInfo(img)).state).toBe("disabled");
  });
  await ceph.withImage(io, "s", async (img) => {
    await ceph.enableImageMirroring(img, "snapshot");
    expect(await ceph.getImageMirrorInfo(img)).toMatchObject({ state: "enabled", primary: true, mode: "snapshot" });
    const mirrorSnaps = async () =>
      JSON.parse(await a.rbd("snap", "ls", "--all", `${pool}/s`, "--format", "json")).filter((s: any) => s.namespace?.type === "mirror");
    const before = await mirrorSnaps();
    const id = await ceph.createMirrorSnapshot(img);
    const after = await mirrorSnaps();
    expect(after.map((s: any) => s.id)).toEqual([...before.map((s: any) => s.id), id]);
  });
  // Schedules through the mgr.
  const target = { pool, image: "s" };
  // rbd_support is an always-on mgr module, but it loads a while after the mgr starts.
  const none = await pollFor("rbd_support loaded", 90_000, () =>
    ceph.listMirrorSnapshotSchedules(ca, target).catch((e) => {
      if (ceph.isCephError(e, "EOPNOTSUPP")) return undefined;
      throw e;
    }),
  );
  expect(none).toEqual([]);
  await ceph.addMirrorSnapshotSchedule(ca, target, "1h");
  expect(await ceph.listMirrorSnapshotSchedules(ca, target)).toEqual([{ name: `${pool}/s`, interval: "1h" }]);
  const cli = JSON.parse(await a.ceph("rbd", "mirror", "snapshot", "schedule", "list", `${pool}/s`, "--format", "json"));
  expect(Object.values(cli).map((l: any) => l.schedule[0].interval)).toEqual(["1h"]);
  await ceph.removeMirrorSnapshotSchedule(ca, target, "1h");
  expect(await ceph.listMirrorSnapshotSchedules(ca, target)).toEqual([]);
  const badInterval = await rejection(ceph.addMirrorSnapshotSchedule(ca, target, "hourly"));
  expect(badInterval.message).toContain("interval must look like");
  await io.close();
  await ioB.close();
});

test("a bootstrap token from A imported rx-only on B makes A a peer of B's pool; removal drops it", async () => {
  const pool = uniqueName("peer");
  const ioA = await rbdPool(ca, pool);
  const ioB = await rbdPool(cb, pool);
  await ceph.setMirrorMode(ioA, "image");
  await ceph.setMirrorMode(ioB, "image");
  await ceph.setMirrorSiteName(ca, "site-a");
  await ceph.setMirrorSiteName(cb, "site-b");
  const token = await ceph.createBootstrapToken(ioA);
  expect(Buffer.isBuffer(token)).toBe(true);
  const key = JSON.parse(Buffer.from(token.toString("utf8"), "base64").toString("utf8")).key;
  expect(typeof key).toBe("string");

  // A damaged token: the error names the cluster and operation, never the token or its key.
  const damaged = Buffer.from(token.toString("utf8").slice(0, -8));
  const err = await rejection(ceph.importBootstrapToken(ioB, "rx-only", damaged));
  expect(err.message).toContain(`ceph cluster B: import mirror bootstrap token ${pool} failed`);
  expect(err.message).not.toContain(key);
  expect(err.message).not.toContain(damaged.toString("utf8").slice(0, 40));

  await ceph.importBootstrapToken(ioB, "rx-only", token);
  const peers = await ceph.listMirrorPeers(ioB);
  expect(peers).toHaveLength(1);
  expect(peers[0]).toMatchObject({ siteName: "site-a", direction: "rx-only", clientName: "client.rbd-mirror-peer" });
  const cli = JSON.parse(await b.rbd("mirror", "pool", "info", pool, "--format", "json"));
  expect(cli.peers.map((p: any) => p.uuid)).toEqual([peers[0].uuid]);
  // rx-only: A was not told about B, so A receives from no one. B's rbd-mirror, once it sees its
  // new peer, registers itself in A's pool as a tx-only entry (Pacific's mirror_peer_ping); whether
  // it has yet is a race with this line (a CI run lost it), so only that entry may be there.
  const onA = await ceph.listMirrorPeers(ioA);
  expect(onA.filter((p) => p.direction !== "tx-only")).toEqual([]);
  for (const p of onA) expect(p).toMatchObject({ siteName: "site-b", direction: "tx-only" });
  await ceph.removeMirrorPeer(ioB, peers[0].uuid);
  expect(await ceph.listMirrorPeers(ioB)).toEqual([]);
  await ioA.close();
  await ioB.close();
});

test("data written to a journaled image on A reaches B through rbd-mirror (bounded poll on B's mirror status)", async () => {
  const pool = uniqueName("repl");
  const ioA = await rbdPool(ca, pool);
  const ioB = await rbdPool(cb, pool);
  await ceph.setMirrorMode(ioA, "image");
  await ceph.setMirrorMode(ioB, "image");
  await ceph.importBootstrapToken(ioB, "rx-only", await ceph.createBootstrapToken(ioA));
  await ceph.createImage(ioA, "vol", { size: 8 * MiB, features: ceph.featureMask(["layering", "exclusive-lock", "journaling"]) });
  const payload = Buffer.alloc(MiB, 0x5a);
  await ceph.withImage(ioA, "vol", async (img) => {
    await ceph.enableImageMirroring(img, "journal");
    await img.write(2 * MiB, payload);
  });
  // B's copy exists once rbd-mirror bootstrapped it, and holds the data once it replays the journal.
  const status = await pollFor("B replaying vol", 60_000, async () => {
    const s = await ceph.withImage(ioB, "vol", (img) => ceph.getImageMirrorStatus(img), { readOnly: true });
    return s.sites.find((site) => site.mirrorUuid === "" && site.state === "replaying") ? s : undefined;
  });
  expect(status.info.primary).toBe(false);
  await pollFor("B holding A's bytes", 60_000, async () => {
    const got = await ceph.withImage(ioB, "vol", (img) => img.read(2 * MiB, MiB), { readOnly: true });
    return got.equals(payload) ? true : undefined;
  });
  expect(daemonB.pid).toBeGreaterThan(0);
  await ioA.close();
  await ioB.close();
});
