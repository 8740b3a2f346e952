// Every generated OpenStack config file, read back by oslo.config itself (Debian's
// python3-oslo.config, installed by scripts/setup.sh) with the services' options registered under
// their real types: each value must be what was declared, typed as the service reads it, and the
// operator's own settings in the same files must read back unchanged.
//
// The option tables below restate the services' own definitions (cinder/volume/drivers/rbd.py,
// cinder/backup/drivers/ceph.py, glance_store/_drivers/rbd.py, nova/conf/libvirt.py), not this
// project's rendering tables.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configSettingsProvider as p } from "../configFile";
import { CINDER_CONF } from "../ini/testFixtures";

const LOADER = path.resolve(__dirname, "..", "..", "test", "helpers", "oslo_load.py");
// Debian's interpreter, which has python3-oslo.config (a pyenv python3 on PATH would not).
const PYTHON = "/usr/bin/python3";
const UUID = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";

type OptType = "str" | "int" | "bool" | "list" | "multidict";
interface Opt {
  group: string;
  name: string;
  type: OptType;
  choices?: readonly string[];
  min?: number;
}
const opts = (group: string, table: Record<string, OptType | Omit<Opt, "group" | "name">>): Opt[] =>
  Object.entries(table).map(([name, t]) => (typeof t === "string" ? { group, name, type: t } : { group, name, ...t }));

function osloLoad(file: string, options: Opt[], sections: string[]): { values: Record<string, Record<string, unknown>>; keys: Record<string, string[]> } {
  const out = execFileSync(PYTHON, [LOADER], { input: JSON.stringify({ file, options, sections }), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  return JSON.parse(out);
}

/** Keys oslo finds in a managed section that no registered option reads (a misspelt key would be one). */
function unread(loaded: { keys: Record<string, string[]> }, options: Opt[], section: string): string[] {
  const known = new Set(options.filter((o) => o.group === section).map((o) => o.name));
  return loaded.keys[section].filter((k) => !known.has(k));
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "oslo-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function write(file: string, service: string, spec: Record<string, unknown>): Promise<void> {
  const checked = await p.check!({}, { path: file, service, spec });
  expect(checked.failures ?? []).toEqual([]);
  await p.create(checked.inputs);
}

// cinder/volume/drivers/rbd.py RBD_OPTS, plus the generic backend options and [DEFAULT]'s.
const CINDER_BACKEND = {
  volume_driver: "str",
  volume_backend_name: "str",
  rbd_cluster_name: "str",
  rbd_pool: "str",
  rbd_user: "str",
  rbd_ceph_conf: "str",
  rbd_flatten_volume_from_snapshot: "bool",
  rbd_secret_uuid: "str",
  rbd_max_clone_depth: "int",
  rbd_store_chunk_size: { type: "int", min: 1 },
  rados_connect_timeout: "int",
  rados_connection_retries: "int",
  rados_connection_interval: "int",
  replication_connect_timeout: "int",
  report_dynamic_total_capacity: "bool",
  rbd_exclusive_cinder_pool: "bool",
  enable_deferred_deletion: "bool",
  deferred_deletion_delay: "int",
  deferred_deletion_purge_interval: "int",
} as const;
// cinder/backup/drivers/ceph.py, in [DEFAULT].
const CINDER_DEFAULT = {
  enabled_backends: "list",
  glance_api_version: "int",
  backup_driver: "str",
  backup_ceph_conf: "str",
  backup_ceph_user: "str",
  backup_ceph_chunk_size: "int",
  backup_ceph_pool: "str",
  backup_ceph_stripe_unit: "int",
  backup_ceph_stripe_count: "int",
  backup_ceph_image_journals: "bool",
  restore_discard_excess_bytes: "bool",
  // the operator's own, which must survive
  my_ip: "str",
  debug: "bool",
  state_path: "str",
} as const;

test("cinder.conf: the RBD backend and cinder-backup's settings read back through oslo.config as declared", async () => {
  const file = path.join(dir, "cinder.conf");
  fs.writeFileSync(file, CINDER_CONF);
  await write(file, "cinder", {
    sectionName: "ceph",
    volumeBackendName: "ceph-rbd",
    rbdPool: "volumes",
    rbdUser: "cinder",
    rbdCephConf: "/etc/ceph/ceph.conf",
    rbdClusterName: "ceph",
    rbdSecretUuid: UUID,
    rbdFlattenVolumeFromSnapshot: true,
    rbdMaxCloneDepth: 3,
    rbdStoreChunkSize: 8,
    radosConnectTimeout: -1,
    radosConnectionRetries: 4,
    radosConnectionInterval: 6,
    replicationConnectTimeout: 7,
    reportDynamicTotalCapacity: false,
    rbdExclusiveCinderPool: false,
    enableDeferredDeletion: true,
    deferredDeletionDelay: 3600,
    deferredDeletionPurgeInterval: 120,
    glanceApiVersion: 2,
  });
  await write(file, "cinder-backup", {
    backupCephConf: "/etc/ceph/ceph.conf",
    backupCephUser: "cinder-backup",
    backupCephPool: "backups",
    backupCephChunkSize: 67108864,
    backupCephStripeUnit: 4194304,
    backupCephStripeCount: 2,
    backupCephImageJournals: true,
    restoreDiscardExcessBytes: false,
  });
  const options = [...opts("ceph", CINDER_BACKEND), ...opts("DEFAULT", CINDER_DEFAULT), ...opts("lvm", { volume_driver: "str", volume_group: "str" })];
  const loaded = osloLoad(file, options, ["ceph"]);
  expect(loaded.values.ceph).toEqual({
    volume_driver: "cinder.volume.drivers.rbd.RBDDriver",
    volume_backend_name: "ceph-rbd",
    rbd_cluster_name: "ceph",
    rbd_pool: "volumes",
    rbd_user: "cinder",
    rbd_ceph_conf: "/etc/ceph/ceph.conf",
    rbd_flatten_volume_from_snapshot: true,
    rbd_secret_uuid: UUID,
    rbd_max_clone_depth: 3,
    rbd_store_chunk_size: 8,
    rados_connect_timeout: -1,
    rados_connection_retries: 4,
    rados_connection_interval: 6,
    replication_connect_timeout: 7,
    report_dynamic_total_capacity: false,
    rbd_exclusive_cinder_pool: false,
    enable_deferred_deletion: true,
    deferred_deletion_delay: 3600,
    deferred_deletion_purge_interval: 120,
  });
  expect(loaded.values.DEFAULT).toEqual({
    enabled_backends: ["lvm", "ceph"],
    glance_api_version: 2,
    backup_driver: "cinder.backup.drivers.ceph.CephBackupDriver",
    backup_ceph_conf: "/etc/ceph/ceph.conf",
    backup_ceph_user: "cinder-backup",
    backup_ceph_chunk_size: 67108864,
    backup_ceph_pool: "backups",
    backup_ceph_stripe_unit: 4194304,
    backup_ceph_stripe_count: 2,
    backup_ceph_image_journals: true,
    restore_discard_excess_bytes: false,
    my_ip: "10.0.0.11",
    debug: false,
    state_path: "/var/lib/cinder",
  });
  expect(loaded.values.lvm).toEqual({ volume_driver: "cinder.volume.drivers.lvm.LVMVolumeDriver", volume_group: "cinder-volumes" });
  expect(unread(loaded, options, "ceph")).toEqual([]);
});

// cinder/volume/driver.py registers replication_device in every backend section as
// MultiOpt('replication_device', item_type=types.Dict()); the RBD driver's _parse_replication_configs
// reads backend_id, conf, user and secret_uuid from each dict.
test("cinder.conf: replication_device lines read back as the MultiOpt of dicts Cinder's RBD driver parses, through update and delete", async () => {
  const file = path.join(dir, "cinder.conf");
  fs.writeFileSync(file, CINDER_CONF);
  const before = fs.readFileSync(file, "utf8");
  const SITE_B = "0b0b0b0b-1111-4222-8333-444444444444";
  const SITE_C = "0c0c0c0c-5555-4666-8777-888888888888";
  const spec = (devices: Array<Record<string, string>>) => ({ sectionName: "ceph", rbdPool: "volumes", rbdUser: "cinder", rbdSecretUuid: UUID, replicationDevices: devices });
  const siteB = { backendId: "site-b", conf: "/etc/ceph/site-b.conf", user: "cinder", secretUuid: SITE_B, pool: "volumes" };
  const siteC = { backendId: "site-c", conf: "/etc/ceph/site-c.conf", user: "cinder-c", secretUuid: SITE_C };
  const checked = await p.check!({}, { path: file, service: "cinder", spec: spec([siteB, siteC]) });
  expect(checked.failures ?? []).toEqual([]);
  const created = await p.create(checked.inputs);
  const options = [...opts("ceph", { ...CINDER_BACKEND, replication_device: "multidict" }), ...opts("DEFAULT", CINDER_DEFAULT), ...opts("lvm", { volume_driver: "str", volume_group: "str" })];
  const load = () => osloLoad(file, options, ["ceph"]);
  expect(load().values.ceph.replication_device).toEqual([
    { backend_id: "site-b", conf: "/etc/ceph/site-b.conf", user: "cinder", secret_uuid: SITE_B },
    { backend_id: "site-c", conf: "/etc/ceph/site-c.conf", user: "cinder-c", secret_uuid: SITE_C },
  ]);
  expect(load().values.ceph.rbd_pool).toBe("volumes");
  expect(unread(load(), options, "ceph")).toEqual([]);

  // One device changed, the other dropped: the file holds exactly one line, read as Cinder reads it.
  const news = await p.check!(created.outs, { path: file, service: "cinder", spec: spec([{ ...siteC, conf: "/etc/ceph/other.conf" }]) });
  expect(news.failures ?? []).toEqual([]);
  const updated = await p.update!(created.id, created.outs, news.inputs);
  expect(load().values.ceph.replication_device).toEqual([{ backend_id: "site-c", conf: "/etc/ceph/other.conf", user: "cinder-c", secret_uuid: SITE_C }]);
  expect(fs.readFileSync(file, "utf8").match(/^replication_device/gm)).toHaveLength(1);

  await p.delete!(created.id, updated.outs);
  expect(fs.readFileSync(file, "utf8")).toBe(before);
});

// nova/conf/libvirt.py
const NOVA_LIBVIRT = {
  images_type: { type: "str", choices: ["raw", "flat", "qcow2", "lvm", "rbd", "ploop", "default"] },
  images_rbd_pool: "str",
  images_rbd_ceph_conf: "str",
  rbd_user: "str",
  rbd_secret_uuid: "str",
  images_rbd_glance_store_name: "str",
  images_rbd_glance_copy_poll_interval: "int",
  images_rbd_glance_copy_timeout: "int",
  hw_disk_discard: { type: "str", choices: ["ignore", "unmap"] },
  rbd_connect_timeout: "int",
  rbd_destroy_volume_retry_interval: "int",
  rbd_destroy_volume_retries: "int",
  virt_type: "str",
  cpu_mode: "str",
} as const;

test("nova.conf: [libvirt]'s RBD settings read back through oslo.config as declared", async () => {
  const file = path.join(dir, "nova.conf");
  fs.writeFileSync(file, "[DEFAULT]\nmy_ip = 10.0.0.31\n\n[libvirt]\n# KVM on this host\nvirt_type = kvm\ncpu_mode = host-passthrough\n");
  await write(file, "nova", {
    imagesRbdPool: "vms",
    imagesRbdCephConf: "/etc/ceph/ceph.conf",
    rbdUser: "cinder",
    rbdSecretUuid: UUID,
    imagesRbdGlanceStoreName: "ceph",
    imagesRbdGlanceCopyPollInterval: 15,
    imagesRbdGlanceCopyTimeout: 600,
    hwDiskDiscard: "unmap",
    rbdConnectTimeout: 5,
    rbdDestroyVolumeRetryInterval: 6,
    rbdDestroyVolumeRetries: 12,
  });
  const options = opts("libvirt", NOVA_LIBVIRT);
  const loaded = osloLoad(file, options, ["libvirt"]);
  expect(loaded.values.libvirt).toEqual({
    images_type: "rbd",
    images_rbd_pool: "vms",
    images_rbd_ceph_conf: "/etc/ceph/ceph.conf",
    rbd_user: "cinder",
    rbd_secret_uuid: UUID,
    images_rbd_glance_store_name: "ceph",
    images_rbd_glance_copy_poll_interval: 15,
    images_rbd_glance_copy_timeout: 600,
    hw_disk_discard: "unmap",
    rbd_connect_timeout: 5,
    rbd_destroy_volume_retry_interval: 6,
    rbd_destroy_volume_retries: 12,
    virt_type: "kvm",
    cpu_mode: "host-passthrough",
  });
  expect(unread(loaded, options, "libvirt")).toEqual([]);
});

// glance_store/_drivers/rbd.py and glance_store/backend.py; show_image_direct_url is glance's [DEFAULT].
const GLANCE_STORE = {
  stores: "list",
  default_store: { type: "str", choices: ["file", "filesystem", "http", "https", "swift", "swift+http", "swift+https", "swift+config", "rbd", "cinder", "vsphere", "s3"] },
  rbd_store_pool: "str",
  rbd_store_user: "str",
  rbd_store_ceph_conf: "str",
  rbd_store_chunk_size: { type: "int", min: 1 },
  rados_connect_timeout: "int",
  rbd_thin_provisioning: "bool",
  filesystem_store_datadir: "str",
} as const;

test("glance-api.conf: [glance_store] and show_image_direct_url read back through oslo.config as declared", async () => {
  const file = path.join(dir, "glance-api.conf");
  fs.writeFileSync(file, "[DEFAULT]\nbind_host = 0.0.0.0\n\n[glance_store]\n# file store kept for the transition\nfilesystem_store_datadir = /var/lib/glance/images/\n");
  await write(file, "glance", {
    stores: ["rbd", "file", "http"],
    defaultStore: "rbd",
    rbdStorePool: "images",
    rbdStoreUser: "glance",
    rbdStoreCephConf: "/etc/ceph/ceph.conf",
    rbdStoreChunkSize: 16,
    radosConnectTimeout: 9,
    rbdThinProvisioning: true,
    showImageDirectUrl: true,
  });
  const options = [...opts("glance_store", GLANCE_STORE), ...opts("DEFAULT", { show_image_direct_url: "bool", bind_host: "str" })];
  const loaded = osloLoad(file, options, ["glance_store"]);
  expect(loaded.values.glance_store).toEqual({
    stores: ["rbd", "file", "http"],
    default_store: "rbd",
    rbd_store_pool: "images",
    rbd_store_user: "glance",
    rbd_store_ceph_conf: "/etc/ceph/ceph.conf",
    rbd_store_chunk_size: 16,
    rados_connect_timeout: 9,
    rbd_thin_provisioning: true,
    filesystem_store_datadir: "/var/lib/glance/images/",
  });
  expect(loaded.values.DEFAULT).toEqual({ show_image_direct_url: true, bind_host: "0.0.0.0" });
  expect(unread(loaded, options, "glance_store")).toEqual([]);
});

test("the loader itself fails on a value oslo.config cannot read as the option's type", () => {
  const file = path.join(dir, "bad.conf");
  fs.writeFileSync(file, "[ceph]\nrbd_max_clone_depth = five\n");
  expect(() => osloLoad(file, opts("ceph", { rbd_max_clone_depth: "int" }), ["ceph"])).toThrow(/rbd_max_clone_depth/);
});
