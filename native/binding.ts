// Loads the compiled addon (native/build/Release/ceph_native.node) and types its raw interface.
// Everything here is internal: the public API is in cluster.ts, image.ts, ... and takes care of
// validation, timeouts, closed-handle checks and typed errors.
import * as fs from "fs";
import * as path from "path";

declare const handleBrand: unique symbol;
/** Opaque native handles (type-tagged externals; the addon rejects a handle of the wrong kind). */
export type ClusterHandle = { readonly [handleBrand]: "cluster" };
export type IoCtxHandle = { readonly [handleBrand]: "ioctx" };
export type ImageHandle = { readonly [handleBrand]: "image" };

/** What a native rejection carries (see native/src/errors.cc). */
export interface NativeError extends Error {
  errno: number;
  code: string;
  description: string;
  op: string;
  /** mon/mgr command: the `outs` text; connect: the step that failed. */
  detail?: string;
}

export interface NativeImageOptions {
  features?: bigint;
  order?: number;
  stripeUnit?: bigint;
  stripeCount?: number;
  dataPool?: string;
}

/** What imageRemovalFacts reads from an image's id object, header and object map. */
export interface NativeRemovalFacts {
  id: string;
  features: number;
  flags: number;
  /** Snapshots of the image (clones can only hang off a snapshot). */
  snapshots: number;
  /** The parent's pool id, -1 for an image that is not a clone. */
  parentPool: number;
  /** True when the object map says no object of the image exists; null without an object map. */
  objectMapEmpty: boolean | null;
}

export interface NativeStat {
  size: number;
  objectSize: number;
  order: number;
  numObjs: number;
  blockNamePrefix: string;
  id: string;
  features: bigint;
  flags: number;
  /** The pool holding the data objects: the image's own pool unless it was created with a data pool. */
  dataPool: string;
  parent?: { pool: string; namespace: string; image: string; id: string; snapshot: string };
}

export interface NativeLinkedImage {
  pool: string;
  namespace: string;
  image: string;
  id: string;
  trash: boolean;
}

export interface NativeMirrorPeer {
  uuid: string;
  direction: number;
  siteName: string;
  mirrorUuid: string;
  clientName: string;
  lastSeen: number;
}

export interface NativeMirrorInfo {
  globalId: string;
  state: number;
  primary: boolean;
  /** Only when mirroring is enabled. */
  mode?: number;
}

export interface NativeAddon {
  librbdVersion: string;
  connect(opts: {
    clusterName: string;
    entity: string;
    conf?: string;
    readDefaultConf: boolean;
    config: Array<[string, string]>;
  }): Promise<ClusterHandle>;
  clusterClose(c: ClusterHandle): Promise<void>;
  clusterFsid(c: ClusterHandle): Promise<string>;
  waitForLatestOsdmap(c: ClusterHandle): Promise<void>;
  monCommand(c: ClusterHandle, command: string, input?: Buffer): Promise<{ outs: string; outbuf: Buffer }>;
  mgrCommand(c: ClusterHandle, command: string, input?: Buffer): Promise<{ outs: string; outbuf: Buffer }>;

  ioctxOpen(c: ClusterHandle, pool: string, namespace?: string): Promise<IoCtxHandle>;
  ioctxClose(io: IoCtxHandle): Promise<void>;
  poolInit(io: IoCtxHandle, force: boolean): Promise<void>;

  imageCreate(io: IoCtxHandle, name: string, size: bigint, opts: NativeImageOptions): Promise<void>;
  imageList(io: IoCtxHandle): Promise<Array<{ name: string; id: string }>>;
  imageRemove(io: IoCtxHandle, name: string): Promise<void>;
  imageRename(io: IoCtxHandle, from: string, to: string): Promise<void>;
  imageOpen(io: IoCtxHandle, nameOrId: string, snapshot: string | null, readOnly: boolean, byId: boolean): Promise<ImageHandle>;
  imageClose(img: ImageHandle): Promise<void>;
  imageStat(img: ImageHandle): Promise<NativeStat>;
  /** Open read-only, stat, close: one worker. */
  imageStatByName(io: IoCtxHandle, name: string): Promise<NativeStat>;
  /** The stat from the image's id object and header alone; null where only an open answers exactly. */
  imageStatFromHeader(io: IoCtxHandle, name: string): Promise<NativeStat | null>;
  imageRemovalFacts(io: IoCtxHandle, name: string): Promise<NativeRemovalFacts | null>;
  /** Resolves with the size before; without allowShrink a smaller size leaves the image as it is. */
  imageResize(img: ImageHandle, size: bigint, allowShrink: boolean): Promise<number>;
  imageFlatten(img: ImageHandle): Promise<void>;
  imageDiskUsage(img: ImageHandle): Promise<{ provisioned: number; used: number }>;

  snapList(img: ImageHandle): Promise<Array<{ id: number; name: string; size: number; protected: boolean }>>;
  snapCreate(img: ImageHandle, name: string): Promise<void>;
  snapRemove(img: ImageHandle, name: string): Promise<void>;
  snapProtect(img: ImageHandle, name: string): Promise<void>;
  snapUnprotect(img: ImageHandle, name: string): Promise<void>;
  snapRollback(img: ImageHandle, name: string): Promise<void>;
  snapIsProtected(img: ImageHandle, name: string): Promise<boolean>;

  trashMove(io: IoCtxHandle, name: string, delaySec: number): Promise<void>;
  trashList(io: IoCtxHandle): Promise<
    Array<{ id: string; name: string; source: string; deletionTime: number; deferredEnd: number }>
  >;
  trashGet(io: IoCtxHandle, id: string): Promise<{ id: string; name: string; source: string; deletionTime: number; deferredEnd: number }>;
  trashRestore(io: IoCtxHandle, id: string, name: string): Promise<void>;
  trashRemove(io: IoCtxHandle, id: string, force: boolean): Promise<void>;
  trashPurge(io: IoCtxHandle, expireTs?: number): Promise<void>;

  clone(
    parentIo: IoCtxHandle,
    parent: string,
    snapshot: string,
    childIo: IoCtxHandle,
    child: string,
    opts: NativeImageOptions,
  ): Promise<void>;
  listChildren(img: ImageHandle): Promise<NativeLinkedImage[]>;
  snapChildren(img: ImageHandle, snapshot: string): Promise<NativeLinkedImage[]>;

  listWatchers(img: ImageHandle): Promise<Array<{ addr: string; id: number; cookie: number }>>;

  metadataGet(img: ImageHandle, key: string): Promise<string>;
  metadataSet(img: ImageHandle, key: string, value: string): Promise<void>;
  metadataRemove(img: ImageHandle, key: string): Promise<void>;
  metadataList(img: ImageHandle): Promise<Array<[string, string]>>;
  listObjects(io: IoCtxHandle, limit: number): Promise<Array<[string, string]>>;
  removeObject(io: IoCtxHandle, oid: string): Promise<void>;
  statObject(io: IoCtxHandle, oid: string): Promise<{ size: number; mtime: number }>;
  omapGetValues(io: IoCtxHandle, oid: string, startAfter: string, max: number): Promise<{ entries: Array<[string, Buffer]>; more: boolean }>;
  omapSet(io: IoCtxHandle, oid: string, key: string, value: Buffer): Promise<void>;
  omapRemoveKey(io: IoCtxHandle, oid: string, key: string): Promise<void>;
  objectExec(io: IoCtxHandle, oid: string, cls: string, method: string, input: Buffer): Promise<void>;

  /** glibc's heap over all arenas, in bytes: in use (malloc'd, mmapped chunks included), free but kept, the total it holds, and the part of it in chunks mapped on their own. */
  mallocStats(): { inUse: number; free: number; heap: number; mmapped: number };
  /** mallopt(M_MMAP_THRESHOLD or M_TRIM_THRESHOLD): sets and pins it (glibc raises neither on free after that); process-wide. False if glibc refused the value. */
  setMallocThreshold(which: "mmap" | "trim", bytes: number): boolean;

  imageWrite(img: ImageHandle, offset: bigint, data: Buffer): Promise<number>;
  imageRead(img: ImageHandle, offset: bigint, length: bigint): Promise<Buffer>;

  mirrorModeGet(io: IoCtxHandle): Promise<number>;
  mirrorModeSet(io: IoCtxHandle, mode: number): Promise<void>;
  mirrorSiteNameGet(c: ClusterHandle): Promise<string>;
  mirrorSiteNameSet(c: ClusterHandle, name: string): Promise<void>;
  mirrorPeerBootstrapCreate(io: IoCtxHandle): Promise<Buffer>;
  mirrorPeerBootstrapImport(io: IoCtxHandle, direction: number, token: Buffer): Promise<void>;
  mirrorPeerSiteList(io: IoCtxHandle): Promise<NativeMirrorPeer[]>;
  mirrorPeerSiteRemove(io: IoCtxHandle, uuid: string): Promise<void>;
  mirrorImageEnable(img: ImageHandle, mode: number): Promise<void>;
  mirrorImageDisable(img: ImageHandle, force: boolean): Promise<void>;
  mirrorImagePromote(img: ImageHandle, force: boolean): Promise<void>;
  mirrorImageDemote(img: ImageHandle): Promise<void>;
  mirrorImageGetInfo(img: ImageHandle): Promise<NativeMirrorInfo>;
  mirrorImageGetGlobalStatus(img: ImageHandle): Promise<{
    name: string;
    info: NativeMirrorInfo;
    siteStatuses: Array<{ mirrorUuid: string; state: number; description: string; lastUpdate: number; up: boolean }>;
  }>;
  mirrorImageCreateSnapshot(img: ImageHandle): Promise<number>;

  /** Diagnostic: rejects the way a worker whose C++ code throws `message` does. */
  throwInWorker(message: string): Promise<never>;
  /** Diagnostic: the threads blocking calls run on: started so far, idle now, and the most there can be. */
  callThreads(): { started: number; idle: number; limit: number };
  /** Diagnostic: a call holding its call thread until releaseCallThreads(). */
  holdCallThread(): Promise<void>;
  releaseCallThreads(): void;
  /** Diagnostic: the kernel's id of the call thread the call ran on. */
  callThreadId(): Promise<number>;
}

/**
 * Where the built addon lives: native/build/Release/ceph_native.node under the package root
 * (the nearest directory holding package.json), so the same lookup works from native/*.ts
 * (ts-jest, ts-node) and from dist/native/*.js (compiled). CEPH_NATIVE_ADDON overrides it.
 */
export function addonPath(): string {
  if (process.env.CEPH_NATIVE_ADDON) return process.env.CEPH_NATIVE_ADDON;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) {
      return path.join(dir, "native", "build", "Release", "ceph_native.node");
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`ceph native addon: no package.json above ${__dirname}`);
    dir = parent;
  }
}

let loaded: NativeAddon | undefined;

/** The addon, loaded on first use so that importing this package never requires a build. */
export function addon(): NativeAddon {
  if (!loaded) {
    const file = addonPath();
    if (!fs.existsSync(file)) {
      throw new Error(`ceph native addon not built: ${file} is missing (run \`npm run build:native\`)`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as NativeAddon;
  }
  return loaded;
}
