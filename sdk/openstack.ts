// The OpenStack services' RBD settings, each kept in the operator's own config file: only the keys
// a resource manages change, everything else in the file stays, and destroy puts back what was there.
// Pools, users and the libvirt secret are passed as resources, so the names in the configs are
// always the ones declared.
import * as pulumi from "@pulumi/pulumi";
import type { CinderBackupCephSpec, CinderRbdBackendSpec, GlanceRbdStoreSpec, NovaLibvirtRbdSpec } from "../provider/openstack";
import { validateSharedSecretUuid } from "../provider/openstack/sharedSecret";
import { CephUser } from "./cephUser";
import { CephCluster } from "./cluster";
import { CephClusterInfo } from "./clusterInfo";
import { ConfigSettings } from "./configSettings";
import { LibvirtCephSecret } from "./libvirtSecret";
import { Pool } from "./pool";

type Options<Spec, Bound extends keyof Spec> = { [K in Exclude<keyof Spec, Bound>]?: pulumi.Input<Spec[K]> };

interface ServiceFileArgs {
  /** The service's config file, e.g. /etc/cinder/cinder.conf (created if missing). */
  path: pulumi.Input<string>;
  /** The client ceph.conf the service reads (e.g. CephClientConf.path). */
  cephConf?: pulumi.Input<string>;
  /** Mode if the file has to be created (default 0640); a change applies only to a file this resource created. */
  fileMode?: pulumi.Input<number>;
}

/** Cinder's and Nova's rbd_secret_uuid must be the libvirt secret's UUID: one value. */
export function checkSharedSecretUuid(fromSecret: string, given: string, who: string): string {
  const source = who.startsWith("NovaLibvirtRbd") ? "novaRbdSecretUuid" : "cinderRbdSecretUuid";
  const check = validateSharedSecretUuid({ libvirtSecretUuid: fromSecret, [source]: given });
  if (!check.ok) throw new Error(`${who}: ${check.error}`);
  return given;
}

/** Uses the secret's UUID, and refuses a different one given by hand. */
function sharedSecretUuid(secret: LibvirtCephSecret | undefined, explicit: pulumi.Input<string | undefined> | undefined, who: string) {
  if (!secret) return explicit;
  if (explicit === undefined) return secret.uuid;
  return pulumi.all([secret.uuid, explicit]).apply(([fromSecret, given]) => checkSharedSecretUuid(fromSecret, given!, who));
}

const userName = (user?: CephUser) => user?.userName;

export interface GlanceRbdStoreArgs extends ServiceFileArgs {
  /** The pool Glance stores images in (rbd_store_pool). */
  pool: Pool;
  /** Glance's cephx user (rbd_store_user). */
  user: CephUser;
  options?: Options<GlanceRbdStoreSpec, "rbdStorePool" | "rbdStoreUser" | "rbdStoreCephConf">;
}

/** The spec GlanceRbdStore writes (and the glance chart values carry): one source for both deliveries. */
export function glanceRbdStoreSpec(args: Pick<GlanceRbdStoreArgs, "pool" | "user" | "cephConf" | "options">) {
  return pulumi.output({
    ...args.options,
    rbdStorePool: args.pool.name,
    rbdStoreUser: userName(args.user),
    ...(args.cephConf !== undefined ? { rbdStoreCephConf: args.cephConf } : {}),
  });
}

/** `[glance_store]` of glance-api.conf for the rbd store. */
export class GlanceRbdStore extends ConfigSettings {
  constructor(name: string, args: GlanceRbdStoreArgs, opts?: pulumi.CustomResourceOptions) {
    const spec = glanceRbdStoreSpec(args);
    super(name, { path: args.path, service: "glance", spec, fileMode: args.fileMode }, opts, "GlanceRbdStore");
  }
}

/** What is known of a cluster without connecting: its name (in file names), fsid and monitors. */
export interface CephClusterIdentity {
  name?: string;
  fsid?: pulumi.Input<string>;
  monHost?: pulumi.Input<string>;
}

/** A cluster as the replication checks see it: a CephCluster (its monitors), a CephClusterInfo (fsid and monitors), or what is known. */
export type ClusterRef = CephCluster | CephClusterInfo | CephClusterIdentity;

/** A cluster's identity from its settings (monitors, known at preview) and, once read, its info (fsid). */
export function clusterIdentity(cluster: CephCluster, info?: CephClusterInfo): CephClusterIdentity {
  return { fsid: info?.fsid, monHost: identityOf(cluster).monHost as pulumi.Input<string> };
}

/** fsid and monitors of a cluster, where known, for the checks (never secret: the connection's key is not in them). */
function identityOf(cluster: ClusterRef | undefined): { fsid?: pulumi.Input<string>; monHost?: pulumi.Input<string | undefined> } {
  if (cluster === undefined) return {};
  if (cluster instanceof CephClusterInfo) return { fsid: cluster.fsid, monHost: cluster.monHost };
  if (cluster instanceof CephCluster) {
    const monHost = cluster.connection.apply((c) => (Array.isArray(c.monHost) ? c.monHost.join(",") : (c.monHost as string | undefined)));
    // The connection is secret as a whole (it carries the key); its monitors are not.
    return { monHost: pulumi.unsecret(monHost) };
  }
  return { fsid: cluster.fsid, monHost: cluster.monHost };
}

/** One replica Cinder can fail over to: a `replication_device` line of the backend. */
export interface CinderReplicationDeviceArgs {
  /** Cinder's name for the replica (`cinder failover-host --backend_id ...`); not "default". */
  backendId: pulumi.Input<string>;
  /** The replica cluster; its fsid and monitors are checked against the primary's. */
  cluster: ClusterRef;
  /** The cephx user on the replica (a CephUser there, or its short name). */
  user: CephUser | pulumi.Input<string>;
  /** The libvirt secret holding that user's key (or its UUID), so Nova can attach after a failover. */
  secretUuid: LibvirtCephSecret | pulumi.Input<string>;
  /** The replica's client ceph.conf (default /etc/ceph/<cluster name or backendId>.conf, as Cinder's). */
  confPath?: pulumi.Input<string>;
  /** The replica's pool, checked to have the backend pool's name. */
  pool?: Pool;
}

/**
 * One device's spec as a plain object of inputs, not one Output: a field not known yet in a preview
 * (the replica's fsid) then leaves the others known, so check can still refuse the replica at once.
 */
function replicationDeviceSpec(device: CinderReplicationDeviceArgs) {
  const name = !(device.cluster instanceof CephCluster) && !(device.cluster instanceof CephClusterInfo) ? device.cluster.name : undefined;
  const identity = identityOf(device.cluster);
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return (
    defined({
      backendId: device.backendId,
      conf: device.confPath ?? pulumi.interpolate`/etc/ceph/${name ?? device.backendId}.conf`,
      user: device.user instanceof CephUser ? device.user.userName : device.user,
      secretUuid: device.secretUuid instanceof LibvirtCephSecret ? device.secretUuid.uuid : device.secretUuid,
      fsid: identity.fsid,
      monHost: identity.monHost,
      pool: device.pool?.name,
    })
  );
}

export interface CinderRbdBackendArgs extends ServiceFileArgs {
  pool: Pool;
  user: CephUser;
  /** The primary cluster (the pool's), so that a replica that is the primary itself is refused. */
  cluster?: ClusterRef;
  /** Replicas (Cinder replication on RBD mirroring): one `replication_device` line each. */
  replicationDevices?: CinderReplicationDeviceArgs[];
  /** The libvirt secret holding the user's key: its UUID becomes rbd_secret_uuid. */
  secret?: LibvirtCephSecret;
  /** The backend section name (default "ceph"); also its item in [DEFAULT] enabled_backends. */
  sectionName?: pulumi.Input<string>;
  options?: Options<CinderRbdBackendSpec, "rbdPool" | "rbdUser" | "rbdCephConf" | "sectionName" | "replicationDevices" | "clusterFsid" | "clusterMonHost">;
}

/** The spec CinderRbdBackend writes (and the cinder chart values carry). */
export function cinderRbdBackendSpec(
  args: Pick<CinderRbdBackendArgs, "pool" | "user" | "secret" | "sectionName" | "cephConf" | "options" | "cluster" | "replicationDevices">,
  who: string,
) {
  return pulumi.output(cinderRbdBackendSpecInputs(args, who));
}

/** The same spec as a plain object of inputs, each field serialized on its own (see replicationDeviceSpec). */
function cinderRbdBackendSpecInputs(
  args: Pick<CinderRbdBackendArgs, "pool" | "user" | "secret" | "sectionName" | "cephConf" | "options" | "cluster" | "replicationDevices">,
  who: string,
) {
  const { rbdSecretUuid, ...options } = args.options ?? {};
  const uuid = sharedSecretUuid(args.secret, rbdSecretUuid, who);
  const primary = identityOf(args.cluster);
  const replication =
    args.replicationDevices && args.replicationDevices.length > 0
      ? {
          replicationDevices: args.replicationDevices.map(replicationDeviceSpec),
          ...(primary.fsid !== undefined ? { clusterFsid: primary.fsid } : {}),
          ...(primary.monHost !== undefined ? { clusterMonHost: primary.monHost } : {}),
        }
      : {};
  return {
    ...options,
    ...replication,
    ...(args.sectionName !== undefined ? { sectionName: args.sectionName } : {}),
    rbdPool: args.pool.name,
    rbdUser: userName(args.user),
    ...(args.cephConf !== undefined ? { rbdCephConf: args.cephConf } : {}),
    ...(uuid !== undefined ? { rbdSecretUuid: uuid } : {}),
  };
}

/** A `cinder.volume.drivers.rbd.RBDDriver` backend section of cinder.conf, listed in [DEFAULT] enabled_backends. */
export class CinderRbdBackend extends ConfigSettings {
  constructor(name: string, args: CinderRbdBackendArgs, opts?: pulumi.CustomResourceOptions) {
    const spec = cinderRbdBackendSpecInputs(args, `CinderRbdBackend ${name}`);
    super(name, { path: args.path, service: "cinder", spec, fileMode: args.fileMode }, opts, "CinderRbdBackend");
  }
}

export interface CinderBackupCephArgs extends ServiceFileArgs {
  pool: Pool;
  user: CephUser;
  options?: Options<CinderBackupCephSpec, "backupCephPool" | "backupCephUser" | "backupCephConf">;
}

/** The spec CinderBackupCeph writes (and the cinder chart values carry). */
export function cinderBackupCephSpec(args: Pick<CinderBackupCephArgs, "pool" | "user" | "cephConf" | "options">) {
  return pulumi.output({
    ...args.options,
    backupCephPool: args.pool.name,
    backupCephUser: userName(args.user),
    ...(args.cephConf !== undefined ? { backupCephConf: args.cephConf } : {}),
  });
}

/** cinder-backup's ceph driver settings in cinder.conf's [DEFAULT]. */
export class CinderBackupCeph extends ConfigSettings {
  constructor(name: string, args: CinderBackupCephArgs, opts?: pulumi.CustomResourceOptions) {
    const spec = cinderBackupCephSpec(args);
    super(name, { path: args.path, service: "cinder-backup", spec, fileMode: args.fileMode }, opts, "CinderBackupCeph");
  }
}

export interface NovaLibvirtRbdArgs extends ServiceFileArgs {
  /** The pool for ephemeral disks (images_rbd_pool). */
  pool: Pool;
  /** The user QEMU connects as (usually client.cinder). */
  user: CephUser;
  /** The libvirt secret holding that user's key. */
  secret: LibvirtCephSecret;
  options?: Options<NovaLibvirtRbdSpec, "imagesRbdPool" | "rbdUser" | "imagesRbdCephConf">;
}

/** The spec NovaLibvirtRbd writes (and the nova and libvirt chart values carry). */
export function novaLibvirtRbdSpec(
  args: Pick<NovaLibvirtRbdArgs, "pool" | "user" | "cephConf" | "options"> & { secret?: LibvirtCephSecret },
  who: string,
) {
  const { rbdSecretUuid, ...options } = args.options ?? {};
  return pulumi.output({
    ...options,
    imagesRbdPool: args.pool.name,
    rbdUser: userName(args.user),
    rbdSecretUuid: sharedSecretUuid(args.secret, rbdSecretUuid, who),
    ...(args.cephConf !== undefined ? { imagesRbdCephConf: args.cephConf } : {}),
  });
}

/** `[libvirt]` of nova.conf for RBD-backed ephemeral disks. */
export class NovaLibvirtRbd extends ConfigSettings {
  constructor(name: string, args: NovaLibvirtRbdArgs, opts?: pulumi.CustomResourceOptions) {
    const spec = novaLibvirtRbdSpec(args, `NovaLibvirtRbd ${name}`);
    super(name, { path: args.path, service: "nova", spec, fileMode: args.fileMode }, opts, "NovaLibvirtRbd");
  }
}
