// OpenStack-on-Ceph for clouds whose services run on Kubernetes (openstack-helm), with ceph-csi
// serving Kubernetes volumes from the same cluster. Ceph side: pools volumes/images/backups/vms
// and kubernetes, users client.glance, client.cinder, client.cinder-backup and client.kubernetes.
// Kubernetes side: the `ceph-etc` ConfigMap and the charts' keyring Secrets in the services'
// namespace, ceph-csi's Secret, ConfigMaps and StorageClass, and the values for each chart.
//
// Stack config:
//   ceph:conf / ceph:monHost + ceph:entity + ceph:key (secret)   how to reach the Ceph cluster
//   openstack-helm:secretUuid    the UUID Cinder, Nova and libvirt share
//   openstack-helm:kubeconfig    path of the kubeconfig to apply with (or set renderDir)
//   openstack-helm:renderDir     write the manifests to this directory instead of applying them
//   openstack-helm:namespace     the OpenStack services' namespace (default "openstack"; must exist)
//   openstack-helm:csiNamespace  ceph-csi's namespace (default "ceph-csi"; must exist)
//   openstack-helm:keyVersion    change it to rotate every user's key
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as ceph from "pulumi-ceph-openstack";
import { CephCsiRbd } from "pulumi-ceph-openstack/kubernetes";

const config = new pulumi.Config();
const cluster = ceph.CephCluster.fromConfig();
const renderDir = config.get("renderDir");
const keyVersion = config.get("keyVersion");

// Rotation should update the Secrets in place: the provider treats Secrets as mutable.
const provider = renderDir
  ? new k8s.Provider("render", { renderYamlToDirectory: renderDir, kubeconfig: "" })
  : new k8s.Provider("k8s", { kubeconfig: config.require("kubeconfig"), enableSecretMutable: true });
const namespace = config.get("namespace") ?? "openstack";

const backend = new ceph.OpenStackCephBackend("openstack", {
  cluster,
  secretUuid: config.require("secretUuid"),
  localFiles: false,
  kubernetes: { provider, namespace },
  keyVersions: { glance: keyVersion, cinder: keyVersion, cinderBackup: keyVersion },
  cinderOptions: { rbdFlattenVolumeFromSnapshot: false, rbdMaxCloneDepth: 5, rbdStoreChunkSize: 4 },
  glanceOptions: { showImageDirectUrl: true },
});

const kubePool = new ceph.Pool("kubernetes", { cluster, name: "kubernetes", application: "rbd" });
const kubeUser = new ceph.CephUser(
  "kubernetes",
  { cluster, entity: "client.kubernetes", caps: ceph.rbdProfileCaps({ pools: ["kubernetes"] }), keyVersion },
  { dependsOn: kubePool },
);
const csi = new CephCsiRbd("ceph-csi", {
  cluster,
  pool: kubePool,
  user: kubeUser,
  target: { provider, namespace: config.get("csiNamespace") ?? "ceph-csi" },
});

const delivery = backend.kubernetes!;
export const cinderValues = delivery.values.cinder;
export const glanceValues = delivery.values.glance;
export const novaValues = delivery.values.nova;
export const libvirtValues = delivery.values.libvirt;
export const secretNames = Object.values(delivery.secrets).map((s) => s.metadata.name);
export const storageClass = csi.storageClass.metadata.name;

// For GitOps: each chart's values as a file beside the manifests (no keys are in them).
if (renderDir && !pulumi.runtime.isDryRun()) {
  pulumi.output(delivery.values).apply((values) => {
    fs.mkdirSync(path.join(renderDir, "values"), { recursive: true });
    for (const [chart, v] of Object.entries(values)) {
      fs.writeFileSync(path.join(renderDir, "values", `${chart}.json`), JSON.stringify(v, null, 2) + "\n");
    }
  });
}
