// Client files: a keyring per cephx user (mode 0600) and a minimal client ceph.conf, written where
// the user says; the same texts are outputs for users who ship files another way.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CephCluster } from "./cluster";
import { CephClusterInfo } from "./clusterInfo";
import { CephUser } from "./cephUser";
import { ConfigSettings } from "./configSettings";
import { DynamicResource, dynamicProvider, MODULE, ownerOf } from "./dynamic";

export interface KeyringFileArgs {
  /** Absolute path, conventionally /etc/ceph/ceph.client.<name>.keyring. */
  path: pulumi.Input<string>;
  entity: pulumi.Input<string>;
  /** The key (pass CephUser.key; it stays a secret). */
  key: pulumi.Input<string>;
  /** Replace an existing keyring file that holds something else. */
  overwrite?: pulumi.Input<boolean>;
}

export class KeyringFile extends DynamicResource {
  declare readonly path: pulumi.Output<string>;
  /** The file's mode as found on disk (0600 when in order). */
  declare readonly fileMode: pulumi.Output<number>;
  /** Whether the file held exactly the declared keyring when last read (state keeps no digest of keys). */
  declare readonly contentMatches: pulumi.Output<boolean>;

  constructor(name: string, args: KeyringFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dynamicProvider("KeyringFile"),
      name,
      { ...args, owner: ownerOf(name), key: pulumi.secret(args.key), fileMode: undefined, contentMatches: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      MODULE,
      "KeyringFile",
    );
  }
}

export interface CephClientConfArgs {
  cluster: CephCluster;
  /** Absolute path of the client ceph.conf, e.g. /etc/ceph/ceph.conf. Other settings in it are kept. */
  path: pulumi.Input<string>;
  /** Cluster info to use (one is made if not given). */
  info?: CephClusterInfo;
}

/** [global] fsid and mon_host in a client ceph.conf. Type `ceph:files:CephClientConf` (was `ceph:index:...`, aliased). */
export class CephClientConf extends pulumi.ComponentResource {
  readonly path: pulumi.Output<string>;
  /** The minimal file as text, for shipping it another way. */
  readonly text: pulumi.Output<string>;
  readonly info: CephClusterInfo;

  constructor(name: string, args: CephClientConfArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ceph:files:CephClientConf", name, {}, pulumi.mergeOptions(opts, { aliases: [{ type: "ceph:index:CephClientConf" }] }));
    this.info = args.info ?? new CephClusterInfo(`${name}-info`, { cluster: args.cluster }, { parent: this });
    const settings = new ConfigSettings(
      `${name}-settings`,
      { path: args.path, service: "ceph-client", spec: { fsid: this.info.fsid, monHost: this.info.monHost } },
      { parent: this },
    );
    this.path = settings.path;
    this.text = pulumi.interpolate`[global]\nfsid = ${this.info.fsid}\nmon_host = ${this.info.monHost}\n`;
    this.registerOutputs({ path: this.path, text: this.text });
  }
}

export interface CephClientFilesArgs {
  cluster: CephCluster;
  user: CephUser;
  /** Directory for `<cluster>.conf` and `<cluster>.<entity>.keyring`, e.g. /etc/ceph. */
  directory: string;
  /** Cluster name used in the file names (default "ceph"). */
  clusterName?: string;
  /** Also manage fsid and mon_host in `<cluster>.conf` (default true). */
  writeConf?: boolean;
  /** Cluster info to use for the conf (one is made if not given). */
  info?: CephClusterInfo;
}

/** The two files one Ceph client needs: its keyring (0600) and a minimal ceph.conf. */
export class CephClientFiles extends pulumi.ComponentResource {
  readonly keyringPath: pulumi.Output<string>;
  readonly confPath: pulumi.Output<string | undefined>;
  /** The keyring text (secret). */
  readonly keyring: pulumi.Output<string>;
  readonly confText: pulumi.Output<string | undefined>;

  constructor(name: string, args: CephClientFilesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ceph:files:CephClientFiles", name, {}, pulumi.mergeOptions(opts, { aliases: [{ type: "ceph:index:CephClientFiles" }] }));
    const clusterName = args.clusterName ?? "ceph";
    const keyringPath = args.user.entity.apply((e) => path.join(args.directory, `${clusterName}.${e}.keyring`));
    const keyring = new KeyringFile(`${name}-keyring`, { path: keyringPath, entity: args.user.entity, key: args.user.key }, { parent: this });
    this.keyringPath = keyring.path;
    this.keyring = pulumi.secret(args.user.keyring);
    if (args.writeConf ?? true) {
      const conf = new CephClientConf(`${name}-conf`, { cluster: args.cluster, path: path.join(args.directory, `${clusterName}.conf`), info: args.info }, { parent: this });
      this.confPath = conf.path;
      this.confText = conf.text;
    } else {
      this.confPath = pulumi.output(undefined);
      this.confText = pulumi.output(undefined);
    }
    this.registerOutputs({ keyringPath: this.keyringPath, confPath: this.confPath });
  }
}
