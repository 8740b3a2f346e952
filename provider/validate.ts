// Turns zod validation into Pulumi check failures that name the offending property,
// so `pulumi preview` stops on bad input before anything touches a cluster.
import { isDeepStrictEqual } from "util";
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { validateCephxKey } from "./cephx";

export type CheckFailure = pulumi.dynamic.CheckFailure;

export function zodFailures(error: z.ZodError): CheckFailure[] {
  return error.issues.map((issue) => {
    const property = issue.path.map(String).join(".") || "(inputs)";
    return { property, reason: `${property}: ${issue.message}` };
  });
}

/** How the engine passes a value that is not known yet (a preview of something computed). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** True when the value at `path` in `root`, or one of its parents, is (or holds) a value not known yet. */
function dependsOnUnknown(root: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = root;
  for (const key of path) {
    if (node === UNKNOWN) return true;
    if (!node || typeof node !== "object") return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return containsUnknown(node);
}

/**
 * Validates `news` with `schema`: either the parsed value or the failures to return from check.
 * During a preview some inputs are not known yet (another resource's outputs): problems that depend
 * on such a value are left for the check the engine runs once it is known. `complete` says whether
 * `value` is the fully parsed input (false: it is `news` as given, with unknowns in it).
 */
export function parseInputs<S extends z.ZodType>(
  schema: S,
  news: unknown,
): { ok: true; value: z.output<S>; complete: boolean } | { ok: false; failures: CheckFailure[] } {
  const result = schema.safeParse(news);
  if (result.success) return { ok: true, value: result.data, complete: true };
  const issues = result.error.issues.filter((issue) => !dependsOnUnknown(news, issue.path));
  if (issues.length === 0) return { ok: true, value: withDefaults(schema, news) as z.output<S>, complete: false };
  return { ok: false, failures: zodFailures(new z.ZodError(issues)) };
}

/** The schema's top-level defaults: property -> the value it takes when left out. */
function defaultsOf(schema: z.ZodType): Array<[string, unknown]> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  const found: Array<[string, unknown]> = [];
  for (const [key, field] of Object.entries(shape ?? {})) {
    const d = field.safeParse(undefined);
    if (d.success && d.data !== undefined) found.push([key, d.data]);
  }
  return found;
}

const defaultsCache = new WeakMap<z.ZodType, Array<[string, unknown]>>();
const cachedDefaults = (schema: z.ZodType) => {
  let d = defaultsCache.get(schema);
  if (!d) defaultsCache.set(schema, (d = defaultsOf(schema)));
  return d;
};

/**
 * `props` with the schema's top-level defaults filled in where a property was left out: so a
 * preview with values not known yet shows the same inputs as the complete check (no
 * `- overwrite: false`), and a diff reads a left-out setting as its default.
 */
export function withDefaults<T>(schema: z.ZodType, props: T): T {
  if (!props || typeof props !== "object" || Array.isArray(props)) return props;
  const filled: Record<string, unknown> = { ...(props as Record<string, unknown>) };
  for (const [key, value] of cachedDefaults(schema)) if (filled[key] === undefined) filled[key] = value;
  return filled as T;
}

/**
 * `props` without the top-level properties that hold their schema default. What a resource keeps
 * in state is sent between engine, program and provider host at every step, and kept twice
 * (inputs and outputs): a setting left at its default costs nothing there. The handlers parse
 * state through the schema, which puts the defaults back.
 */
export function withoutDefaults<T extends Record<string, unknown>>(schema: z.ZodType, props: T): T {
  const lean: Record<string, unknown> = { ...props };
  for (const [key, value] of cachedDefaults(schema)) if (isDeepStrictEqual(lean[key], value)) delete lean[key];
  return lean as T;
}

/** Ceph object names we accept for pools and images: what `rbd` and `ceph` accept without quoting. */
export const cephName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(250, `${what} must be at most 250 characters`)
    .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/, `${what} may hold only letters, digits, '.', '_' and '-' (not starting with '-')`)
    .refine((s) => !s.includes("@") && !s.includes("/"), `${what} must not contain '@' or '/'`)
    .refine((s) => !/^\.+$/.test(s), `${what} must not be '.' or '..'`);

/**
 * A cephx client entity, `client.ID`: the id as Ceph tools and keyring file names take it. The id
 * never starts with '-' or '.': services pass it as `--id ID` to the rbd and ceph CLIs.
 */
export const clientEntity = () =>
  z
    .string()
    .max(256, "must be at most 256 characters")
    .regex(/^client\.[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "must be a client entity like 'client.cinder'");

/** An absolute path for a file we write: no NUL, line breaks or other control characters. */
export const absoluteFilePath = () =>
  z
    .string()
    .regex(/^\//, "must be an absolute path")
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters, line breaks or NUL");

/** A cephx key (a secret: the message says what is wrong with it, never what it is). */
export const cephxKey = () =>
  z.string().superRefine((key, ctx) => {
    const problem = validateCephxKey(key);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
