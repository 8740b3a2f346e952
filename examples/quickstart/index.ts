// One RBD image in an existing pool (the demo script creates the `volumes` pool).
//
//   pulumi config set ceph:conf /etc/ceph/ceph.conf            # or:
//   pulumi config set ceph:monHost v2:10.0.0.1:3300
//   pulumi config set ceph:entity client.admin
//   pulumi config set --secret ceph:key AQ...==
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "pulumi-ceph-openstack";

const config = new pulumi.Config();
const cluster = ceph.CephCluster.fromConfig();

const volume = new ceph.RbdImage("quickstart-volume", {
  cluster,
  pool: config.get("pool") ?? "volumes",
  name: config.get("imageName") ?? "quickstart-volume",
  size: config.get("size") ?? "1GiB",
});

export const image = pulumi.interpolate`${volume.pool}/${volume.name}`;
export const imageId = volume.imageId;
export const sizeBytes = volume.size;
export const features = volume.features;
