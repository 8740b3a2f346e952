// The main program: the classic OpenStack-on-Ceph block storage, all from stack config. `pulumi up`
// at the repository root runs it (Pulumi.yaml points at its build, dist/program/index.js), and so
// does `npm run demo`. examples/openstack-ceph is the same program as a user's own project would be.
//
//   pulumi config set ceph:conf /etc/ceph/ceph.conf       # or ceph:monHost, ceph:entity, --secret ceph:key
//   pulumi config set secretUuid "$(uuidgen)"             # shared by Cinder, Nova and libvirt
//   pulumi config set etcDir /etc                         # where ceph/, glance/, cinder/, nova/ live (default /etc)
//   pulumi config set libvirtUri qemu:///system           # (default)
//   pulumi config set --path poolSettings.size 3           # optional settings every pool gets
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "../sdk";

const config = new pulumi.Config();
const etc = config.get("etcDir") ?? "/etc";

const backend = new ceph.OpenStackCephBackend("openstack", {
  cluster: ceph.CephCluster.fromConfig(),
  // Optional: settings every pool gets, e.g. {"size": 3, "minSize": 2, "quota": {"maxBytes": "1TiB"}}.
  poolSettings: config.getObject("poolSettings"),
  cephConfDir: path.join(etc, "ceph"),
  glanceApiConf: path.join(etc, "glance", "glance-api.conf"),
  cinderConf: path.join(etc, "cinder", "cinder.conf"),
  novaConf: path.join(etc, "nova", "nova.conf"),
  secretUuid: config.require("secretUuid"),
  libvirt: { uri: config.get("libvirtUri") ?? "qemu:///system" },
  cinderOptions: { rbdFlattenVolumeFromSnapshot: false, rbdMaxCloneDepth: 5, rbdStoreChunkSize: 4, glanceApiVersion: 2 },
  glanceOptions: { showImageDirectUrl: true },
});

export const pools = Object.values(backend.pools).map((p) => p.name);
export const users = Object.values(backend.users).map((u) => u.entity);
export const keyrings = Object.values(backend.keyrings ?? {}).map((k) => k.path);
export const cephConf = backend.cephConf?.path;
export const configFiles = [backend.glance?.path, backend.cinder?.path, backend.nova?.path];
export const libvirtSecretUuid = backend.libvirtSecret?.uuid;
