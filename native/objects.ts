// What a pool really holds: its RADOS objects in every namespace, listed from the OSDs; and the
// removal of one object by name (only for objects librbd itself left half-written).
import { addon } from "./binding";
import type { IoCtx } from "./cluster";
import { invalidArgument } from "./errors";

export interface PoolObject {
  /** "" for the default namespace. */
  namespace: string;
  name: string;
}

/** Lists up to `limit` objects of the pool, across all namespaces (whatever namespace `io` is set to). */
export async function listObjects(io: IoCtx, limit = 1000): Promise<PoolObject[]> {
  const op = "list objects";
  if (!Number.isSafeInteger(limit) || limit < 1) throw invalidArgument(op, io.ctx(), "limit must be a positive integer");
  const pairs = await io.guard.run(op, io.ctx(), () => addon().listObjects(io.handle, limit));
  return pairs.map(([namespace, name]) => ({ namespace, name }));
}

/** Removes one RADOS object in `io`'s namespace (NotFoundError if absent). */
export async function removeObject(io: IoCtx, oid: string): Promise<void> {
  const op = "remove object";
  const ctx = io.ctx({ object: oid });
  if (typeof oid !== "string" || oid === "" || oid.includes("\0")) throw invalidArgument(op, ctx, "object name must be a non-empty string");
  await io.guard.run(op, ctx, () => addon().removeObject(io.handle, oid));
}
