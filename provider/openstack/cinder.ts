/**
 * Cinder's RBD volume backend: the options of cinder/volume/drivers/rbd.py
 * (RBD_OPTS) in the backend's own section, plus what goes in [DEFAULT].
 *
 * The oslo options have no bounds of their own; the bounds here are what the
 * driver's code needs to behave as documented (REFERENCE.md).
 */

import { z } from "zod";

import {
  absolutePath,
  boolean,
  cephClusterName,
  cephPoolName,
  cephUserName,
  iniSectionName,
  integer,
  parseSpec,
  rbdChunkSizeMiB,
  renderOptions,
  RenderedSection,
  text,
  uuid,
} from "./common";
import { UNKNOWN } from "../validate";

export const CINDER_RBD_VOLUME_DRIVER = "cinder.volume.drivers.rbd.RBDDriver";

/** A value inside one `replication_device` line: oslo's Dict splits at ',' (and each pair at its first ':'). */
const dictValue = () => text().refine((value) => !value.includes(","), "must not contain ',' (replication_device is a comma-separated key:value list)");

/**
 * One `replication_device` entry: the replica cluster Cinder fails over to. `fsid`, `monHost` and
 * `pool` are not written: they describe the replica so check can refuse one that cannot work.
 */
export const cinderReplicationDeviceSchema = z.strictObject({
  /** The name `cinder failover-host --backend_id` takes; "default" is Cinder's word for the primary. */
  backendId: dictValue()
    .refine((value) => !value.includes(":"), "must not contain ':'")
    .refine((value) => value !== "default", "must not be \"default\": Cinder uses it to fail back to the primary"),
  /** The replica's client ceph.conf (Cinder's default: /etc/ceph/<backendId>.conf). */
  conf: absolutePath().pipe(dictValue()),
  /** The cephx user on the replica, short form (cinder). */
  user: cephUserName(),
  /** The libvirt secret holding that user's key, for Nova after a failover. */
  secretUuid: uuid(),
  fsid: text().optional(),
  monHost: text().optional(),
  pool: cephPoolName().optional(),
});

export type CinderReplicationDeviceSpec = z.input<typeof cinderReplicationDeviceSchema>;

export const cinderRbdBackendSchema = z.strictObject({
  /** The backend's section name, also its item in [DEFAULT] enabled_backends. */
  sectionName: iniSectionName().default("ceph"),
  /** What volume types select with `volume_backend_name`; defaults to the section name. */
  volumeBackendName: text().optional(),
  rbdPool: cephPoolName().optional(),
  rbdUser: cephUserName().optional(),
  rbdCephConf: absolutePath().optional(),
  rbdClusterName: cephClusterName().optional(),
  rbdSecretUuid: uuid().optional(),
  rbdFlattenVolumeFromSnapshot: boolean().optional(),
  /** 0 makes every clone a full copy; negative values mean the same, so they are refused as ambiguous. */
  rbdMaxCloneDepth: integer({ min: 0 }).optional(),
  rbdStoreChunkSize: rbdChunkSizeMiB().optional(),
  /** Seconds; below 0 leaves librados' defaults (the driver's -1). */
  radosConnectTimeout: integer().optional(),
  radosConnectionRetries: integer({ min: 0 }).optional(),
  radosConnectionInterval: integer({ min: 0 }).optional(),
  /** Seconds; below 0 leaves librados' defaults. */
  replicationConnectTimeout: integer().optional(),
  reportDynamicTotalCapacity: boolean().optional(),
  rbdExclusiveCinderPool: boolean().optional(),
  enableDeferredDeletion: boolean().optional(),
  deferredDeletionDelay: integer({ min: 0 }).optional(),
  /** The period of a periodic task, so at least a second. */
  deferredDeletionPurgeInterval: integer({ min: 1 }).optional(),
  /** Written to [DEFAULT] when set; Cinder only speaks Image API v2. */
  glanceApiVersion: z.literal(2, { error: "must be 2 (the only Image API version Cinder supports)" }).optional(),
  /** One `replication_device` line each, in this order. */
  replicationDevices: z.array(cinderReplicationDeviceSchema).optional(),
  /** The primary cluster's fsid and monitors: not written, only compared with each replica's. */
  clusterFsid: text().optional(),
  clusterMonHost: text().optional(),
  // Run even when other fields fail: in a preview those are often values not known yet, and a
  // replica that is the primary must be refused then, before anything is created.
}).superRefine((spec, ctx) => checkReplicas(spec, ctx), { when: () => true });

/** The monitors of a mon_host value as host:port (v1:/v2: prefixes, brackets and separators dropped). */
function monitorAddresses(monHost: string): string[] {
  return monHost
    .split(/[\s,;\[\]]+/)
    .map((address) => address.replace(/^v[12]:/, "").replace(/\/\d+$/, ""))
    .filter((address) => address !== "");
}

const known = (value: unknown): value is string => typeof value === "string" && !value.includes(UNKNOWN);

/** A replica must be another cluster, with the same pool name, each with a backend id of its own. */
function checkReplicas(
  spec: { rbdPool?: unknown; rbdCephConf?: unknown; clusterFsid?: unknown; clusterMonHost?: unknown; replicationDevices?: unknown },
  ctx: z.core.$RefinementCtx,
): void {
  // The fields may be invalid here (see above): only well-formed, known values are compared.
  if (!spec || typeof spec !== "object") return;
  const devices = (Array.isArray(spec.replicationDevices) ? spec.replicationDevices : []).map((d) => (d && typeof d === "object" ? d : {})) as Partial<
    z.output<typeof cinderReplicationDeviceSchema>
  >[];
  const issue = (i: number, field: string, message: string) => ctx.addIssue({ code: "custom", path: ["replicationDevices", i, field], message });
  const primaryMons = known(spec.clusterMonHost) ? new Set(monitorAddresses(spec.clusterMonHost)) : new Set<string>();
  devices.forEach((device, i) => {
    const first = devices.findIndex((other) => other.backendId === device.backendId);
    if (known(device.backendId) && first < i) issue(i, "backendId", `must be unique: replicationDevices[${first}] is "${device.backendId}" too`);
    const sameConf = devices.findIndex((other) => other.conf === device.conf);
    if (known(device.conf) && sameConf < i) issue(i, "conf", `must be the replica's own ceph.conf: replicationDevices[${sameConf}] uses ${device.conf} too`);
    if (known(device.conf) && device.conf === spec.rbdCephConf) issue(i, "conf", `is the primary's ceph.conf (rbdCephConf): a replica needs its own`);
    if (known(device.fsid) && known(spec.clusterFsid) && device.fsid === spec.clusterFsid) {
      issue(i, "fsid", `is the primary cluster's fsid (${device.fsid}): a replica must be another cluster`);
    }
    if (known(device.monHost)) {
      const shared = monitorAddresses(device.monHost).filter((address) => primaryMons.has(address));
      if (shared.length > 0) issue(i, "monHost", `shares monitor ${shared.join(", ")} with the primary cluster: a replica must be another cluster`);
    }
    if (known(device.pool) && known(spec.rbdPool) && device.pool !== spec.rbdPool) {
      issue(i, "pool", `must be "${spec.rbdPool}" (rbdPool): Cinder uses the same pool name on the primary and every replica`);
    }
  });
}

export type CinderRbdBackendSpec = z.input<typeof cinderRbdBackendSchema>;
export type CinderRbdBackend = z.output<typeof cinderRbdBackendSchema>;

const BACKEND_KEYS = {
  rbdClusterName: "rbd_cluster_name",
  rbdPool: "rbd_pool",
  rbdUser: "rbd_user",
  rbdCephConf: "rbd_ceph_conf",
  rbdFlattenVolumeFromSnapshot: "rbd_flatten_volume_from_snapshot",
  rbdSecretUuid: "rbd_secret_uuid",
  rbdMaxCloneDepth: "rbd_max_clone_depth",
  rbdStoreChunkSize: "rbd_store_chunk_size",
  radosConnectTimeout: "rados_connect_timeout",
  radosConnectionRetries: "rados_connection_retries",
  radosConnectionInterval: "rados_connection_interval",
  replicationConnectTimeout: "replication_connect_timeout",
  reportDynamicTotalCapacity: "report_dynamic_total_capacity",
  rbdExclusiveCinderPool: "rbd_exclusive_cinder_pool",
  enableDeferredDeletion: "enable_deferred_deletion",
  deferredDeletionDelay: "deferred_deletion_delay",
  deferredDeletionPurgeInterval: "deferred_deletion_purge_interval",
} as const satisfies { [Field in keyof CinderRbdBackend]?: string };

export function parseCinderRbdBackend(spec: unknown): CinderRbdBackend {
  return parseSpec(cinderRbdBackendSchema, spec, "Cinder RBD backend");
}

/** The backend section: the driver, its backend name, and the options the user set. */
export function renderCinderRbdBackend(spec: CinderRbdBackendSpec): RenderedSection {
  const backend = parseCinderRbdBackend(spec);
  return {
    section: backend.sectionName,
    values: {
      volume_driver: CINDER_RBD_VOLUME_DRIVER,
      volume_backend_name: backend.volumeBackendName ?? backend.sectionName,
      ...renderOptions(backend, BACKEND_KEYS),
    },
  };
}

/** The backend's `replication_device` lines (a MultiOpt of dicts), in the declared order. */
export function renderCinderReplicationDevices(spec: CinderRbdBackendSpec): string[] {
  const backend = parseCinderRbdBackend(spec);
  return (backend.replicationDevices ?? []).map(
    (d) => `backend_id:${d.backendId},conf:${d.conf},user:${d.user},secret_uuid:${d.secretUuid}`,
  );
}

/** What this backend needs in [DEFAULT]: its enabled_backends item (a shared list) and plain keys. */
export interface CinderDefaults {
  section: "DEFAULT";
  enabledBackendsItem: string;
  values: Record<string, string>;
}

export function renderCinderDefaults(spec: CinderRbdBackendSpec): CinderDefaults {
  const backend = parseCinderRbdBackend(spec);
  const values: Record<string, string> = {};
  if (backend.glanceApiVersion !== undefined) values.glance_api_version = String(backend.glanceApiVersion);
  return { section: "DEFAULT", enabledBackendsItem: backend.sectionName, values };
}
