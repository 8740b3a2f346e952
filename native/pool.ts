// Pools: typed wrappers around mon commands, plus rbd pool init.
import { addon } from "./binding";
import { jsonReply, type Cluster, type IoCtx } from "./cluster";
import { cephError, ErrorContext, invalidArgument } from "./errors";

export type PoolSettingKey = "size" | "min_size" | "pg_num" | "pg_autoscale_mode" | "crush_rule";

export interface PoolSettings {
  size: number;
  minSize: number;
  pgNum: number;
  pgAutoscaleMode: string;
  crushRule: string;
}

export interface PoolQuota {
  /** 0 = no limit. */
  maxBytes: number;
  /** 0 = no limit. */
  maxObjects: number;
}

export interface PoolStat {
  name: string;
  id: number;
  objects: number;
  bytesUsed: number;
  storedBytes: number;
}

function checkPool(c: Cluster, pool: unknown, op: string): ErrorContext {
  const ctx = c.ctx({ pool: typeof pool === "string" ? pool : String(pool) });
  if (typeof pool !== "string" || pool === "" || pool.includes("\0") || /\s/.test(pool)) {
    throw invalidArgument(op, ctx, "pool name must be a non-empty string without whitespace");
  }
  return ctx;
}

function count(value: unknown, what: string, op: string, ctx: ErrorContext): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(op, ctx, `${what} must be a non-negative integer`);
  }
  return value;
}

async function poolCommand(c: Cluster, pool: string, cmd: Record<string, unknown>) {
  return c.command("mon", cmd, undefined, { pool });
}

/**
 * Creates a replicated pool. Like `ceph osd pool create`, this succeeds if the pool already exists.
 * pgNum defaults to the cluster's osd_pool_default_pg_num.
 */
export async function createPool(c: Cluster, name: string, opts: { pgNum?: number; type?: "replicated" } = {}): Promise<void> {
  const op = "osd pool create";
  const ctx = checkPool(c, name, op);
  const cmd: Record<string, unknown> = { prefix: op, pool: name, pool_type: opts.type ?? "replicated" };
  if (cmd.pool_type !== "replicated") throw invalidArgument(op, ctx, `pool type must be "replicated"`);
  if (opts.pgNum !== undefined) {
    cmd.pg_num = count(opts.pgNum, "pgNum", op, ctx);
    cmd.pgp_num = opts.pgNum;
  }
  await poolCommand(c, name, cmd);
}

/** Deletes a pool (needs mon_allow_pool_delete). Like the CLI, succeeds if the pool does not exist. */
export async function deletePool(c: Cluster, name: string): Promise<void> {
  const op = "osd pool delete";
  checkPool(c, name, op);
  await poolCommand(c, name, { prefix: op, pool: name, pool2: name, yes_i_really_really_mean_it: true });
}

export async function listPools(c: Cluster): Promise<string[]> {
  // An unreadable listing must not look like "no pools": callers decide from it whether a pool exists.
  return jsonReply(await c.monCommand({ prefix: "osd pool ls", format: "json" }), "array", "osd pool ls", c.ctx());
}

export async function getPoolSettings(c: Cluster, name: string): Promise<PoolSettings> {
  const op = "osd pool get";
  const ctx = checkPool(c, name, op);
  const json = jsonReply(await poolCommand(c, name, { prefix: op, pool: name, var: "all", format: "json" }), "object", op, ctx);
  return {
    size: json.size,
    minSize: json.min_size,
    pgNum: json.pg_num,
    pgAutoscaleMode: json.pg_autoscale_mode,
    crushRule: json.crush_rule,
  };
}

/**
 * Sets one pool option. `force` passes yes_i_really_mean_it, which Ceph requires for risky
 * values such as size 1.
 */
export async function setPoolSetting(
  c: Cluster,
  name: string,
  key: PoolSettingKey,
  value: string | number,
  opts: { force?: boolean } = {},
): Promise<void> {
  const op = "osd pool set";
  const ctx = checkPool(c, name, op);
  if (!["size", "min_size", "pg_num", "pg_autoscale_mode", "crush_rule"].includes(key)) {
    throw invalidArgument(op, ctx, `unsupported pool setting "${key}"`);
  }
  if (typeof value === "number") count(value, key, op, ctx);
  else if (typeof value !== "string" || value === "") throw invalidArgument(op, ctx, `${key} value must be a string or number`);
  const cmd: Record<string, unknown> = { prefix: op, pool: name, var: key, val: String(value) };
  if (opts.force) cmd.yes_i_really_mean_it = true;
  await poolCommand(c, name, cmd);
}

/** One pool's entry in the osdmap (`osd pool ls detail`); `what` names the caller's operation. */
async function poolDetail(c: Cluster, name: string, what: string): Promise<Record<string, unknown>> {
  const op = "osd pool ls";
  const ctx = checkPool(c, name, op);
  const json = jsonReply(await poolCommand(c, name, { prefix: op, detail: "detail", format: "json" }), "array", op, ctx);
  const pool = (json as Array<Record<string, unknown>>).find((p) => p.pool_name === name);
  if (!pool) throw cephError("ENOENT", what, ctx, { detail: `pool '${name}' does not exist` });
  return pool;
}

/** Reads quotas from the osdmap (`osd pool get-quota` fails until the mgr has reported pool stats). */
export async function getPoolQuota(c: Cluster, name: string): Promise<PoolQuota> {
  const pool = await poolDetail(c, name, "get pool quota");
  return { maxBytes: Number(pool.quota_max_bytes), maxObjects: Number(pool.quota_max_objects) };
}

/**
 * The pg_num the pool was last set to. `osd pool set pg_num` only sets this target: the mgr then
 * splits or merges placement groups towards it step by step, so pg_num itself lags for a while.
 */
export async function getPgNumTarget(c: Cluster, name: string): Promise<number> {
  return Number((await poolDetail(c, name, "get pool pg_num target")).pg_num_target);
}

/** Sets the given quotas (0 removes a limit); fields left out are unchanged. */
export async function setPoolQuota(c: Cluster, name: string, q: { maxBytes?: number; maxObjects?: number }): Promise<void> {
  const op = "osd pool set-quota";
  const ctx = checkPool(c, name, op);
  if (q.maxBytes !== undefined) {
    await poolCommand(c, name, { prefix: op, pool: name, field: "max_bytes", val: String(count(q.maxBytes, "maxBytes", op, ctx)) });
  }
  if (q.maxObjects !== undefined) {
    await poolCommand(c, name, {
      prefix: op,
      pool: name,
      field: "max_objects",
      val: String(count(q.maxObjects, "maxObjects", op, ctx)),
    });
  }
}

/** Tags the pool with an application ("rbd", "rgw", "cephfs"). `force` allows a second application. */
export async function enableApplication(c: Cluster, pool: string, app: string, opts: { force?: boolean } = {}): Promise<void> {
  const op = "osd pool application enable";
  const ctx = checkPool(c, pool, op);
  if (typeof app !== "string" || !/^[A-Za-z0-9_.-]+$/.test(app)) throw invalidArgument(op, ctx, "application name must be a simple word");
  const cmd: Record<string, unknown> = { prefix: op, pool, app };
  if (opts.force) cmd.yes_i_really_mean_it = true;
  await poolCommand(c, pool, cmd);
}

/** Removes an application tag from the pool (Ceph asks for the confirmation flag, which this is). */
export async function disableApplication(c: Cluster, pool: string, app: string): Promise<void> {
  const op = "osd pool application disable";
  const ctx = checkPool(c, pool, op);
  if (typeof app !== "string" || !/^[A-Za-z0-9_.-]+$/.test(app)) throw invalidArgument(op, ctx, "application name must be a simple word");
  await poolCommand(c, pool, { prefix: op, pool, app, yes_i_really_mean_it: true });
}

export async function getApplications(c: Cluster, pool: string): Promise<Record<string, Record<string, string>>> {
  const op = "osd pool application get";
  const ctx = checkPool(c, pool, op);
  return jsonReply(await poolCommand(c, pool, { prefix: op, pool, format: "json" }), "object", op, ctx);
}

/** Per-pool usage from `ceph df`. */
export async function poolStats(c: Cluster): Promise<PoolStat[]> {
  const json = await df(c);
  return (json.pools ?? []).map((p: any) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
    name: p.name,
    id: p.id,
    objects: p.stats.objects,
    bytesUsed: p.stats.bytes_used,
    storedBytes: p.stats.stored,
  }));
}

/** `ceph df detail` as JSON. */
export async function df(c: Cluster): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return jsonReply(await c.monCommand({ prefix: "df", detail: "detail", format: "json" }), "object", "df", c.ctx());
}

/** `ceph mon dump` as JSON. */
export async function monDump(c: Cluster): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return jsonReply(await c.monCommand({ prefix: "mon dump", format: "json" }), "object", "mon dump", c.ctx());
}

/** rbd_pool_init: prepares a pool for RBD (application tag and rbd_info object). */
export async function poolInit(io: IoCtx, force = false): Promise<void> {
  await io.guard.run("init rbd pool", io.ctx(), () => addon().poolInit(io.handle, force));
}

/** Sets one key of a pool's application metadata (`osd pool application set`); the application must be enabled. */
export async function setApplicationMetadata(c: Cluster, pool: string, app: string, key: string, value: string): Promise<void> {
  const op = "osd pool application set";
  const ctx = checkPool(c, pool, op);
  if (typeof app !== "string" || !/^[A-Za-z0-9_.-]+$/.test(app)) throw invalidArgument(op, ctx, "application name must be a simple word");
  if (typeof key !== "string" || !/^[A-Za-z0-9_.-]+$/.test(key)) throw invalidArgument(op, ctx, "key must be a simple word");
  if (typeof value !== "string" || /[\0\n]/.test(value)) throw invalidArgument(op, ctx, "value must be a one-line string");
  await poolCommand(c, pool, { prefix: op, pool, app, key, value });
}

/** Renames a pool (`osd pool rename`): one mon transaction. EEXIST when the new name is taken. */
export async function renamePool(c: Cluster, from: string, to: string): Promise<void> {
  const op = "osd pool rename";
  checkPool(c, from, op);
  checkPool(c, to, op);
  const pools = await listPools(c);
  // The mon answers 0 when the source is gone and the target exists (an idempotent retry); here
  // a taken target must be an error, since it may be someone else's pool.
  if (pools.includes(to)) throw cephError("EEXIST", op, c.ctx({ pool: to }), { detail: `pool '${to}' already exists` });
  await poolCommand(c, from, { prefix: op, srcpool: from, destpool: to });
}
