// Pool mirroring on both clusters, an rx-tx peer, and one journaled image declared on each side:
// the copy on A and rbd-mirror's copy on B, `primary` saying which takes writes (spec from stack config).
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "pulumi-ceph-openstack";

interface Spec {
  /** The pool, created (and rbd-initialised) on both clusters beforehand. */
  pool?: string;
  image?: { name: string; aPrimary: boolean; bPrimary: boolean; forceDestroy?: boolean };
  /** false: pool mirroring alone, no peer (so it can be deleted on its own). */
  peer?: boolean;
  /** PoolMirroring's forceDisable on both sides. */
  forceDisable?: boolean;
}

const spec = new pulumi.Config().requireObject<Spec>("spec");
const a = ceph.CephCluster.fromConfig("cephA");
const b = ceph.CephCluster.fromConfig("cephB");

if (spec.pool) {
  const forceDisable = spec.forceDisable ?? false;
  const mirrorA = new ceph.PoolMirroring("mirrorA", { cluster: a, pool: spec.pool, mode: "image", siteName: "site-a", forceDisable });
  const mirrorB = new ceph.PoolMirroring("mirrorB", { cluster: b, pool: spec.pool, mode: "image", siteName: "site-b", forceDisable });
  // B receives from A, and A from B (failback).
  const peer = spec.peer === false ? undefined : new ceph.MirrorPeer("peer", { cluster: b, pool: mirrorB.pool, remoteCluster: a, remotePool: mirrorA.pool, direction: "rx-tx" });
  if (peer && spec.image) {
    const common = {
      name: spec.image.name,
      size: "16MiB",
      features: ["layering", "exclusive-lock", "journaling"] as ceph.ImageFeature[],
      forceDestroy: spec.image.forceDestroy ?? false,
    };
    new ceph.RbdImage("volA", { cluster: a, pool: mirrorA.pool, ...common, mirroring: { mode: "journal", primary: spec.image.aPrimary } }, { dependsOn: [peer] });
    new ceph.RbdImage("volB", { cluster: b, pool: mirrorB.pool, ...common, mirroring: { mode: "journal", primary: spec.image.bPrimary } }, { dependsOn: [peer] });
    // Snapshot-based mirroring with an hourly schedule, primary on A.
    const snap = { ...common, name: `${spec.image.name}-snap`, features: ["layering", "exclusive-lock"] as ceph.ImageFeature[] };
    new ceph.RbdImage("snapA", { cluster: a, pool: mirrorA.pool, ...snap, mirroring: { mode: "snapshot", primary: true, snapshotSchedule: "1h" } }, { dependsOn: [peer] });
    new ceph.RbdImage("snapB", { cluster: b, pool: mirrorB.pool, ...snap, mirroring: { mode: "snapshot", primary: false } }, { dependsOn: [peer] });
  }
}
