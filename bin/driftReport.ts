// Turns the JSON of `pulumi preview --refresh --json` into a drift report: one row per drifted
// setting, named the way an operator names it (`caps.osd`, `size`, `quota.maxBytes`,
// `ceph.rbd_max_clone_depth`, `value`), the declared value against the value found, single-line,
// secrets as [secret]. Each resource kind has a flat view of the settings it manages (below), read
// from the checked inputs (declared) and the refreshed outputs (found); internal outputs (rendered
// text, ledgers, JSON blobs, the connection) are never rows. A change that shows up only because an
// upstream resource will be updated (a value not known yet in the preview) is no drift: it is listed
// apart, as following from that resource.
import { formatSize } from "../provider/size";

/** How the engine marks a value not known yet in a preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET = "[secret]";

export interface DriftRow {
  /** The resource's name in the program (the last part of its URN). */
  resource: string;
  /** Its type, e.g. ceph:Pool or ceph:CinderRbdBackend. */
  type: string;
  /** The setting, as an operator names it. */
  property: string;
  /** What the program declares (single-line text; [secret] for secrets; "-" when not set). */
  declared: string;
  /** What the cluster, file or libvirt has (same rendering). */
  actual: string;
  /** What `pulumi up --refresh` does about it: update, replace, create or delete. */
  action: string;
}

export interface FollowsRow {
  resource: string;
  type: string;
  /** The upstream resources whose pending change this resource's preview waits for. */
  followsFrom: string[];
  action: string;
}

export interface DriftReport {
  rows: DriftRow[];
  follows: FollowsRow[];
}

interface State {
  type?: string;
  urn?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

interface Step {
  op: string;
  urn: string;
  oldState?: State;
  newState?: State;
  diffReasons?: string[];
  replaceReasons?: string[];
}

type View = Record<string, { value: unknown; secret?: boolean; show?: (v: unknown) => string }>;

const bytes = (v: unknown) => (typeof v === "number" ? formatSize(v) : text(v));
const octal = (v: unknown) => (typeof v === "number" ? `0${v.toString(8)}` : text(v));

/** The managed settings of a resource kind, flat, from its inputs or its outputs. */
function view(kind: string, props: Record<string, unknown>): View | undefined {
  const v: View = {};
  const put = (name: string, value: unknown, extra: Omit<View[string], "value"> = {}) => {
    if (value !== undefined) v[name] = { value, ...extra };
  };
  const obj = (x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : {});
  switch (kind) {
    case "Pool":
      for (const p of ["size", "minSize", "pgNum", "pgAutoscaleMode", "crushRule"]) put(p, props[p]);
      // Found: every application tag the pool has (outputs); declared: the one the program names.
      put("application", Array.isArray(props.applications) ? props.applications.join(",") : props.application);
      put("quota.maxBytes", obj(props.quota).maxBytes, { show: bytes });
      put("quota.maxObjects", obj(props.quota).maxObjects);
      return v;
    case "CephUser":
      for (const [svc, cap] of Object.entries(obj(props.caps))) put(`caps.${svc}`, cap);
      // A declared key: read compares the cluster's key with it and keeps the verdict (as for keyrings).
      put("key", matches(props.keyMatches, "the declared key"), { secret: true });
      return v;
    case "RbdImage":
      // A removal a killed destroy left half done (read's removalPending): up replaces the image.
      put("removal", props.removalPending === true ? "pending" : "none");
      put("size", props.size, { show: bytes });
      put("features", Array.isArray(props.features) ? [...props.features].sort().join(",") : props.features);
      put("objectSize", props.objectSize, { show: bytes });
      put("dataPool", props.dataPool);
      // Found: mirrorState (what the cluster has); declared: the mirroring input.
      put("mirroring.mode", (obj(props.mirrorState).mode ?? obj(props.mirroring).mode) as unknown);
      put("mirroring.primary", (obj(props.mirrorState).primary ?? obj(props.mirroring).primary) as unknown);
      return v;
    case "PoolMirroring":
      put("mode", props.mode);
      put("siteName", props.siteName);
      return v;
    case "MirrorPeer":
      // Found: how the peer lists look (read); declared: the direction.
      put("peers", props.peers ?? props.direction);
      return v;
    case "RbdSnapshot":
      put("protected", props.protected);
      return v;
    case "KeyringFile":
      // Read compares the file with the declared key and keeps only the verdict (no digest in state).
      put("content", matches(props.contentMatches, "the declared key"), { secret: true });
      put("fileMode", props.fileMode, { show: octal });
      return v;
    case "LibvirtCephSecret":
      put("value", matches(props.valueMatches, "the declared key"), { secret: true });
      put("usageName", props.usageName);
      return v;
    case "CephClusterInfo":
      return v;
  }
  // Kubernetes objects of the Kubernetes delivery (sdk/kubernetes): data, labels, parameters.
  if (kind.startsWith("kubernetes:")) {
    const secretKind = kind.endsWith(":Secret");
    for (const [k, value] of Object.entries(obj(props.data))) put(`data.${k}`, value, { secret: secretKind });
    for (const [k, value] of Object.entries(obj(props.stringData))) put(`data.${k}`, value, { secret: true });
    for (const [k, value] of Object.entries(obj(obj(props.metadata).labels))) put(`labels.${k}`, value);
    for (const [k, value] of Object.entries(obj(props.parameters))) put(`parameters.${k}`, value);
    return v;
  }
  // The config-file resources (ConfigSettings and the typed ones on it): "section.key" -> value.
  if (props.settings && typeof props.settings === "object") {
    for (const [k, value] of Object.entries(props.settings as Record<string, unknown>)) put(k, value);
    return v;
  }
  return undefined;
}

/** Properties that are not settings of the object: how to reach it, and the SDK's bookkeeping. */
const NOT_SETTINGS = new Set([
  "__provider", "connection", "importId", "owner", "rendered", "renderedText", "ledger", "settings",
  "contentMatches", "valueMatches", "keyMatches", "contentSha256", "valueSha256", "applications",
  "remoteConnection", "mirrorState", "peerUuid", "remotePeerUuid", "remoteSiteName",
]);

/** A read's verdict on a secret it compared (true, false, or not known yet), for a row. */
function matches(verdict: unknown, what: string): unknown {
  if (verdict === true) return `matches ${what}`;
  if (verdict === false) return `differs from ${what}`;
  return verdict;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return "-";
  if (typeof value === "string") return value.replace(/\r?\n/g, "\\n");
  return JSON.stringify(value);
}

const containsUnknown = (value: unknown): boolean =>
  value === UNKNOWN || (Array.isArray(value) ? value.some(containsUnknown) : !!value && typeof value === "object" && Object.values(value).some(containsUnknown));

const isSecretMarker = (value: unknown) => value === SECRET;

const resourceName = (urn: string) => urn.split("::").pop() ?? urn;
const shortType = (type: string) => type.replace(/^pulumi-nodejs:dynamic\//, "");
const kindOf = (type: string) => shortType(type).replace(/^ceph:/, "");

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function driftReport(preview: { steps?: Step[] }): DriftReport {
  const steps = (preview.steps ?? []).filter((s) => {
    const type = s.newState?.type ?? s.oldState?.type ?? "";
    return type !== "pulumi:pulumi:Stack" && !type.startsWith("pulumi:providers:");
  });
  const changing = new Set(steps.filter((s) => !["same", "read", "refresh"].includes(s.op)).map((s) => s.urn));
  const rows: DriftRow[] = [];
  const follows: FollowsRow[] = [];
  for (const step of steps) {
    const type = shortType(step.newState?.type ?? step.oldState?.type ?? "");
    const resource = resourceName(step.urn);
    // A replacement shows as three steps; "replace" stands for them.
    if (["same", "read", "refresh", "create-replacement", "delete-replaced", "discard", "import"].includes(step.op)) continue;
    if (step.op === "create") {
      rows.push({ resource, type, property: "(resource)", declared: "present", actual: "gone", action: "create" });
      continue;
    }
    if (step.op === "delete") {
      rows.push({ resource, type, property: "(resource)", declared: "absent", actual: "present", action: "delete" });
      continue;
    }
    const action = step.op.includes("replace") ? "replace" : step.op;
    const news = step.newState?.inputs ?? {};
    const found = step.oldState?.outputs ?? {};
    const declaredView = view(kindOf(type), news);
    const actualView = view(kindOf(type), found) ?? {};
    const mine: DriftRow[] = [];
    let waiting = false;
    if (declaredView) {
      for (const [name, d] of Object.entries(declaredView)) {
        if (containsUnknown(d.value)) {
          waiting = true;
          continue;
        }
        const a = actualView[name];
        if (a !== undefined && same(d.value, a.value)) continue;
        const show = (x: typeof d | undefined) => (x === undefined ? "-" : d.secret || isSecretMarker(x.value) ? SECRET : (d.show ?? text)(x.value));
        mine.push({ resource, type, property: name, declared: show(d), actual: show(a), action });
      }
      // What the program leaves out but the object has (caps.mds granted by hand, a multi-valued key's extra line).
      for (const [name, a] of Object.entries(actualView)) {
        if (declaredView[name] || !(name.startsWith("caps.") || /#\d+$/.test(name))) continue;
        mine.push({ resource, type, property: name, declared: "-", actual: text(a.value), action });
      }
    }
    // A secret setting hides its values on both sides ([secret]): the engine's diff still names it.
    for (const reason of step.diffReasons ?? []) {
      const hidden = Object.entries(declaredView ?? {}).filter(([name, d]) => d.secret && (name === reason || name.startsWith(`${reason}.`)));
      for (const [name] of hidden) {
        if (!mine.some((r) => r.property === name)) mine.push({ resource, type, property: name, declared: SECRET, actual: SECRET, action });
      }
    }
    if (mine.length === 0) {
      // Values not known yet: this resource only follows another one's pending change.
      if (waiting || containsUnknown(news)) {
        const deps = new Set<string>([...(step.newState?.dependencies ?? []), ...Object.values(step.newState?.propertyDependencies ?? {}).flat()]);
        const from = [...deps].filter((u) => changing.has(u)).map(resourceName).sort();
        follows.push({ resource, type, followsFrom: from.length > 0 ? from : ["(a value not known yet)"], action });
        continue;
      }
      // No managed setting differs: a declaration changed in the program and not applied yet.
      const olds = step.oldState?.inputs ?? {};
      for (const key of Object.keys(news).sort()) {
        if (NOT_SETTINGS.has(key) || declaredView?.[key] || same(news[key], olds[key])) continue;
        mine.push({ resource, type, property: key, declared: text(news[key]), actual: text(olds[key]), action });
      }
      if (mine.length === 0) mine.push({ resource, type, property: "(settings)", declared: "-", actual: "-", action });
    }
    rows.push(...mine);
  }
  const byName = (a: { resource: string; property?: string }, b: { resource: string; property?: string }) =>
    a.resource.localeCompare(b.resource) || (a.property ?? "").localeCompare(b.property ?? "");
  return { rows: rows.sort(byName), follows: follows.sort(byName) };
}

/** The drifted settings alone (kept for callers of the first version). */
export function driftRows(preview: { steps?: Step[] }): DriftRow[] {
  return driftReport(preview).rows;
}

/** A plain-text table, one line per drifted setting, never truncated. */
export function formatTable(rows: DriftRow[]): string {
  const header = ["RESOURCE", "TYPE", "PROPERTY", "DECLARED", "ACTUAL", "ACTION"];
  const cells = rows.map((r) => [r.resource, r.type, r.property, r.declared, r.actual, r.action]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

export function formatFollows(follows: FollowsRow[]): string {
  return follows.map((f) => `${f.resource} (${f.type}): ${f.action}, follows from ${f.followsFrom.join(", ")}`).join("\n");
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** JUnit XML: each drifted setting a failed test case, so CI systems list it. */
export function formatJUnit(report: DriftReport, stack: string, unmanaged: Array<{ kind: string; name: string; ownedBy?: string; createCutShort?: true }> = []): string {
  const failed = report.rows.length + unmanaged.length;
  const cases = report.rows.map(
    (r) =>
      `    <testcase classname="${xml(r.type)}" name="${xml(`${r.resource} ${r.property}`)}">\n` +
      `      <failure message="${xml(`declared ${r.declared}, found ${r.actual} (${r.action})`)}" type="drift"/>\n` +
      `    </testcase>`,
  );
  for (const u of unmanaged) {
    const owner = !u.ownedBy ? "" : u.createCutShort ? `, made by ${u.ownedBy} (its create was cut short)` : `, owned by stack ${u.ownedBy}`;
    cases.push(
      `    <testcase classname="unmanaged" name="${xml(`${u.kind} ${u.name}`)}">\n` +
        `      <failure message="${xml(`in the cluster, declared by no resource${owner}`)}" type="unmanaged"/>\n    </testcase>`,
    );
  }
  if (cases.length === 0) cases.push(`    <testcase classname="ceph-drift" name="no drift"/>`);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="ceph-drift" tests="${cases.length}" failures="${failed}">\n` +
    `  <testsuite name="${xml(`drift ${stack}`)}" tests="${cases.length}" failures="${failed}">\n` +
    `${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`
  );
}
