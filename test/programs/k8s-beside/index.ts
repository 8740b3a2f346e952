// One OpenStackCephBackend delivering both ways at once: the client files, the services' config
// files and the libvirt secret on this host, and openstack-helm's ConfigMap, Secrets and chart
// values on Kubernetes. The Kubernetes target is a kubeconfig, not a provider object: its path,
// or (kubeconfigForm = "contents") the file's text, passed plainly as a user would.
//
// Stack config: ceph:conf, etcDir, libvirtUri, secretUuid, kubeconfig (a path), kubeconfigForm, keyVersion.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "pulumi-ceph-openstack";

const config = new pulumi.Config();
const etc = config.require("etcDir");
const kubeconfigPath = config.require("kubeconfig");
const kubeconfig = config.get("kubeconfigForm") === "contents" ? fs.readFileSync(kubeconfigPath, "utf8") : kubeconfigPath;
const keyVersion = config.get("keyVersion");

const backend = new ceph.OpenStackCephBackend("beside", {
  cluster: ceph.CephCluster.fromConfig(),
  cephConfDir: path.join(etc, "ceph"),
  glanceApiConf: path.join(etc, "glance", "glance-api.conf"),
  cinderConf: path.join(etc, "cinder", "cinder.conf"),
  novaConf: path.join(etc, "nova", "nova.conf"),
  secretUuid: config.require("secretUuid"),
  libvirt: { uri: config.require("libvirtUri") },
  keyVersions: { glance: keyVersion, cinder: keyVersion, cinderBackup: keyVersion },
  cinderOptions: { rbdFlattenVolumeFromSnapshot: false, rbdMaxCloneDepth: 5, rbdStoreChunkSize: 4, glanceApiVersion: 2 },
  glanceOptions: { showImageDirectUrl: true },
  kubernetes: { kubeconfig, namespace: "openstack" },
});

export const values = backend.kubernetes!.values;
