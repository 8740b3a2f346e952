// Turns zod validation into Pulumi check failures that name the offending property,
// so `pulumi preview` stops on bad input before anything touches a cluster.
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";

export type CheckFailure = pulumi.dynamic.CheckFailure;

export function zodFailures(error: z.ZodError): CheckFailure[] {
  return error.issues.map((issue) => {
    const property = issue.path.map(String).join(".") || "(inputs)";
    return { property, reason: `${property}: ${issue.message}` };
  });
}

/** Validates `news` with `schema`: either the parsed value or the failures to return from check. */
export function parseInputs<S extends z.ZodType>(
  schema: S,
  news: unknown,
): { ok: true; value: z.output<S> } | { ok: false; failures: CheckFailure[] } {
  const result = schema.safeParse(news);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, failures: zodFailures(result.error) };
}

/** Ceph object names we accept for pools and images: what `rbd` and `ceph` accept without quoting. */
export const cephName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(250, `${what} must be at most 250 characters`)
    .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/, `${what} may hold only letters, digits, '.', '_' and '-' (not starting with '-')`)
    .refine((s) => !s.includes("@") && !s.includes("/"), `${what} must not contain '@' or '/'`);
