// Kubernetes delivery beside local files: one OpenStackCephBackend (test/programs/k8s-beside) writes
// the client files, the services' config files and the libvirt secret on this host and delivers
// openstack-helm's objects to a throwaway kube-apiserver, through the real engine. Both deliveries
// must agree key by key and setting by setting, follow one key rotation together, and go on
// destroy. The target is a kubeconfig (path, then contents), not a provider object.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "../helpers/cluster";
import { startLibvirtd, type TestLibvirtd } from "../helpers/libvirtd";
import { createStack, type TestStack } from "../helpers/pulumi";
import { startKube, type TestKube } from "./kubeCluster";

jest.setTimeout(600_000);

const uuid = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const POD_CEPH_CONF = "/etc/ceph/ceph.conf";
/** Secret name -> the local keyring file (entity) holding the same user's key. */
const SECRETS = {
  "cinder-volume-rbd-keyring": "client.cinder",
  "cinder-backup-rbd-keyring": "client.cinder-backup",
  "images-rbd-keyring": "client.glance",
  "nova-rbd-keyring": "client.cinder",
} as const;
const OBJECTS = ["configmaps/ceph-etc", ...Object.keys(SECRETS).map((n) => `secrets/${n}`)];

let cluster: TestCluster;
let kube: TestKube;
let libvirtd: TestLibvirtd;
let stack: TestStack;
let etc: string;
let before: string[];

const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
const file = (rel: string) => path.join(etc, rel);
const object = (rel: string) => kube.get(`/api/v1/namespaces/openstack/${rel}`);

/** "path uid" of every ConfigMap and Secret in the namespace. */
async function namespaceObjects(): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ["configmaps", "secrets"]) {
    for (const item of (await kube.get(`/api/v1/namespaces/openstack/${kind}`)).items) out.push(`${kind}/${item.metadata.name} ${item.metadata.uid}`);
  }
  return out.sort();
}

/** Every section of an INI text (ceph.conf or a keyring) as oslo.config parses it. */
function iniSections(text: string): Record<string, Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ini-"));
  try {
    const p = path.join(dir, "f.conf");
    fs.writeFileSync(p, text.replace(/^\t/gm, ""), { mode: 0o600 });
    const py = `
import json, sys
from oslo_config import cfg
sections = {}
cfg.ConfigParser(sys.argv[1], sections).parse()
print(json.dumps({s: {k: v[-1] for k, v in keys.items()} for s, keys in sections.items()}))
`;
    return JSON.parse(execFileSync("/usr/bin/python3", ["-c", py, p], { encoding: "utf8" }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const iniFile = (rel: string) => iniSections(fs.readFileSync(file(rel), "utf8"));
const without = (o: Record<string, string>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

beforeAll(async () => {
  cluster = startCluster();
  kube = startKube();
  libvirtd = startLibvirtd();
  etc = fs.mkdtempSync(path.join(os.tmpdir(), "beside-etc-"));
  for (const d of ["ceph", "cinder", "glance", "nova"]) fs.mkdirSync(file(d));
  await kube.createNamespace("openstack");
  before = await namespaceObjects();
  stack = await createStack(path.join(repoRoot, "test", "programs", "k8s-beside"), "test-beside");
  await stack.setConfig("ceph:conf", cluster.conf);
  await stack.setConfig("etcDir", etc);
  await stack.setConfig("libvirtUri", libvirtd.uri);
  await stack.setConfig("secretUuid", uuid);
  await stack.setConfig("kubeconfig", kube.kubeconfig);
});

afterAll(async () => {
  if (stack) await stack.teardown();
  libvirtd?.stop();
  kube?.stop();
  cluster?.stop();
  if (etc) fs.rmSync(etc, { recursive: true, force: true });
});

/** Checks that every key delivered to Kubernetes is the one in the local files and in libvirt. */
async function expectKeysAgree(): Promise<string> {
  for (const [name, entity] of Object.entries(SECRETS)) {
    const local = iniFile(`ceph/ceph.${entity}.keyring`);
    const secret = await object(`secrets/${name}`);
    expect({ name, key: unb64(secret.data.key) }).toEqual({ name, key: local[entity].key });
    expect(local[entity].key).toBe((await cluster.ceph("auth", "get-key", entity)).trim());
  }
  const nova = await object("secrets/nova-rbd-keyring");
  // nova-compute's keyring file is the local client.cinder keyring, section by section.
  expect(iniSections(unb64(nova.data.keyring))).toEqual(iniFile("ceph/ceph.client.cinder.keyring"));
  // libvirt's secret (defined here) holds the key the libvirt chart would define from that Secret.
  expect((await libvirtd.virsh(["secret-get-value", uuid])).trim()).toBe(unb64(nova.data.key));
  return unb64(nova.data.key);
}

test("one backend delivers to files and to Kubernetes: ceph.conf, every key and every setting agree", async () => {
  await stack.up();
  // ceph.conf: the same sections and keys in the file and in the ConfigMap.
  const etcMap = await object("configmaps/ceph-etc");
  expect(iniSections(etcMap.data["ceph.conf"])).toEqual(iniFile("ceph/ceph.conf"));
  await expectKeysAgree();

  // The chart values hold the settings the config files hold; only the ceph.conf path differs (the pods').
  const { values } = await stack.outputs();
  const cinder = iniFile("cinder/cinder.conf");
  expect(without(values.cinder.conf.backends.ceph, "rbd_ceph_conf")).toEqual(without(cinder.ceph, "rbd_ceph_conf"));
  expect(values.cinder.conf.backends.ceph.rbd_ceph_conf).toBe(POD_CEPH_CONF);
  expect(cinder.ceph.rbd_ceph_conf).toBe(file("ceph/ceph.conf"));
  expect(without(values.cinder.conf.cinder.DEFAULT, "backup_ceph_conf")).toEqual(without(cinder.DEFAULT, "backup_ceph_conf"));
  const glance = iniFile("glance/glance-api.conf");
  expect(without(values.glance.conf.glance.rbd, "rbd_store_ceph_conf")).toEqual(
    without(glance.glance_store, "rbd_store_ceph_conf", "stores", "default_store"),
  );
  expect(values.glance.conf.glance.DEFAULT).toEqual(glance.DEFAULT);
  const nova = iniFile("nova/nova.conf");
  expect(without(values.nova.conf.nova.libvirt, "images_rbd_ceph_conf")).toEqual(without(nova.libvirt, "images_rbd_ceph_conf"));
  // The libvirt secret defined here has the UUID both charts are given.
  expect(await libvirtd.virsh(["secret-dumpxml", uuid])).toContain(`<uuid>${uuid}</uuid>`);
  expect(values.libvirt.conf.ceph.cinder.external_ceph.secret_uuid).toBe(nova.libvirt.rbd_secret_uuid);
  expect(values.nova.conf.ceph.cinder.secret_uuid).toBe(uuid);
});

test("the kubeconfig given as contents instead of a path: nothing is replaced, and its token is not in the state", async () => {
  const uids = async () => Promise.all(OBJECTS.map(async (o) => `${o} ${(await object(o)).metadata.uid}`));
  const first = await uids();
  await stack.setConfig("kubeconfigForm", "contents");
  const r = await stack.up();
  expect(r.stdout).not.toMatch(/replaced|deleted/);
  expect(await uids()).toEqual(first);
  const token = /token: (\S+)/.exec(fs.readFileSync(kube.kubeconfig, "utf8"))![1];
  // A boolean, so a failure does not print the state (and the token) into the log.
  expect({ tokenInState: stack.stateText().includes(token) }).toEqual({ tokenInState: false });
});

test("a key rotation reaches every delivery at once: files, libvirt and the Secrets (updated in place)", async () => {
  const uids = await Promise.all(Object.keys(SECRETS).map(async (n) => (await object(`secrets/${n}`)).metadata.uid));
  const oldKey = await expectKeysAgree();
  await stack.setConfig("keyVersion", "2");
  await stack.up();
  const newKey = await expectKeysAgree();
  expect(newKey).not.toBe(oldKey);
  expect(await Promise.all(Object.keys(SECRETS).map(async (n) => (await object(`secrets/${n}`)).metadata.uid))).toEqual(uids);
});

test("destroy removes both deliveries: the namespace holds what it held before, the files and the libvirt secret are gone", async () => {
  expect((await namespaceObjects()).filter((o) => !before.includes(o)).map((o) => o.split(" ")[0])).toEqual([...OBJECTS].sort());
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await namespaceObjects()).toEqual(before);
  expect(fs.readdirSync(file("ceph"))).toEqual([]);
  await expect(libvirtd.virsh(["secret-dumpxml", uuid])).rejects.toThrow();
});
