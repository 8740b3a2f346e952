// CephCsiRbd: what ceph-csi's RBD driver needs to provision volumes from a pool declared here, as a
// user declared here: the user's Secret (`userID` without "client.", `userKey`), the
// `ceph-csi-config` ConfigMap (config.json: clusterID = the fsid, the monitors), the `ceph-config`
// ConfigMap (ceph.conf and the empty `keyring` the driver requires) and a StorageClass.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CephUser } from "../cephUser";
import { CephCluster } from "../cluster";
import { CephClusterInfo } from "../clusterInfo";
import { Pool } from "../pool";
import { clientConfText } from "./cephClientObjects";
import { MANAGED_ANNOTATIONS, standardLabels, targetOptions, secretData, type KubernetesTarget } from "./target";

export const CEPH_CSI_RBD_PROVISIONER = "rbd.csi.ceph.com";

/**
 * ceph-csi joins its monitors with commas and hands them to librados, so each entry is a plain
 * `host:port`: a mon's v1 address where it has one, else its v2 address without the `v2:` prefix.
 */
export function csiMonitors(monHost: string): string[] {
  const mons = monHost.match(/\[[^\]]*\]|[^,\s]+/g) ?? [];
  return mons.map((mon) => {
    const addrs = mon.replace(/^\[|\]$/g, "").split(",");
    const v1 = addrs.find((a) => a.startsWith("v1:"));
    return (v1 ?? addrs[0]).replace(/^v[12]:/, "").replace(/\/\d+$/, "");
  });
}

export interface CephCsiRbdArgs {
  cluster: CephCluster;
  /** The pool ceph-csi creates images in. */
  pool: Pool;
  /** The user ceph-csi connects as (caps: mon "profile rbd", osd/mgr "profile rbd pool=<pool>"). */
  user: CephUser;
  /** Namespace where the ceph-csi RBD driver runs (its Secret and ConfigMaps go there). */
  target: KubernetesTarget;
  info?: CephClusterInfo;
  storageClassName?: pulumi.Input<string>;
  secretName?: pulumi.Input<string>;
  /** Features of the images it creates (default ["layering"]). */
  imageFeatures?: string[];
  fsType?: pulumi.Input<string>;
  reclaimPolicy?: pulumi.Input<"Delete" | "Retain">;
  /** Manage the driver's `ceph-csi-config` and `ceph-config` ConfigMaps (default true). */
  manageConfigMaps?: boolean;
}

export class CephCsiRbd extends pulumi.ComponentResource {
  readonly secret: k8s.core.v1.Secret;
  readonly csiConfig?: k8s.core.v1.ConfigMap;
  readonly cephConfig?: k8s.core.v1.ConfigMap;
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: CephCsiRbdArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ceph:kubernetes:CephCsiRbd", name, {}, opts);
    const info = args.info ?? new CephClusterInfo(`${name}-info`, { cluster: args.cluster }, { parent: this });
    const { target } = args;
    // One instance label for all of this component's objects, as Helm gives a release's.
    const labels = (component: string) => standardLabels({ partOf: "ceph-csi", component, instance: name, extra: target.labels });
    const secretName = args.secretName ?? "csi-rbd-secret";
    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: secretName, namespace: target.namespace, labels: labels("rbd-secret"), annotations: MANAGED_ANNOTATIONS },
        type: "Opaque",
        data: { userID: secretData(args.user.userName), userKey: secretData(args.user.key) },
      },
      targetOptions(target, this, name),
    );
    if (args.manageConfigMaps ?? true) {
      this.csiConfig = new k8s.core.v1.ConfigMap(
        `${name}-csi-config`,
        {
          metadata: { name: "ceph-csi-config", namespace: target.namespace, labels: labels("csi-config"), annotations: MANAGED_ANNOTATIONS },
          data: {
            "config.json": pulumi
              .all([info.fsid, info.monHost])
              .apply(([fsid, monHost]) => JSON.stringify([{ clusterID: fsid, monitors: csiMonitors(monHost) }])),
          },
        },
        targetOptions(target, this, name),
      );
      this.cephConfig = new k8s.core.v1.ConfigMap(
        `${name}-ceph-config`,
        {
          metadata: { name: "ceph-config", namespace: target.namespace, labels: labels("ceph-conf"), annotations: MANAGED_ANNOTATIONS },
          // ceph-csi requires the `keyring` key and wants it empty: keys come from the Secret.
          data: { "ceph.conf": clientConfText(info), keyring: "" },
        },
        targetOptions(target, this, name),
      );
    }
    const ns = target.namespace;
    this.storageClass = new k8s.storage.v1.StorageClass(
      `${name}-storage-class`,
      {
        metadata: { name: args.storageClassName ?? "csi-rbd-sc", labels: labels("storage-class"), annotations: MANAGED_ANNOTATIONS },
        provisioner: CEPH_CSI_RBD_PROVISIONER,
        parameters: {
          clusterID: info.fsid,
          pool: args.pool.name,
          imageFeatures: (args.imageFeatures ?? ["layering"]).join(","),
          "csi.storage.k8s.io/provisioner-secret-name": secretName,
          "csi.storage.k8s.io/provisioner-secret-namespace": ns,
          "csi.storage.k8s.io/controller-expand-secret-name": secretName,
          "csi.storage.k8s.io/controller-expand-secret-namespace": ns,
          "csi.storage.k8s.io/node-stage-secret-name": secretName,
          "csi.storage.k8s.io/node-stage-secret-namespace": ns,
          "csi.storage.k8s.io/fstype": args.fsType ?? "ext4",
        },
        reclaimPolicy: args.reclaimPolicy ?? "Delete",
        allowVolumeExpansion: true,
      },
      targetOptions(target, this, name),
    );
    this.registerOutputs({});
  }
}
