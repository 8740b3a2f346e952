// Internal: argument validation shared by the modules (TypeScript validates, C++ stays thin).
import type { NativeLinkedImage } from "./binding";
import { ErrorContext, invalidArgument } from "./errors";

const U64_MAX = (1n << 64n) - 1n;

/** @internal Validates and converts a size-like argument to a u64 bigint. */
export function toU64(value: unknown, what: string, op: string, ctx: ErrorContext): bigint {
  if (typeof value === "bigint") {
    if (value < 0n || value > U64_MAX) throw invalidArgument(op, ctx, `${what} must be between 0 and 2^64-1`);
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(op, ctx, `${what} must be a non-negative safe integer`);
    return BigInt(value);
  }
  throw invalidArgument(op, ctx, `${what} must be a number or bigint`);
}

export function toSmallInt(value: unknown, what: string, op: string, ctx: ErrorContext, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(op, ctx, `${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** @internal Image and snapshot names: non-empty, no NUL; image names also without '/' and '@' (spec separators). */
export function checkName(value: unknown, what: "image" | "snapshot" | "trash id", op: string, ctx: ErrorContext): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    throw invalidArgument(op, ctx, `${what} name must be a non-empty string`);
  }
  if (what === "image" && /[/@]/.test(value)) throw invalidArgument(op, ctx, `image name must not contain '/' or '@'`);
  return value;
}

export function checkKey(key: unknown, op: string, ctx: ErrorContext): void {
  if (typeof key !== "string" || key === "" || key.includes("\0")) throw invalidArgument(op, ctx, "metadata key must be a non-empty string");
}

/** Children / descendants as returned to callers. */
export interface LinkedImage {
  pool: string;
  namespace: string;
  image: string;
  id: string;
  /** The child is in the trash. */
  trash: boolean;
}

export function toLinkedImages(list: NativeLinkedImage[]): LinkedImage[] {
  return list.map((c) => ({ pool: c.pool, namespace: c.namespace, image: c.image, id: c.id, trash: c.trash }));
}
