// pulumi-ceph-openstack: OpenStack block storage on Ceph RBD, as Pulumi resources.
export { CephCluster, type CephClusterArgs } from "./cluster";
export { Pool, type PoolArgs } from "./pool";
export { CephUser, rbdProfileCaps, type CephUserArgs, type Caps } from "./cephUser";
export { RbdImage, type RbdImageArgs, type ImageFeature } from "./rbdImage";
export { RbdSnapshot, type RbdSnapshotArgs } from "./rbdSnapshot";
