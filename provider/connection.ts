// The cluster a resource lives on, as resources carry it in their inputs, and the one connection
// per cluster that the provider host process keeps (opened on first use, reused by every handler).
import { z } from "zod";
import { cephxKey } from "./validate";
import { IN_PROVIDER_HOST, pinMallocThresholds } from "./hostProcess";
import type { Cluster, ConnectOptions, IoCtx } from "../native";

export const connectionSchema = z
  .object({
    label: z.string().min(1).optional(),
    conf: z.string().min(1).optional(),
    clusterName: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a plain cluster name like 'ceph'").optional(),
    monHost: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    entity: z
      .string()
      .max(256, "must be at most 256 characters")
      .regex(/^(client|mon|osd|mgr|mds)\.[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "must be a full entity name like 'client.admin'")
      .optional(),
    key: cephxKey()
      .optional(),
    keyring: z.string().min(1).optional(),
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    connectTimeoutSec: z.number().positive().max(3600).optional(),
    opTimeoutSec: z.number().positive().max(3600).optional(),
    /** Bound for calls whose duration grows with image size (remove, resize, flatten, du, rollback, trash remove). */
    longOpTimeoutSec: z.number().positive().max(7 * 24 * 3600).optional(),
    retries: z.number().int().min(0).max(100).optional(),
    retryIntervalSec: z.number().min(0).max(600).optional(),
    /** Set by CephCluster.fromConfig: the stack-config namespace these settings come from (the cluster's identity). */
    configNamespace: z.string().min(1).optional(),
  })
  .refine((c) => c.conf !== undefined || c.monHost !== undefined, {
    message: "needs either conf (a ceph.conf path) or monHost",
  });

export type Connection = z.output<typeof connectionSchema>;

/** The name a cluster goes by in messages: its label, mon hosts, or conf path. */
export function clusterLabel(c: Connection): string {
  if (c.label) return c.label;
  if (c.monHost) return Array.isArray(c.monHost) ? c.monHost.join(",") : c.monHost;
  return c.conf ?? "ceph";
}

/**
 * Connection settings say how to reach a cluster; they are not the resource. A rotated admin key, a
 * new timeout or another mon address of the same cluster is never a change of a resource, yet the
 * next operation must use the new settings, also read and delete, which only get the settings
 * stored with the resource. So the provider host keeps the newest settings per cluster identity:
 * from the stack config (the dynamic provider's configure, which the engine calls with the whole
 * stack config before any read, also in refresh and destroy) and from the news of check/diff.
 */
export function clusterIdentity(c: { configNamespace?: string; label?: string }): string | undefined {
  if (c.configNamespace) return `config:${c.configNamespace}`;
  if (c.label) return `label:${c.label}`;
  return undefined;
}

const newest = new Map<string, Connection>();

/** Records settings seen in a check or diff (ignored while they hold values not known yet). */
export function learnConnection(raw: unknown): void {
  const parsed = connectionSchema.safeParse(raw);
  if (!parsed.success) return;
  const id = clusterIdentity(parsed.data);
  if (id && !(id.startsWith("config:") && configured.has(id))) newest.set(id, parsed.data);
}

const configured = new Set<string>();

/**
 * The settings CephCluster.fromConfig(namespace) builds, from the raw stack config the engine hands
 * the dynamic provider ("ceph:key" -> value; every value a string). Keep in step with sdk/cluster.ts.
 */
export function connectionFromStackConfig(raw: Record<string, unknown>, namespace: string): Connection | undefined {
  const get = (k: string) => {
    const v = raw[`${namespace}:${k}`];
    return v === undefined || v === null ? undefined : String(v);
  };
  const num = (k: string) => (get(k) === undefined ? undefined : Number(get(k)));
  let monHost: string | string[] | undefined = get("monHost");
  const list = get("monHosts");
  if (list !== undefined) {
    try {
      monHost = JSON.parse(list);
    } catch {
      monHost = list;
    }
  }
  const candidate = Object.fromEntries(
    Object.entries({
      label: get("label"),
      conf: get("conf"),
      monHost,
      entity: get("entity"),
      key: get("key"),
      keyring: get("keyring"),
      clusterName: get("clusterName"),
      connectTimeoutSec: num("connectTimeoutSec"),
      opTimeoutSec: num("opTimeoutSec"),
      retries: num("retries"),
      retryIntervalSec: num("retryIntervalSec"),
      configNamespace: namespace,
    }).filter(([, v]) => v !== undefined),
  );
  const parsed = connectionSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** Takes the stack config (all namespaces) as the newest settings of every cluster declared from config. */
export function configureFromStackConfig(raw: Record<string, unknown>): void {
  const namespaces = new Set(Object.keys(raw).filter((k) => k.includes(":")).map((k) => k.slice(0, k.indexOf(":"))));
  for (const ns of namespaces) {
    const conn = connectionFromStackConfig(raw, ns);
    if (!conn) continue;
    newest.set(`config:${ns}`, conn);
    configured.add(`config:${ns}`);
  }
}

/** The settings to connect with: the newest known for this cluster, else the ones given. */
export function currentConnection(raw: unknown): Connection {
  const given = connectionSchema.parse(raw);
  const id = clusterIdentity(given);
  return (id && newest.get(id)) || given;
}

/** True when two settings name the same cluster (the identity), whatever else differs. */
export function sameConnection(a: unknown, b: unknown): boolean {
  const ia = a && typeof a === "object" ? clusterIdentity(a as Connection) : undefined;
  const ib = b && typeof b === "object" ? clusterIdentity(b as Connection) : undefined;
  if (ia !== undefined || ib !== undefined) return ia === ib;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const clusters = new Map<string, Promise<Cluster>>();

/** One connection per distinct cluster settings for the life of the provider process. */
export function getCluster(raw: unknown): Promise<Cluster> {
  return clusterFor(currentConnection(raw)).cluster;
}

function clusterFor(conn: Connection): { cluster: Promise<Cluster>; cacheKey: string } {
  const cacheKey = JSON.stringify(canonical(conn));
  return { cluster: connectCached(conn, cacheKey), cacheKey };
}

function connectCached(conn: Connection, cacheKey: string): Promise<Cluster> {
  const cached = clusters.get(cacheKey);
  if (cached) return cached;
  // Loaded here, not at module load, so check/diff (which never touch a cluster) work without the addon.
  const native: typeof import("../native") = require("../native");
  // Before librados starts its threads: the provider host's allocator setting (hostProcess.ts).
  if (IN_PROVIDER_HOST) pinMallocThresholds();
  const { configNamespace: _ns, ...settings } = conn;
  const options: ConnectOptions = { ...settings, label: clusterLabel(conn) };
  const pending = native.connect(options);
  clusters.set(cacheKey, pending);
  pending.catch(() => clusters.delete(cacheKey));
  return pending;
}

/** A pool's shared ioctx: how many calls use it now, and whether a fresher one replaced it. */
interface SharedIoCtx {
  io: Promise<IoCtx>;
  users: number;
  stale: boolean;
}

const ioctxs = new Map<string, SharedIoCtx>();

/** Takes the shared ioctx of a pool, opening one if there is none (or only `stale`, which it replaces). */
function acquireIoCtx(key: string, cluster: Promise<Cluster>, pool: string, stale?: SharedIoCtx): SharedIoCtx {
  let shared = ioctxs.get(key);
  if (!shared || shared === stale) {
    if (shared) retire(shared);
    const fresh: SharedIoCtx = { io: cluster.then((c) => c.openIoCtx(pool)), users: 0, stale: false };
    fresh.io.catch(() => {
      if (ioctxs.get(key) === fresh) ioctxs.delete(key);
    });
    ioctxs.set(key, fresh);
    shared = fresh;
  }
  shared.users++;
  return shared;
}

/** A replaced ioctx is closed once the calls still on it are done. */
function retire(shared: SharedIoCtx): void {
  shared.stale = true;
  if (shared.users === 0) shared.io.then((io) => io.close()).catch(() => undefined);
}

function releaseIoCtx(shared: SharedIoCtx): void {
  shared.users--;
  if (shared.stale && shared.users === 0) shared.io.then((io) => io.close()).catch(() => undefined);
}

/** An ioctx on `pool` for the length of `fn`, closed after (for writes; reads share one: withSharedPool). */
export async function withPool<T>(raw: unknown, pool: string, fn: (io: IoCtx, cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = await getCluster(raw);
  const io = await cluster.openIoCtx(pool);
  try {
    return await fn(io, cluster);
  } finally {
    await io.close();
  }
}

/**
 * Runs fn with this process's I/O context on `pool`, opened on first use and then shared (a
 * refresh reads every image: one ioctx each would be opened and closed for nothing). An ioctx
 * names its pool by id, resolved from the osdmap this connection holds, so a pool deleted, or
 * deleted and made again under its name, answers ENOENT on an ioctx of the old id, even a fresh
 * one while the map is old. An ENOENT from fn is therefore checked once more against the newest
 * osdmap on a freshly opened ioctx, whose answer stands: "gone" makes a refresh drop the resource.
 * fn must be safe to run twice, as reads are.
 */
export async function withSharedPool<T>(raw: unknown, pool: string, fn: (io: IoCtx) => Promise<T>): Promise<T> {
  const native: typeof import("../native") = require("../native");
  const { cluster, cacheKey } = clusterFor(currentConnection(raw));
  const key = `${cacheKey}\0${pool}`;
  const first = acquireIoCtx(key, cluster, pool);
  try {
    const io = await first.io;
    if (!io.closed) return await fn(io);
  } catch (e) {
    if (!native.isCephError(e, "ENOENT")) throw e;
  } finally {
    releaseIoCtx(first);
  }
  await (await cluster).waitForLatestOsdmap();
  const second = acquireIoCtx(key, cluster, pool, first);
  try {
    return await fn(await second.io);
  } finally {
    releaseIoCtx(second);
  }
}
