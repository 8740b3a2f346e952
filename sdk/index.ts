// pulumi-ceph-openstack: OpenStack block storage on Ceph RBD, as Pulumi resources.
export { CephCluster, type CephClusterArgs } from "./cluster";
export { RbdImage, type RbdImageArgs, type ImageFeature } from "./rbdImage";
