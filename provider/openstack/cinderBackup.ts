/**
 * cinder-backup's Ceph driver: the options of cinder/backup/drivers/ceph.py.
 * They are registered without a group, so they live in [DEFAULT].
 */

import { z } from "zod";

import {
  absolutePath,
  boolean,
  cephPoolName,
  cephUserName,
  integer,
  parseSpec,
  renderOptions,
  RenderedSection,
  WHEN_FIELDS_ARE_VALID,
} from "./common";

export const CINDER_CEPH_BACKUP_DRIVER = "cinder.backup.drivers.ceph.CephBackupDriver";

export const cinderBackupCephSchema = z
  .strictObject({
    backupCephConf: absolutePath().optional(),
    backupCephUser: cephUserName().optional(),
    backupCephPool: cephPoolName().optional(),
    /** Bytes per transfer chunk; the driver loops on it, so it must be positive. */
    backupCephChunkSize: integer({ min: 1 }).optional(),
    /** Bytes; 0 uses the image's default striping. */
    backupCephStripeUnit: integer({ min: 0 }).optional(),
    /** 0 uses the image's default striping. */
    backupCephStripeCount: integer({ min: 0 }).optional(),
    backupCephImageJournals: boolean().optional(),
    restoreDiscardExcessBytes: boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    const unit = spec.backupCephStripeUnit ?? 0;
    const count = spec.backupCephStripeCount ?? 0;
    // librbd refuses to create an image with only one of the two set.
    if ((unit === 0) !== (count === 0)) {
      const missing = unit === 0 ? "backupCephStripeUnit" : "backupCephStripeCount";
      const other = unit === 0 ? "backupCephStripeCount" : "backupCephStripeUnit";
      const message = `must be set (non-zero) together with ${other}: librbd takes both or neither`;
      ctx.addIssue({ code: "custom", path: [missing], message });
    }
    // librbd also requires the stripe unit to divide the (power-of-two) object size.
    if (unit > 0 && (unit & (unit - 1)) !== 0) {
      const message = "must be a power of two so that it divides the RBD object size";
      ctx.addIssue({ code: "custom", path: ["backupCephStripeUnit"], message });
    }
  }, WHEN_FIELDS_ARE_VALID);

export type CinderBackupCephSpec = z.input<typeof cinderBackupCephSchema>;
export type CinderBackupCeph = z.output<typeof cinderBackupCephSchema>;

const BACKUP_KEYS = {
  backupCephConf: "backup_ceph_conf",
  backupCephUser: "backup_ceph_user",
  backupCephChunkSize: "backup_ceph_chunk_size",
  backupCephPool: "backup_ceph_pool",
  backupCephStripeUnit: "backup_ceph_stripe_unit",
  backupCephStripeCount: "backup_ceph_stripe_count",
  backupCephImageJournals: "backup_ceph_image_journals",
  restoreDiscardExcessBytes: "restore_discard_excess_bytes",
} as const satisfies { [Field in keyof CinderBackupCeph]?: string };

export function parseCinderBackupCeph(spec: unknown): CinderBackupCeph {
  return parseSpec(cinderBackupCephSchema, spec, "cinder-backup Ceph driver");
}

/** [DEFAULT] keys: the Ceph backup driver and the options the user set. */
export function renderCinderBackupCeph(spec: CinderBackupCephSpec): RenderedSection {
  const backup = parseCinderBackupCeph(spec);
  return { section: "DEFAULT", values: { backup_driver: CINDER_CEPH_BACKUP_DRIVER, ...renderOptions(backup, BACKUP_KEYS) } };
}
