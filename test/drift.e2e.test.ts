// The drift matrix: the root program (the classic OpenStack setup) through the real engine, a real
// cluster and a real libvirt daemon. Out-of-band changes to distinct resources are made in batches
// (ceph CLI, virsh, text edits, chmod, deletions); `ceph-drift` must exit 1 with exactly the expected
// rows, `pulumi up --refresh` repairs them, and `ceph-drift` then exits 0 with no rows. Also: no rows
// after create, an in-place update and a replace; an admin key rotation is no drift and every later
// operation works; --unmanaged finds strays.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CINDER_CONF } from "../provider/ini/testFixtures";
import { CREATE_INTENTS_OBJECT } from "../provider/createIntent";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { expectNoDrift as expectNoDriftOn, runDrift } from "./helpers/drift";
import { startLibvirtd, type TestLibvirtd } from "./helpers/libvirtd";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(600_000);

let cluster: TestCluster;
let libvirtd: TestLibvirtd;
let stack: TestStack;
let etc: string;
let scratch: string;
let uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
const file = (rel: string) => path.join(etc, rel);
const edit = (rel: string, from: RegExp, to: string) => {
  const before = fs.readFileSync(file(rel), "utf8");
  const after = before.replace(from, to);
  expect(after).not.toBe(before);
  fs.writeFileSync(file(rel), after);
};

const drift = (args: string[] = []) => runDrift(stack, args);
const expectNoDrift = (args: string[] = []) => expectNoDriftOn(stack, args);

const row = (resource: string, type: string, property: string, declared: string, actual: string, action = "update") => ({
  resource,
  type,
  property,
  declared,
  actual,
  action,
});

beforeAll(async () => {
  cluster = startCluster();
  libvirtd = startLibvirtd();
  etc = fs.mkdtempSync(path.join(os.tmpdir(), "drift-etc-"));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "drift-scratch-"));
  for (const dir of ["ceph", "glance", "cinder", "nova"]) fs.mkdirSync(file(dir));
  fs.writeFileSync(file("cinder/cinder.conf"), CINDER_CONF, { mode: 0o640 });
  stack = await createStack(repoRoot, "test-drift");
  // The admin key in stack config (not a keyring path), so the test can rotate it.
  await stack.setConfig("ceph:monHost", cluster.monHost);
  await stack.setConfig("ceph:entity", "client.admin");
  await stack.setConfig("ceph:key", cluster.adminKey, { secret: true });
  await stack.setConfig("ceph:retries", "0");
  await stack.setConfig("etcDir", etc);
  await stack.setConfig("libvirtUri", libvirtd.uri);
  await stack.setConfig("secretUuid", uuid);
  await stack.setConfig("poolSettings", JSON.stringify({ size: 1, quota: { maxObjects: 1000 } }));
});

afterAll(async () => {
  if (stack) await stack.teardown();
  libvirtd?.stop();
  cluster?.stop();
  for (const d of [etc, scratch]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

test("right after create: no rows, and a refresh returns exactly what create returned", async () => {
  const started = Date.now();
  await stack.up();
  await expectNoDrift();
  await stack.run(["refresh", "--yes", "--expect-no-changes"]);
  console.log(`create + ceph-drift + refresh: ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("batch 1: one exact row per changed setting, across every kind in the program; up --refresh repairs all", async () => {
  const started = Date.now();
  const monHost = /^mon_host = (.*)$/m.exec(fs.readFileSync(file("ceph/ceph.conf"), "utf8"))![1];
  await cluster.ceph("osd", "pool", "application", "enable", "volumes", "cephfs", "--yes-i-really-mean-it");
  await cluster.ceph("osd", "pool", "set", "images", "size", "2");
  await cluster.ceph("osd", "pool", "set-quota", "backups", "max_objects", "5");
  await cluster.ceph("auth", "caps", "client.glance", "mon", "allow r", "osd", "allow rwx pool=images");
  edit("cinder/cinder.conf", /^rbd_max_clone_depth = 5$/m, "rbd_max_clone_depth = 9");
  edit("cinder/cinder.conf", /^backup_ceph_pool = backups\n/m, "");
  edit("glance/glance-api.conf", /^rbd_store_pool = images$/m, "rbd_store_pool = images2");
  edit("nova/nova.conf", /^images_type = rbd$/m, "images_type = qcow2");
  edit("ceph/ceph.conf", /^mon_host = .*$/m, "mon_host = v2:192.0.2.1:3300");
  fs.chmodSync(file("ceph/ceph.client.cinder.keyring"), 0o644);
  edit("ceph/ceph.client.cinder-backup.keyring", /key = \S+/, `key = ${cluster.adminKey}`);
  const other = path.join(scratch, "other.key");
  fs.writeFileSync(other, cluster.adminKey, { mode: 0o600 });
  await libvirtd.virsh(["secret-set-value", uuid, "--file", other]);

  const junit = path.join(scratch, "drift.xml");
  const r = await drift(["--json", "--junit", junit]);
  expect(r.code).toBe(1);
  expect(r.json!.rows).toEqual([
    row("openstack-backups", "ceph:Pool", "quota.maxObjects", "1000", "5"),
    row("openstack-ceph-conf-settings", "ceph:ConfigSettings", "global.mon_host", monHost, "v2:192.0.2.1:3300"),
    row("openstack-cinder-backup-conf", "ceph:CinderBackupCeph", "DEFAULT.backup_ceph_pool", "backups", "-"),
    row("openstack-cinder-conf", "ceph:CinderRbdBackend", "ceph.rbd_max_clone_depth", "5", "9"),
    row("openstack-cinder-keyring", "ceph:KeyringFile", "fileMode", "0600", "0644"),
    row("openstack-cinderBackup-keyring", "ceph:KeyringFile", "content", "[secret]", "[secret]"),
    row("openstack-glance", "ceph:CephUser", "caps.mgr", "profile rbd pool=images", "-"),
    row("openstack-glance", "ceph:CephUser", "caps.mon", "profile rbd", "allow r"),
    row("openstack-glance", "ceph:CephUser", "caps.osd", "profile rbd pool=images", "allow rwx pool=images"),
    row("openstack-glance-conf", "ceph:GlanceRbdStore", "glance_store.rbd_store_pool", "images", "images2"),
    row("openstack-images", "ceph:Pool", "size", "1", "2"),
    row("openstack-libvirt-secret", "ceph:LibvirtCephSecret", "value", "[secret]", "[secret]"),
    row("openstack-nova-conf", "ceph:NovaLibvirtRbd", "libvirt.images_type", "rbd", "qcow2"),
    row("openstack-volumes", "ceph:Pool", "application", "rbd", "cephfs,rbd"),
  ]);
  // The glance keyring only waits for the user's update: not drift, never the unknown placeholder.
  expect(r.json!.follows).toEqual([{ resource: "openstack-glance-keyring", type: "ceph:KeyringFile", followsFrom: ["openstack-glance"], action: "update" }]);
  expect(r.stdout).not.toContain("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
  const xml = fs.readFileSync(junit, "utf8");
  expect(xml.match(/<failure /g)).toHaveLength(14);
  expect(xml).toContain('name="openstack-cinder-conf ceph.rbd_max_clone_depth"');
  expect(xml).toContain('message="declared 5, found 9 (update)"');

  const table = await drift();
  expect(table.code).toBe(1);
  expect(table.stdout).toMatch(/^openstack-cinder-conf\s+ceph:CinderRbdBackend\s+ceph\.rbd_max_clone_depth\s+5\s+9\s+update$/m);
  expect(table.stdout).toMatch(/openstack-glance-keyring \(ceph:KeyringFile\): update, follows from openstack-glance/);
  expect(table.stdout).toContain("14 drifted settings in 12 resources");

  // The engine's own diff of the keyring waiting for its user shows no input nobody changed.
  const diff = await stack.run(["preview", "--refresh", "--diff"]);
  expect(diff.stdout).toMatch(/openstack-glance-keyring/);
  expect(diff.stdout).toMatch(/^\s+overwrite\s*: false$/m);
  expect(diff.stdout).not.toMatch(/^\s+[-+]\s*(overwrite|fileMode)\b/m);

  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  await expectNoDrift();
  expect(Object.keys(await cluster.cephJson("osd", "pool", "application", "get", "volumes"))).toEqual(["rbd"]);
  expect(fs.statSync(file("ceph/ceph.client.cinder.keyring")).mode & 0o777).toBe(0o600);
  expect((await libvirtd.virsh(["secret-get-value", uuid])).trim()).toBe((await cluster.ceph("auth", "print-key", "client.cinder")).trim());
  console.log(`batch 1 (14 rows, repair, recheck): ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("batch 2: objects deleted out of band are one row each; --unmanaged lists strays, honours .cephdriftignore and names other stacks", async () => {
  const started = Date.now();
  await cluster.ceph("auth", "del", "client.cinder-backup");
  fs.rmSync(file("ceph/ceph.client.glance.keyring"));
  await libvirtd.virsh(["secret-undefine", uuid]);
  await cluster.rbd("create", "volumes/stray", "--size", "1M");
  await cluster.rbd("create", "volumes/ignored-1", "--size", "1M");
  await cluster.rbd("create", "volumes/theirs", "--size", "1M");
  // The marker exactly as another stack's create writes it (provider/ownership.ts).
  await cluster.rbd("image-meta", "set", "volumes/theirs", "pulumi-owner", "infra/prod/theirs");
  // What a create of another stack cut short between librbd's create and the marker leaves: no
  // marker, and its intent entry (provider/createIntent.ts).
  await cluster.rbd("create", "volumes/halfmade", "--size", "1M");
  const intent = JSON.stringify({ owner: "infra/prod/halfmade", at: Date.now() });
  execFileSync("rados", ["-c", cluster.conf, "-p", "volumes", "setomapval", CREATE_INTENTS_OBJECT, "halfmade", intent]);
  await cluster.ceph("auth", "get-or-create", "client.stray");
  const ignore = path.join(scratch, "ignore");
  fs.writeFileSync(ignore, "# expected ones\nvolumes/ignored-*\n");

  const r = await drift(["--json", "--unmanaged", "--ignore-file", ignore]);
  expect(r.code).toBe(1);
  expect(r.json!.rows).toEqual([
    row("openstack-cinderBackup", "ceph:CephUser", "(resource)", "present", "gone", "create"),
    row("openstack-glance-keyring", "ceph:KeyringFile", "(resource)", "present", "gone", "create"),
    row("openstack-libvirt-secret", "ceph:LibvirtCephSecret", "(resource)", "present", "gone", "create"),
  ]);
  expect(r.json!.follows).toEqual([
    { resource: "openstack-cinderBackup-keyring", type: "ceph:KeyringFile", followsFrom: ["openstack-cinderBackup"], action: "update" },
  ]);
  expect(r.json!.unmanaged).toEqual([
    { kind: "image", name: "volumes/halfmade", cluster: cluster.monHost, ownedBy: "infra/prod/halfmade", createCutShort: true },
    { kind: "image", name: "volumes/stray", cluster: cluster.monHost },
    { kind: "image", name: "volumes/theirs", cluster: cluster.monHost, ownedBy: "infra/prod/theirs" },
    { kind: "user", name: "client.stray", cluster: cluster.monHost },
  ]);

  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  for (const image of ["stray", "ignored-1", "theirs", "halfmade"]) await cluster.rbd("rm", `volumes/${image}`);
  execFileSync("rados", ["-c", cluster.conf, "-p", "volumes", "rmomapkey", CREATE_INTENTS_OBJECT, "halfmade"]);
  await cluster.ceph("auth", "del", "client.stray");
  await expectNoDrift(["--unmanaged", "--ignore-file", ignore]);
  console.log(`batch 2 (3 gone + 4 unmanaged, repair, recheck): ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("batch 3: the libvirt secret redefined out of band under another usage name is one usageName row; up --refresh replaces it", async () => {
  const started = Date.now();
  // libvirt keeps a UUID's usage: another usage name means undefining and defining the secret again.
  const xml = path.join(scratch, "other-usage.xml");
  fs.writeFileSync(xml, `<secret ephemeral='no' private='no'><uuid>${uuid}</uuid><usage type='ceph'><name>other secret</name></usage></secret>\n`);
  const key = path.join(scratch, "cinder.key");
  fs.writeFileSync(key, (await cluster.ceph("auth", "print-key", "client.cinder")).trim(), { mode: 0o600 });
  await libvirtd.virsh(["secret-undefine", uuid]);
  await libvirtd.virsh(["secret-define", xml]);
  await libvirtd.virsh(["secret-set-value", uuid, "--file", key]);

  const r = await drift(["--json"]);
  expect(r.code).toBe(1);
  expect(r.json!.rows).toEqual([row("openstack-libvirt-secret", "ceph:LibvirtCephSecret", "usageName", "client.cinder secret", "other secret", "replace")]);
  expect(r.json!.follows).toEqual([]);

  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  await expectNoDrift();
  expect(await libvirtd.virsh(["secret-dumpxml", uuid])).toContain("<name>client.cinder secret</name>");
  expect((await libvirtd.virsh(["secret-get-value", uuid])).trim()).toBe(fs.readFileSync(key, "utf8"));
  console.log(`batch 3 (usageName, repair, recheck): ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("no rows after an in-place update and after a replace", async () => {
  await stack.setConfig("poolSettings", JSON.stringify({ size: 1, quota: { maxObjects: 2000 } }));
  let r = await stack.run(["up", "--yes"]);
  expect(r.stdout).toMatch(/~ 4 updated/);
  await expectNoDrift();
  expect((await cluster.cephJson("osd", "pool", "get-quota", "volumes")).quota_max_objects).toBe(2000);

  uuid = "0b9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
  await stack.setConfig("secretUuid", uuid);
  r = await stack.run(["up", "--yes"]);
  expect(r.stdout).toMatch(/\+-\s+pulumi-nodejs:dynamic\/ceph:LibvirtCephSecret\s+openstack-libvirt-secret\s+replaced/);
  await expectNoDrift();
  expect(await libvirtd.virsh(["secret-dumpxml", uuid])).toContain("<name>client.cinder secret</name>");
});

test("a rotated admin key (and another timeout) is no drift and no diff; refresh, up and destroy use the new key", async () => {
  const newKey = (await execFileText("ceph-authtool", ["--gen-print-key"])).trim();
  const keyring = path.join(scratch, "admin.keyring");
  fs.writeFileSync(
    keyring,
    `[client.admin]\n\tkey = ${newKey}\n\tcaps mds = "allow *"\n\tcaps mgr = "allow *"\n\tcaps mon = "allow *"\n\tcaps osd = "allow *"\n`,
    { mode: 0o600 },
  );
  await cluster.ceph("auth", "import", "-i", keyring);
  // The test's own CLI calls read the cluster's admin keyring: give it the new key too.
  fs.copyFileSync(keyring, path.join(cluster.dir, "keys", "client.admin.keyring"));
  await stack.setConfig("ceph:key", newKey, { secret: true });
  await stack.setConfig("ceph:opTimeoutSec", "45");

  await expectNoDrift();
  await stack.run(["preview", "--expect-no-changes"]);
  await stack.run(["up", "--yes", "--expect-no-changes"]);
  await stack.run(["refresh", "--yes", "--expect-no-changes"]);
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  const pools = (await cluster.cephJson("osd", "pool", "ls")) as string[];
  for (const p of ["volumes", "images", "backups", "vms"]) expect(pools).not.toContain(p);
});

function execFileText(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(bin, args, { encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))),
  );
}
