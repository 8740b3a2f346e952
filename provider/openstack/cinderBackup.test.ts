import { checkSpec } from "./common";
import { cinderBackupCephSchema, renderCinderBackupCeph } from "./cinderBackup";

function failuresOf(spec: unknown): string[] {
  const result = checkSpec(cinderBackupCephSchema, spec);
  return result.ok ? [] : result.failures.map((f) => `${f.property}: ${f.reason}`);
}

describe("cinder-backup Ceph driver", () => {
  it("renders a full spec to the exact [DEFAULT] key map", () => {
    expect(
      renderCinderBackupCeph({
        backupCephConf: "/etc/ceph/ceph.conf",
        backupCephUser: "cinder-backup",
        backupCephPool: "backups",
        backupCephChunkSize: 134217728,
        backupCephStripeUnit: 4194304,
        backupCephStripeCount: 4,
        backupCephImageJournals: false,
        restoreDiscardExcessBytes: true,
      }),
    ).toEqual({
      section: "DEFAULT",
      values: {
        backup_driver: "cinder.backup.drivers.ceph.CephBackupDriver",
        backup_ceph_conf: "/etc/ceph/ceph.conf",
        backup_ceph_user: "cinder-backup",
        backup_ceph_chunk_size: "134217728",
        backup_ceph_pool: "backups",
        backup_ceph_stripe_unit: "4194304",
        backup_ceph_stripe_count: "4",
        backup_ceph_image_journals: "false",
        restore_discard_excess_bytes: "true",
      },
    });
  });

  it("renders only the driver for an empty spec", () => {
    expect(renderCinderBackupCeph({})).toEqual({
      section: "DEFAULT",
      values: { backup_driver: "cinder.backup.drivers.ceph.CephBackupDriver" },
    });
  });

  it("accepts the driver's default striping (both zero)", () => {
    expect(failuresOf({ backupCephStripeUnit: 0, backupCephStripeCount: 0 })).toEqual([]);
  });

  it.each([
    [{ backupCephChunkSize: 0 }, "backupCephChunkSize: must be >= 1"],
    [{ backupCephStripeUnit: -1 }, "backupCephStripeUnit: must be >= 0"],
    [{ backupCephStripeCount: -1 }, "backupCephStripeCount: must be >= 0"],
    [{ backupCephStripeUnit: 65536 }, "backupCephStripeCount: must be set (non-zero) together with backupCephStripeUnit: librbd takes both or neither"],
    [{ backupCephStripeCount: 8 }, "backupCephStripeUnit: must be set (non-zero) together with backupCephStripeCount: librbd takes both or neither"],
    [{ backupCephStripeUnit: 3000, backupCephStripeCount: 2 }, "backupCephStripeUnit: must be a power of two so that it divides the RBD object size"],
    [{ backupCephUser: "client.cinder-backup" }, expect.stringMatching(/^backupCephUser: must be the short user name without the 'client\.' prefix/)],
    [{ backupCephPool: "back ups" }, expect.stringMatching(/^backupCephPool: must be a Ceph pool name/)],
    [{ backupCephConf: "etc/ceph.conf" }, "backupCephConf: must be an absolute path"],
    [{ backupCephImageJournals: "no" }, "backupCephImageJournals: must be true or false"],
    [{ restoreDiscardExcessBytes: null }, "restoreDiscardExcessBytes: must be true or false"],
    [{ backupDriver: "x" }, "backupDriver: is not a known field"],
  ])("rejects %j naming the field", (spec, expected) => {
    expect(failuresOf(spec)).toEqual([expected]);
  });
});
