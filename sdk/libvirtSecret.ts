// LibvirtCephSecret: the libvirt secret holding a Ceph client key for QEMU's RBD disks (Nova, Cinder).
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, MODULE, ownerOf, takeImport } from "./dynamic";

export interface LibvirtCephSecretArgs {
  /** libvirt connection URI (default qemu:///system). */
  uri?: pulumi.Input<string>;
  /** The UUID Nova's and Cinder's rbd_secret_uuid name. */
  uuid: pulumi.Input<string>;
  /** Usage name, conventionally "client.cinder secret". */
  usageName: pulumi.Input<string>;
  /** The client's key (pass CephUser.key; it stays a secret). */
  key: pulumi.Input<string>;
  timeoutSec?: pulumi.Input<number>;
}

export class LibvirtCephSecret extends DynamicResource {
  declare readonly uuid: pulumi.Output<string>;
  declare readonly usageName: pulumi.Output<string>;
  /** Whether the daemon's value was the declared key when last read (state keeps no digest of keys). */
  declare readonly valueMatches: pulumi.Output<boolean>;

  /** `opts.import` adopts an existing secret (its id: the UUID) after checking it matches these args. */
  constructor(name: string, args: LibvirtCephSecretArgs, options?: pulumi.CustomResourceOptions) {
    const { opts, imported } = takeImport(options);
    super(
      dynamicProvider("LibvirtCephSecret"),
      name,
      { ...args, owner: ownerOf(name), uri: args.uri ?? "qemu:///system", key: pulumi.secret(args.key), ...imported, valueMatches: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      MODULE,
      "LibvirtCephSecret",
    );
  }
}
