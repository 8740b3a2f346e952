// The OpenStack side end to end: examples/openstack-ceph through the real engine against a real
// cluster and a real libvirt daemon. Each generated keyring is then used with librbd to prove the
// caps; operator config files keep everything but the managed keys; drift on a hand-edited key and
// a changed libvirt secret; destroy leaves cluster and files as they were.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as native from "../native";
import { CINDER_CONF } from "../provider/ini/testFixtures";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { startLibvirtd, type TestLibvirtd } from "./helpers/libvirtd";
import { expectNoDrift } from "./helpers/drift";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);

const NOVA_CONF = `[DEFAULT]
# Nova as the operator left it
my_ip = 10.0.0.31
compute_driver = libvirt.LibvirtDriver

[libvirt]
# KVM on this host
virt_type = kvm
cpu_mode = host-passthrough

[vnc]
enabled = true
`;
const GLANCE_CONF = `[DEFAULT]
bind_host = 0.0.0.0

[database]
connection = mysql+pymysql://glance:secret@controller/glance

[glance_store]
# file store kept for the transition
filesystem_store_datadir = /var/lib/glance/images/
`;

let cluster: TestCluster;
let libvirtd: TestLibvirtd;
let stack: TestStack;
let etc: string;
let uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
const originals: Record<string, string> = {};
const file = (rel: string) => path.join(etc, rel);

beforeAll(async () => {
  cluster = startCluster();
  libvirtd = startLibvirtd();
  etc = fs.mkdtempSync(path.join(os.tmpdir(), "openstack-etc-"));
  for (const [rel, text] of [["cinder/cinder.conf", CINDER_CONF], ["nova/nova.conf", NOVA_CONF], ["glance/glance-api.conf", GLANCE_CONF]]) {
    fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
    fs.writeFileSync(file(rel), text, { mode: 0o640 });
    originals[rel] = text;
  }
  fs.mkdirSync(file("ceph"));
  stack = await createStack(path.join(repoRoot, "examples", "openstack-ceph"), "test-openstack");
  // The admin key as a stack secret (not a conf path), so the leak checks below have a key to look for.
  await stack.setConfig("ceph:monHost", cluster.monHost);
  await stack.setConfig("ceph:entity", "client.admin");
  await stack.setConfig("ceph:key", cluster.adminKey, { secret: true });
  await stack.setConfig("etcDir", etc);
  await stack.setConfig("libvirtUri", libvirtd.uri);
  await stack.setConfig("secretUuid", uuid);
});

afterAll(async () => {
  if (stack) {
    await stack.run(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
    await stack.remove();
  }
  libvirtd?.stop();
  cluster?.stop();
  if (etc) fs.rmSync(etc, { recursive: true, force: true });
});

/** Connects as one of the generated users, with its generated keyring and ceph.conf. */
async function connectAs(entity: string): Promise<native.Cluster> {
  return native.connect({
    conf: file("ceph/ceph.conf"),
    keyring: file(`ceph/ceph.${entity}.keyring`),
    entity,
    label: entity,
    retries: 0,
    connectTimeoutSec: 10,
  });
}

async function attempt(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (e) {
    return native.isCephError(e) ? e.code : String(e);
  }
}

test("preview of the new stack plans everything without touching cluster, files or libvirt", async () => {
  // Keys, pool names and the fsid are outputs of other resources: not known yet in this preview.
  const r = await stack.run(["preview"]);
  expect(r.stdout).toMatch(/\+ \d+ to create/);
  expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:LibvirtCephSecret");
  for (const [rel, text] of Object.entries(originals)) expect(fs.readFileSync(file(rel), "utf8")).toBe(text);
  expect(fs.readdirSync(file("ceph"))).toEqual([]);
  const pools = (await cluster.cephJson("osd", "pool", "ls")) as string[];
  for (const p of ["volumes", "images", "backups", "vms"]) expect(pools).not.toContain(p);
});

test("up creates the classic setup: pools, users with the operators' caps, files, libvirt secret", async () => {
  const r = await stack.up();
  expect(r.stdout).toContain("ceph:openstack:OpenStackCephBackend");
  const pools = (await cluster.cephJson("osd", "pool", "ls")) as string[];
  expect(pools).toEqual(expect.arrayContaining(["volumes", "images", "backups", "vms"]));
  for (const p of ["volumes", "images", "backups", "vms"]) {
    expect(Object.keys(await cluster.cephJson("osd", "pool", "application", "get", p))).toEqual(["rbd"]);
  }
  const caps = async (e: string) => (await cluster.cephJson("auth", "get", e))[0].caps;
  expect(await caps("client.glance")).toEqual({ mon: "profile rbd", osd: "profile rbd pool=images", mgr: "profile rbd pool=images" });
  expect(await caps("client.cinder")).toEqual({
    mon: "profile rbd",
    osd: "profile rbd pool=volumes, profile rbd pool=vms, profile rbd-read-only pool=images",
    mgr: "profile rbd pool=volumes, profile rbd pool=vms",
  });
  expect(await caps("client.cinder-backup")).toEqual({ mon: "profile rbd", osd: "profile rbd pool=backups", mgr: "profile rbd pool=backups" });
  for (const e of ["client.glance", "client.cinder", "client.cinder-backup"]) {
    expect(fs.statSync(file(`ceph/ceph.${e}.keyring`)).mode & 0o777).toBe(0o600);
  }
  const conf = fs.readFileSync(file("ceph/ceph.conf"), "utf8");
  expect(conf).toContain(`fsid = ${cluster.fsid}`);
  const cinderKey = (await cluster.cephJson("auth", "get", "client.cinder"))[0].key;
  expect((await libvirtd.virsh(["secret-get-value", uuid])).trim()).toBe(cinderKey);
  expect(await libvirtd.virsh(["secret-dumpxml", uuid])).toContain("<name>client.cinder secret</name>");
  await expectNoDrift(stack);
});

test("the config files carry the services' settings, sharing one secret UUID", async () => {
  const cinder = fs.readFileSync(file("cinder/cinder.conf"), "utf8");
  expect(cinder).toMatch(/enabled_backends = lvm,ceph/);
  expect(cinder).toMatch(/\[ceph\]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\n/);
  expect(cinder).toMatch(/rbd_pool = volumes/);
  expect(cinder).toMatch(/rbd_user = cinder\n/);
  expect(cinder).toContain(`rbd_secret_uuid = ${uuid}`);
  expect(cinder).toMatch(/backup_driver = cinder.backup.drivers.ceph.CephBackupDriver/);
  expect(cinder).toMatch(/backup_ceph_user = cinder-backup/);
  expect(cinder).toMatch(/backup_ceph_pool = backups/);
  const nova = fs.readFileSync(file("nova/nova.conf"), "utf8");
  expect(nova).toMatch(/images_type = rbd/);
  expect(nova).toMatch(/images_rbd_pool = vms/);
  expect(nova).toContain(`rbd_secret_uuid = ${uuid}`);
  const glance = fs.readFileSync(file("glance/glance-api.conf"), "utf8");
  expect(glance).toMatch(/rbd_store_pool = images/);
  expect(glance).toMatch(/rbd_store_user = glance/);
});

test("operator files keep every line they had, in order: only managed keys were added", () => {
  for (const rel of Object.keys(originals)) {
    const before = originals[rel].split("\n");
    const after = fs.readFileSync(file(rel), "utf8").split("\n");
    // Every original line is still there, in the same order; enabled_backends gained exactly our item.
    let i = 0;
    for (const line of after) {
      const expected = before[i];
      if (expected === undefined) break;
      if (line === expected || (/^enabled_backends\s*=/.test(expected) && line === `${expected},ceph`)) i++;
    }
    expect({ rel, missingFrom: before.slice(i).filter((l) => l.trim() !== "") }).toEqual({ rel, missingFrom: [] });
  }
  expect(fs.readFileSync(file("nova/nova.conf"), "utf8")).toMatch(/virt_type = kvm\ncpu_mode = host-passthrough\nimages_type = rbd/);
});

test("each keyring can do exactly what its caps allow (librbd)", async () => {
  const glance = await connectAs("client.glance");
  const cinder = await connectAs("client.cinder");
  const backup = await connectAs("client.cinder-backup");
  try {
    const io = async (c: native.Cluster, pool: string) => c.openIoCtx(pool);
    // glance writes images, and only images.
    const gImages = await io(glance, "images");
    expect(await attempt(() => native.createImage(gImages, "img-1", { size: 8 * 2 ** 20, features: native.featureMask(["layering"]) }))).toBe("ok");
    await native.withImage(gImages, "img-1", async (img) => {
      await img.createSnap("snap");
      await img.protectSnap("snap");
    });
    expect(await attempt(async () => native.createImage(await io(glance, "volumes"), "nope", { size: 2 ** 20 }))).toMatch(/EPERM|EACCES/);
    // cinder creates and clones in volumes, reads images, cannot write images.
    const cVolumes = await io(cinder, "volumes");
    const cImages = await io(cinder, "images");
    expect(await attempt(() => native.createImage(cVolumes, "volume-1", { size: 8 * 2 ** 20 }))).toBe("ok");
    expect(await attempt(() => native.cloneImage(cImages, "img-1", "snap", cVolumes, "volume-from-image", {}))).toBe("ok");
    expect(await attempt(() => native.withImage(cImages, "img-1", (img) => img.stat(), { readOnly: true }))).toBe("ok");
    expect(await attempt(() => native.createImage(cImages, "evil", { size: 2 ** 20 }))).toMatch(/EPERM|EACCES/);
    expect(await attempt(async () => native.createImage(await io(cinder, "vms"), "disk-1", { size: 2 ** 20 }))).toBe("ok");
    expect(await attempt(async () => native.createImage(await io(cinder, "backups"), "nope", { size: 2 ** 20 }))).toMatch(/EPERM|EACCES/);
    // cinder-backup: backups only.
    expect(await attempt(async () => native.createImage(await io(backup, "backups"), "backup-1", { size: 2 ** 20 }))).toBe("ok");
    expect(await attempt(async () => native.createImage(await io(backup, "volumes"), "nope", { size: 2 ** 20 }))).toMatch(/EPERM|EACCES/);
    expect(await attempt(async () => native.createImage(await io(backup, "images"), "nope", { size: 2 ** 20 }))).toMatch(/EPERM|EACCES/);
    // Clean up as admin so destroy finds empty pools.
    for (const [pool, image] of [["volumes", "volume-from-image"], ["volumes", "volume-1"], ["vms", "disk-1"], ["backups", "backup-1"]]) {
      await cluster.rbd("rm", `${pool}/${image}`);
    }
    await cluster.rbd("snap", "unprotect", "images/img-1@snap");
    await cluster.rbd("snap", "rm", "images/img-1@snap");
    await cluster.rbd("rm", "images/img-1");
  } finally {
    await Promise.all([glance.close(), cinder.close(), backup.close()]);
  }
});

test("a hand-edited managed key and a changed libvirt secret value are drift", async () => {
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
  const cinderConf = file("cinder/cinder.conf");
  fs.writeFileSync(cinderConf, fs.readFileSync(cinderConf, "utf8").replace(/^rbd_pool = volumes$/m, "rbd_pool = volumes-hand-edited"));
  let r = await stack.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { expectFailure: true });
  expect(r.stdout).toMatch(/openstack-cinder-conf/);
  expect(r.stdout).toMatch(/ceph\.rbd_pool"?\s*: "volumes" => "volumes-hand-edited"/);
  // up --refresh puts the declared value back (plain up trusts the state it has).
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect(fs.readFileSync(cinderConf, "utf8")).toMatch(/^rbd_pool = volumes$/m);
  expect(fs.readFileSync(cinderConf, "utf8")).not.toContain("volumes-hand-edited");

  const keyFile = path.join(etc, "other.key");
  fs.writeFileSync(keyFile, (await cluster.ceph("auth", "print-key", "client.admin")).trim(), { mode: 0o600 });
  await libvirtd.virsh(["secret-set-value", uuid, "--file", keyFile]);
  fs.rmSync(keyFile);
  r = await stack.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { expectFailure: true });
  expect(r.stdout).toMatch(/openstack-libvirt-secret/);
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  const cinderKey = (await cluster.cephJson("auth", "get", "client.cinder"))[0].key;
  expect((await libvirtd.virsh(["secret-get-value", uuid])).trim()).toBe(cinderKey);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("no rows after an in-place update (a Cinder option) and after a replace (the secret UUID)", async () => {
  let started = Date.now();
  await stack.setConfig("rbdMaxCloneDepth", "7");
  let r = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(r.stdout).toMatch(/~\s+pulumi-nodejs:dynamic\/ceph:CinderRbdBackend\s+openstack-cinder-conf\s+updated/);
  expect(r.stdout).not.toMatch(/replaced/);
  expect(fs.readFileSync(file("cinder/cinder.conf"), "utf8")).toMatch(/^rbd_max_clone_depth = 7$/m);
  await expectNoDrift(stack);
  console.log(`in-place update + ceph-drift: ${((Date.now() - started) / 1000).toFixed(1)}s`);

  // A new UUID replaces the libvirt secret; the files that name it follow in place.
  started = Date.now();
  const oldUuid = uuid;
  uuid = "0b9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
  await stack.setConfig("secretUuid", uuid);
  r = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(r.stdout).toMatch(/\+-\s+pulumi-nodejs:dynamic\/ceph:LibvirtCephSecret\s+openstack-libvirt-secret\s+replaced/);
  expect(await libvirtd.virsh(["secret-dumpxml", uuid])).toContain("<name>client.cinder secret</name>");
  await expect(libvirtd.virsh(["secret-dumpxml", oldUuid])).rejects.toThrow();
  expect(fs.readFileSync(file("cinder/cinder.conf"), "utf8")).toContain(`rbd_secret_uuid = ${uuid}`);
  await expectNoDrift(stack);
  console.log(`replace + ceph-drift: ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test("no key material in the state or the engine's output", async () => {
  const keys = await Promise.all(["client.glance", "client.cinder", "client.cinder-backup", "client.admin"].map(async (e) => (await cluster.ceph("auth", "print-key", e)).trim()));
  const state = stack.stateText();
  const out = (await stack.run(["preview", "--diff", "--refresh"])).stdout + (await stack.run(["stack", "output", "--json"])).stdout;
  // Nor an unsalted digest of a key or of a keyring file, which would let a guessed key be tested offline.
  const keyrings = ["glance", "cinder", "cinder-backup"].map((u) => fs.readFileSync(file(`ceph/ceph.client.${u}.keyring`), "utf8"));
  const digests = [...keys, ...keyrings].map((t) => createHash("sha256").update(t).digest("hex"));
  for (const secret of [...keys, ...digests]) {
    expect(state).not.toContain(secret);
    expect(out).not.toContain(secret);
  }
});

test("destroy leaves the cluster and the files as they were before", async () => {
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  for (const [rel, text] of Object.entries(originals)) expect(fs.readFileSync(file(rel), "utf8")).toBe(text);
  expect(fs.readdirSync(file("ceph"))).toEqual([]);
  const pools = (await cluster.cephJson("osd", "pool", "ls")) as string[];
  for (const p of ["volumes", "images", "backups", "vms"]) expect(pools).not.toContain(p);
  const entities = ((await cluster.cephJson("auth", "ls")).auth_dump as Array<{ entity: string }>).map((e) => e.entity);
  expect(entities).not.toEqual(expect.arrayContaining(["client.glance"]));
  expect(entities.filter((e) => /glance|cinder/.test(e))).toEqual([]);
  await expect(libvirtd.virsh(["secret-dumpxml", uuid])).rejects.toThrow();
});
