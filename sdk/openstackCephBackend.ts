// OpenStackCephBackend: the classic OpenStack-on-Ceph setup from a short spec. Pools volumes, images,
// backups and vms (rbd-initialised); users client.glance, client.cinder and client.cinder-backup with
// the caps operators use; client ceph.conf and keyrings; the libvirt secret; and the Glance, Cinder,
// cinder-backup and Nova settings in their config files. Every name can be overridden.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { CinderBackupCephSpec, CinderRbdBackendSpec, GlanceRbdStoreSpec, NovaLibvirtRbdSpec } from "../provider/openstack";
import { CephUser, rbdProfileCaps } from "./cephUser";
import { CephCluster } from "./cluster";
import { CephClusterInfo } from "./clusterInfo";
import { CephClientConf, CephClientFiles, KeyringFile } from "./files";
import { LibvirtCephSecret } from "./libvirtSecret";
import { CinderBackupCeph, CinderRbdBackend, clusterIdentity, GlanceRbdStore, NovaLibvirtRbd, type CinderReplicationDeviceArgs } from "./openstack";
import { Pool, type PoolArgs } from "./pool";
import { MirrorPeer, PoolMirroring, rbdMirrorDaemonCaps } from "./mirroring";
import { validateSharedSecretUuid } from "../provider/openstack/sharedSecret";
import type { KubernetesTarget, OpenStackHelmDelivery } from "./kubernetes";

/** The second cluster Cinder replicates volumes to (RBD mirroring) and fails over to. */
export interface OpenStackCephReplicaArgs {
  cluster: CephCluster;
  /**
   * The replica's site name: its cluster name in file names (`<cephConfDir>/<siteName>.conf`,
   * `<siteName>.client.cinder.keyring`) and Cinder's `backend_id` for it.
   */
  siteName: string;
  /** UUID of the libvirt secret holding the replica's client.cinder key (not the primary's secretUuid). */
  secretUuid: pulumi.Input<string>;
  /**
   * RBD mirroring of the volumes pool (default true): `image` mode on both clusters (Cinder enables
   * each replicated volume itself), the primary's site name `siteName`, and an rx-tx peer (failback
   * needs both ways). rbd-mirror must run on the receiving cluster(s): it is a daemon, not declared here.
   */
  mirroring?: boolean;
  /** Rotate the replica users' keys (CephUser keyVersion). */
  keyVersions?: { glance?: pulumi.Input<string | number>; cinder?: pulumi.Input<string | number>; cinderBackup?: pulumi.Input<string | number> };
}

export interface OpenStackCephBackendArgs {
  cluster: CephCluster;
  /**
   * A replica cluster: the same pools and users are declared there, its client conf and
   * client.cinder keyring are written beside the primary's, a libvirt secret holds its key, and
   * Cinder's backend gets a `replication_device` line for it.
   */
  replica?: OpenStackCephReplicaArgs;
  /** The primary's RBD mirroring site name: required with a mirrored replica. */
  siteName?: string;
  /** Pool names (defaults: volumes, images, backups, vms). */
  poolNames?: { volumes?: string; images?: string; backups?: string; vms?: string };
  /** Settings every pool gets (pgNum, size, quota...). */
  poolSettings?: Omit<PoolArgs, "cluster" | "name" | "application">;
  /** Entity names (defaults: client.glance, client.cinder, client.cinder-backup). */
  userNames?: { glance?: string; cinder?: string; cinderBackup?: string };
  /** Change a user's value to rotate its key (CephUser keyVersion); every delivery of the key follows. */
  keyVersions?: { glance?: pulumi.Input<string | number>; cinder?: pulumi.Input<string | number>; cinderBackup?: pulumi.Input<string | number> };
  /** Where the client ceph.conf and the keyrings go (default /etc/ceph). */
  cephConfDir?: string;
  /** Cluster name in file names (default "ceph"). */
  clusterName?: string;
  /** Config files to manage; leave one out to not touch that service. */
  glanceApiConf?: string;
  cinderConf?: string;
  novaConf?: string;
  /** The UUID shared by Cinder's and Nova's rbd_secret_uuid and the libvirt secret. */
  secretUuid: pulumi.Input<string>;
  /** Define the libvirt secret (on this host's libvirt daemon). Default: true with uri qemu:///system. */
  libvirt?: { uri?: pulumi.Input<string>; usageName?: pulumi.Input<string> } | false;
  cinderBackendName?: pulumi.Input<string>;
  glanceOptions?: Partial<GlanceRbdStoreSpec>;
  cinderOptions?: Partial<CinderRbdBackendSpec>;
  cinderBackupOptions?: Partial<CinderBackupCephSpec>;
  novaOptions?: Partial<NovaLibvirtRbdSpec>;
  /**
   * Also (or, with localFiles: false, only) deliver to Kubernetes for openstack-helm: the
   * `ceph-etc` ConfigMap, the charts' keyring Secrets, and values per chart (`kubernetes.values`).
   */
  kubernetes?: KubernetesTarget;
  /** Write the client files, the services' config files and the libvirt secret on this host (default true). */
  localFiles?: boolean;
}

export class OpenStackCephBackend extends pulumi.ComponentResource {
  readonly pools: { volumes: Pool; images: Pool; backups: Pool; vms: Pool };
  readonly users: { glance: CephUser; cinder: CephUser; cinderBackup: CephUser };
  /** The local files (absent with localFiles: false). */
  readonly keyrings?: { glance: KeyringFile; cinder: KeyringFile; cinderBackup: KeyringFile };
  readonly cephConf?: CephClientConf;
  /** The Kubernetes delivery, when a target was given. */
  readonly kubernetes?: OpenStackHelmDelivery;
  readonly libvirtSecret?: LibvirtCephSecret;
  readonly glance?: GlanceRbdStore;
  readonly cinder?: CinderRbdBackend;
  readonly cinderBackup?: CinderBackupCeph;
  readonly nova?: NovaLibvirtRbd;
  /** What is declared on the replica, when one was given. */
  readonly replica?: {
    pools: { volumes: Pool; images: Pool; backups: Pool; vms: Pool };
    users: { glance: CephUser; cinder: CephUser; cinderBackup: CephUser };
    info: CephClusterInfo;
    /** `<siteName>.conf` and `<siteName>.client.cinder.keyring` (absent with localFiles: false). */
    files?: CephClientFiles;
    libvirtSecret?: LibvirtCephSecret;
    /**
     * The volumes pool's mirroring on each side, the peer, and on each cluster the cephx user an
     * rbd-mirror daemon runs as there (`client.rbd-mirror.<siteName>`, mon `profile rbd-mirror`,
     * osd `profile rbd`; its key an output secret). Absent with mirroring: false.
     */
    mirroring?: { primary: PoolMirroring; replica: PoolMirroring; peer: MirrorPeer; daemonUsers: { primary: CephUser; replica: CephUser } };
  };

  constructor(name: string, args: OpenStackCephBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ceph:openstack:OpenStackCephBackend", name, {}, opts);
    checkOneSecretUuid(name, args);
    checkReplica(name, args);
    const parent = { parent: this };
    const cluster = args.cluster;
    const names = { volumes: "volumes", images: "images", backups: "backups", vms: "vms", ...args.poolNames };
    const entities = { glance: "client.glance", cinder: "client.cinder", cinderBackup: "client.cinder-backup", ...args.userNames };
    // The same pools and users on each cluster: Cinder uses the same pool names on the primary and the replica.
    const declareSide = (prefix: string, on: CephCluster, keyVersions: OpenStackCephBackendArgs["keyVersions"]) => {
      const pool = (key: keyof typeof names) =>
        new Pool(`${prefix}-${key}`, { cluster: on, ...args.poolSettings, name: names[key], application: "rbd" }, parent);
      const pools = { volumes: pool("volumes"), images: pool("images"), backups: pool("backups"), vms: pool("vms") };
      const allPools = Object.values(pools);
      const user = (key: keyof typeof entities, caps: ReturnType<typeof rbdProfileCaps>) =>
        new CephUser(`${prefix}-${key}`, { cluster: on, entity: entities[key], caps, keyVersion: keyVersions?.[key] }, { parent: this, dependsOn: allPools });
      const users = {
        glance: user("glance", rbdProfileCaps({ pools: [names.images] })),
        cinder: user("cinder", rbdProfileCaps({ pools: [names.volumes, names.vms], readOnlyPools: [names.images] })),
        cinderBackup: user("cinderBackup", rbdProfileCaps({ pools: [names.backups] })),
      };
      return { pools, users };
    };
    ({ pools: this.pools, users: this.users } = declareSide(name, cluster, args.keyVersions));
    const replica = args.replica;
    if (replica) {
      const side = declareSide(`${name}-${replica.siteName}`, replica.cluster, replica.keyVersions);
      const info = new CephClusterInfo(`${name}-${replica.siteName}-info`, { cluster: replica.cluster }, parent);
      this.replica = { ...side, info };
      if (replica.mirroring !== false) {
        // Cinder's volumes pool, in image mode on both sides: the driver enables each replicated volume.
        const primarySite = args.siteName!; // checkReplica: required here
        const mirror = (prefix: string, on: CephCluster, pool: Pool, siteName: string) =>
          new PoolMirroring(`${prefix}-volumes-mirroring`, { cluster: on, pool: pool.name, mode: "image", siteName }, parent);
        const primaryMirroring = mirror(name, cluster, this.pools.volumes, primarySite);
        const replicaMirroring = mirror(`${name}-${replica.siteName}`, replica.cluster, side.pools.volumes, replica.siteName);
        const peer = new MirrorPeer(
          `${name}-${replica.siteName}-volumes-peer`,
          { cluster: replica.cluster, pool: replicaMirroring.pool, remoteCluster: cluster, remotePool: primaryMirroring.pool, direction: "rx-tx" },
          parent,
        );
        // rx-tx: images are received on both sides (failback), so each cluster needs its rbd-mirror daemon.
        const daemonUser = (prefix: string, on: CephCluster, siteName: string) =>
          new CephUser(`${prefix}-rbd-mirror`, { cluster: on, entity: `client.rbd-mirror.${siteName}`, caps: rbdMirrorDaemonCaps() }, parent);
        const daemonUsers = { primary: daemonUser(name, cluster, primarySite), replica: daemonUser(`${name}-${replica.siteName}`, replica.cluster, replica.siteName) };
        this.replica.mirroring = { primary: primaryMirroring, replica: replicaMirroring, peer, daemonUsers };
      }
    }

    if (args.kubernetes) {
      // Required here, not at the top: @pulumi/kubernetes is large and only this path needs it.
      const { OpenStackHelmDelivery } = require("./kubernetes") as typeof import("./kubernetes");
      this.kubernetes = new OpenStackHelmDelivery(
        `${name}-k8s`,
        {
          cluster,
          target: args.kubernetes,
          pools: this.pools,
          users: this.users,
          secretUuid: args.secretUuid,
          cinderBackendName: args.cinderBackendName,
          glanceOptions: args.glanceOptions,
          cinderOptions: args.cinderOptions,
          cinderBackupOptions: args.cinderBackupOptions,
          novaOptions: args.novaOptions,
        },
        parent,
      );
    }
    if (args.localFiles === false) {
      this.registerOutputs({});
      return;
    }

    const dir = args.cephConfDir ?? "/etc/ceph";
    const clusterName = args.clusterName ?? "ceph";
    this.cephConf = new CephClientConf(`${name}-ceph-conf`, { cluster, path: path.join(dir, `${clusterName}.conf`) }, parent);
    const keyring = (key: keyof typeof entities) =>
      new KeyringFile(
        `${name}-${key}-keyring`,
        { path: path.join(dir, `${clusterName}.${entities[key]}.keyring`), entity: this.users[key].entity, key: this.users[key].key },
        parent,
      );
    this.keyrings = { glance: keyring("glance"), cinder: keyring("cinder"), cinderBackup: keyring("cinderBackup") };
    const cephConf = this.cephConf.path;

    if (args.libvirt !== false) {
      this.libvirtSecret = new LibvirtCephSecret(
        `${name}-libvirt-secret`,
        {
          uri: args.libvirt?.uri,
          uuid: args.secretUuid,
          usageName: args.libvirt?.usageName ?? pulumi.interpolate`${this.users.cinder.entity} secret`,
          key: this.users.cinder.key,
        },
        parent,
      );
    }
    const uuidOption = this.libvirtSecret ? {} : { rbdSecretUuid: args.secretUuid };

    let replicationDevices: CinderReplicationDeviceArgs[] | undefined;
    if (replica && this.replica) {
      const site = replica.siteName;
      // Beside the primary's files, under the replica's name: what Cinder's replication_device conf and Nova need.
      this.replica.files = new CephClientFiles(
        `${name}-${site}-cinder-files`,
        { cluster: replica.cluster, user: this.replica.users.cinder, directory: dir, clusterName: site, info: this.replica.info },
        parent,
      );
      if (args.libvirt !== false) {
        this.replica.libvirtSecret = new LibvirtCephSecret(
          `${name}-${site}-libvirt-secret`,
          {
            uri: args.libvirt?.uri,
            uuid: replica.secretUuid,
            // Usage names are unique per libvirt daemon: the replica's names its cluster.
            usageName: pulumi.interpolate`${site}.${this.replica.users.cinder.entity} secret`,
            key: this.replica.users.cinder.key,
          },
          parent,
        );
      }
      replicationDevices = [
        {
          backendId: site,
          cluster: clusterIdentity(replica.cluster, this.replica.info),
          user: this.replica.users.cinder,
          secretUuid: this.replica.libvirtSecret ?? replica.secretUuid,
          confPath: this.replica.files.confPath as pulumi.Output<string>,
          pool: this.replica.pools.volumes,
        },
      ];
    }

    if (args.glanceApiConf) {
      this.glance = new GlanceRbdStore(
        `${name}-glance-conf`,
        { path: args.glanceApiConf, pool: this.pools.images, user: this.users.glance, cephConf, options: args.glanceOptions },
        parent,
      );
    }
    if (args.cinderConf) {
      this.cinder = new CinderRbdBackend(
        `${name}-cinder-conf`,
        {
          path: args.cinderConf,
          pool: this.pools.volumes,
          user: this.users.cinder,
          secret: this.libvirtSecret,
          sectionName: args.cinderBackendName,
          cephConf,
          options: { ...uuidOption, ...args.cinderOptions },
          ...(replicationDevices ? { replicationDevices, cluster: clusterIdentity(cluster, this.cephConf.info) } : {}),
        },
        parent,
      );
      // Same file: one resource at a time edits it.
      this.cinderBackup = new CinderBackupCeph(
        `${name}-cinder-backup-conf`,
        { path: args.cinderConf, pool: this.pools.backups, user: this.users.cinderBackup, cephConf, options: args.cinderBackupOptions },
        { parent: this, dependsOn: [this.cinder] },
      );
    }
    if (args.novaConf) {
      if (!this.libvirtSecret) throw new Error(`OpenStackCephBackend ${name}: nova needs the libvirt secret (libvirt: false was given)`);
      this.nova = new NovaLibvirtRbd(
        `${name}-nova-conf`,
        { path: args.novaConf, pool: this.pools.vms, user: this.users.cinder, secret: this.libvirtSecret, cephConf, options: args.novaOptions },
        parent,
      );
    }
    this.registerOutputs({});
  }
}

/**
 * The replica's names, checked with zod. Loaded here, on first use: zod takes about 80 ms to load,
 * and a program that declares no replica (one of RbdImages, say) need not pay that at each run.
 */
function checkReplicaNames(values: { siteName: unknown; secretUuid?: string; primarySiteName?: string }) {
  const { z } = require("zod") as typeof import("zod");
  const { checkSpec, cephClusterName, uuid } = require("../provider/openstack/common") as typeof import("../provider/openstack/common");
  // librbd refuses a peer whose site name is "ceph" ("cannot add self as remote peer", measured with 16.2.15).
  const siteName = () =>
    cephClusterName()
      .refine((s) => s !== "default", 'must not be "default": Cinder uses it to fail back to the primary')
      .refine((s) => s !== "ceph", 'must not be "ceph": librbd refuses a mirroring peer of that site name');
  const schema = z.object({ siteName: siteName(), secretUuid: uuid().optional(), primarySiteName: siteName().optional() });
  return checkSpec(schema, values);
}

/** The replica's names, checked before anything is declared: a clash would make its files or secret the primary's. */
function checkReplica(name: string, args: OpenStackCephBackendArgs): void {
  const replica = args.replica;
  if (!replica) return;
  const plainUuid = typeof replica.secretUuid === "string" ? replica.secretUuid : undefined;
  const result = checkReplicaNames({ siteName: replica.siteName, secretUuid: plainUuid, primarySiteName: args.siteName });
  const field = (property: string) => (property === "primarySiteName" ? "siteName" : `replica.${property}`);
  const failures = result.ok ? [] : result.failures.map((f) => `${field(f.property)}: ${f.reason}`);
  if (replica.mirroring !== false && args.siteName === undefined) {
    failures.push("siteName: is required with a mirrored replica: the primary's RBD mirroring site name");
  }
  if (replica.siteName === args.siteName) {
    failures.push(`replica.siteName: must differ from the primary's site name "${args.siteName}": mirroring peers are told apart by it`);
  }
  if (replica.siteName === (args.clusterName ?? "ceph")) {
    failures.push(`replica.siteName: must differ from the primary's cluster name "${args.clusterName ?? "ceph"}": the replica's files would be the primary's`);
  }
  if (plainUuid !== undefined && plainUuid === args.secretUuid) {
    failures.push("replica.secretUuid: must differ from secretUuid: the replica's client.cinder key needs a libvirt secret of its own");
  }
  if (failures.length > 0) throw new Error(`OpenStackCephBackend ${name}: ${failures.join("; ")}`);
}

/**
 * secretUuid (the libvirt secret's) and any rbdSecretUuid given in cinderOptions / novaOptions must be
 * one value. Plain values are checked here, at preview, before anything is declared; values not known
 * yet are checked once they are.
 */
function checkOneSecretUuid(name: string, args: OpenStackCephBackendArgs): void {
  const sources = {
    // With libvirt: false the secret is defined elsewhere, but must still hold this UUID.
    libvirtSecretUuid: args.secretUuid,
    ...(args.cinderOptions?.rbdSecretUuid !== undefined ? { cinderRbdSecretUuid: args.cinderOptions.rbdSecretUuid } : {}),
    ...(args.novaOptions?.rbdSecretUuid !== undefined ? { novaRbdSecretUuid: args.novaOptions.rbdSecretUuid } : {}),
  };
  const check = (plain: Record<string, string | undefined>) => {
    const result = validateSharedSecretUuid(plain);
    if (!result.ok) throw new Error(`OpenStackCephBackend ${name}: ${result.error}`);
  };
  const values = Object.values(sources);
  if (values.every((v) => typeof v === "string")) check(sources as Record<string, string>);
  else pulumi.all(sources).apply(check);
}
