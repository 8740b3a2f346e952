// RBD mirroring between two clusters: pool mirroring, peers, and the caps rbd-mirror needs
// (images are mirrored through RbdImage's `mirroring`).
export { PoolMirroring, type PoolMirroringArgs } from "./poolMirroring";
export { MirrorPeer, type MirrorPeerArgs } from "./mirrorPeer";
export { rbdMirrorDaemonCaps, rbdMirrorPeerCaps } from "../../provider/caps";
