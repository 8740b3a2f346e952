// RBD mirroring (librbd's rbd_mirror_* calls): a pool's mirror mode and the cluster's site name,
// peers added with bootstrap tokens, per-image enable/disable, promote/demote, info and status,
// mirror snapshots; snapshot schedules through the mgr's rbd_support module.
import { addon, type NativeMirrorInfo } from "./binding";
import { type Cluster, type IoCtx, jsonReply } from "./cluster";
import { invalidArgument } from "./errors";
import type { Image } from "./image";

export type PoolMirrorMode = "disabled" | "image" | "pool";
const POOL_MODES: PoolMirrorMode[] = ["disabled", "image", "pool"];

/** rx-only: this pool receives from the peer; rx-tx: both ways. (tx-only is what librbd reports for a peer that only receives from us.) */
export type PeerDirection = "rx-only" | "tx-only" | "rx-tx";
const DIRECTIONS: PeerDirection[] = ["rx-only", "tx-only", "rx-tx"];

export type ImageMirrorMode = "journal" | "snapshot";
const IMAGE_MODES: ImageMirrorMode[] = ["journal", "snapshot"];

export type ImageMirrorState = "disabling" | "enabled" | "disabled";
const IMAGE_STATES: ImageMirrorState[] = ["disabling", "enabled", "disabled"];

/** librbd's mirror image status states (MIRROR_IMAGE_STATUS_STATE_*), by the names `rbd mirror image status` prints. */
export type MirrorStatusState = "unknown" | "error" | "syncing" | "starting_replay" | "replaying" | "stopping_replay" | "stopped";
const STATUS_STATES: MirrorStatusState[] = ["unknown", "error", "syncing", "starting_replay", "replaying", "stopping_replay", "stopped"];

export async function getMirrorMode(io: IoCtx): Promise<PoolMirrorMode> {
  const mode = await io.guard.run("get mirror mode", io.ctx(), () => addon().mirrorModeGet(io.handle));
  return POOL_MODES[mode] ?? "disabled";
}

/** Disabling fails (EBUSY) while the pool has peers or mirror-enabled images, as librbd decides. */
export async function setMirrorMode(io: IoCtx, mode: PoolMirrorMode): Promise<void> {
  const op = "set mirror mode";
  const index = POOL_MODES.indexOf(mode);
  if (index < 0) throw invalidArgument(op, io.ctx(), `mode must be one of ${POOL_MODES.join(", ")}`);
  await io.guard.run(op, io.ctx(), () => addon().mirrorModeSet(io.handle, index));
}

/** The name this cluster goes by at its peers (the fsid until one is set). */
export function getMirrorSiteName(cluster: Cluster): Promise<string> {
  return cluster.guard.run("get mirror site name", cluster.ctx({ service: "mon" }), () => addon().mirrorSiteNameGet(cluster.handle));
}

export async function setMirrorSiteName(cluster: Cluster, name: string): Promise<void> {
  const op = "set mirror site name";
  const ctx = cluster.ctx({ service: "mon" });
  if (typeof name !== "string" || name === "" || /[\0\s]/.test(name)) throw invalidArgument(op, ctx, "site name must be a non-empty string without spaces");
  await cluster.guard.run(op, ctx, () => addon().mirrorSiteNameSet(cluster.handle, name));
}

/** Drops the site name this cluster was given, so it goes by its fsid again. */
export async function resetMirrorSiteName(cluster: Cluster): Promise<void> {
  await cluster.guard.run("reset mirror site name", cluster.ctx({ service: "mon" }), () => addon().mirrorSiteNameSet(cluster.handle, ""));
}

/**
 * A bootstrap token for this pool: it holds a cephx key of a peer user (client.rbd-mirror-peer)
 * and this cluster's mon addresses. A secret: keep it in memory, hand it to importBootstrapToken.
 */
export function createBootstrapToken(io: IoCtx): Promise<Buffer> {
  return io.guard.run("create mirror bootstrap token", io.ctx(), () => addon().mirrorPeerBootstrapCreate(io.handle));
}

/** Adds the token's cluster as a peer of this pool (rx-only: this pool receives from it). */
export async function importBootstrapToken(io: IoCtx, direction: "rx-only" | "rx-tx", token: Buffer): Promise<void> {
  const op = "import mirror bootstrap token";
  if (direction !== "rx-only" && direction !== "rx-tx") throw invalidArgument(op, io.ctx(), 'direction must be "rx-only" or "rx-tx"');
  if (!Buffer.isBuffer(token) || token.length === 0 || token.includes(0)) throw invalidArgument(op, io.ctx(), "token must be a non-empty Buffer");
  await io.guard.run(op, io.ctx(), () => addon().mirrorPeerBootstrapImport(io.handle, DIRECTIONS.indexOf(direction), token), {
    redact: [token.toString("utf8")],
  });
}

export interface MirrorPeerSite {
  uuid: string;
  direction: PeerDirection;
  siteName: string;
  /** The peer's mirror uuid, once its rbd-mirror has been seen. */
  mirrorUuid: string;
  clientName: string;
  /** Unix seconds; 0 when never seen. */
  lastSeen: number;
}

export async function listMirrorPeers(io: IoCtx): Promise<MirrorPeerSite[]> {
  const peers = await io.guard.run("list mirror peers", io.ctx(), () => addon().mirrorPeerSiteList(io.handle));
  return peers.map((p) => ({ ...p, direction: DIRECTIONS[p.direction] ?? "rx-only" }));
}

export async function removeMirrorPeer(io: IoCtx, uuid: string): Promise<void> {
  const op = "remove mirror peer";
  if (typeof uuid !== "string" || uuid === "" || uuid.includes("\0")) throw invalidArgument(op, io.ctx(), "peer uuid must be a non-empty string");
  await io.guard.run(op, io.ctx(), () => addon().mirrorPeerSiteRemove(io.handle, uuid));
}

/** Journal mode needs the image's exclusive-lock and journaling features; the pool must be in image mode. */
export async function enableImageMirroring(img: Image, mode: ImageMirrorMode): Promise<void> {
  const op = "enable image mirroring";
  const index = IMAGE_MODES.indexOf(mode);
  if (index < 0) throw invalidArgument(op, img.ctx(), `mode must be one of ${IMAGE_MODES.join(", ")}`);
  await img.guard.run(op, img.ctx(), () => addon().mirrorImageEnable(img.handle, index));
}

/** force: also on a non-primary image (which then stops following its primary). */
export async function disableImageMirroring(img: Image, opts: { force?: boolean } = {}): Promise<void> {
  await img.guard.run("disable image mirroring", img.ctx(), () => addon().mirrorImageDisable(img.handle, opts.force ?? false));
}

/** force: promote although the peer's copy is still primary (a failover when the other site is gone). */
export async function promoteImage(img: Image, opts: { force?: boolean } = {}): Promise<void> {
  await img.guard.run("promote image", img.ctx(), () => addon().mirrorImagePromote(img.handle, opts.force ?? false));
}

export async function demoteImage(img: Image): Promise<void> {
  await img.guard.run("demote image", img.ctx(), () => addon().mirrorImageDemote(img.handle));
}

export interface ImageMirrorInfo {
  globalId: string;
  state: ImageMirrorState;
  primary: boolean;
  /** Only while mirroring is enabled. */
  mode?: ImageMirrorMode;
}

function toInfo(i: NativeMirrorInfo): ImageMirrorInfo {
  const out: ImageMirrorInfo = { globalId: i.globalId, state: IMAGE_STATES[i.state] ?? "disabled", primary: i.primary };
  if (i.mode !== undefined) out.mode = IMAGE_MODES[i.mode];
  return out;
}

export async function getImageMirrorInfo(img: Image): Promise<ImageMirrorInfo> {
  return toInfo(await img.guard.run("get image mirror info", img.ctx(), () => addon().mirrorImageGetInfo(img.handle)));
}

export interface MirrorSiteStatus {
  /** "" for this cluster's own entry, else the peer's mirror uuid. */
  mirrorUuid: string;
  state: MirrorStatusState;
  description: string;
  /** Unix seconds. */
  lastUpdate: number;
  /** Whether an rbd-mirror daemon reports for this image at that site. */
  up: boolean;
}

export interface ImageMirrorStatus {
  name: string;
  info: ImageMirrorInfo;
  sites: MirrorSiteStatus[];
}

/** What each site's rbd-mirror last reported for the image (as `rbd mirror image status`). */
export async function getImageMirrorStatus(img: Image): Promise<ImageMirrorStatus> {
  const s = await img.guard.run("get image mirror status", img.ctx(), () => addon().mirrorImageGetGlobalStatus(img.handle));
  return {
    name: s.name,
    info: toInfo(s.info),
    sites: s.siteStatuses.map((site) => ({ ...site, state: STATUS_STATES[site.state] ?? "unknown" })),
  };
}

/** Takes a mirror snapshot now (snapshot mode): what the peer's rbd-mirror copies next. Returns its id. */
export function createMirrorSnapshot(img: Image): Promise<number> {
  return img.guard.run("create mirror snapshot", img.ctx(), () => addon().mirrorImageCreateSnapshot(img.handle));
}

// --- Snapshot schedules (the mgr's rbd_support module, as `rbd mirror snapshot schedule ...`) ---

export interface ScheduleTarget {
  pool: string;
  namespace?: string;
  image?: string;
}

export interface MirrorSnapshotSchedule {
  /** "pool/image" (or "pool/namespace/image") as rbd_support names it. */
  name: string;
  /** e.g. "1h", "30m", "1d". */
  interval: string;
  startTime?: string;
}

const INTERVAL = /^[1-9][0-9]*[mhd]$/;

function levelSpec(t: ScheduleTarget): string {
  return [t.pool, t.namespace, t.image].filter((p) => p !== undefined && p !== "").join("/");
}

function checkTarget(cluster: Cluster, op: string, t: ScheduleTarget) {
  const ctx = cluster.ctx({ pool: t?.pool, image: t?.image, service: "mgr" });
  for (const part of [t?.pool, t?.namespace, t?.image]) {
    if (part !== undefined && (typeof part !== "string" || /[\s/\0]/.test(part) || part === "")) {
      throw invalidArgument(op, ctx, "pool, namespace and image must be non-empty names without '/' or spaces");
    }
  }
  if (t?.pool === undefined) throw invalidArgument(op, ctx, "a schedule needs at least a pool");
  return ctx;
}

/** Interval like "1h", "30m", "1d"; startTime an ISO time (rbd_support's start_time). */
export async function addMirrorSnapshotSchedule(cluster: Cluster, target: ScheduleTarget, interval: string, startTime?: string): Promise<void> {
  const op = "rbd mirror snapshot schedule add";
  const ctx = checkTarget(cluster, op, target);
  if (typeof interval !== "string" || !INTERVAL.test(interval)) throw invalidArgument(op, ctx, 'interval must look like "30m", "1h" or "1d"');
  await cluster.command("mgr", { prefix: op, level_spec: levelSpec(target), interval, ...(startTime ? { start_time: startTime } : {}) }, undefined, {
    pool: target.pool,
    image: target.image,
  });
}

/** Without interval, removes every schedule at that level. */
export async function removeMirrorSnapshotSchedule(cluster: Cluster, target: ScheduleTarget, interval?: string, startTime?: string): Promise<void> {
  const op = "rbd mirror snapshot schedule remove";
  const ctx = checkTarget(cluster, op, target);
  if (interval !== undefined && (typeof interval !== "string" || !INTERVAL.test(interval))) throw invalidArgument(op, ctx, 'interval must look like "30m", "1h" or "1d"');
  await cluster.command(
    "mgr",
    { prefix: op, level_spec: levelSpec(target), ...(interval ? { interval } : {}), ...(startTime ? { start_time: startTime } : {}) },
    undefined,
    { pool: target.pool, image: target.image },
  );
}

/** The schedules defined at exactly this level (pool, or pool/image). */
export async function listMirrorSnapshotSchedules(cluster: Cluster, target: ScheduleTarget): Promise<MirrorSnapshotSchedule[]> {
  const op = "rbd mirror snapshot schedule list";
  checkTarget(cluster, op, target);
  const spec = levelSpec(target);
  const res = await cluster.command("mgr", { prefix: op, level_spec: spec, format: "json" }, undefined, { pool: target.pool, image: target.image });
  // {"<pool id>/<ns>/<image id>": {name, schedule: [{interval, start_time}]}}; an empty reply is no schedule.
  if (res.json === undefined) return [];
  const byLevel = jsonReply(res, "object", op, cluster.ctx({ pool: target.pool, service: "mgr" }));
  const out: MirrorSnapshotSchedule[] = [];
  for (const level of Object.values(byLevel) as Array<{ name?: string; schedule?: Array<{ interval: string; start_time: string | null }> }>) {
    if (level?.name !== spec) continue;
    for (const s of level.schedule ?? []) out.push({ name: level.name, interval: s.interval, ...(s.start_time ? { startTime: s.start_time } : {}) });
  }
  return out;
}
