// Connecting to a cluster, mon/mgr commands, and pool I/O contexts.
import { addon, ClusterHandle, IoCtxHandle } from "./binding";
import { CephError, cephError, ErrorContext, invalidArgument } from "./errors";
import { HandleGuard, RunOptions, Timeouts } from "./handle";

export interface ConnectOptions {
  /** Cluster name shown in error messages; default: monHost or conf path. */
  label?: string;
  /** ceph.conf path (optional if monHost given). */
  conf?: string;
  /** Default "ceph". */
  clusterName?: string;
  /** e.g. "v2:127.0.0.1:6789", or a list. */
  monHost?: string | string[];
  /** Default "client.admin". */
  entity?: string;
  /** cephx key. A secret: never put in any message. */
  key?: string;
  /** Keyring path. */
  keyring?: string;
  /** Arbitrary rados conf_set options, e.g. { rados_osd_op_timeout: 60 }; applied after conf. */
  config?: Record<string, string | number | boolean>;
  /** Default 10 (client_mount_timeout). */
  connectTimeoutSec?: number;
  /** Default 30 (rados_osd_op_timeout and rados_mon_op_timeout unless set in config). */
  opTimeoutSec?: number;
  /** Backstop for calls whose duration grows with image size (remove, flatten, rollback, trash purge, du). Default 1800. */
  longOpTimeoutSec?: number;
  /** Connection retries after the first attempt, default 3 (Cinder's rados_connection_retries). */
  retries?: number;
  /** Default 5 (Cinder's rados_connection_interval). */
  retryIntervalSec?: number;
}

export interface CommandResult {
  outs: string;
  outbuf: Buffer;
  /** outbuf parsed, when the command asked for (or returned) JSON. */
  json?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const defaults = {
  clusterName: "ceph",
  entity: "client.admin",
  connectTimeoutSec: 10,
  opTimeoutSec: 30,
  longOpTimeoutSec: 1800,
  retries: 3,
  retryIntervalSec: 5,
};

/**
 * A native call may issue a few bounded rados requests in sequence (an image open reads several
 * objects), so the backstop allows one more op timeout plus 5 s before declaring it stuck.
 */
function backstopMs(timeoutSec: number): number {
  return (2 * timeoutSec + 5) * 1000;
}

function checkPositive(name: string, value: number | undefined, ctx: ErrorContext, allowZero = false): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalidArgument("connect", ctx, `${name} must be a ${allowZero ? "non-negative" : "positive"} number`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Connects, retrying `retries` times `retryIntervalSec` apart; rejects with the last error. */
export async function connect(opts: ConnectOptions): Promise<Cluster> {
  if (typeof opts !== "object" || opts === null) throw new TypeError("connect: options object expected");
  const monHosts = opts.monHost === undefined ? [] : Array.isArray(opts.monHost) ? opts.monHost : [opts.monHost];
  const label = opts.label ?? (monHosts.length ? monHosts.join(",") : (opts.conf ?? "default"));
  const ctx: ErrorContext = { cluster: label };
  const entity = opts.entity ?? defaults.entity;
  const clusterName = opts.clusterName ?? defaults.clusterName;
  for (const [name, value] of [
    ["conf", opts.conf],
    ["keyring", opts.keyring],
    ["key", opts.key],
  ] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "" || value.includes("\0"))) {
      throw invalidArgument("connect", ctx, `${name} must be a non-empty string`);
    }
  }
  if (!/^[a-z]+\.[^\s\0]+$/.test(entity)) throw invalidArgument("connect", ctx, `entity must look like "client.NAME"`);
  if (monHosts.some((h) => typeof h !== "string" || h.trim() === "")) {
    throw invalidArgument("connect", ctx, "monHost entries must be non-empty strings");
  }
  checkPositive("connectTimeoutSec", opts.connectTimeoutSec, ctx);
  checkPositive("opTimeoutSec", opts.opTimeoutSec, ctx);
  checkPositive("longOpTimeoutSec", opts.longOpTimeoutSec, ctx);
  checkPositive("retries", opts.retries, ctx, true);
  checkPositive("retryIntervalSec", opts.retryIntervalSec, ctx, true);
  if (opts.retries !== undefined && !Number.isInteger(opts.retries)) throw invalidArgument("connect", ctx, "retries must be an integer");

  const connectTimeoutSec = opts.connectTimeoutSec ?? defaults.connectTimeoutSec;
  const opTimeoutSec = opts.opTimeoutSec ?? defaults.opTimeoutSec;
  const userConfig = opts.config ?? {};

  // Later entries win in librados, so user config comes last except where it already sets the option.
  const config: Array<[string, string]> = [];
  const normalize = (name: string) => name.replace(/[ -]/g, "_");
  const userSet = new Set(Object.keys(userConfig).map(normalize));
  const setDefault = (name: string, value: string) => {
    if (!userSet.has(name)) config.push([name, value]);
  };
  // Errors come back as rejections; keep librados from also printing them on the provider's stderr.
  setDefault("log_to_stderr", "false");
  setDefault("err_to_stderr", "false");
  if (monHosts.length) config.push(["mon_host", monHosts.join(",")]);
  if (opts.keyring) config.push(["keyring", opts.keyring]);
  if (opts.key) config.push(["key", opts.key]);
  config.push(["client_mount_timeout", String(connectTimeoutSec)]);
  setDefault("rados_osd_op_timeout", String(opTimeoutSec));
  setDefault("rados_mon_op_timeout", String(opTimeoutSec));
  for (const [name, value] of Object.entries(userConfig)) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw invalidArgument("connect", ctx, `config option ${name} must be a string, number or boolean`);
    }
    config.push([name, String(value)]);
  }

  const timeouts: Timeouts = {
    opMs: backstopMs(opTimeoutSec),
    longOpMs: backstopMs(opts.longOpTimeoutSec ?? defaults.longOpTimeoutSec),
  };
  const where = monHosts.length ? monHosts.join(",") : opts.conf ? `the mons in ${opts.conf}` : "the default mons";
  const op = `connect to ${where} as ${entity}`;
  const retries = opts.retries ?? defaults.retries;
  const redact = opts.key ? [opts.key] : [];

  for (let attempt = 0; ; attempt++) {
    // One guard per attempt only to reuse backstop and error conversion.
    const attemptGuard = new HandleGuard("cluster connection", { opMs: backstopMs(connectTimeoutSec), longOpMs: 0 });
    try {
      const handle = await attemptGuard.run(
        op,
        ctx,
        () =>
          addon().connect({
            clusterName,
            entity,
            conf: opts.conf,
            readDefaultConf: !opts.conf && monHosts.length === 0,
            config,
          }),
        {
          redact,
          // A connect that completes after the backstop fired is closed right away.
          onLate: (late) => void addon().clusterClose(late).catch(() => undefined),
        },
      );
      return new Cluster(handle, label, timeouts);
    } catch (e) {
      const err = e as CephError;
      // Bad options fail the same way every time; only the connect step itself is retried.
      const retryable = err instanceof CephError && err.detail === undefined;
      if (!retryable || attempt >= retries) {
        if (err instanceof CephError && attempt > 0) {
          Object.defineProperty(err, "message", { value: `${err.message} (after ${attempt + 1} attempts)` });
        }
        throw err;
      }
      await sleep((opts.retryIntervalSec ?? defaults.retryIntervalSec) * 1000);
    }
  }
}

function wantsJson(cmd: Record<string, unknown>): boolean {
  return cmd.format === "json" || cmd.format === "json-pretty";
}

/** @internal Parses a command's output; asked-for JSON that does not parse is an error, never an empty result. */
export function parseJson(outbuf: Buffer, required: boolean, op: string, ctx: ErrorContext): unknown {
  const text = outbuf.toString("utf8").trim();
  if (text === "") return undefined;
  if (!required && !(text.startsWith("{") || text.startsWith("["))) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    if (!required) return undefined;
    throw cephError("EBADMSG", op, ctx, { detail: `${text.length} bytes that do not parse` });
  }
}

/**
 * The JSON a command must answer with, checked for its shape: a missing or malformed reply is an
 * error naming the cluster and the operation (not a TypeError, not an empty list).
 */
export function jsonReply(res: CommandResult, kind: "array" | "object", op: string, ctx: ErrorContext): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const ok = kind === "array" ? Array.isArray(res.json) : typeof res.json === "object" && res.json !== null && !Array.isArray(res.json);
  if (!ok) throw cephError("EBADMSG", op, ctx, { detail: `expected a JSON ${kind}` });
  return res.json;
}

export class Cluster {
  readonly label: string;
  /** @internal */
  readonly guard: HandleGuard;
  /** @internal */
  readonly handle: ClusterHandle;

  /** @internal Use connect(). */
  constructor(handle: ClusterHandle, label: string, timeouts: Timeouts) {
    this.handle = handle;
    this.label = label;
    this.guard = new HandleGuard("cluster connection", timeouts);
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** @internal Error context for this cluster. */
  ctx(extra: Omit<ErrorContext, "cluster"> = {}): ErrorContext {
    return { cluster: this.label, ...extra };
  }

  fsid(): Promise<string> {
    return this.guard.run("get fsid", this.ctx(), () => addon().clusterFsid(this.handle));
  }

  /**
   * Fetches the newest osdmap from the mons. Pool names resolve against the map this connection
   * holds, which can be older than a pool deleted and made again under the same name.
   */
  waitForLatestOsdmap(): Promise<void> {
    return this.guard.run("wait for latest osdmap", this.ctx(), () => addon().waitForLatestOsdmap(this.handle));
  }

  /** Mon addresses from the current monmap, e.g. ["v2:127.0.0.1:3300"]. */
  async monAddrs(): Promise<string[]> {
    const json = jsonReply(await this.monCommand({ prefix: "mon dump", format: "json" }), "object", "mon dump", this.ctx());
    const addrs: string[] = [];
    for (const mon of json?.mons ?? []) {
      for (const a of mon.public_addrs?.addrvec ?? []) addrs.push(`${a.type}:${a.addr}`);
    }
    return addrs;
  }

  /** Sends a mon command. Errors carry the command prefix as op and Ceph's `outs` text. */
  monCommand(cmd: Record<string, unknown>, input?: Buffer): Promise<CommandResult> {
    return this.command("mon", cmd, input, {});
  }

  mgrCommand(cmd: Record<string, unknown>, input?: Buffer): Promise<CommandResult> {
    return this.command("mgr", cmd, input, {});
  }

  /** @internal monCommand with error context (pool, entity) and secrets to redact. */
  async command(
    target: "mon" | "mgr",
    cmd: Record<string, unknown>,
    input: Buffer | undefined,
    extra: Omit<ErrorContext, "cluster">,
    opts: RunOptions<unknown> = {},
  ): Promise<CommandResult> {
    const ctx = this.ctx({ ...extra, service: target });
    if (typeof cmd !== "object" || cmd === null || typeof cmd.prefix !== "string" || cmd.prefix === "") {
      throw invalidArgument(`${target} command`, ctx, "command needs a string prefix");
    }
    if (input !== undefined && !Buffer.isBuffer(input)) throw invalidArgument(cmd.prefix, ctx, "input must be a Buffer");
    const json = JSON.stringify(cmd);
    const res = await this.guard.run(
      cmd.prefix,
      ctx,
      () => (target === "mon" ? addon().monCommand(this.handle, json, input) : addon().mgrCommand(this.handle, json, input)),
      { redact: opts.redact },
    );
    const parsed = parseJson(res.outbuf, wantsJson(cmd), cmd.prefix, ctx);
    return parsed === undefined ? { outs: res.outs, outbuf: res.outbuf } : { outs: res.outs, outbuf: res.outbuf, json: parsed };
  }

  /** Opens an I/O context on a pool (NotFoundError if the pool does not exist). */
  async openIoCtx(pool: string, namespace?: string): Promise<IoCtx> {
    const ctx = this.ctx({ pool, namespace });
    if (typeof pool !== "string" || pool === "" || pool.includes("\0")) throw invalidArgument("open ioctx", ctx, "pool must be a non-empty string");
    if (namespace !== undefined && (typeof namespace !== "string" || namespace.includes("\0"))) {
      throw invalidArgument("open ioctx", ctx, "namespace must be a string");
    }
    const handle = await this.guard.run("open ioctx", ctx, () => addon().ioctxOpen(this.handle, pool, namespace), {
      onLate: (late) => void addon().ioctxClose(late).catch(() => undefined),
    });
    return new IoCtx(this, handle, pool, namespace ?? "");
  }

  /** Closes open ioctxs and images first, waits for in-flight calls, then shuts down. Idempotent. */
  close(): Promise<void> {
    return this.guard.close("close cluster connection", this.ctx(), () => addon().clusterClose(this.handle));
  }
}

export class IoCtx {
  readonly pool: string;
  readonly namespace: string;
  readonly cluster: Cluster;
  /** @internal */
  readonly guard: HandleGuard;
  /** @internal */
  readonly handle: IoCtxHandle;

  /** @internal Use Cluster.openIoCtx(). */
  constructor(cluster: Cluster, handle: IoCtxHandle, pool: string, namespace: string) {
    this.cluster = cluster;
    this.handle = handle;
    this.pool = pool;
    this.namespace = namespace;
    this.guard = new HandleGuard("ioctx", cluster.guard.timeouts, cluster.guard);
    cluster.guard.adopt(this);
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** @internal Error context for this pool (and image/snapshot). */
  ctx(extra: Omit<ErrorContext, "cluster" | "pool" | "namespace"> = {}): ErrorContext {
    return { cluster: this.cluster.label, pool: this.pool, namespace: this.namespace || undefined, service: "osd", ...extra };
  }

  /** Closes images opened through this ioctx first, then the ioctx. Idempotent. */
  close(): Promise<void> {
    return this.guard
      .close("close ioctx", this.ctx(), () => addon().ioctxClose(this.handle))
      .finally(() => this.cluster.guard.release(this));
  }
}
