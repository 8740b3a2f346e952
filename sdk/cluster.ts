// Which Ceph cluster a resource lives on and how to reach it. Not a resource itself: resources
// take it and carry its settings (the key as a secret) so every handler can connect.
import * as pulumi from "@pulumi/pulumi";

export interface CephClusterArgs {
  /** Name for this cluster in messages (defaults to the mon hosts or conf path). */
  label?: pulumi.Input<string>;
  /** Path of a ceph.conf to read (mon hosts, keyring path, options). */
  conf?: pulumi.Input<string>;
  /** Monitor addresses, e.g. "v2:10.0.0.1:3300" or a list of them. */
  monHost?: pulumi.Input<string | pulumi.Input<string>[]>;
  /** The cephx entity to act as; default client.admin. */
  entity?: pulumi.Input<string>;
  /** The entity's cephx key. Stored as a Pulumi secret. */
  key?: pulumi.Input<string>;
  /** Path of a keyring holding the entity's key. */
  keyring?: pulumi.Input<string>;
  /** Cluster name (default "ceph"). */
  clusterName?: pulumi.Input<string>;
  /** Extra librados settings, e.g. { rados_osd_op_timeout: 60 }. */
  config?: pulumi.Input<Record<string, pulumi.Input<string | number | boolean>>>;
  /** Seconds to wait for the monitors (default 10). */
  connectTimeoutSec?: pulumi.Input<number>;
  /** Seconds any single cluster operation may take (default 30). */
  opTimeoutSec?: pulumi.Input<number>;
  /** Seconds an operation whose duration grows with image size may take: remove, resize, flatten, disk usage, rollback, trash remove (default 1800). */
  longOpTimeoutSec?: pulumi.Input<number>;
  /** Connection attempts after the first (default 3, as Cinder's rados_connection_retries). */
  retries?: pulumi.Input<number>;
  /** Seconds between connection attempts (default 5, as Cinder's rados_connection_interval). */
  retryIntervalSec?: pulumi.Input<number>;
}

export class CephCluster {
  /** The settings as resources carry them; the key is wrapped as a secret. */
  readonly connection: pulumi.Output<Record<string, unknown>>;

  constructor(args: CephClusterArgs) {
    const { key, ...rest } = args;
    this.connection = pulumi.output({ ...rest, ...(key !== undefined ? { key: pulumi.secret(key) } : {}) }) as pulumi.Output<
      Record<string, unknown>
    >;
  }

  /**
   * A cluster described by stack config under `namespace` (default "ceph"): monHost, entity,
   * key (set it with `pulumi config set --secret ceph:key ...`), conf, keyring, label, timeouts.
   */
  static fromConfig(namespace = "ceph"): CephCluster {
    const cfg = new pulumi.Config(namespace);
    const monHost = cfg.getObject<string[]>("monHosts") ?? cfg.get("monHost");
    const num = (name: string) => cfg.getNumber(name);
    return new CephCluster({
      label: cfg.get("label"),
      conf: cfg.get("conf"),
      monHost,
      entity: cfg.get("entity"),
      key: cfg.getSecret("key"),
      keyring: cfg.get("keyring"),
      clusterName: cfg.get("clusterName"),
      connectTimeoutSec: num("connectTimeoutSec"),
      opTimeoutSec: num("opTimeoutSec"),
      longOpTimeoutSec: num("longOpTimeoutSec"),
      retries: num("retries"),
      retryIntervalSec: num("retryIntervalSec"),
    });
  }
}
