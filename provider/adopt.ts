// Adopting an object that already exists in the cluster (the SDK turns Pulumi's `import` option into
// the `importId` input). As with Pulumi's import, the declaration must match what is there: nothing
// is changed on adoption, and any difference is reported property by property.
import { isDeepStrictEqual } from "util";

export interface AdoptionCheck {
  cluster: string;
  what: string;
  importId: string;
  expectedId: string;
  declared: object;
  actual: object;
  properties: readonly string[];
  /** Properties whose values are secrets (keys): a difference is named, the values never shown. */
  secret?: readonly string[];
}

/** The declared properties that differ from the cluster, one phrase each (secret values never shown). */
export function differences(opts: Pick<AdoptionCheck, "declared" | "actual" | "properties" | "secret">): string[] {
  const declared = opts.declared as Record<string, unknown>;
  const actual = opts.actual as Record<string, unknown>;
  return opts.properties
    .filter((p) => declared[p] !== undefined && !isDeepStrictEqual(declared[p], actual[p]))
    .map((p) =>
      opts.secret?.includes(p) ? `${p} differs` : `${p}: declared ${JSON.stringify(declared[p])}, actual ${JSON.stringify(actual[p])}`,
    );
}

export function checkAdoption(opts: AdoptionCheck): void {
  if (opts.importId !== opts.expectedId) {
    throw new Error(
      `ceph cluster ${opts.cluster}: import id "${opts.importId}" does not name this ${opts.what} (expected "${opts.expectedId}")`,
    );
  }
  const found = differences(opts);
  if (found.length > 0) {
    throw new Error(
      `ceph cluster ${opts.cluster}: cannot import ${opts.what} ${opts.expectedId}: the declaration differs from the cluster ` +
        `(${found.join("; ")}). Make the program match, import, then change it`,
    );
  }
}

/**
 * A create found this resource's own object (its marker names this resource: a create cut short by a
 * crash, or a lost state). It is adopted only if it matches the declaration; otherwise nothing changes.
 */
export function checkOwnAdoption(opts: Omit<AdoptionCheck, "importId" | "expectedId"> & { id: string }): void {
  const found = differences(opts);
  if (found.length > 0) {
    throw new Error(
      `ceph cluster ${opts.cluster}: ${opts.what} ${opts.id} already exists, created by this resource, but differs from the ` +
        `declaration (${found.join("; ")}); nothing was changed. Make the program match it, or remove it by hand`,
    );
  }
}

export function notFoundForImport(cluster: string, what: string, id: string): Error {
  return new Error(`ceph cluster ${cluster}: cannot import ${what} ${id}: it does not exist`);
}
