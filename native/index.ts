// Public API of the native Ceph layer (librados/librbd through the ceph_native addon).
export { connect, Cluster, IoCtx } from "./cluster";
export type { ConnectOptions, CommandResult } from "./cluster";
export * from "./pool";
export * from "./auth";
export {
  createImage,
  openImage,
  openImageById,
  withImage,
  statImage,
  listImages,
  removeImage,
  renameImage,
  cloneImage,
  featureNames,
  featureMask,
  Image,
} from "./image";
export type { Size, CreateImageOptions, CloneOptions, OpenImageOptions, ImageStat, LinkedImage } from "./image";
export * from "./snapshot";
export * from "./trash";
export * from "./objects";
export * from "./cls";
export * from "./header";
export * from "./removal";
export * from "./mirror";
export {
  CephError,
  NotFoundError,
  ExistsError,
  BusyError,
  PermissionError,
  TimeoutError,
  InvalidArgumentError,
  NotEmptyError,
  ClosedError,
  BadReplyError,
  isCephError,
} from "./errors";
export type { ErrorContext } from "./errors";
export { addonPath } from "./binding";
