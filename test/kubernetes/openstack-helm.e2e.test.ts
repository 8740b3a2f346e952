// Kubernetes delivery end to end: examples/openstack-helm through the real engine and the real
// Kubernetes plugin against a throwaway Ceph cluster and a throwaway kube-apiserver (with the
// controller manager's garbage collector, which foreground deletes need). Everything is read back
// through the Kubernetes API and checked with librbd; then the same program renders manifests.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as native from "../../native";
import { repoRoot, startCluster, type TestCluster } from "../helpers/cluster";
import { expectNoDrift } from "../helpers/drift";
import { createStack, type TestStack } from "../helpers/pulumi";
import { startKube, type TestKube } from "./kubeCluster";

jest.setTimeout(600_000);
const execFileAsync = promisify(execFile);

const uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
const program = path.join(repoRoot, "examples", "openstack-helm");
const OPENSTACK_SECRETS = {
  "cinder-volume-rbd-keyring": "client.cinder",
  "cinder-backup-rbd-keyring": "client.cinder-backup",
  "images-rbd-keyring": "client.glance",
  "nova-rbd-keyring": "client.cinder",
} as const;
/** Every object the example delivers: kind path, name, and the app.kubernetes.io/instance and part-of it carries. */
const DELIVERED = [
  ["/api/v1/namespaces/openstack/configmaps", "ceph-etc", "openstack-k8s", "openstack"],
  ...Object.keys(OPENSTACK_SECRETS).map((n) => ["/api/v1/namespaces/openstack/secrets", n, "openstack-k8s", "openstack"]),
  ["/api/v1/namespaces/ceph-csi/secrets", "csi-rbd-secret", "ceph-csi", "ceph-csi"],
  ["/api/v1/namespaces/ceph-csi/configmaps", "ceph-csi-config", "ceph-csi", "ceph-csi"],
  ["/api/v1/namespaces/ceph-csi/configmaps", "ceph-config", "ceph-csi", "ceph-csi"],
  ["/apis/storage.k8s.io/v1/storageclasses", "csi-rbd-sc", "ceph-csi", "ceph-csi"],
] as const;
const LISTS = ["/api/v1/namespaces/openstack/configmaps", "/api/v1/namespaces/openstack/secrets", "/api/v1/namespaces/ceph-csi/configmaps", "/api/v1/namespaces/ceph-csi/secrets", "/apis/storage.k8s.io/v1/storageclasses"];
/** Every object in the namespaces (and cluster-wide kinds) the example writes to, as "path/name uid". */
async function allObjects(): Promise<string[]> {
  const out: string[] = [];
  for (const list of LISTS) for (const item of (await kube.get(list)).items) out.push(`${list}/${item.metadata.name} ${item.metadata.uid}`);
  return out.sort();
}
let objectsBeforeUp: string[];

let cluster: TestCluster;
let kube: TestKube;
let stack: TestStack;

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
const getKey = async (entity: string) => (await cluster.ceph("auth", "get-key", entity)).trim();
const secretPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;

beforeAll(async () => {
  cluster = startCluster();
  kube = startKube();
  await kube.createNamespace("openstack");
  await kube.createNamespace("ceph-csi");
  // An object of the operator's own: destroy must leave it alone.
  const mine = await kube.api("POST", "/api/v1/namespaces/openstack/configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "operator-notes" },
    data: { note: "kept" },
  });
  expect(mine.status).toBe(201);
  objectsBeforeUp = await allObjects();
  stack = await createStack(program, "test-k8s");
  await stack.setConfig("ceph:conf", cluster.conf);
  await stack.setConfig("secretUuid", uuid);
  await stack.setConfig("kubeconfig", kube.kubeconfig);
});

afterAll(async () => {
  if (stack) await stack.teardown();
  kube?.stop();
  cluster?.stop();
});

/** Connects with librbd as ENTITY with KEY and lists POOL: proves the key works for that pool. */
async function listWith(entity: string, key: string, pool: string): Promise<string[]> {
  const c = await native.connect({ monHost: cluster.monHost, entity, key, retries: 0, connectTimeoutSec: 10 });
  try {
    const io = await c.openIoCtx(pool);
    try {
      return (await native.listImages(io)).map((i) => i.name);
    } finally {
      await io.close();
    }
  } finally {
    await c.close();
  }
}

async function allConfigMapText(): Promise<string> {
  const texts = [];
  for (const ns of ["openstack", "ceph-csi"]) texts.push(JSON.stringify(await kube.get(`/api/v1/namespaces/${ns}/configmaps`)));
  return texts.join("\n");
}

async function runDrift(): Promise<{ code: number; rows: any[]; text: string }> {
  const args = [path.join(repoRoot, "dist", "bin", "ceph-drift.js"), "--stack", stack.name, "--cwd", stack.programDir, "--json"];
  try {
    const r = await execFileAsync("node", args, { env: stack.env, encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, rows: JSON.parse(r.stdout).rows, text: r.stdout };
  } catch (e: any) {
    let rows: any[] = [];
    try {
      rows = JSON.parse(e.stdout).rows;
    } catch {
      /* not JSON: the check itself failed */
    }
    return { code: typeof e.code === "number" ? e.code : 2, rows, text: `${e.stdout}\n${e.stderr}` };
  }
}

test("up delivers ceph.conf, one Secret per user and ceph-csi's objects, labelled; every key works with librbd", async () => {
  await stack.run(["preview"]);
  await stack.up();

  const etc = await kube.get("/api/v1/namespaces/openstack/configmaps/ceph-etc");
  const conf: string = etc.data["ceph.conf"];
  expect(conf).toMatch(new RegExp(`^\\[global\\]\\nfsid = ${cluster.fsid}\\nmon_host = \\S+\\n$`));
  expect(conf).toContain(cluster.monHost.replace(/^v2:/, ""));
  expect(etc.metadata.labels).toMatchObject({
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "openstack",
    "app.kubernetes.io/component": "ceph-conf",
  });

  for (const [name, entity] of Object.entries(OPENSTACK_SECRETS)) {
    const secret = await kube.get(secretPath("openstack", name));
    expect(secret.type).toBe("kubernetes.io/rbd");
    expect(Object.keys(secret.data).sort()).toEqual(name === "nova-rbd-keyring" ? ["key", "keyring"] : ["key"]);
    const key = unb64(secret.data.key);
    expect(key).toBe(await getKey(entity));
    expect(secret.metadata.labels["app.kubernetes.io/managed-by"]).toBe("pulumi");
    expect(JSON.stringify(secret.metadata.annotations ?? {})).not.toContain(key);
  }
  // Each key opens the pools its chart needs.
  const cinderKey = unb64((await kube.get(secretPath("openstack", "cinder-volume-rbd-keyring"))).data.key);
  await expect(listWith("client.cinder", cinderKey, "volumes")).resolves.toEqual([]);
  const glanceKey = unb64((await kube.get(secretPath("openstack", "images-rbd-keyring"))).data.key);
  await expect(listWith("client.glance", glanceKey, "images")).resolves.toEqual([]);
  const backupKey = unb64((await kube.get(secretPath("openstack", "cinder-backup-rbd-keyring"))).data.key);
  await expect(listWith("client.cinder-backup", backupKey, "backups")).resolves.toEqual([]);
  const novaKey = unb64((await kube.get(secretPath("openstack", "nova-rbd-keyring"))).data.key);
  await expect(listWith("client.cinder", novaKey, "vms")).resolves.toEqual([]);

  const csiSecret = await kube.get(secretPath("ceph-csi", "csi-rbd-secret"));
  expect(unb64(csiSecret.data.userID)).toBe("kubernetes");
  const csiKey = unb64(csiSecret.data.userKey);
  expect(csiKey).toBe(await getKey("client.kubernetes"));
  await expect(listWith("client.kubernetes", csiKey, "kubernetes")).resolves.toEqual([]);
  const csiConfig = JSON.parse((await kube.get("/api/v1/namespaces/ceph-csi/configmaps/ceph-csi-config")).data["config.json"]);
  expect(csiConfig).toEqual([{ clusterID: cluster.fsid, monitors: cluster.monHost.split(",").map((m) => m.replace(/^v2:/, "")) }]);
  const cephConfig = await kube.get("/api/v1/namespaces/ceph-csi/configmaps/ceph-config");
  expect(cephConfig.data).toEqual({ "ceph.conf": conf, keyring: "" });
  const sc = await kube.get("/apis/storage.k8s.io/v1/storageclasses/csi-rbd-sc");
  expect(sc.provisioner).toBe("rbd.csi.ceph.com");
  expect(sc.parameters).toEqual({
    clusterID: cluster.fsid,
    pool: "kubernetes",
    imageFeatures: "layering",
    "csi.storage.k8s.io/provisioner-secret-name": "csi-rbd-secret",
    "csi.storage.k8s.io/provisioner-secret-namespace": "ceph-csi",
    "csi.storage.k8s.io/controller-expand-secret-name": "csi-rbd-secret",
    "csi.storage.k8s.io/controller-expand-secret-namespace": "ceph-csi",
    "csi.storage.k8s.io/node-stage-secret-name": "csi-rbd-secret",
    "csi.storage.k8s.io/node-stage-secret-namespace": "ceph-csi",
    "csi.storage.k8s.io/fstype": "ext4",
  });
  expect(sc.metadata.labels["app.kubernetes.io/part-of"]).toBe("ceph-csi");

  // Keys only in Secrets: not in any ConfigMap, not in plain outputs, not in the state's plain text.
  const keys = [cinderKey, glanceKey, csiKey, await getKey("client.cinder-backup")];
  const configMaps = await allConfigMapText();
  const plainOutputs = (await stack.run(["stack", "output", "--json"])).stdout;
  for (const key of keys) {
    expect(configMaps).not.toContain(key);
    expect(plainOutputs).not.toContain(key);
    expect(stack.stateText()).not.toContain(key);
  }

  // The chart values point at what was declared.
  const out = await stack.outputs();
  expect(out.cinderValues.conf.backends.ceph).toMatchObject({
    volume_driver: "cinder.volume.drivers.rbd.RBDDriver",
    rbd_pool: "volumes",
    rbd_user: "cinder",
    rbd_ceph_conf: "/etc/ceph/ceph.conf",
    rbd_secret_uuid: uuid,
  });
  expect(out.cinderValues.conf.cinder.DEFAULT).toMatchObject({ enabled_backends: "ceph", backup_ceph_user: "cinder-backup", backup_ceph_pool: "backups" });
  expect(out.glanceValues.conf.glance.rbd).toMatchObject({ rbd_store_pool: "images", rbd_store_user: "glance" });
  expect(out.novaValues.conf.nova.libvirt).toMatchObject({ images_type: "rbd", images_rbd_pool: "vms", rbd_user: "cinder", rbd_secret_uuid: uuid });
  expect(out.novaValues.conf.ceph).toEqual({ enabled: false, admin_keyring: null, cinder: { user: "cinder", keyring: null, secret_uuid: uuid } });
  expect(out.libvirtValues.conf.ceph.cinder.external_ceph).toEqual({ enabled: true, user: "cinder", secret_uuid: uuid, user_secret_name: "nova-rbd-keyring" });
  expect(out.secretNames.sort()).toEqual(Object.keys(OPENSTACK_SECRETS).sort());
  await expectNoDrift(stack);
});

test("nova-compute's keyring file from nova-rbd-keyring opens the vms pool as client.cinder", async () => {
  const secret = await kube.get(secretPath("openstack", "nova-rbd-keyring"));
  const keyring = unb64(secret.data.keyring);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nova-keyring-"));
  try {
    const file = path.join(dir, "ceph.client.cinder.keyring");
    fs.writeFileSync(file, keyring, { mode: 0o600 });
    const c = await native.connect({ monHost: cluster.monHost, keyring: file, entity: "client.cinder", retries: 0, connectTimeoutSec: 10 });
    try {
      const io = await c.openIoCtx("vms");
      await io.close();
    } finally {
      await c.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(keyring).toContain(`key = ${unb64(secret.data.key)}`);
});

test("every delivered object carries the app.kubernetes.io labels, and no label or annotation holds a key", async () => {
  const keys = await Promise.all(["client.cinder", "client.cinder-backup", "client.glance", "client.kubernetes"].map(getKey));
  for (const [list, name, instance, partOf] of DELIVERED) {
    const obj = await kube.get(`${list}/${name}`);
    expect({ name, labels: obj.metadata.labels }).toEqual({
      name,
      labels: {
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/name": "ceph-client",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": expect.any(String),
      },
    });
    const meta = JSON.stringify({ labels: obj.metadata.labels, annotations: obj.metadata.annotations ?? {} });
    for (const key of keys) {
      expect(meta).not.toContain(key);
      expect(meta).not.toContain(b64(key));
    }
  }
});

test("a key rotation (keyVersion) updates each Secret in place with the new key; the old key stops working", async () => {
  const before: Record<string, { uid: string; key: string }> = {};
  for (const name of Object.keys(OPENSTACK_SECRETS)) {
    const s = await kube.get(secretPath("openstack", name));
    before[name] = { uid: s.metadata.uid, key: unb64(s.data.key) };
  }
  await stack.setConfig("keyVersion", "2");
  await stack.up();
  for (const [name, entity] of Object.entries(OPENSTACK_SECRETS)) {
    const s = await kube.get(secretPath("openstack", name));
    const key = unb64(s.data.key);
    expect(s.metadata.uid).toBe(before[name].uid);
    expect(key).not.toBe(before[name].key);
    expect(key).toBe(await getKey(entity));
  }
  const nova = (await kube.get(secretPath("openstack", "nova-rbd-keyring"))).data;
  expect(unb64(nova.keyring)).toBe(`[client.cinder]\n\tkey = ${await getKey("client.cinder")}\n`);
  const cinderKey = unb64((await kube.get(secretPath("openstack", "cinder-volume-rbd-keyring"))).data.key);
  await expect(listWith("client.cinder", cinderKey, "volumes")).resolves.toEqual([]);
  await expect(listWith("client.cinder", before["cinder-volume-rbd-keyring"].key, "volumes")).rejects.toThrow(/EACCES|EPERM|permission/i);
  await expectNoDrift(stack);
});

test("a Secret edited out of band is drift in ceph-drift; up --refresh puts the key back", async () => {
  const r = await kube.api(
    "PATCH",
    secretPath("openstack", "images-rbd-keyring"),
    { data: { key: b64("not-a-cephx-key") } },
    "application/merge-patch+json",
  );
  expect(r.status).toBe(200);
  const drift = await runDrift();
  if (drift.code !== 1) throw new Error(`ceph-drift exited ${drift.code}:\n${drift.text}`);
  expect(drift.rows.map((row) => row.resource)).toEqual(["openstack-k8s-glance-key"]);
  expect(drift.text).not.toContain(await getKey("client.glance"));
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  const key = unb64((await kube.get(secretPath("openstack", "images-rbd-keyring"))).data.key);
  expect(key).toBe(await getKey("client.glance"));
  expect((await runDrift()).code).toBe(0);
});

test("another namespace replaces the Secrets and ceph-etc: no rows after it, nor after moving back", async () => {
  const started = Date.now();
  await kube.createNamespace("openstack-moved");
  for (const ns of ["openstack-moved", "openstack"]) {
    await stack.setConfig("namespace", ns);
    const r = await stack.up();
    expect(r.stdout).toMatch(/\+-\s+kubernetes:core\/v1:Secret\s+openstack-k8s-glance-key\s+replaced/);
    expect(r.stdout).toMatch(/\+-\s+kubernetes:core\/v1:ConfigMap\s+\S+\s+replaced/);
    const other = ns === "openstack" ? "openstack-moved" : "openstack";
    expect((await kube.api("GET", secretPath(other, "images-rbd-keyring"))).status).toBe(404);
    expect(unb64((await kube.get(secretPath(ns, "images-rbd-keyring"))).data.key)).toBe(await getKey("client.glance"));
    await expectNoDrift(stack);
  }
  console.log(`two replaces + ceph-drift: ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("destroy removes exactly what up created, in Kubernetes and in Ceph", async () => {
  const created = (await allObjects()).filter((o) => !objectsBeforeUp.includes(o));
  expect(created.map((o) => o.split(" ")[0]).sort()).toEqual(DELIVERED.map(([list, name]) => `${list}/${name}`).sort());
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  // Everything else is still there, untouched (same UIDs).
  expect(await allObjects()).toEqual(objectsBeforeUp);
  for (const p of [
    "/api/v1/namespaces/openstack/configmaps/ceph-etc",
    ...Object.keys(OPENSTACK_SECRETS).map((n) => secretPath("openstack", n)),
    secretPath("ceph-csi", "csi-rbd-secret"),
    "/api/v1/namespaces/ceph-csi/configmaps/ceph-csi-config",
    "/api/v1/namespaces/ceph-csi/configmaps/ceph-config",
    "/apis/storage.k8s.io/v1/storageclasses/csi-rbd-sc",
  ]) {
    expect((await kube.api("GET", p)).status).toBe(404);
  }
  expect((await kube.get("/api/v1/namespaces/openstack/configmaps/operator-notes")).data).toEqual({ note: "kept" });
  const pools: string[] = (await cluster.cephJson("osd", "pool", "ls")).filter((p: string) => p !== "device_health_metrics");
  expect(pools).toEqual([]);
  const users = (await cluster.cephJson("auth", "ls")).auth_dump.map((e: { entity: string }) => e.entity);
  expect(users.filter((u: string) => /client\.(cinder|glance|kubernetes)/.test(u))).toEqual([]);
});

test("renderYamlToDirectory: manifests with the expected kinds and names; Secrets hold the keys, ConfigMaps none", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-render-"));
  const render = await createStack(program, "test-k8s-render");
  try {
    await render.setConfig("ceph:conf", cluster.conf);
    await render.setConfig("secretUuid", uuid);
    await render.setConfig("renderDir", dir);
    await render.up();
    const manifests = fs.readdirSync(path.join(dir, "1-manifest")).sort();
    expect(manifests).toEqual(
      [
        "storage.k8s.io_v1-storageclass-default-csi-rbd-sc.yaml",
        "v1-configmap-ceph-csi-ceph-config.yaml",
        "v1-configmap-ceph-csi-ceph-csi-config.yaml",
        "v1-configmap-openstack-ceph-etc.yaml",
        "v1-secret-ceph-csi-csi-rbd-secret.yaml",
        "v1-secret-openstack-cinder-backup-rbd-keyring.yaml",
        "v1-secret-openstack-cinder-volume-rbd-keyring.yaml",
        "v1-secret-openstack-images-rbd-keyring.yaml",
        "v1-secret-openstack-nova-rbd-keyring.yaml",
      ].sort(),
    );
    const read = (f: string) => fs.readFileSync(path.join(dir, "1-manifest", f), "utf8");
    const keys = {
      cinder: await getKey("client.cinder"),
      backup: await getKey("client.cinder-backup"),
      glance: await getKey("client.glance"),
      csi: await getKey("client.kubernetes"),
    };
    expect(read("v1-secret-openstack-cinder-volume-rbd-keyring.yaml")).toContain(b64(keys.cinder));
    expect(read("v1-secret-openstack-cinder-backup-rbd-keyring.yaml")).toContain(b64(keys.backup));
    expect(read("v1-secret-openstack-images-rbd-keyring.yaml")).toContain(b64(keys.glance));
    expect(read("v1-secret-ceph-csi-csi-rbd-secret.yaml")).toContain(b64(keys.csi));
    expect(read("v1-secret-openstack-nova-rbd-keyring.yaml")).toContain(b64(keys.cinder));
    for (const f of manifests.filter((m) => m.includes("-configmap-") || m.includes("storageclass"))) {
      for (const key of Object.values(keys)) {
        expect(read(f)).not.toContain(key);
        expect(read(f)).not.toContain(b64(key));
      }
    }
    expect(read("v1-configmap-openstack-ceph-etc.yaml")).toContain(`fsid = ${cluster.fsid}`);
    // Chart values beside the manifests, no keys in them.
    const values = fs.readdirSync(path.join(dir, "values")).sort();
    expect(values).toEqual(["cinder.json", "glance.json", "libvirt.json", "nova.json"]);
    for (const v of values) for (const key of Object.values(keys)) expect(fs.readFileSync(path.join(dir, "values", v), "utf8")).not.toContain(key);
    await render.run(["destroy", "--yes", "--skip-preview"]);
    expect(fs.existsSync(path.join(dir, "1-manifest", "v1-configmap-openstack-ceph-etc.yaml"))).toBe(false);
  } finally {
    await render.teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
