// MirrorPeer: `cluster`'s pool receives the images of `remoteCluster`'s pool (rx-only), or both
// ways (rx-tx), through bootstrap tokens that never leave the provider.
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "../cluster";
import { DynamicResource, dynamicProvider, MODULE, ownerOf } from "../dynamic";

export interface MirrorPeerArgs {
  /** The receiving cluster (where rbd-mirror runs). */
  cluster: CephCluster;
  /** Its pool. Pass a PoolMirroring's `pool` output so the peer comes after (and goes before) mirroring. */
  pool: pulumi.Input<string>;
  /** The cluster the images come from. */
  remoteCluster: CephCluster;
  /** Its pool (default: the same name, as Cinder expects). */
  remotePool?: pulumi.Input<string>;
  /** "rx-only": cluster receives from remoteCluster; "rx-tx": both ways (failback needs it). Changing it replaces the peer. */
  direction: "rx-only" | "rx-tx";
}

export class MirrorPeer extends DynamicResource {
  declare readonly pool: pulumi.Output<string>;
  /** cluster's site name and remoteCluster's, when the peer was added. */
  declare readonly siteName: pulumi.Output<string>;
  declare readonly remoteSiteName: pulumi.Output<string>;
  /** The peer (remoteCluster) in cluster's pool. */
  declare readonly peerUuid: pulumi.Output<string>;
  /** rx-tx: the peer (cluster) in remoteCluster's pool. */
  declare readonly remotePeerUuid: pulumi.Output<string | undefined>;
  /** How the peer lists look: the direction when all is in place. */
  declare readonly peers: pulumi.Output<string>;

  constructor(name: string, args: MirrorPeerArgs, opts?: pulumi.CustomResourceOptions) {
    const { cluster, remoteCluster, ...rest } = args;
    super(
      dynamicProvider("MirrorPeer"),
      name,
      {
        ...rest,
        connection: cluster.connection,
        remoteConnection: remoteCluster.connection,
        owner: ownerOf(name),
        siteName: undefined,
        remoteSiteName: undefined,
        peerUuid: undefined,
        remotePeerUuid: undefined,
        peers: undefined,
      },
      opts,
      MODULE,
      "MirrorPeer",
    );
  }
}
