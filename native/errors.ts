// Typed errors for everything in native/. This is the one place where errno values become
// error classes; every other module builds errors through `cephError()` / `fromNative()`.
import { constants as osConstants } from "os";

/** Where an error happened; names what the operation was about, never a secret. */
export interface ErrorContext {
  /** Cluster label (ConnectOptions.label, else mon hosts or conf path). */
  cluster: string;
  pool?: string;
  namespace?: string;
  image?: string;
  snapshot?: string;
  /** A RADOS object of the pool, by name. */
  object?: string;
  entity?: string;
  /** Which daemon served the call (mon/mgr commands, osd for pool and image I/O): a refusal names whose caps said no. */
  service?: "mon" | "mgr" | "osd";
}

export interface CephErrorInit extends ErrorContext {
  errno: number;
  code: string;
  /** strerror-style text, e.g. "No such file or directory". */
  description: string;
  /** What was being done, e.g. "remove image", or the mon command prefix. */
  op: string;
  /** Extra text from Ceph (a mon command's `outs`), appended to the message. */
  detail?: string;
}

export class CephError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly description: string;
  readonly op: string;
  readonly cluster: string;
  readonly pool?: string;
  readonly namespace?: string;
  readonly image?: string;
  readonly snapshot?: string;
  readonly entity?: string;
  readonly service?: "mon" | "mgr" | "osd";
  readonly detail?: string;

  constructor(init: CephErrorInit) {
    super(formatMessage(init));
    this.name = new.target.name;
    this.errno = init.errno;
    this.code = init.code;
    this.description = init.description;
    this.op = init.op;
    this.cluster = init.cluster;
    if (init.pool !== undefined) this.pool = init.pool;
    if (init.namespace) this.namespace = init.namespace;
    if (init.image !== undefined) this.image = init.image;
    if (init.snapshot !== undefined) this.snapshot = init.snapshot;
    if (init.entity !== undefined) this.entity = init.entity;
    if (init.service !== undefined) this.service = init.service;
    if (init.detail) this.detail = init.detail;
  }
}

export class NotFoundError extends CephError {}
export class ExistsError extends CephError {}
export class BusyError extends CephError {}
export class PermissionError extends CephError {}
export class TimeoutError extends CephError {}
export class InvalidArgumentError extends CephError {}
export class NotEmptyError extends CephError {}
/** A call on a cluster, ioctx or image that was closed (code "ECLOSED"). */
export class ClosedError extends CephError {}
/** A reply from the cluster that is not what the operation expects (e.g. JSON that does not parse). */
export class BadReplyError extends CephError {}

const errno = osConstants.errno;

/** errno code -> class; everything else is a plain CephError. */
const classByCode: Record<string, new (init: CephErrorInit) => CephError> = {
  ENOENT: NotFoundError,
  EEXIST: ExistsError,
  EBUSY: BusyError,
  EPERM: PermissionError,
  EACCES: PermissionError,
  ETIMEDOUT: TimeoutError,
  EINVAL: InvalidArgumentError,
  ENOTEMPTY: NotEmptyError,
  ECLOSED: ClosedError,
  EBADMSG: BadReplyError,
};

/** Descriptions for errors built on the TypeScript side (the addon supplies its own). */
const descriptions: Record<string, string> = {
  ENOENT: "No such file or directory",
  EEXIST: "File exists",
  EBUSY: "Device or resource busy",
  EPERM: "Operation not permitted",
  EACCES: "Permission denied",
  ETIMEDOUT: "Connection timed out",
  EINVAL: "Invalid argument",
  ENOTEMPTY: "Directory not empty",
  EBADMSG: "the reply is not the JSON expected",
};

function target(ctx: ErrorContext): string {
  if (ctx.entity) return printable(ctx.entity);
  if (ctx.pool === undefined) return "";
  let t = printable(ctx.pool);
  if (ctx.namespace) t += `/${printable(ctx.namespace)}`;
  if (ctx.image !== undefined) t += `/${printable(ctx.image)}`;
  if (ctx.snapshot !== undefined) t += `@${printable(ctx.snapshot)}`;
  if (ctx.object !== undefined) t += `/${printable(ctx.object)}`;
  return t;
}

/**
 * A name as an error message can show it. A wrong-typed name must still give the message, not a
 * TypeError: String() throws for an object whose toString and valueOf are not functions.
 */
function printable(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    return `<${typeof value}>`;
  }
}

// e.g. "ceph cluster v2:127.0.0.1:40123: remove image volumes/vol1 failed: ENOENT (No such file or directory)"
function formatMessage(init: CephErrorInit): string {
  const what = target(init);
  const prefix = init.cluster ? `ceph cluster ${init.cluster}: ` : "ceph: ";
  const detail = init.detail ? `: ${init.detail.trim()}` : "";
  // A bare EACCES says nothing about which caps to fix: name the daemon that refused.
  const refused =
    init.service && (init.code === "EPERM" || init.code === "EACCES")
      ? ` (refused by the ${init.service}: the connecting user's ${init.service} caps do not allow it)`
      : "";
  return `${prefix}${init.op}${what ? " " + what : ""} failed: ${init.code} (${init.description})${refused}${detail}`;
}

/** Builds the typed error for an errno code name ("ENOENT", "ECLOSED", ...). */
export function cephError(
  code: string,
  op: string,
  ctx: ErrorContext,
  extra: { description?: string; detail?: string; errno?: number } = {},
): CephError {
  const Class = classByCode[code] ?? CephError;
  const number = extra.errno ?? (errno as Record<string, number>)[code] ?? 0;
  const description = extra.description ?? descriptions[code] ?? code;
  return new Class({ ...ctx, errno: number, code, description, op, detail: extra.detail });
}

export function invalidArgument(op: string, ctx: ErrorContext, why: string): InvalidArgumentError {
  return cephError("EINVAL", op, ctx, { description: why });
}

export function closedError(op: string, ctx: ErrorContext, what: "cluster connection" | "ioctx" | "image"): ClosedError {
  return cephError("ECLOSED", op, ctx, { errno: errno.EBADF, description: `${what} is closed` });
}

function isNativeError(e: unknown): e is { errno: number; code: string; description?: string; op: string; detail?: string } {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { errno?: unknown }).errno === "number" &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { op?: unknown }).op === "string"
  );
}

/**
 * Converts an addon rejection into a typed error named after `op` with `ctx`.
 * Anything else (a TypeError from the argument guards, a CephError already) is returned as is.
 */
export function fromNative(e: unknown, op: string, ctx: ErrorContext, redact: string[] = []): unknown {
  if (e instanceof CephError || !isNativeError(e)) return e;
  let detail = e.detail;
  if (detail) for (const secret of redact) if (secret) detail = detail.split(secret).join("<redacted>");
  return cephError(e.code, op, ctx, { errno: e.errno, description: e.description, detail });
}

/** True if `e` is a CephError (optionally with this errno code, e.g. "ENOENT" or "ECLOSED"). */
export function isCephError(e: unknown, code?: string): e is CephError {
  return e instanceof CephError && (code === undefined || e.code === code);
}
