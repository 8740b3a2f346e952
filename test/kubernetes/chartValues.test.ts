// The two deliveries agree setting by setting: the same specs written as INI files by the
// ConfigSettings handlers (the local-file delivery), read back with oslo.config's own parser, hold
// exactly the settings the openstack-helm chart values place under `conf`.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configSettingsProvider as files } from "../../provider/configFile";
import { cinderChartValues, glanceChartValues, libvirtChartValues, novaChartValues } from "../../sdk/kubernetes/chartValues";
import { csiMonitors } from "../../sdk/kubernetes/cephCsi";

const uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
const conf = "/etc/ceph/ceph.conf";
const cinder = {
  sectionName: "ceph",
  rbdPool: "volumes",
  rbdUser: "cinder",
  rbdCephConf: conf,
  rbdSecretUuid: uuid,
  rbdFlattenVolumeFromSnapshot: false,
  rbdMaxCloneDepth: 5,
  rbdStoreChunkSize: 4,
  glanceApiVersion: 2 as const,
};
const backup = { backupCephPool: "backups", backupCephUser: "cinder-backup", backupCephConf: conf, backupCephChunkSize: 134217728 };
const glance = { rbdStorePool: "images", rbdStoreUser: "glance", rbdStoreCephConf: conf, rbdStoreChunkSize: 8, showImageDirectUrl: true };
const nova = { imagesRbdPool: "vms", rbdUser: "cinder", rbdSecretUuid: uuid, imagesRbdCephConf: conf };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-values-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes the spec into FILE the way the local-file delivery does. */
async function writeFile(file: string, service: string, spec: object) {
  const checked = await files.check!({}, { path: file, service, spec });
  expect(checked.failures ?? []).toEqual([]);
  await files.create(checked.inputs);
}

/** Every section of FILE as oslo.config parses it: { section: { key: value } }. */
function osloSections(file: string): Record<string, Record<string, string>> {
  const py = `
import json, sys
from oslo_config import cfg
sections = {}
cfg.ConfigParser(sys.argv[1], sections).parse()
print(json.dumps({s: {k: v[-1] for k, v in keys.items()} for s, keys in sections.items()}))
`;
  // Debian's python3 (python3-oslo.config), not whichever python3 is first on PATH.
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", py, file], { encoding: "utf8" }));
}

test("cinder: the backend section and [DEFAULT] keys equal conf.backends.<name> and conf.cinder.DEFAULT", async () => {
  const file = path.join(dir, "cinder.conf");
  await writeFile(file, "cinder", cinder);
  await writeFile(file, "cinder-backup", backup);
  const ini = osloSections(file);
  const values = cinderChartValues(cinder, backup);
  expect(values.conf.backends.ceph).toEqual(ini.ceph);
  expect(values.conf.cinder.DEFAULT).toEqual(ini.DEFAULT);
  // The chart's own default backend is removed, and the keyring init container is the backend's.
  expect(values.conf.backends.rbd1).toBeNull();
  expect(values.ceph_client.internal_ceph_backend).toBe("ceph");
  expect(values.secrets.rbd).toEqual({ volume: "cinder-volume-rbd-keyring", backup: "cinder-backup-rbd-keyring" });
  expect(Object.keys(values.conf.ceph.pools)).toEqual(["volumes"]);
  expect(ini.ceph.rbd_secret_uuid).toBe(uuid);
});

test("cinder with replicas: every replication_device line of the file is a value of the chart's multistring, in order", async () => {
  const file = path.join(dir, "cinder-replicated.conf");
  const replicated = {
    ...cinder,
    replicationDevices: [
      { backendId: "site-b", conf: "/etc/ceph/site-b.conf", user: "cinder", secretUuid: "0b0b0b0b-1111-4222-8333-444444444444" },
      { backendId: "site-c", conf: "/etc/ceph/site-c.conf", user: "cinder", secretUuid: "0c0c0c0c-5555-4666-8777-888888888888" },
    ],
  };
  await writeFile(file, "cinder", replicated);
  // oslo's parser keeps every occurrence of a key: the lines a MultiOpt reads.
  const py = `
import json, sys
from oslo_config import cfg
sections = {}
cfg.ConfigParser(sys.argv[1], sections).parse()
print(json.dumps(sections["ceph"]))
`;
  const ini: Record<string, string[]> = JSON.parse(execFileSync("/usr/bin/python3", ["-c", py, file], { encoding: "utf8" }));
  const values = cinderChartValues(replicated);
  const { replication_device, ...single } = values.conf.backends.ceph!;
  expect(replication_device).toEqual({ type: "multistring", values: ini.replication_device });
  expect(ini.replication_device).toHaveLength(2);
  expect(single).toEqual(Object.fromEntries(Object.entries(ini).filter(([k]) => k !== "replication_device").map(([k, v]) => [k, v[v.length - 1]])));
});

test("glance: [glance_store]'s rbd options equal conf.glance.rbd; stores/default_store are the chart's", async () => {
  const file = path.join(dir, "glance-api.conf");
  await writeFile(file, "glance", glance);
  const ini = osloSections(file);
  const values = glanceChartValues(glance);
  const { stores, default_store, ...rbd } = ini.glance_store;
  expect({ stores, default_store }).toEqual({ stores: "rbd", default_store: "rbd" });
  expect(values.conf.glance.rbd).toEqual(rbd);
  expect(values.conf.glance.DEFAULT).toEqual(ini.DEFAULT);
  expect(values.storage).toBe("rbd");
});

test("nova and libvirt: [libvirt] equals conf.nova.libvirt; user, UUID and key Secret are the same in both charts", async () => {
  const file = path.join(dir, "nova.conf");
  await writeFile(file, "nova", nova);
  const ini = osloSections(file);
  const values = novaChartValues(nova);
  const user = ini.libvirt.rbd_user;
  const secretUuid = ini.libvirt.rbd_secret_uuid;
  expect(values.conf.nova.libvirt).toEqual(ini.libvirt);
  // The charts' own Ceph path needs the admin key and rewrites client.<user>'s caps: it is off, and
  // the key comes from the Secret instead, never inline (the chart would put it in a ConfigMap).
  expect(values.conf.ceph).toEqual({ enabled: false, admin_keyring: null, cinder: { user, keyring: null, secret_uuid: secretUuid } });
  // nova-compute reads ceph.conf where [libvirt] images_rbd_ceph_conf says, and the keyring where
  // librados looks for client.<rbd_user>'s.
  const mounts = values.pod.mounts.nova_compute.nova_compute;
  const volume = (name: string) => mounts.volumes.find((v) => v.name === name)!;
  const conf = mounts.volumeMounts.find((m) => m.mountPath === ini.libvirt.images_rbd_ceph_conf)!;
  expect(conf).toMatchObject({ subPath: "ceph.conf", readOnly: true });
  expect(volume(conf.name).configMap).toMatchObject({ name: "ceph-etc" });
  const keyring = mounts.volumeMounts.find((m) => m.mountPath === `/etc/ceph/ceph.client.${user}.keyring`)!;
  expect(keyring).toMatchObject({ subPath: "keyring", readOnly: true });
  expect(volume(keyring.name).secret).toMatchObject({ secretName: "nova-rbd-keyring" });
  expect(mounts.volumes).toHaveLength(2);
  expect(mounts.volumeMounts).toHaveLength(2);
  // libvirt defines the secret with that UUID from the same Secret's bare key.
  const libvirt = libvirtChartValues(nova);
  expect(libvirt.conf.ceph).toEqual({
    enabled: false,
    admin_keyring: null,
    cinder: {
      user,
      keyring: null,
      secret_uuid: secretUuid,
      external_ceph: { enabled: true, user, secret_uuid: secretUuid, user_secret_name: "nova-rbd-keyring" },
    },
  });
  expect(libvirt.ceph_client).toEqual(values.ceph_client);
});

test("chart values hold no key, and a bad spec is refused like the file's", () => {
  expect(() => cinderChartValues({ ...cinder, rbdMaxCloneDepth: -1 })).toThrow(/rbdMaxCloneDepth/);
  expect(() => novaChartValues({ imagesRbdPool: "vms", rbdUser: "cinder" })).toThrow(/rbdSecretUuid: is required/);
  const all = JSON.stringify([cinderChartValues(cinder, backup), glanceChartValues(glance), novaChartValues(nova)]);
  expect(all).not.toMatch(/AQ[A-Za-z0-9+/]{38}==/);
  expect(all).not.toMatch(/keyring"\s*:\s*"/);
});

test("ceph-csi monitors are plain host:port entries, v1 preferred", () => {
  expect(csiMonitors("v2:127.0.0.1:40123")).toEqual(["127.0.0.1:40123"]);
  expect(csiMonitors("[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0],[v2:10.0.0.2:3300/0,v1:10.0.0.2:6789/0]")).toEqual([
    "10.0.0.1:6789",
    "10.0.0.2:6789",
  ]);
  expect(csiMonitors("v2:127.0.0.1:1,v2:127.0.0.1:2")).toEqual(["127.0.0.1:1", "127.0.0.1:2"]);
});
