// The cluster a resource lives on, as resources carry it in their inputs, and the one connection
// per cluster that the provider host process keeps (opened on first use, reused by every handler).
import { z } from "zod";
import { cephxKey } from "./validate";
import type { Cluster, ConnectOptions } from "../native";

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

/** Connection settings that decide which cluster (and as whom) we talk to; a change here is not a resource change. */
export function sameConnection(a: unknown, b: unknown): boolean {
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
  const conn = connectionSchema.parse(raw);
  const cacheKey = JSON.stringify(canonical(conn));
  const cached = clusters.get(cacheKey);
  if (cached) return cached;
  // Loaded here, not at module load, so check/diff (which never touch a cluster) work without the addon.
  const native: typeof import("../native") = require("../native");
  const options: ConnectOptions = { ...conn, label: clusterLabel(conn) };
  const pending = native.connect(options);
  clusters.set(cacheKey, pending);
  pending.catch(() => clusters.delete(cacheKey));
  return pending;
}
