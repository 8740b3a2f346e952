// OpenStack's block storage on Ceph, the classic way, in one component.
//
// Stack config (all optional but the cluster connection and secretUuid):
//   ceph:conf / ceph:monHost + ceph:entity + ceph:key (secret)   how to reach the cluster
//   openstack-ceph:secretUuid   the UUID Cinder, Nova and libvirt share (e.g. `uuidgen`)
//   openstack-ceph:etcDir       root for the generated files (default "/etc": /etc/ceph, /etc/cinder/cinder.conf, ...)
//   openstack-ceph:libvirtUri   libvirt daemon for the secret (default qemu:///system)
//   openstack-ceph:rbdMaxCloneDepth   Cinder's rbd_max_clone_depth (default 5)
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "pulumi-ceph-openstack";

const config = new pulumi.Config();
const etc = config.get("etcDir") ?? "/etc";

const backend = new ceph.OpenStackCephBackend("openstack", {
  cluster: ceph.CephCluster.fromConfig(),
  cephConfDir: path.join(etc, "ceph"),
  glanceApiConf: path.join(etc, "glance", "glance-api.conf"),
  cinderConf: path.join(etc, "cinder", "cinder.conf"),
  novaConf: path.join(etc, "nova", "nova.conf"),
  secretUuid: config.require("secretUuid"),
  libvirt: { uri: config.get("libvirtUri") ?? "qemu:///system" },
  cinderOptions: { rbdFlattenVolumeFromSnapshot: false, rbdMaxCloneDepth: config.getNumber("rbdMaxCloneDepth") ?? 5, rbdStoreChunkSize: 4, glanceApiVersion: 2 },
  glanceOptions: { showImageDirectUrl: true },
});

export const pools = Object.values(backend.pools).map((p) => p.name);
export const users = Object.values(backend.users).map((u) => u.entity);
export const keyrings = Object.values(backend.keyrings ?? {}).map((k) => k.path);
export const cephConf = backend.cephConf?.path;
export const configFiles = [backend.glance?.path, backend.cinder?.path, backend.nova?.path];
export const libvirtSecretUuid = backend.libvirtSecret?.uuid;
