// OpenStack's block storage on a primary Ceph cluster with a replica Cinder can fail over to.
//
// Stack config (all optional but the two connections, secretUuid and replicaSecretUuid):
//   ceph:conf / ceph:monHost + ceph:entity + ceph:key (secret)         the primary
//   replica:conf / replica:monHost + replica:entity + replica:key      the replica (same keys, namespace "replica")
//   openstack-ceph-replicated:secretUuid          libvirt secret UUID for the primary's client.cinder key
//   openstack-ceph-replicated:replicaSecretUuid   libvirt secret UUID for the replica's client.cinder key
//   openstack-ceph-replicated:siteName            the primary's RBD mirroring site name (default "site-a")
//   openstack-ceph-replicated:replicaSiteName     the replica's: files /etc/ceph/<name>.conf, Cinder's backend_id, mirroring (default "site-b")
//   openstack-ceph-replicated:etcDir              root for the generated files (default "/etc")
//   openstack-ceph-replicated:libvirtUri          libvirt daemon for the secrets (default qemu:///system)
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "pulumi-ceph-openstack";

const config = new pulumi.Config();
const etc = config.get("etcDir") ?? "/etc";

const backend = new ceph.OpenStackCephBackend("openstack", {
  cluster: ceph.CephCluster.fromConfig(),
  siteName: config.get("siteName") ?? "site-a",
  replica: {
    cluster: ceph.CephCluster.fromConfig("replica"),
    siteName: config.get("replicaSiteName") ?? "site-b",
    secretUuid: config.require("replicaSecretUuid"),
  },
  cephConfDir: path.join(etc, "ceph"),
  glanceApiConf: path.join(etc, "glance", "glance-api.conf"),
  cinderConf: path.join(etc, "cinder", "cinder.conf"),
  novaConf: path.join(etc, "nova", "nova.conf"),
  secretUuid: config.require("secretUuid"),
  libvirt: { uri: config.get("libvirtUri") ?? "qemu:///system" },
  cinderOptions: { rbdFlattenVolumeFromSnapshot: false, rbdMaxCloneDepth: 5, glanceApiVersion: 2 },
});

export const pools = Object.values(backend.pools).map((p) => p.name);
export const replicaPools = Object.values(backend.replica!.pools).map((p) => p.name);
export const cephConf = backend.cephConf?.path;
export const replicaConf = backend.replica!.files?.confPath;
export const replicaKeyring = backend.replica!.files?.keyringPath;
export const configFiles = [backend.glance?.path, backend.cinder?.path, backend.nova?.path];
export const mirroredPools = [backend.replica!.mirroring?.primary.pool, backend.replica!.mirroring?.replica.pool];
export const libvirtSecretUuids = [backend.libvirtSecret?.uuid, backend.replica!.libvirtSecret?.uuid];
