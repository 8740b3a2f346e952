// LibvirtCephSecret: the libvirt secret holding a Ceph client key for QEMU's RBD disks (Nova, Cinder).
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, MODULE } from "./dynamic";

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
  /** Digest of the stored value, so a changed value shows as drift without exposing it. */
  declare readonly valueSha256: pulumi.Output<string>;

  constructor(name: string, args: LibvirtCephSecretArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dynamicProvider("LibvirtCephSecret"),
      name,
      { ...args, uri: args.uri ?? "qemu:///system", key: pulumi.secret(args.key), valueSha256: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      MODULE,
      "LibvirtCephSecret",
    );
  }
}
