// Property-level diffs shared by the resources: which declared properties changed, and whether
// any of them forces a replacement. Values are compared after check() normalised them; the
// connection settings are never compared.
import { isDeepStrictEqual } from "util";
import type * as pulumi from "@pulumi/pulumi";

export interface DiffRules {
  /** Changing any of these replaces the resource. */
  replace: readonly string[];
  /** Changing these updates in place. */
  update: readonly string[];
  /** Properties the user may leave out: undefined in news means "keep whatever it is". */
  optional?: readonly string[];
  /**
   * Properties that name the object in the cluster. A replacement that keeps them must delete the
   * old object first (two objects cannot share a name); one that changes them creates the new one first.
   */
  identity: readonly string[];
}

export interface PropertyDiff extends pulumi.dynamic.DiffResult {
  changed: string[];
}

export function diffProperties(olds: Record<string, any>, news: Record<string, any>, rules: DiffRules): PropertyDiff {
  const changed: string[] = [];
  const replaces: string[] = [];
  for (const prop of [...rules.replace, ...rules.update]) {
    if (news[prop] === undefined && rules.optional?.includes(prop)) continue;
    if (!isDeepStrictEqual(normalize(olds[prop]), normalize(news[prop]))) {
      changed.push(prop);
      if (rules.replace.includes(prop)) replaces.push(prop);
    }
  }
  // Connection settings (a rotated key, a timeout, another mon address) are how to reach the
  // cluster, not the resource: never a change. connection.ts hands every operation the newest ones.
  const keepsIdentity = rules.identity.every((p) => !changed.includes(p));
  return { changes: changed.length > 0, replaces, changed, deleteBeforeReplace: replaces.length > 0 && keepsIdentity };
}

function normalize(v: unknown): unknown {
  return v === null ? undefined : v;
}
