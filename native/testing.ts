// The fixture every native test file starts from: a throwaway cluster with one admin connection,
// and fresh rbd-initialised pools on demand. Registers its own beforeAll/afterAll.
import { startCluster, type TestCluster, uniqueName } from "../test/helpers/cluster";
import * as ceph from "./index";
import { addon } from "./binding";

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

/**
 * Runs `fn` while every call thread (native/src/threadpool.h) is held by a call that waits for the
 * test to let it go: a blocking call made meanwhile waits for a thread, an aio one (a stat from the
 * header, an open, a close) must not. The threads are let go afterwards.
 */
export async function whileCallThreadsBusy<T>(fn: () => Promise<T>): Promise<T> {
  const { limit } = addon().callThreads();
  const held = Array.from({ length: limit }, () => addon().holdCallThread());
  try {
    const threads = addon().callThreads();
    if (threads.started !== limit || threads.idle !== 0) throw new Error(`call threads not all held: ${JSON.stringify(threads)}`);
    return await fn();
  } finally {
    addon().releaseCallThreads();
    await Promise.all(held);
  }
}

/** The rejection of a call that must fail (and fails the test if it does not). */
export async function rejection(p: Promise<unknown>): Promise<ceph.CephError> {
  try {
    await p;
  } catch (e) {
    return e as ceph.CephError;
  }
  throw new Error("expected a rejection");
}
