// The objects openstack-helm's charts mount: the client ceph.conf ConfigMap (`ceph-etc`, data key
// `ceph.conf`: fsid and mon_host only) and one Secret per cephx user holding its bare key under
// `key`, which the charts' keyring-placement init containers turn into ceph.client.<user>.keyring.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CephUser } from "../cephUser";
import { CephClusterInfo } from "../clusterInfo";
import { OPENSTACK_HELM_NAMES } from "./chartValues";
import { MANAGED_ANNOTATIONS, secretData, standardLabels, targetOptions, type KubernetesTarget } from "./target";

/** The client ceph.conf text the charts want: how to find the cluster, nothing else. */
export function clientConfText(info: CephClusterInfo): pulumi.Output<string> {
  return pulumi.interpolate`[global]\nfsid = ${info.fsid}\nmon_host = ${info.monHost}\n`;
}

export function cephConfConfigMap(name: string, target: KubernetesTarget, info: CephClusterInfo, parent: pulumi.Resource, partOf = "openstack") {
  return new k8s.core.v1.ConfigMap(
    name,
    {
      metadata: {
        name: OPENSTACK_HELM_NAMES.cephConfConfigMap,
        namespace: target.namespace,
        labels: standardLabels({ partOf, component: "ceph-conf", instance: name, extra: target.labels }),
        annotations: MANAGED_ANNOTATIONS,
      },
      data: { "ceph.conf": clientConfText(info) },
    },
    targetOptions(target, parent, name),
  );
}

/** A `kubernetes.io/rbd` Secret with the user's bare key under `key` (what every chart reads). */
export function userKeySecret(
  name: string,
  target: KubernetesTarget,
  secretName: string,
  user: CephUser,
  component: string,
  parent: pulumi.Resource,
) {
  return new k8s.core.v1.Secret(
    name,
    {
      metadata: {
        name: secretName,
        namespace: target.namespace,
        labels: standardLabels({ partOf: "openstack", component, instance: name, extra: target.labels }),
        annotations: MANAGED_ANNOTATIONS,
      },
      type: "kubernetes.io/rbd",
      data: { key: secretData(user.key) },
    },
    targetOptions(target, parent, name),
  );
}
