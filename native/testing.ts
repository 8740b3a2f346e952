// The fixture every native test file starts from: a throwaway cluster with one admin connection,
// and fresh rbd-initialised pools on demand. Registers its own beforeAll/afterAll.
import { startCluster, type TestCluster, uniqueName } from "../test/helpers/cluster";
import * as ceph from "./index";

export interface ConnectedCluster {
  /** The throwaway cluster (its CLI helpers check results independently). */
  readonly tc: TestCluster;
  /** One admin connection through the addon. */
  readonly cluster: ceph.Cluster;
  /** A fresh rbd pool and an ioctx on it. */
  rbdPool(prefix: string): Promise<{ pool: string; io: ceph.IoCtx }>;
}

export function connectedCluster(): ConnectedCluster {
  let tc: TestCluster | undefined;
  let cluster: ceph.Cluster | undefined;
  beforeAll(async () => {
    tc = startCluster();
    cluster = await ceph.connect({ conf: tc.conf, retries: 0 });
  });
  afterAll(async () => {
    await cluster?.close();
    tc?.stop();
  });
  const fx: ConnectedCluster = {
    get tc() {
      return tc!;
    },
    get cluster() {
      return cluster!;
    },
    async rbdPool(prefix) {
      const pool = uniqueName(prefix);
      await ceph.createPool(fx.cluster, pool, { pgNum: 8 });
      const io = await fx.cluster.openIoCtx(pool);
      await ceph.poolInit(io);
      return { pool, io };
    },
  };
  return fx;
}
