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

export const CINDER_RBD_VOLUME_DRIVER = "cinder.volume.drivers.rbd.RBDDriver";

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
});

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
