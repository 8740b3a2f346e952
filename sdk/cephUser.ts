// CephUser: a cephx user with caps; its key and keyring are secret outputs.
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "./cluster";
import { DynamicResource, dynamicProvider, MODULE, takeImport, ownerOf } from "./dynamic";

import type { Caps } from "../provider/caps";

export type { Caps };
/**
 * The caps OpenStack's RBD users get, from pool lists:
 * `rbdProfileCaps({ pools: ["volumes", "vms"], readOnlyPools: ["images"] })` is client.cinder's.
 */
export { rbdProfileCaps } from "../provider/caps";

export interface CephUserArgs {
  cluster: CephCluster;
  /** Full entity name, e.g. "client.cinder". Changing it replaces the user. */
  entity: pulumi.Input<string>;
  /** Caps per daemon; they change in place (`ceph auth caps`). See rbdProfileCaps(). */
  caps: pulumi.Input<pulumi.Input<Caps>>;
  /** A key to use instead of a generated one (stored as a secret). */
  key?: pulumi.Input<string>;
  /** Change this value to rotate the key (the user and its caps stay). */
  keyVersion?: pulumi.Input<string | number>;
}

export class CephUser extends DynamicResource {
  declare readonly entity: pulumi.Output<string>;
  declare readonly caps: pulumi.Output<Caps>;
  /** The cephx key (secret). */
  declare readonly key: pulumi.Output<string>;
  /** A ready `ceph.client.<name>.keyring` text (secret). */
  declare readonly keyring: pulumi.Output<string>;

  /** `opts.import` adopts an existing object (its id: the entity) after checking it matches these args. */
  constructor(name: string, args: CephUserArgs, options?: pulumi.CustomResourceOptions) {
    const { opts, imported } = takeImport(options);
    const { cluster, key, ...rest } = args;
    super(
      dynamicProvider("CephUser"),
      name,
      {
        ...rest,
        ...(key !== undefined ? { key: pulumi.secret(key) } : { key: undefined }),
        connection: cluster.connection, ...imported, owner: ownerOf(name),
        keyring: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key", "keyring"] }),
      MODULE,
      "CephUser",
    );
  }

  /** The name without "client.", as OpenStack's rbd_user options want it. */
  get userName(): pulumi.Output<string> {
    return this.entity.apply((e) => e.replace(/^client\./, ""));
  }
}
