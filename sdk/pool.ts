// Pool: a RADOS pool, e.g. Cinder's `volumes`, rbd-initialised when application is "rbd".
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "./cluster";
import { DynamicResource, dynamicProvider, MODULE, takeImport, ownerOf } from "./dynamic";

export interface PoolArgs {
  cluster: CephCluster;
  /** Pool name. Changing it replaces the pool (the old one is deleted only if empty or forceDestroy). */
  name: pulumi.Input<string>;
  /**
   * Placement groups (a power of two). Tracked for drift only with pgAutoscaleMode "off"; with the
   * autoscaler on (Pacific's default) it is the starting value and the autoscaler's changes are not drift.
   */
  pgNum?: pulumi.Input<number>;
  pgAutoscaleMode?: pulumi.Input<"on" | "off" | "warn">;
  /** Replicas. */
  size?: pulumi.Input<number>;
  minSize?: pulumi.Input<number>;
  crushRule?: pulumi.Input<string>;
  /** "rbd" runs `rbd pool init`; other names are enabled as the pool's application. */
  application?: pulumi.Input<string>;
  quota?: pulumi.Input<{ maxBytes?: pulumi.Input<number | string>; maxObjects?: pulumi.Input<number> }>;
  /** Allow destroy (or replacement) to delete a pool that holds images or objects. */
  forceDestroy?: pulumi.Input<boolean>;
}

export class Pool extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly size: pulumi.Output<number | undefined>;
  declare readonly minSize: pulumi.Output<number | undefined>;
  declare readonly pgNum: pulumi.Output<number | undefined>;
  declare readonly applications: pulumi.Output<string[]>;

  /** `opts.import` adopts an existing object (its id: the pool name) after checking it matches these args. */
  constructor(name: string, args: PoolArgs, options?: pulumi.CustomResourceOptions) {
    const { opts, imported } = takeImport(options);
    const { cluster, ...rest } = args;
    super(
      dynamicProvider("Pool"),
      name,
      { ...rest, connection: cluster.connection, ...imported, owner: ownerOf(name), applications: undefined },
      opts,
      MODULE,
      "Pool",
    );
  }
}
