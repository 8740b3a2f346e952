// RBD mirroring handlers (PoolMirroring, MirrorPeer); RbdImage's mirroring is in imageMirroring.ts.
export { poolMirroringProvider } from "./poolMirroring";
export { mirrorPeerProvider } from "./mirrorPeer";
