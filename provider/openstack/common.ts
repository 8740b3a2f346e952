/**
 * Shared pieces of the OpenStack services' RBD option schemas: field types with
 * the rules the services and Ceph apply, error reporting that names the field,
 * and rendering of parsed specs to oslo.config key/value maps.
 */

import { z } from "zod";

/** One problem with a spec, shaped like a Pulumi check failure: the property path and why. */
export interface SpecFailure {
  property: string;
  reason: string;
}

export class SpecValidationError extends Error {
  readonly failures: readonly SpecFailure[];

  constructor(what: string, failures: readonly SpecFailure[]) {
    super(`invalid ${what}: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    this.name = "SpecValidationError";
    this.failures = failures;
  }
}

export type CheckResult<T> = { ok: true; value: T } | { ok: false; failures: SpecFailure[] };

/** Validates a spec; every failure names its field, e.g. `rbdMaxCloneDepth: must be >= 0`. */
export function checkSpec<S extends z.ZodType>(schema: S, input: unknown): CheckResult<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, failures: result.error.issues.flatMap(toFailures) };
}

/** Like checkSpec, but throws a SpecValidationError listing every failure. */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = checkSpec(schema, input);
  if (!result.ok) throw new SpecValidationError(what, result.failures);
  return result.value;
}

function toFailures(issue: z.core.$ZodIssue): SpecFailure[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ property: formatPath([...issue.path, key]), reason: "is not a known field" }));
  }
  return [{ property: formatPath(issue.path), reason: issue.message }];
}

/** `stores[1]`, `rbdPool`; the whole spec is `spec`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "spec";
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

/** Type errors say "is required" for a missing field and "must be <expected>" otherwise. */
function typeError(expected: string) {
  return (issue: { input?: unknown }): string => (issue.input === undefined ? "is required" : `must be ${expected}`);
}

// ---- Field types -----------------------------------------------------------

/** An oslo IntOpt: an integer, with the bounds the option (or the code reading it) imposes. */
export function integer(bounds: { min?: number; max?: number } = {}) {
  let schema = z.number({ error: typeError("an integer") }).int("must be an integer");
  if (bounds.min !== undefined) schema = schema.min(bounds.min, { error: `must be >= ${bounds.min}`, abort: true });
  if (bounds.max !== undefined) schema = schema.max(bounds.max, { error: `must be <= ${bounds.max}`, abort: true });
  return schema;
}

/** An oslo BoolOpt, rendered as `true`/`false`. */
export function boolean() {
  return z.boolean({ error: typeError("true or false") });
}

/** A one-line string oslo reads back unchanged: no control characters, no surrounding whitespace. */
export function text() {
  // `abort` stops at the first broken rule, so each field reports one clear reason.
  return z
    .string({ error: typeError("a string") })
    .min(1, { error: "must not be empty", abort: true })
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), { error: "must not contain control characters or line breaks", abort: true })
    .refine((value) => value.trim() === value, { error: "must not start or end with whitespace", abort: true });
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A libvirt secret UUID in canonical form. Lowercase only: libvirt prints UUIDs
 * in lowercase, and Cinder, Nova and the secret must compare equal as strings.
 */
export function uuid() {
  return z
    .string({ error: typeError("a UUID string") })
    .regex(CANONICAL_UUID, "must be a canonical lowercase UUID (8-4-4-4-12 hex digits, e.g. 457eb676-33da-42ec-9a8c-9293d545c337)");
}

/** A RADOS pool name that works in `pool/image` specs and config files. */
export function cephPoolName() {
  return z
    .string({ error: typeError("a pool name") })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, {
      error: "must be a Ceph pool name: letters, digits, '_', '.', '-', not starting with '.' or '-'",
      abort: true,
    })
    .max(255, "must be at most 255 characters");
}

/**
 * A cephx user as OpenStack options take it: the short id (`cinder`), which
 * librados turns into the entity `client.cinder`.
 */
export function cephUserName() {
  return z
    .string({ error: typeError("a Ceph user name") })
    .refine((value) => !value.startsWith("client."), {
      abort: true,
      error: (issue) => {
        const given = String(issue.input);
        return `must be the short user name without the 'client.' prefix (use "${given.slice("client.".length)}", not "${given}")`;
      },
    })
    .refine((value) => /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(value), "must be a Ceph user id: letters, digits, '_', '.', '-'");
}

/** A Ceph cluster name: it becomes `$cluster` in /etc/ceph/$cluster.conf and keyring paths. */
export function cephClusterName() {
  return z
    .string({ error: typeError("a cluster name") })
    .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "must be a Ceph cluster name: a letter, then letters, digits, '_' or '-'");
}

/** An absolute path of a file the service reads, such as /etc/ceph/ceph.conf. */
export function absolutePath() {
  return text().refine((value) => value.startsWith("/"), "must be an absolute path");
}

/** A section name of our own in an oslo.config file: plain characters, and never DEFAULT. */
export function iniSectionName() {
  return z
    .string({ error: typeError("a section name") })
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, { error: "must be a section name: letters, digits, '_', '.', '-'", abort: true })
    .max(255, { error: "must be at most 255 characters", abort: true })
    .refine((value) => value.toUpperCase() !== "DEFAULT", "must not be DEFAULT: the backend needs a section of its own");
}

/** The RBD object size in MiB: librbd takes 2^order with order 20..25 here, and rounds other sizes down. */
export function rbdChunkSizeMiB() {
  return integer({ min: 1, max: 32 }).refine(
    (value) => (value & (value - 1)) === 0,
    "must be a power of two (1, 2, 4, 8, 16 or 32): the RBD object size is 2^order, other sizes are rounded down",
  );
}

/**
 * For cross-field checks: run only once every field is valid by itself, so a
 * bad field is reported once, not again through the checks that depend on it.
 */
export const WHEN_FIELDS_ARE_VALID = {
  when: (payload: { issues: readonly unknown[] }): boolean => payload.issues.length === 0,
};

// ---- Rendering -------------------------------------------------------------

/** A section of an oslo.config file and the keys we set in it. */
export interface RenderedSection {
  section: string;
  values: Record<string, string>;
}

export type OptionValue = string | number | boolean | readonly string[];

/** oslo's spelling of a value: booleans `true`/`false`, lists comma-separated. */
export function renderValue(value: OptionValue): string {
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/**
 * Renders the fields the user set, under their oslo key names, in the order of
 * the `keys` table (the order the service documents them in).
 */
export function renderOptions<Spec extends object>(
  spec: Spec,
  keys: { readonly [Field in keyof Spec]?: string },
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [field, key] of Object.entries(keys) as [keyof Spec, string][]) {
    const value = spec[field];
    if (value !== undefined) values[key] = renderValue(value as OptionValue);
  }
  return values;
}
