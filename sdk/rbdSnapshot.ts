// RbdSnapshot: a snapshot of an RBD image, protected when clones will be made from it.
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "./cluster";
import { DynamicResource, dynamicProvider, MODULE, takeImport, ownerOf } from "./dynamic";

export interface RbdSnapshotArgs {
  cluster: CephCluster;
  pool: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** Snapshot name. Changing pool, image or name replaces the snapshot. */
  name: pulumi.Input<string>;
  /** Protect it (clones need a protected snapshot); changes in place. */
  protected?: pulumi.Input<boolean>;
  /** Set or change this to roll the image back to this snapshot. The image must not be in use. */
  rollbackRequest?: pulumi.Input<string | number>;
}

export class RbdSnapshot extends DynamicResource {
  declare readonly pool: pulumi.Output<string>;
  declare readonly image: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly protected: pulumi.Output<boolean>;
  declare readonly snapId: pulumi.Output<number>;
  /** The image size when the snapshot was taken, in bytes. */
  declare readonly size: pulumi.Output<number>;

  /** `opts.import` adopts an existing object (its id: "pool/image@snapshot") after checking it matches these args. */
  constructor(name: string, args: RbdSnapshotArgs, options?: pulumi.CustomResourceOptions) {
    const { opts, imported } = takeImport(options);
    const { cluster, ...rest } = args;
    super(
      dynamicProvider("RbdSnapshot"),
      name,
      { ...rest, connection: cluster.connection, ...imported, owner: ownerOf(name), snapId: undefined, size: undefined, protected: rest.protected },
      opts,
      MODULE,
      "RbdSnapshot",
    );
  }
}
