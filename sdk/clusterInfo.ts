// CephClusterInfo: the fsid and monitor addresses of a cluster, read from the cluster.
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "./cluster";
import { DynamicResource, dynamicProvider, MODULE } from "./dynamic";

export class CephClusterInfo extends DynamicResource {
  declare readonly fsid: pulumi.Output<string>;
  /** The monitors as a client ceph.conf's mon_host wants them. */
  declare readonly monHost: pulumi.Output<string>;

  constructor(name: string, args: { cluster: CephCluster }, opts?: pulumi.CustomResourceOptions) {
    super(dynamicProvider("CephClusterInfo"), name, { connection: args.cluster.connection, fsid: undefined, monHost: undefined }, opts, MODULE, "CephClusterInfo");
  }
}
