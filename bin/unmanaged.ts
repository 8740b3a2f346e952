// `ceph-drift --unmanaged`: what the cluster holds in the pools and the user namespace a stack
// manages that no resource of the stack declares (what driftctl calls unmanaged resources): a
// stray image in `volumes`, an extra client.* user. Expected ones are listed as glob patterns in
// `.cephdriftignore` (one a line, `#` comments) in the program directory. Objects that carry
// another stack's ownership marker say which stack.
import * as fs from "fs";
import { spawnSync } from "child_process";
import { clusterIdentity, connectionFromStackConfig, connectionSchema, clusterLabel, type Connection } from "../provider/connection";
import { OWNER_KEY } from "../provider/ownership";
import { readIntents } from "../provider/createIntent";

export interface UnmanagedRow {
  /** "image" (pool/name) or "user" (client.name). */
  kind: "image" | "user";
  name: string;
  /** The cluster, as its label or mon hosts. */
  cluster: string;
  /** The stack an ownership marker on the object names, when it is another stack's. */
  ownedBy?: string;
  /** No marker yet, but a create intent by `ownedBy`: that stack's create was cut short after making the image. */
  createCutShort?: true;
}

/** Ceph's own users, never the stack's business. */
const BUILT_IN_IGNORES = ["client.admin", "client.bootstrap-*"];

/**
 * The ownership marker an object carries (the RBD image metadata key the provider writes on
 * create, provider/ownership.ts), as "project/stack/resource", or undefined.
 */
export { OWNER_KEY };
export function ownerMarker(metadata: Record<string, string> | undefined): string | undefined {
  const raw = metadata?.[OWNER_KEY];
  if (!raw) return undefined;
  try {
    const o = JSON.parse(raw);
    if (o && typeof o === "object") return [o.project, o.stack, o.resource].filter(Boolean).join("/");
  } catch {
    // a plain "project/stack/resource" string
  }
  return raw;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

export function readIgnoreFile(file: string): RegExp[] {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n") : [];
  return [...BUILT_IN_IGNORES, ...lines.map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"))].map(globToRegExp);
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function unwrap(value: any): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") {
    if (SECRET_SIG in value && "plaintext" in value) return unwrap(JSON.parse(value.plaintext));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

interface ClusterScope {
  connection: Connection;
  pools: Set<string>;
  images: Set<string>;
  users: Set<string>;
}

/** What the stack declares, per cluster: its pools (and the pools its images live in), images, users. */
export function declaredScopes(exported: any, stackConfig: Record<string, unknown>): ClusterScope[] {
  const scopes = new Map<string, ClusterScope>();
  for (const r of unwrap(exported?.deployment?.resources ?? []) as Array<{ type: string; outputs?: any }>) {
    const kind = r.type.replace(/^pulumi-nodejs:dynamic\/ceph:/, "");
    const outs = r.outputs ?? {};
    const parsed = connectionSchema.safeParse(outs.connection);
    if (!parsed.success) continue;
    const id = clusterIdentity(parsed.data) ?? JSON.stringify(parsed.data);
    let scope = scopes.get(id);
    if (!scope) {
      // The newest settings from the stack config (a rotated key), as the provider would use them.
      const fromConfig = parsed.data.configNamespace ? connectionFromStackConfig(stackConfig, parsed.data.configNamespace) : undefined;
      scope = { connection: fromConfig ?? parsed.data, pools: new Set(), images: new Set(), users: new Set() };
      scopes.set(id, scope);
    }
    if (kind === "Pool") scope.pools.add(outs.name);
    if (kind === "RbdImage") {
      scope.pools.add(outs.pool);
      scope.images.add(`${outs.pool}/${outs.name}`);
    }
    if (kind === "CephUser") scope.users.add(outs.entity);
  }
  return [...scopes.values()];
}

/** The stack config as the engine hands it to providers ("ceph:key" -> value), secrets shown. */
function stackConfig(cwd: string, stack?: string): Record<string, unknown> {
  const r = spawnSync(process.env.PULUMI_BIN ?? "pulumi", ["config", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`pulumi config failed: ${(r.stderr || r.stdout).trim()}`);
  const json = JSON.parse(r.stdout) as Record<string, { value?: unknown; objectValue?: unknown }>;
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, v.objectValue !== undefined ? JSON.stringify(v.objectValue) : v.value]));
}

export async function findUnmanaged(exported: any, cwd: string, stack: string | undefined, ignoreFile: string): Promise<UnmanagedRow[]> {
  const native: typeof import("../native") = require("../native");
  const ignores = readIgnoreFile(ignoreFile);
  const ignored = (name: string) => ignores.some((re) => re.test(name));
  const rows: UnmanagedRow[] = [];
  for (const scope of declaredScopes(exported, stackConfig(cwd, stack))) {
    const label = clusterLabel(scope.connection);
    const { configNamespace: _ns, ...settings } = scope.connection;
    const c = await native.connect({ ...settings, label });
    try {
      const existing = new Set(await native.listPools(c));
      for (const pool of [...scope.pools].sort()) {
        if (!existing.has(pool)) continue; // a missing pool is drift, reported by the preview
        const io = await c.openIoCtx(pool);
        try {
          const intents = await readIntents(io);
          for (const img of (await native.listImages(io)).sort((a, b) => a.name.localeCompare(b.name))) {
            const name = `${pool}/${img.name}`;
            if (scope.images.has(name) || ignored(name)) continue;
            const meta = await native.withImage(io, img.name, (i) => i.metadataList(), { readOnly: true }).catch(() => ({}));
            const marked = owned(meta);
            const intent = intents.get(img.name);
            // No marker but an intent: made by that stack's create, cut short before its marker.
            const whose = !marked.ownedBy && intent ? { ownedBy: intent.owner, createCutShort: true as const } : marked;
            rows.push({ kind: "image", name, cluster: label, ...whose });
          }
        } finally {
          await io.close();
        }
      }
      const { json } = await c.monCommand({ prefix: "auth ls", format: "json" });
      const entities = ((json?.auth_dump ?? []) as Array<{ entity: string }>).map((e) => e.entity).filter((e) => e.startsWith("client.")).sort();
      for (const entity of entities) {
        if (scope.users.has(entity) || entity === scope.connection.entity || ignored(entity)) continue;
        rows.push({ kind: "user", name: entity, cluster: label });
      }
    } finally {
      await c.close();
    }
  }
  return rows;
}

function owned(meta: Record<string, string>): { ownedBy?: string } {
  const owner = ownerMarker(meta);
  return owner ? { ownedBy: owner } : {};
}

export function formatUnmanaged(rows: UnmanagedRow[]): string {
  const whose = (r: UnmanagedRow) =>
    !r.ownedBy ? "" : r.createCutShort ? `  made by ${r.ownedBy}, whose create was cut short: \`pulumi up\` of that stack adopts it` : `  owned by stack ${r.ownedBy}`;
  return rows.map((r) => `${r.kind.padEnd(5)}  ${r.name}  (cluster ${r.cluster})${whose(r)}`).join("\n");
}
