// The objects openstack-helm's charts mount: the client ceph.conf ConfigMap (`ceph-etc`, data key
// `ceph.conf`: fsid and mon_host only) and one Secret per cephx user holding its bare key under
// `key`, which the charts' keyring-placement init containers turn into ceph.client.<user>.keyring.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { keyringText } from "../../provider/cephx";
import { CephUser } from "../cephUser";
import { CephClusterInfo } from "../clusterInfo";
import { OPENSTACK_HELM_NAMES } from "./chartValues";
import { MANAGED_ANNOTATIONS, secretData, standardLabels, targetOptions, type KubernetesTarget } from "./target";

/** The client ceph.conf text the charts want: how to find the cluster, nothing else. */
export function clientConfText(info: CephClusterInfo): pulumi.Output<string> {
  return pulumi.interpolate`[global]\nfsid = ${info.fsid}\nmon_host = ${info.monHost}\n`;
}

/** INSTANCE: the delivery's name, shared by all its objects (app.kubernetes.io/instance). */
export function cephConfConfigMap(name: string, target: KubernetesTarget, info: CephClusterInfo, parent: pulumi.Resource, instance: string) {
  return new k8s.core.v1.ConfigMap(
    name,
    {
      metadata: {
        name: OPENSTACK_HELM_NAMES.cephConfConfigMap,
        namespace: target.namespace,
        labels: standardLabels({ partOf: "openstack", component: "ceph-conf", instance, extra: target.labels }),
        annotations: MANAGED_ANNOTATIONS,
      },
      data: { "ceph.conf": clientConfText(info) },
    },
    targetOptions(target, parent, name),
  );
}

/**
 * A `kubernetes.io/rbd` Secret with the user's bare key under `key` (what every chart reads) and,
 * with `withKeyring`, the keyring file text under `keyring` (for pods that mount the file itself).
 */
export function userKeySecret(
  name: string,
  target: KubernetesTarget,
  secretName: string,
  user: CephUser,
  component: string,
  parent: pulumi.Resource,
  instance: string,
  withKeyring = false,
) {
  const keyring: Record<string, pulumi.Output<string>> = withKeyring ? { keyring: secretData(pulumi.all([user.entity, user.key]).apply(([entity, key]) => keyringText(entity, key))) } : {};
  return new k8s.core.v1.Secret(
    name,
    {
      metadata: {
        name: secretName,
        namespace: target.namespace,
        labels: standardLabels({ partOf: "openstack", component, instance, extra: target.labels }),
        annotations: MANAGED_ANNOTATIONS,
      },
      type: "kubernetes.io/rbd",
      data: { key: secretData(user.key), ...keyring },
    },
    targetOptions(target, parent, name),
  );
}
