// Turns the JSON of `pulumi preview --refresh --json` into a per-resource, per-property drift
// report: what the program declares versus what the cluster really has.
import { isDeepStrictEqual } from "util";

export interface DriftRow {
  resource: string;
  type: string;
  property: string;
  declared: unknown;
  actual: unknown;
  /** What applying the program would do about it. */
  action: string;
}

interface Step {
  op: string;
  urn: string;
  oldState?: { type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  newState?: { type?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  diffReasons?: string[];
  replaceReasons?: string[];
}

/** Internal properties every resource carries that are not the user's declarations. */
const INTERNAL = new Set(["__provider", "connection"]);

function resourceName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

export function driftRows(preview: { steps?: Step[] }): DriftRow[] {
  const rows: DriftRow[] = [];
  for (const step of preview.steps ?? []) {
    const type = step.newState?.type ?? step.oldState?.type ?? "";
    if (type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) continue;
    const resource = resourceName(step.urn);
    switch (step.op) {
      case "same":
      case "read":
      case "refresh":
        continue;
      case "create":
        rows.push({ resource, type, property: "(resource)", declared: "present", actual: "missing", action: "create" });
        continue;
      case "delete":
        rows.push({ resource, type, property: "(resource)", declared: "absent", actual: "present", action: "delete" });
        continue;
    }
    const declared = step.newState?.inputs ?? {};
    const actual = step.oldState?.outputs ?? {};
    const reasons = new Set([...(step.diffReasons ?? []), ...(step.replaceReasons ?? [])]);
    const props = reasons.size > 0 ? [...reasons] : Object.keys(declared);
    const action = step.op.includes("replace") ? "replace" : step.op;
    let found = false;
    for (const prop of props) {
      if (INTERNAL.has(prop)) continue;
      if (declared[prop] === undefined || isDeepStrictEqual(declared[prop], actual[prop])) continue;
      rows.push({ resource, type, property: prop, declared: declared[prop], actual: actual[prop], action });
      found = true;
    }
    if (!found) rows.push({ resource, type, property: "(connection or settings)", declared: "", actual: "", action });
  }
  return rows;
}

function show(value: unknown): string {
  if (value === undefined) return "-";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** A plain-text table, one row per drifted property. */
export function formatTable(rows: DriftRow[]): string {
  const header = ["RESOURCE", "TYPE", "PROPERTY", "DECLARED", "ACTUAL", "ACTION"];
  const cells = rows.map((r) => [r.resource, r.type.replace(/^pulumi-nodejs:dynamic\//, ""), r.property, show(r.declared), show(r.actual), r.action]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (c: string[]) => c.map((v, i) => (v.length > widths[i] ? v.slice(0, widths[i] - 1) + "…" : v.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}
