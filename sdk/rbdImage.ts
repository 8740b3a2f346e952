// RbdImage: an RBD image in a pool (a Cinder volume), optionally a clone of a snapshot.
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "./cluster";
import { DynamicResource, dynamicProvider, MODULE, takeImport, ownerOf } from "./dynamic";

export type ImageFeature = "layering" | "striping" | "exclusive-lock" | "object-map" | "fast-diff" | "deep-flatten" | "journaling";

export interface RbdImageArgs {
  cluster: CephCluster;
  /** Pool holding the image. Changing it replaces the image. */
  pool: pulumi.Input<string>;
  /** Image name. Changing it replaces the image. */
  name: pulumi.Input<string>;
  /** Size in bytes, or with a binary unit: "10GiB", "512MiB". Grows in place; shrinking needs allowShrink. */
  size: pulumi.Input<number | string>;
  /** Features to create it with (default: the cluster's rbd_default_features). */
  features?: pulumi.Input<pulumi.Input<ImageFeature>[]>;
  /** Object size, a power of two from 4KiB to 32MiB (Cinder: rbd_store_chunk_size). */
  objectSize?: pulumi.Input<number | string>;
  /** Pool for the image's data objects (erasure-coded pools). */
  dataPool?: pulumi.Input<string>;
  /** Clone this snapshot instead of creating an empty image. */
  cloneFrom?: pulumi.Input<{ pool: pulumi.Input<string>; image: pulumi.Input<string>; snapshot: pulumi.Input<string> }>;
  /** Flatten the clone when its parent chain would be deeper than this (Cinder's rbd_max_clone_depth, default 5; 0 = always a full copy). */
  maxCloneDepth?: pulumi.Input<number>;
  /** Always flatten a clone at creation (Cinder's rbd_flatten_volume_from_snapshot). */
  flattenOnCreate?: pulumi.Input<boolean>;
  /** Allow a smaller size to shrink the image (discards data past the new end). */
  allowShrink?: pulumi.Input<boolean>;
  /** Allow destroy (or replacement) to delete an image that holds data. */
  forceDestroy?: pulumi.Input<boolean>;
  /**
   * Mirror the image to a peer cluster (the pool needs a PoolMirroring in "image" mode and a MirrorPeer).
   * Journal mode needs features exclusive-lock and journaling. `primary` says which copy takes writes:
   * changing it demotes or promotes in place (forcePromote: promote while the other copy is still
   * primary, when its site is gone). Declared with primary: false, the resource adopts the replica
   * rbd-mirror creates (waiting for it) and never deletes it.
   */
  mirroring?: pulumi.Input<{
    mode: "journal" | "snapshot";
    primary: pulumi.Input<boolean>;
    /** Snapshot mode: a mirror snapshot this often, e.g. "1h" (the mgr's rbd_support schedules). */
    snapshotSchedule?: pulumi.Input<string>;
    forcePromote?: pulumi.Input<boolean>;
  }>;
}

export class RbdImage extends DynamicResource {
  declare readonly pool: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  /** Size in bytes as the cluster reports it. */
  declare readonly size: pulumi.Output<number>;
  /** librbd's image id (stays the same across resizes). */
  declare readonly imageId: pulumi.Output<string>;
  declare readonly features: pulumi.Output<string[]>;
  declare readonly objectSize: pulumi.Output<number>;
  declare readonly parent: pulumi.Output<{ pool: string; image: string; snapshot: string } | undefined>;
  /** With mirroring declared: the image's mirroring as the cluster has it. */
  declare readonly mirrorState: pulumi.Output<{ mode: "journal" | "snapshot" | "disabled"; primary?: boolean; snapshotSchedule?: string } | undefined>;

  /** `opts.import` adopts an existing object (its id: "pool/image") after checking it matches these args. */
  constructor(name: string, args: RbdImageArgs, options?: pulumi.CustomResourceOptions) {
    const { opts, imported } = takeImport(options);
    const { cluster, ...rest } = args;
    super(
      dynamicProvider("RbdImage"),
      name,
      {
        ...rest,
        connection: cluster.connection,
        ...imported,
        owner: ownerOf(name),
        imageId: undefined,
        objectSize: rest.objectSize,
        features: rest.features,
        parent: undefined,
        ...(args.mirroring !== undefined ? { mirrorState: undefined } : {}),
      },
      opts,
      MODULE,
      "RbdImage",
    );
    if (args.mirroring === undefined) {
      // Nothing to report without mirroring, so no registered property: @pulumi/pulumi captures four
      // stack traces for each one, for every image. Still an Output (of undefined) that depends on
      // this image, made only when read.
      Object.defineProperty(this, "mirrorState", { get: () => this.urn.apply(() => undefined) });
    }
  }
}
