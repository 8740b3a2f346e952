// An image's stat from its header, without opening the image (native/src/header.cc).
import { addon } from "./binding";
import type { IoCtx } from "./cluster";
import { toImageStat, type ImageStat } from "./image";
import { checkName } from "./validate";

/**
 * The stat `statImage` returns, read from the image's id object and header with the object-class
 * methods librbd's open sends, in two read ops instead of an open. Undefined where only an open
 * answers exactly: a clone, a striped or migrating image, a feature the addon does not know, an
 * image that is not there or not whole. `statImage` tries this first and opens the image otherwise,
 * in the same native call; this is for tests and benchmarks that need to know which way went.
 */
export async function statImageFromHeader(io: IoCtx, name: string): Promise<ImageStat | undefined> {
  const op = "stat image from header";
  const ctx = io.ctx({ image: name });
  checkName(name, "image", op, ctx);
  const st = await io.guard.run(op, ctx, () => addon().imageStatFromHeader(io.handle, name));
  return st === null ? undefined : toImageStat(st);
}
