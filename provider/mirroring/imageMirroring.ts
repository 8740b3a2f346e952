// RbdImage's `mirroring`: journal- or snapshot-based mirroring of one image, its primary flag
// (a declared change demotes or promotes in place), and snapshot schedules through the mgr.
// rbdImage.ts calls these; the replica side of a mirrored image is rbd-mirror's, so a declaration
// with primary: false adopts the copy rbd-mirror made instead of creating one, and never deletes it.
import { z } from "zod";
import type { Image, ImageMirrorInfo, IoCtx } from "../../native";
import { native, waitFor } from "./common";

export const imageMirroringSchema = z.object({
  mode: z.enum(["journal", "snapshot"], { error: 'mirroring.mode must be "journal" or "snapshot"' }),
  /** The copy that takes writes. A declared change demotes (true -> false) or promotes (false -> true). */
  primary: z.boolean({ error: "mirroring.primary must be a boolean" }),
  /** Snapshot mode: take a mirror snapshot this often ("30m", "1h", "1d"), by the mgr's rbd_support module. */
  snapshotSchedule: z
    .string()
    .regex(/^[1-9][0-9]*[mhd]$/, 'must look like "30m", "1h" or "1d"')
    .optional(),
  /** Promote even though the other site's copy is still primary (a failover with that site gone). */
  forcePromote: z.boolean().default(false),
});

export type ImageMirroring = z.output<typeof imageMirroringSchema>;

/** What the cluster has, beside the declaration in outputs: `mirrorState`. */
export interface MirrorState {
  mode: "journal" | "snapshot" | "disabled";
  /** Only while mirroring is enabled. */
  primary?: boolean;
  snapshotSchedule?: string;
}

/** Preview-time checks (called from RbdImage's schema). */
export function checkImageMirroring(img: { features?: string[]; mirroring?: ImageMirroring }, ctx: z.RefinementCtx): void {
  const m = img.mirroring;
  if (!m) return;
  if (m.mode === "journal") {
    // As Cinder's RBD driver creates replicated volumes.
    const f = new Set(img.features ?? []);
    const missing = ["exclusive-lock", "journaling"].filter((x) => !f.has(x));
    if (missing.length > 0) {
      ctx.addIssue({ code: "custom", path: ["features"], message: `journal mirroring needs the features exclusive-lock and journaling (missing: ${missing.join(", ")})` });
    }
  }
  if (m.snapshotSchedule !== undefined && m.mode !== "snapshot") {
    ctx.addIssue({ code: "custom", path: ["mirroring", "snapshotSchedule"], message: 'a snapshot schedule needs mirroring.mode "snapshot"' });
  }
}

async function scheduleOf(img: Image): Promise<string | undefined> {
  const n = native();
  const list = await n.listMirrorSnapshotSchedules(img.ioctx.cluster, { pool: img.pool, image: img.name });
  return list.map((s) => s.interval).sort().join(",") || undefined;
}

export async function readMirrorState(img: Image, declared: ImageMirroring): Promise<MirrorState> {
  const info = await native().getImageMirrorInfo(img);
  const enabled = info.state === "enabled" && info.mode !== undefined;
  // Disabled, an image has no primary flag to speak of (librbd says false): only the mode is reported.
  const state: MirrorState = { mode: enabled ? info.mode! : "disabled", ...(enabled ? { primary: info.primary } : {}) } as MirrorState;
  if (declared.snapshotSchedule !== undefined) {
    const s = await scheduleOf(img);
    if (s !== undefined) state.snapshotSchedule = s;
  }
  return state;
}

/** The image's mirroring differs from the declaration (read found it disabled, demoted, ...). */
export function mirroringDrifted(olds: Record<string, any>, news: Record<string, any>): boolean {
  const m = news.mirroring as ImageMirroring | undefined;
  const s = olds.mirrorState as MirrorState | undefined;
  if (!m || !s) return false;
  return s.mode !== m.mode || s.primary !== m.primary || (m.snapshotSchedule !== undefined && s.snapshotSchedule !== m.snapshotSchedule);
}

/**
 * Journal mirroring disabled out of band takes the journaling feature with it, and enabling it again
 * brings the feature back (librbd): so that difference is repaired in place, not by a replacement.
 * Returns olds with `features` as the update will leave them.
 */
export function featuresAfterMirroring(olds: Record<string, any>, news: Record<string, any>): Record<string, any> {
  const m = news.mirroring as ImageMirroring | undefined;
  const s = olds.mirrorState as MirrorState | undefined;
  if (m?.mode !== "journal" || s?.mode !== "disabled" || !Array.isArray(olds.features) || !Array.isArray(news.features)) return olds;
  const restored = [...new Set([...olds.features, "journaling"])].sort();
  return JSON.stringify(restored) === JSON.stringify([...news.features].sort()) ? { ...olds, features: news.features } : olds;
}

const PROMOTE_WAIT_MS = 60_000;

/** Brings the image's mirroring to the declaration: enable, demote or promote, schedule. */
export async function applyImageMirroring(img: Image, m: ImageMirroring, label: string): Promise<void> {
  const n = native();
  const where = `ceph cluster ${label}: image ${img.pool}/${img.name}`;
  let info: ImageMirrorInfo = await n.getImageMirrorInfo(img);
  if (info.state === "disabled") {
    await n.enableImageMirroring(img, m.mode);
    info = await n.getImageMirrorInfo(img);
  } else if (info.mode && info.mode !== m.mode) {
    throw new Error(`${where} is mirrored in ${info.mode} mode, declared ${m.mode}; switching needs mirroring disabled on it first`);
  }
  if (m.primary && !info.primary) {
    // A planned failover: the other site demoted its copy, and this one must have replayed that
    // before librbd lets it be promoted without force (EBUSY until then): wait for it, bounded.
    await waitFor(`${where}: promote (waiting for the other site's demotion to be replayed)`, PROMOTE_WAIT_MS, async () => {
      try {
        await n.promoteImage(img, { force: m.forcePromote });
        return true;
      } catch (e) {
        if (!m.forcePromote && n.isCephError(e, "EBUSY")) return undefined;
        throw e;
      }
    }, 1000);
  } else if (!m.primary && info.primary) {
    await n.demoteImage(img);
  }
  if (m.mode === "snapshot" && m.snapshotSchedule !== undefined && m.primary) {
    const target = { pool: img.pool, image: img.name };
    const have = await n.listMirrorSnapshotSchedules(img.ioctx.cluster, target);
    for (const s of have) if (s.interval !== m.snapshotSchedule) await n.removeMirrorSnapshotSchedule(img.ioctx.cluster, target, s.interval);
    if (!have.some((s) => s.interval === m.snapshotSchedule)) await n.addMirrorSnapshotSchedule(img.ioctx.cluster, target, m.snapshotSchedule);
  }
}

const REPLICA_WAIT_MS = 120_000;

/**
 * A declaration of the replica (primary: false) where no image exists yet: rbd-mirror creates it once
 * the primary is mirrored and the peers are in place. Waits for that copy (bounded) rather than
 * creating an image of its own, which would be a second primary.
 */
export async function waitForReplica(io: IoCtx, name: string, label: string): Promise<void> {
  const n = native();
  await waitFor(`ceph cluster ${label}: image ${io.pool}/${name}: wait for rbd-mirror to create the replica`, REPLICA_WAIT_MS, async () => {
    try {
      const info = await n.withImage(io, name, (img) => n.getImageMirrorInfo(img), { readOnly: true });
      return info.state === "enabled" ? true : undefined;
    } catch (e) {
      if (n.isCephError(e, "ENOENT")) return undefined;
      throw e;
    }
  });
}

/** Whether the image at `name` is a non-primary mirror copy (rbd-mirror's, so never ours to delete). */
export async function isReplica(io: IoCtx, name: string): Promise<boolean> {
  const n = native();
  try {
    const info = await n.withImage(io, name, (img) => n.getImageMirrorInfo(img), { readOnly: true });
    return info.state === "enabled" && !info.primary;
  } catch (e) {
    if (n.isCephError(e, "ENOENT")) return false;
    throw e;
  }
}
