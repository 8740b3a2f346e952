// Image snapshots. Used through the Image methods (img.createSnap(...), img.listSnaps(), ...),
// which delegate here; the functions are exported for callers that prefer the functional form.
import { addon } from "./binding";
import type { Image } from "./image";
import { checkName, LinkedImage, toLinkedImages } from "./validate";

export interface SnapInfo {
  id: number;
  name: string;
  size: number;
  protected: boolean;
}

async function snapCall(img: Image, op: string, name: string, call: () => Promise<void>, long = false): Promise<void> {
  const ctx = img.ctx(name);
  checkName(name, "snapshot", op, ctx);
  return img.guard.run(op, ctx, call, { long });
}

export async function listSnaps(img: Image): Promise<SnapInfo[]> {
  return img.guard.run("list snapshots", img.ctx(), () => addon().snapList(img.handle));
}

export async function createSnap(img: Image, name: string): Promise<void> {
  return snapCall(img, "create snapshot", name, () => addon().snapCreate(img.handle, name));
}

/** NotFoundError if missing; BusyError if protected. */
export async function removeSnap(img: Image, name: string): Promise<void> {
  return snapCall(img, "remove snapshot", name, () => addon().snapRemove(img.handle, name), true);
}

export async function protectSnap(img: Image, name: string): Promise<void> {
  return snapCall(img, "protect snapshot", name, () => addon().snapProtect(img.handle, name));
}

/** BusyError while clones of the snapshot exist. */
export async function unprotectSnap(img: Image, name: string): Promise<void> {
  return snapCall(img, "unprotect snapshot", name, () => addon().snapUnprotect(img.handle, name));
}

export async function isSnapProtected(img: Image, name: string): Promise<boolean> {
  const op = "query snapshot protection";
  const ctx = img.ctx(name);
  checkName(name, "snapshot", op, ctx);
  return img.guard.run(op, ctx, () => addon().snapIsProtected(img.handle, name));
}

/** Rewrites the image's data to the snapshot's (the image must not be in use elsewhere). */
export async function rollbackSnap(img: Image, name: string): Promise<void> {
  return snapCall(img, "roll back to snapshot", name, () => addon().snapRollback(img.handle, name), true);
}

/** Clones of one snapshot. */
export async function snapChildren(img: Image, name: string): Promise<LinkedImage[]> {
  const op = "list snapshot children";
  const ctx = img.ctx(name);
  checkName(name, "snapshot", op, ctx);
  return toLinkedImages(await img.guard.run(op, ctx, () => addon().snapChildren(img.handle, name)));
}
