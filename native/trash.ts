// RBD trash: deferred deletion (what Cinder/Glance use when rbd_move_to_trash is on).
import { addon } from "./binding";
import type { IoCtx } from "./cluster";
import { cephError, invalidArgument, isCephError } from "./errors";
import { omapEntries } from "./objects";
import { checkName } from "./validate";

export interface TrashEntry {
  id: string;
  name: string;
  /** "user", "mirroring", "migration", "removing" or "user_parent". */
  source: string;
  /** Epoch seconds when the image was moved to the trash. */
  deletionTime: number;
  /** Epoch seconds before which the image cannot be removed without force. */
  deferredEnd: number;
}

/** Moves an image to the trash; it cannot be removed (without force) for delaySec seconds. */
export async function trashMove(io: IoCtx, name: string, delaySec = 0): Promise<void> {
  const op = "move image to trash";
  const ctx = io.ctx({ image: name });
  checkName(name, "image", op, ctx);
  if (!Number.isSafeInteger(delaySec) || delaySec < 0) throw invalidArgument(op, ctx, "delaySec must be a non-negative integer");
  await io.guard.run(op, ctx, () => addon().trashMove(io.handle, name, delaySec));
}

/** Trashed images; librbd leaves out entries with source "removing" (removals under way or cut short). */
export function trashList(io: IoCtx): Promise<TrashEntry[]> {
  return io.guard.run("list trash", io.ctx(), () => addon().trashList(io.handle));
}

/** One trash entry by image id, whatever its source (trashList leaves out "removing"); undefined if the id is not in the trash. */
export async function trashGet(io: IoCtx, id: string): Promise<TrashEntry | undefined> {
  const op = "get trash entry";
  const ctx = io.ctx({ image: id });
  checkName(id, "trash id", op, ctx);
  try {
    return await io.guard.run(op, ctx, () => addon().trashGet(io.handle, id));
  } catch (e) {
    if (isCephError(e, "ENOENT")) return undefined;
    throw e;
  }
}

// cls_rbd's TrashImageSpec as stored in the rbd_trash object's omap (key "id_<image id>"):
// version, compat, length (u32), then source (u8) and name (u32 length, bytes).
const TRASH_SOURCES = ["user", "mirroring", "migration", "removing", "user_parent"];

/**
 * The trash entries librbd is removing (source "removing"), read from the rbd_trash object itself:
 * one round trip whatever the pool holds, where rbd_trash_list leaves them out and rbd_list2 lists
 * the whole directory with them.
 */
export async function trashRemovals(io: IoCtx): Promise<Array<{ id: string; name: string }>> {
  const op = "list trash removals";
  const out: Array<{ id: string; name: string }> = [];
  for (const [key, spec] of await omapEntries(io, "rbd_trash", { as: { op, ctx: io.ctx() } })) {
    if (!key.startsWith("id_")) continue;
    const id = key.slice(3);
    const nameLength = spec.length >= 11 ? spec.readUInt32LE(7) : -1;
    if (spec[0] < 1 || nameLength < 0 || spec.length < 11 + nameLength || spec[6] >= TRASH_SOURCES.length) {
      throw cephError("EBADMSG", op, io.ctx({ image: id }), { detail: `trash entry of ${spec.length} bytes in an encoding not known here` });
    }
    if (TRASH_SOURCES[spec[6]] === "removing") out.push({ id, name: spec.toString("utf8", 11, 11 + nameLength) });
  }
  return out;
}

/** Restores a trashed image under its original name, or newName. */
export async function trashRestore(io: IoCtx, id: string, newName?: string): Promise<void> {
  const op = "restore image from trash";
  const ctx = io.ctx({ image: newName ?? id });
  checkName(id, "trash id", op, ctx);
  if (newName !== undefined) checkName(newName, "image", op, ctx);
  await io.guard.run(op, ctx, () => addon().trashRestore(io.handle, id, newName ?? ""));
}

/** Deletes a trashed image; before its deferment ends this needs force (PermissionError otherwise). */
export async function trashRemove(io: IoCtx, id: string, force = false): Promise<void> {
  const op = "remove image from trash";
  // librbd's own EPERM here means "still in its deferment period", not the osd's caps.
  const ctx = io.ctx({ image: id, service: undefined });
  checkName(id, "trash id", op, ctx);
  await io.guard.run(op, ctx, () => addon().trashRemove(io.handle, id, force), { long: true });
}

/** Deletes every trashed image whose deferment has ended. */
export async function trashPurge(io: IoCtx): Promise<void> {
  await io.guard.run("purge trash", io.ctx(), () => addon().trashPurge(io.handle), { long: true });
}
