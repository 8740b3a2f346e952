// OpenStackCephBackend: the classic OpenStack-on-Ceph setup from a short spec. Pools volumes, images,
// backups and vms (rbd-initialised); users client.glance, client.cinder and client.cinder-backup with
// the caps operators use; client ceph.conf and keyrings; the libvirt secret; and the Glance, Cinder,
// cinder-backup and Nova settings in their config files. Every name can be overridden.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { CinderBackupCephSpec, CinderRbdBackendSpec, GlanceRbdStoreSpec, NovaLibvirtRbdSpec } from "../provider/openstack";
import { CephUser, rbdProfileCaps } from "./cephUser";
import { CephCluster } from "./cluster";
import { CephClientConf, KeyringFile } from "./files";
import { LibvirtCephSecret } from "./libvirtSecret";
import { CinderBackupCeph, CinderRbdBackend, GlanceRbdStore, NovaLibvirtRbd } from "./openstack";
import { Pool, type PoolArgs } from "./pool";
import { validateSharedSecretUuid } from "../provider/openstack/sharedSecret";
import type { KubernetesTarget, OpenStackHelmDelivery } from "./kubernetes";

export interface OpenStackCephBackendArgs {
  cluster: CephCluster;
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

  constructor(name: string, args: OpenStackCephBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ceph:openstack:OpenStackCephBackend", name, {}, opts);
    checkOneSecretUuid(name, args);
    const parent = { parent: this };
    const cluster = args.cluster;
    const names = { volumes: "volumes", images: "images", backups: "backups", vms: "vms", ...args.poolNames };
    const pool = (key: keyof typeof names) =>
      new Pool(`${name}-${key}`, { cluster, ...args.poolSettings, name: names[key], application: "rbd" }, parent);
    this.pools = { volumes: pool("volumes"), images: pool("images"), backups: pool("backups"), vms: pool("vms") };
    const allPools = Object.values(this.pools);

    const entities = { glance: "client.glance", cinder: "client.cinder", cinderBackup: "client.cinder-backup", ...args.userNames };
    const user = (key: keyof typeof entities, caps: ReturnType<typeof rbdProfileCaps>) =>
      new CephUser(
        `${name}-${key}`,
        { cluster, entity: entities[key], caps, keyVersion: args.keyVersions?.[key] },
        { parent: this, dependsOn: allPools },
      );
    this.users = {
      glance: user("glance", rbdProfileCaps({ pools: [names.images] })),
      cinder: user("cinder", rbdProfileCaps({ pools: [names.volumes, names.vms], readOnlyPools: [names.images] })),
      cinderBackup: user("cinderBackup", rbdProfileCaps({ pools: [names.backups] })),
    };

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
