// Who created an object. The SDK passes `owner` ("<project>/<stack>/<resource>") with every resource;
// the provider writes it into the object where Ceph or the service keeps a place for it, so a create
// repeated after a crash (or an `up` on a lost state) recognises its own object and adopts it, and
// refuses anything else without touching it.
import { createHash } from "crypto";
import { z } from "zod";

/** Image metadata key (and, for snapshots, the prefix of one on their image) and pool application metadata key. */
export const OWNER_KEY = "pulumi-owner";

export const ownerSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[^\0\n]*$/, "must be one line")
  .optional();

/**
 * A name to build an object under before it carries its marker: derived from the resource's owner,
 * so a leftover from a create cut short is this resource's by construction and can be cleared.
 */
export function stagingName(prefix: string, id: string, owner: string | undefined): string {
  return `${prefix}${createHash("sha256").update(`${id}\0${owner ?? ""}`).digest("hex").slice(0, 24)}`;
}

/** The refusal for an object that exists but is not this resource's: names the owner found and how to adopt it. */
export function notOurs(opts: { cluster: string; what: string; id: string; found: string | undefined; importId?: string }): Error {
  const by = opts.found ? `it was created by ${opts.found}` : "it was not created by this stack";
  return new Error(
    `ceph cluster ${opts.cluster}: ${opts.what} ${opts.id} already exists and ${by}; nothing was changed. ` +
      `To manage it from this resource, declare it with the resource option import: "${opts.importId ?? opts.id}" ` +
      `(the declaration must match what is there)`,
  );
}
