// Shared by the mirroring handlers: the owner markers they keep in the pool's rbd
// application metadata, and a bounded wait for what rbd-mirror does asynchronously.
import type { Cluster } from "../../native";

export function native(): typeof import("../../native") {
  return require("../../native");
}

/** The rbd application's metadata value at `key`, if set. */
export async function poolMarker(c: Cluster, pool: string, key: string): Promise<string | undefined> {
  const apps = await native().getApplications(c, pool);
  const v = apps.rbd?.[key];
  return typeof v === "string" ? v : undefined;
}

export async function setPoolMarker(c: Cluster, pool: string, key: string, value: string): Promise<void> {
  await native().setApplicationMetadata(c, pool, "rbd", key, value);
}

export async function removePoolMarker(c: Cluster, pool: string, key: string): Promise<void> {
  if ((await poolMarker(c, pool, key)) === undefined) return;
  await c.command("mon", { prefix: "osd pool application rm", pool, app: "rbd", key }, undefined, { pool });
}

/** The pool exists and is an RBD pool; otherwise a clear error naming the cluster and pool. */
export async function requireRbdPool(c: Cluster, label: string, pool: string, what: string): Promise<void> {
  const n = native();
  if (!(await n.listPools(c)).includes(pool)) throw new Error(`ceph cluster ${label}: ${what}: pool ${pool} does not exist`);
  const apps = await n.getApplications(c, pool);
  if (!apps.rbd) throw new Error(`ceph cluster ${label}: ${what}: pool ${pool} is not an RBD pool (declare it with application: "rbd")`);
}

/** Polls `probe` until it returns a value, failing after `ms` with a message naming `what`. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(ms / 1000)}s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
