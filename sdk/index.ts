// pulumi-ceph-openstack: OpenStack block storage on Ceph RBD, as Pulumi resources.
export { CephCluster, type CephClusterArgs } from "./cluster";
export { CephClusterInfo } from "./clusterInfo";
export { Pool, type PoolArgs } from "./pool";
export { CephUser, rbdProfileCaps, type CephUserArgs, type Caps } from "./cephUser";
export { RbdImage, type RbdImageArgs, type ImageFeature } from "./rbdImage";
export { RbdSnapshot, type RbdSnapshotArgs } from "./rbdSnapshot";
export { KeyringFile, CephClientConf, CephClientFiles, type KeyringFileArgs, type CephClientConfArgs, type CephClientFilesArgs } from "./files";
export { ConfigSettings, type ConfigSettingsArgs } from "./configSettings";
export { LibvirtCephSecret, type LibvirtCephSecretArgs } from "./libvirtSecret";
export {
  GlanceRbdStore,
  CinderRbdBackend,
  CinderBackupCeph,
  NovaLibvirtRbd,
  type GlanceRbdStoreArgs,
  type CinderRbdBackendArgs,
  type CinderBackupCephArgs,
  type NovaLibvirtRbdArgs,
} from "./openstack";
export { OpenStackCephBackend, type OpenStackCephBackendArgs } from "./openstackCephBackend";
export { PoolMirroring, MirrorPeer, rbdMirrorDaemonCaps, rbdMirrorPeerCaps, type PoolMirroringArgs, type MirrorPeerArgs } from "./mirroring";
