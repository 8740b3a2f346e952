// RBD images: create/list/remove/rename/clone, and the Image handle (stat, resize, flatten,
// children, watchers, metadata, disk usage; snapshot methods are implemented in snapshot.ts).
import { addon, ImageHandle, NativeImageOptions, type NativeStat } from "./binding";
import type { IoCtx } from "./cluster";
import { ErrorContext, invalidArgument, isCephError } from "./errors";
import { HandleGuard } from "./handle";
import * as snapshots from "./snapshot";
import type { SnapInfo } from "./snapshot";
import { checkKey, checkName, LinkedImage, toLinkedImages, toSmallInt, toU64 } from "./validate";

/** Sizes are accepted as number (safe integer) or bigint; results are numbers (exact up to 2^53). */
export type Size = number | bigint;

// Feature bits from rbd/features.h, by the names librbd and the rbd CLI use.
const FEATURES: Array<[string, bigint]> = [
  ["layering", 1n << 0n],
  ["striping", 1n << 1n],
  ["exclusive-lock", 1n << 2n],
  ["object-map", 1n << 3n],
  ["fast-diff", 1n << 4n],
  ["deep-flatten", 1n << 5n],
  ["journaling", 1n << 6n],
  ["data-pool", 1n << 7n],
  ["operations", 1n << 8n],
  ["migrating", 1n << 9n],
  ["non-primary", 1n << 10n],
  ["dirty-cache", 1n << 11n],
];

// The names by bit position, for featureNames' number path.
const NAME_BY_BIT: string[] = [];
for (const [name, bit] of FEATURES) NAME_BY_BIT[bit.toString(2).length - 1] = name;

/** Feature names set in `mask`, in bit order; unknown bits appear as "bit-N". */
export function featureNames(mask: number | bigint): string[] {
  // Every stat names its image's features: below bit 31 (every bit librbd defines) with number
  // operations, as BigInt's allocate a value each (a dozen bits, some 40 allocations a stat).
  const small = typeof mask === "bigint" ? mask >= 0n && mask < 0x80000000n : Number.isInteger(mask) && mask >= 0 && mask < 0x80000000;
  if (small) {
    let rest = Number(mask);
    const names: string[] = [];
    for (let bit = 0; rest !== 0; bit++, rest >>>= 1) if (rest & 1) names.push(NAME_BY_BIT[bit] ?? `bit-${bit}`);
    return names;
  }
  let rest = BigInt(mask);
  const names: string[] = [];
  for (const [name, bit] of FEATURES) {
    if (rest & bit) names.push(name);
    rest &= ~bit;
  }
  for (let i = 0n; rest > 0n; i++, rest >>= 1n) if (rest & 1n) names.push(`bit-${i}`);
  return names;
}

/** Mask for feature names (InvalidArgumentError for an unknown name). */
export function featureMask(names: string[]): bigint {
  let mask = 0n;
  for (const name of names) {
    const entry = FEATURES.find(([n]) => n === name);
    if (!entry) throw invalidArgument("feature mask", { cluster: "" }, `unknown rbd feature "${name}"`);
    mask |= entry[1];
  }
  return mask;
}

export interface CreateImageOptions {
  size: Size;
  /** Object size as a power of two (12..25); default: rbd_default_order (22 = 4 MiB). */
  order?: number;
  /** Omit for the cluster default (rbd_default_features). */
  features?: number | bigint;
  stripeUnit?: Size;
  stripeCount?: number;
  /** Separate pool for data objects (e.g. an erasure-coded pool). */
  dataPool?: string;
}

export interface CloneOptions {
  features?: number | bigint;
  order?: number;
  stripeUnit?: Size;
  stripeCount?: number;
  dataPool?: string;
}

function nativeImageOptions(opts: CloneOptions, op: string, ctx: ErrorContext): NativeImageOptions {
  const out: NativeImageOptions = {};
  if (opts.features !== undefined) out.features = toU64(opts.features, "features", op, ctx);
  if (opts.order !== undefined) out.order = toSmallInt(opts.order, "order", op, ctx, 12, 25);
  if (opts.stripeUnit !== undefined) out.stripeUnit = toU64(opts.stripeUnit, "stripeUnit", op, ctx);
  if (opts.stripeCount !== undefined) out.stripeCount = toSmallInt(opts.stripeCount, "stripeCount", op, ctx, 1, 2 ** 32 - 1);
  if (opts.dataPool !== undefined) {
    if (typeof opts.dataPool !== "string" || opts.dataPool === "") throw invalidArgument(op, ctx, "dataPool must be a non-empty string");
    out.dataPool = opts.dataPool;
  }
  return out;
}

export async function createImage(io: IoCtx, name: string, opts: CreateImageOptions): Promise<void> {
  const op = "create image";
  const ctx = io.ctx({ image: name });
  checkName(name, "image", op, ctx);
  if (typeof opts !== "object" || opts === null) throw invalidArgument(op, ctx, "options with a size are required");
  const size = toU64(opts.size, "size", op, ctx);
  const native = nativeImageOptions(opts, op, ctx);
  await io.guard.run(op, ctx, () => addon().imageCreate(io.handle, name, size, native));
}

export async function listImages(io: IoCtx): Promise<Array<{ name: string; id: string }>> {
  return io.guard.run("list images", io.ctx(), () => addon().imageList(io.handle));
}

/** Removes an image (NotFoundError if missing, NotEmptyError if it has snapshots, BusyError if open elsewhere). */
export async function removeImage(io: IoCtx, name: string): Promise<void> {
  const op = "remove image";
  const ctx = io.ctx({ image: name });
  checkName(name, "image", op, ctx);
  await io.guard.run(op, ctx, () => addon().imageRemove(io.handle, name), { long: true });
}

export async function renameImage(io: IoCtx, from: string, to: string): Promise<void> {
  const op = "rename image";
  const ctx = io.ctx({ image: from });
  checkName(from, "image", op, ctx);
  checkName(to, "image", op, ctx);
  await io.guard.run(op, ctx, () => addon().imageRename(io.handle, from, to));
}

/** Clones parentName@snapName into childIo/childName (the snapshot must be protected for clone v1). */
export async function cloneImage(
  parentIo: IoCtx,
  parentName: string,
  snapName: string,
  childIo: IoCtx,
  childName: string,
  opts: CloneOptions = {},
): Promise<void> {
  const op = "clone image";
  const ctx = parentIo.ctx({ image: parentName, snapshot: snapName });
  checkName(parentName, "image", op, ctx);
  checkName(snapName, "snapshot", op, ctx);
  checkName(childName, "image", op, ctx);
  if (childIo.cluster !== parentIo.cluster) throw invalidArgument(op, ctx, "parent and child ioctx must belong to the same cluster connection");
  const native = nativeImageOptions(opts, op, ctx);
  // A clone inherits the parent's stripe unit, which must divide the new object size:
  // with only `order` given, default to plain (unstriped) layout for that object size.
  if (native.order !== undefined && native.stripeUnit === undefined) {
    native.stripeUnit = 1n << BigInt(native.order);
    native.stripeCount ??= 1;
  }
  // The child ioctx must be open too; checking it here gives the right ClosedError.
  await childIo.guard.run(op, childIo.ctx({ image: childName }), () =>
    parentIo.guard.run(op, ctx, () => addon().clone(parentIo.handle, parentName, snapName, childIo.handle, childName, native)),
  );
}

export interface OpenImageOptions {
  readOnly?: boolean;
  /** Open at this snapshot (read-only). */
  snapshot?: string;
}

export async function openImage(io: IoCtx, name: string, opts: OpenImageOptions = {}): Promise<Image> {
  const op = "open image";
  const ctx = io.ctx({ image: name, snapshot: opts.snapshot });
  checkName(name, "image", op, ctx);
  if (opts.snapshot !== undefined) checkName(opts.snapshot, "snapshot", op, ctx);
  const readOnly = opts.readOnly ?? false;
  const handle = await io.guard.run(op, ctx, () => addon().imageOpen(io.handle, name, opts.snapshot ?? null, readOnly, false), {
    onLate: (late) => void addon().imageClose(late).catch(() => undefined),
  });
  return new Image(io, handle, name, readOnly, opts.snapshot);
}

/** Opens an image by its id: the way to reach an image in the trash (its name is then a label only). */
export async function openImageById(io: IoCtx, id: string, opts: OpenImageOptions & { name?: string } = {}): Promise<Image> {
  const op = "open image by id";
  const label = opts.name ?? id;
  const ctx = io.ctx({ image: label, snapshot: opts.snapshot });
  checkName(id, "trash id", op, ctx);
  if (opts.snapshot !== undefined) checkName(opts.snapshot, "snapshot", op, ctx);
  const readOnly = opts.readOnly ?? false;
  const handle = await io.guard.run(op, ctx, () => addon().imageOpen(io.handle, id, opts.snapshot ?? null, readOnly, true), {
    onLate: (late) => void addon().imageClose(late).catch(() => undefined),
  });
  return new Image(io, handle, label, readOnly, opts.snapshot);
}

/** Opens the image, runs fn, and always closes it (fn's error wins over a close error). */
export async function withImage<T>(
  io: IoCtx,
  name: string,
  fn: (img: Image) => Promise<T>,
  opts?: OpenImageOptions,
): Promise<T> {
  const img = await openImage(io, name, opts);
  let result: T;
  try {
    result = await fn(img);
  } catch (e) {
    await img.close().catch(() => undefined);
    throw e;
  }
  await img.close();
  return result;
}

/** The addon's stat, with the feature mask as a number and its names spelled out. */
export interface ImageStat extends Omit<NativeStat, "features"> {
  features: number;
  featureNames: string[];
}

/** @internal */
export function toImageStat(s: NativeStat): ImageStat {
  const out: ImageStat = {
    size: s.size,
    objectSize: s.objectSize,
    order: s.order,
    numObjs: s.numObjs,
    blockNamePrefix: s.blockNamePrefix,
    id: s.id,
    features: Number(s.features),
    featureNames: featureNames(s.features),
    flags: s.flags,
    dataPool: s.dataPool,
  };
  if (s.parent) out.parent = { ...s.parent };
  return out;
}

/**
 * An image's stat by name in one native call: read from its header where the image is plain (see
 * header.ts), otherwise opened read-only, stat'd and closed, where withImage(..., (img) => img.stat())
 * makes three calls. What a read that needs nothing else should use.
 */
export function statImage(io: IoCtx, name: string): Promise<ImageStat> {
  const op = "stat image";
  const ctx = io.ctx({ image: name });
  try {
    checkName(name, "image", op, ctx);
  } catch (e) {
    return Promise.reject(e);
  }
  // Not an async function: its extra promise and turns showed in a 0.4 ms call.
  return io.guard.run(op, ctx, () => addon().imageStatByName(io.handle, name)).then(toImageStat);
}

export type { LinkedImage };

export class Image {
  readonly name: string;
  readonly pool: string;
  readonly ioctx: IoCtx;
  readonly readOnly: boolean;
  /** The snapshot the image was opened at, if any. */
  readonly snapshot?: string;
  /** @internal */
  readonly guard: HandleGuard;
  /** @internal */
  readonly handle: ImageHandle;

  /** @internal Use openImage(). */
  constructor(io: IoCtx, handle: ImageHandle, name: string, readOnly: boolean, snapshot?: string) {
    this.ioctx = io;
    this.handle = handle;
    this.name = name;
    this.pool = io.pool;
    this.readOnly = readOnly;
    if (snapshot !== undefined) this.snapshot = snapshot;
    this.guard = new HandleGuard("image", io.guard.timeouts, io.guard);
    io.guard.adopt(this);
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** @internal */
  ctx(snapshot?: string): ErrorContext {
    return this.ioctx.ctx({ image: this.name, snapshot: snapshot ?? this.snapshot });
  }

  async stat(): Promise<ImageStat> {
    return toImageStat(await this.guard.run("stat image", this.ctx(), () => addon().imageStat(this.handle)));
  }

  /** Grows the image; shrinking needs allowShrink (otherwise InvalidArgumentError, and the image is left as it is). */
  async resize(size: Size, opts: { allowShrink?: boolean } = {}): Promise<void> {
    const op = "resize image";
    const target = toU64(size, "size", op, this.ctx());
    const allowShrink = opts.allowShrink ?? false;
    // One native call: the size check and the resize (the addon refuses a shrink it was not allowed).
    const before = await this.guard.run(op, this.ctx(), () => addon().imageResize(this.handle, target, allowShrink), { long: true });
    if (!allowShrink && target < BigInt(before)) {
      throw invalidArgument(op, this.ctx(), `shrinking from ${before} to ${target} bytes needs allowShrink`);
    }
  }

  /** Copies the parent's data into this clone and detaches it from the parent. */
  async flatten(): Promise<void> {
    await this.guard.run("flatten image", this.ctx(), () => addon().imageFlatten(this.handle), { long: true });
  }

  /** Clones of this image's snapshots (of the opened snapshot only, if opened at one). */
  async listChildren(): Promise<LinkedImage[]> {
    return toLinkedImages(await this.guard.run("list children", this.ctx(), () => addon().listChildren(this.handle)));
  }

  /** Clients watching the image header (one per read-write open). */
  listWatchers(): Promise<Array<{ addr: string; id: number; cookie: number }>> {
    return this.guard.run("list watchers", this.ctx(), () => addon().listWatchers(this.handle));
  }

  /** The value, or undefined if the key is not set. */
  async metadataGet(key: string): Promise<string | undefined> {
    const op = "get image metadata";
    checkKey(key, op, this.ctx());
    try {
      return await this.guard.run(op, this.ctx(), () => addon().metadataGet(this.handle, key));
    } catch (e) {
      if (isCephError(e, "ENOENT")) return undefined;
      throw e;
    }
  }

  async metadataSet(key: string, value: string): Promise<void> {
    const op = "set image metadata";
    checkKey(key, op, this.ctx());
    if (typeof value !== "string" || value.includes("\0")) throw invalidArgument(op, this.ctx(), "metadata value must be a string without NUL");
    await this.guard.run(op, this.ctx(), () => addon().metadataSet(this.handle, key, value));
  }

  /** Removes a key (NotFoundError if it is not set). */
  async metadataRemove(key: string): Promise<void> {
    const op = "remove image metadata";
    checkKey(key, op, this.ctx());
    await this.guard.run(op, this.ctx(), () => addon().metadataRemove(this.handle, key));
  }

  async metadataList(): Promise<Record<string, string>> {
    const pairs = await this.guard.run("list image metadata", this.ctx(), () => addon().metadataList(this.handle));
    return Object.fromEntries(pairs);
  }

  /** Like `rbd du`: provisioned size and allocated bytes, counted in whole objects (fast with fast-diff). */
  diskUsage(): Promise<{ provisioned: number; used: number }> {
    return this.guard.run("compute disk usage", this.ctx(), () => addon().imageDiskUsage(this.handle), { long: true });
  }

  /** Writes `data` at `offset` and flushes it to the OSDs; returns the bytes written. */
  async write(offset: Size, data: Buffer): Promise<number> {
    const op = "write image";
    const ofs = toU64(offset, "offset", op, this.ctx());
    if (!Buffer.isBuffer(data)) throw invalidArgument(op, this.ctx(), "data must be a Buffer");
    return this.guard.run(op, this.ctx(), () => addon().imageWrite(this.handle, ofs, data), { long: true });
  }

  /** Reads `length` bytes from `offset` (fewer past the end of the image). */
  async read(offset: Size, length: number): Promise<Buffer> {
    const op = "read image";
    const ofs = toU64(offset, "offset", op, this.ctx());
    const len = toSmallInt(length, "length", op, this.ctx(), 0, 2 ** 30);
    return this.guard.run(op, this.ctx(), () => addon().imageRead(this.handle, ofs, BigInt(len)), { long: true });
  }

  // Snapshots (implemented in snapshot.ts).
  listSnaps(): Promise<SnapInfo[]> {
    return snapshots.listSnaps(this);
  }
  createSnap(name: string): Promise<void> {
    return snapshots.createSnap(this, name);
  }
  removeSnap(name: string): Promise<void> {
    return snapshots.removeSnap(this, name);
  }
  protectSnap(name: string): Promise<void> {
    return snapshots.protectSnap(this, name);
  }
  unprotectSnap(name: string): Promise<void> {
    return snapshots.unprotectSnap(this, name);
  }
  isSnapProtected(name: string): Promise<boolean> {
    return snapshots.isSnapProtected(this, name);
  }
  rollbackSnap(name: string): Promise<void> {
    return snapshots.rollbackSnap(this, name);
  }
  snapChildren(name: string): Promise<LinkedImage[]> {
    return snapshots.snapChildren(this, name);
  }

  /** Waits for in-flight calls, then closes (releasing the watch and exclusive lock). Idempotent. */
  close(): Promise<void> {
    return this.guard
      .close("close image", this.ctx(), () => addon().imageClose(this.handle))
      .finally(() => this.ioctx.guard.release(this));
  }
}

