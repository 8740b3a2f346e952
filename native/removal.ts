// What a delete must know of an image before removing it, read without opening it (native/src/removal.cc).
import { addon, type NativeRemovalFacts } from "./binding";
import type { IoCtx } from "./cluster";
import { checkName } from "./validate";

/** librbd's header flags: the object map (or its fast-diff counts) cannot be trusted until rebuilt. */
const OBJECT_MAP_INVALID = 1;
const FAST_DIFF_INVALID = 2;

/** See NativeRemovalFacts (native/binding.ts): the addon answers them as they are. */
export type RemovalFacts = NativeRemovalFacts;

/**
 * The image's id, header and object map, read with the object-class methods librbd's open sends
 * (three reads, no image context). Undefined where only an open answers: no such image, one not
 * whole, or one that is not plain (striped, migrating, a feature the addon does not know).
 */
export async function imageRemovalFacts(io: IoCtx, name: string): Promise<RemovalFacts | undefined> {
  const op = "read removal facts";
  const ctx = io.ctx({ image: name });
  checkName(name, "image", op, ctx);
  const facts: NativeRemovalFacts | null = await io.guard.run(op, ctx, () => addon().imageRemovalFacts(io.handle, name));
  return facts ?? undefined;
}

/**
 * True when the facts alone show the image may go straight to rbd_remove: not a clone, no
 * snapshots (so no clones of it), and nothing written by a trustworthy object map (or the data is
 * to go: `forceDestroy`). Watchers are left to rbd_remove, which refuses a watched image (EBUSY).
 */
export function removableWithoutOpen(facts: RemovalFacts | undefined, forceDestroy: boolean): boolean {
  if (!facts || facts.parentPool !== -1 || facts.snapshots !== 0) return false;
  if (forceDestroy) return true;
  return facts.objectMapEmpty === true && (facts.flags & (OBJECT_MAP_INVALID | FAST_DIFF_INVALID)) === 0;
}
