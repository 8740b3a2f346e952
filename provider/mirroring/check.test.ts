// Bad mirroring input stops at preview (check), naming the field; nothing touches a cluster.
import { mirrorPeerProvider } from "./mirrorPeer";
import { poolMirroringProvider } from "./poolMirroring";
import { rbdImageProvider } from "../rbdImage";
import { rbdMirrorDaemonCaps, rbdMirrorPeerCaps, capProblem } from "../caps";

const connection = { conf: "/etc/ceph/ceph.conf", label: "A" };

test("PoolMirroring: mode and siteName are checked by name", async () => {
  const r = await poolMirroringProvider.check!({}, { connection, pool: "vol", mode: "both", siteName: "site a" });
  expect(r.failures?.map((f) => f.reason).sort()).toEqual([
    'mode: mode must be "image" or "pool"',
    "siteName: may hold only letters, digits, '.', '_' and '-'",
  ]);
  const reserved = await poolMirroringProvider.check!({}, { connection, pool: "vol", mode: "image", siteName: "ceph" });
  expect(reserved.failures?.map((f) => f.reason)).toEqual(['siteName: must not be "ceph": librbd refuses a mirroring peer of that site name']);
  const ok = await poolMirroringProvider.check!({}, { connection, pool: "vol", mode: "image", siteName: "site-a" });
  expect(ok.failures).toBeUndefined();
  expect(ok.inputs).toMatchObject({ forceDisable: false });
});

test("MirrorPeer: direction and the remote cluster are checked by name", async () => {
  const r = await mirrorPeerProvider.check!({}, { connection, pool: "vol", direction: "tx-only" });
  expect(r.failures?.map((f) => f.property).sort()).toEqual(["direction", "remoteConnection"]);
  expect(r.failures?.find((f) => f.property === "direction")?.reason).toBe('direction: direction must be "rx-only" or "rx-tx"');
});

test("RbdImage: journal mirroring needs exclusive-lock and journaling; a schedule needs snapshot mode", async () => {
  const base = { connection, pool: "vol", name: "v", size: "1GiB" };
  const journal = await rbdImageProvider.check!({}, { ...base, features: ["layering", "exclusive-lock"], mirroring: { mode: "journal", primary: true } });
  expect(journal.failures).toEqual([
    { property: "features", reason: "features: journal mirroring needs the features exclusive-lock and journaling (missing: journaling)" },
  ]);
  const schedule = await rbdImageProvider.check!({}, { ...base, mirroring: { mode: "journal", primary: true, snapshotSchedule: "1h" }, features: ["exclusive-lock", "journaling"] });
  expect(schedule.failures).toEqual([
    { property: "mirroring.snapshotSchedule", reason: 'mirroring.snapshotSchedule: a snapshot schedule needs mirroring.mode "snapshot"' },
  ]);
  const badInterval = await rbdImageProvider.check!({}, { ...base, mirroring: { mode: "snapshot", primary: true, snapshotSchedule: "hourly" } });
  expect(badInterval.failures?.map((f) => f.property)).toEqual(["mirroring.snapshotSchedule"]);
  const ok = await rbdImageProvider.check!({}, { ...base, mirroring: { mode: "snapshot", primary: false, snapshotSchedule: "1h" } });
  expect(ok.failures).toBeUndefined();
});

test("the caps helpers give rbd-mirror's documented profiles, which pass the caps check", () => {
  expect(rbdMirrorDaemonCaps()).toEqual({ mon: "profile rbd-mirror", osd: "profile rbd" });
  expect(rbdMirrorPeerCaps({ pools: ["volumes"] })).toEqual({ mon: "profile rbd-mirror-peer", osd: "profile rbd pool=volumes" });
  for (const caps of [rbdMirrorDaemonCaps(), rbdMirrorPeerCaps()]) {
    for (const [daemon, cap] of Object.entries(caps)) expect(capProblem(daemon as "mon", cap!)).toBeUndefined();
  }
});
