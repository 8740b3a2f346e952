// What a pool really holds: its RADOS objects in every namespace, listed from the OSDs; and the
// removal of one object by name (only for objects librbd itself left half-written); and one omap
// entry set or removed, in one write each (the provider's own records, never librbd's objects).
import { addon } from "./binding";
import type { IoCtx } from "./cluster";
import { invalidArgument, isCephError } from "./errors";

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

function checkOid(oid: unknown, op: string, ctx: ReturnType<IoCtx["ctx"]>): void {
  if (typeof oid !== "string" || oid === "" || oid.includes("\0")) throw invalidArgument(op, ctx, "object name must be a non-empty string");
}

/** Whether one RADOS object exists in `io`'s namespace (one round trip, no image opened). */
export async function objectExists(io: IoCtx, oid: string): Promise<boolean> {
  return (await objectStat(io, oid)) !== undefined;
}

/** One RADOS object's size and mtime (seconds, the OSD's clock), or undefined if it is absent. */
export async function objectStat(io: IoCtx, oid: string): Promise<{ size: number; mtime: number } | undefined> {
  const op = "stat object";
  const ctx = io.ctx({ object: oid });
  checkOid(oid, op, ctx);
  try {
    return await io.guard.run(op, ctx, () => addon().statObject(io.handle, oid));
  } catch (e) {
    if (isCephError(e, "ENOENT")) return undefined;
    throw e;
  }
}

/**
 * Every omap entry of one object in `io`'s namespace, in key order (none if the object is absent).
 * `as` names the operation in errors the way its caller's user knows it (default: the object read).
 */
export async function omapEntries(
  io: IoCtx,
  oid: string,
  opts: { pageSize?: number; as?: { op: string; ctx: ReturnType<IoCtx["ctx"]> } } = {},
): Promise<Array<[string, Buffer]>> {
  const op = opts.as?.op ?? "read omap";
  const ctx = opts.as?.ctx ?? io.ctx({ object: oid });
  const pageSize = opts.pageSize ?? 512;
  checkOid(oid, op, ctx);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw invalidArgument(op, ctx, "pageSize must be a positive integer");
  const out: Array<[string, Buffer]> = [];
  for (let after = ""; ; ) {
    let page: { entries: Array<[string, Buffer]>; more: boolean };
    try {
      page = await io.guard.run(op, ctx, () => addon().omapGetValues(io.handle, oid, after, pageSize));
    } catch (e) {
      if (isCephError(e, "ENOENT")) return out;
      throw e;
    }
    out.push(...page.entries);
    if (!page.more || page.entries.length === 0) return out;
    after = page.entries[page.entries.length - 1][0];
  }
}

function checkKey(key: unknown, op: string, ctx: ReturnType<IoCtx["ctx"]>): void {
  if (typeof key !== "string" || key === "" || key.includes("\0")) throw invalidArgument(op, ctx, "omap key must be a non-empty string");
}

/** Sets one omap entry of an object in `io`'s namespace, creating the object if it is absent. */
export async function omapSet(io: IoCtx, oid: string, key: string, value: string | Buffer): Promise<void> {
  const op = "write omap";
  const ctx = io.ctx({ object: oid });
  checkOid(oid, op, ctx);
  checkKey(key, op, ctx);
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  await io.guard.run(op, ctx, () => addon().omapSet(io.handle, oid, key, bytes));
}

/** Removes one omap entry of an object in `io`'s namespace; nothing to do when it (or the object) is absent. */
export async function omapRemoveKey(io: IoCtx, oid: string, key: string): Promise<void> {
  const op = "remove omap key";
  const ctx = io.ctx({ object: oid });
  checkOid(oid, op, ctx);
  checkKey(key, op, ctx);
  try {
    await io.guard.run(op, ctx, () => addon().omapRemoveKey(io.handle, oid, key));
  } catch (e) {
    if (!isCephError(e, "ENOENT")) throw e;
  }
}

/** Removes one RADOS object in `io`'s namespace (NotFoundError if absent). */
export async function removeObject(io: IoCtx, oid: string): Promise<void> {
  const op = "remove object";
  const ctx = io.ctx({ object: oid });
  checkOid(oid, op, ctx);
  await io.guard.run(op, ctx, () => addon().removeObject(io.handle, oid));
}
