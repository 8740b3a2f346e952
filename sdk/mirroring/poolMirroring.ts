// PoolMirroring: RBD mirroring on a pool (mode and the cluster's site name).
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "../cluster";
import { DynamicResource, dynamicProvider, MODULE, takeImport, ownerOf } from "../dynamic";

export interface PoolMirroringArgs {
  cluster: CephCluster;
  /** The RBD pool (it must exist and be rbd-initialised). Changing it replaces the resource. */
  pool: pulumi.Input<string>;
  /** "image": images are mirrored one by one (what Cinder uses); "pool": every journaled image is. */
  mode: "image" | "pool";
  /**
   * The name this cluster goes by at its peers (cluster-wide, so every PoolMirroring on one
   * cluster must declare the same). Set before any peer is added.
   */
  siteName: pulumi.Input<string>;
  /** Let destroy turn mirroring off although images in the pool are still mirrored (their mirroring is disabled). */
  forceDisable?: boolean;
}

export class PoolMirroring extends DynamicResource {
  declare readonly pool: pulumi.Output<string>;
  declare readonly mode: pulumi.Output<"image" | "pool" | "disabled">;
  declare readonly siteName: pulumi.Output<string>;

  /** `opts.import` adopts mirroring already on (its id: the pool name) after checking it matches these args. */
  constructor(name: string, args: PoolMirroringArgs, options?: pulumi.CustomResourceOptions) {
    const { opts, imported } = takeImport(options);
    const { cluster, ...rest } = args;
    super(dynamicProvider("PoolMirroring"), name, { ...rest, connection: cluster.connection, ...imported, owner: ownerOf(name) }, opts, MODULE, "PoolMirroring");
  }
}
