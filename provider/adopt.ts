// Adopting an object that already exists in the cluster (the SDK turns Pulumi's `import` option into
// the `importId` input). As with Pulumi's import, the declaration must match what is there: nothing
// is changed on adoption, and any difference is reported property by property.
import { isDeepStrictEqual } from "util";

export function checkAdoption(opts: {
  cluster: string;
  what: string;
  importId: string;
  expectedId: string;
  declared: object;
  actual: object;
  properties: readonly string[];
}): void {
  if (opts.importId !== opts.expectedId) {
    throw new Error(
      `ceph cluster ${opts.cluster}: import id "${opts.importId}" does not name this ${opts.what} (expected "${opts.expectedId}")`,
    );
  }
  const declared = opts.declared as Record<string, unknown>;
  const actual = opts.actual as Record<string, unknown>;
  const differences = opts.properties
    .filter((p) => declared[p] !== undefined && !isDeepStrictEqual(declared[p], actual[p]))
    .map((p) => `${p}: declared ${JSON.stringify(declared[p])}, actual ${JSON.stringify(actual[p])}`);
  if (differences.length > 0) {
    throw new Error(
      `ceph cluster ${opts.cluster}: cannot import ${opts.what} ${opts.expectedId}: the declaration differs from the cluster ` +
        `(${differences.join("; ")}). Make the program match, import, then change it`,
    );
  }
}

export function notFoundForImport(cluster: string, what: string, id: string): Error {
  return new Error(`ceph cluster ${cluster}: cannot import ${what} ${id}: it does not exist`);
}
