// Cinder replication, the OpenStack side, end to end: examples/openstack-ceph-replicated through the
// real engine against two throwaway clusters side by side and a real libvirt daemon (rbd-mirror
// itself is not needed to declare pool mirroring and peers; test/mirroring/ runs it). Refusals at
// preview (the replica is the primary, a shared secret UUID) name the field and create nothing;
// up declares both sides, writes the replica's client files beside the primary's and a libvirt
// secret for each key, and the replication_device line oslo.config reads as Cinder's driver does;
// a hand edit of that line is drift; destroy leaves both clusters, the files and libvirt as they were.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as native from "../native";
import { CINDER_CONF } from "../provider/ini/testFixtures";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { expectNoDrift, runDrift } from "./helpers/drift";
import { startLibvirtd, type TestLibvirtd } from "./helpers/libvirtd";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(600_000);

const NOVA_CONF = "[DEFAULT]\nmy_ip = 10.0.0.31\n\n[libvirt]\nvirt_type = kvm\n";
const GLANCE_CONF = "[DEFAULT]\nbind_host = 0.0.0.0\n";
const uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
let replicaUuid = "7c3d2e1f-0a9b-4c8d-8e7f-6a5b4c3d2e1f";
const SITE = "site-b";
const POOLS = ["volumes", "images", "backups", "vms"];
const ENTITIES = ["client.glance", "client.cinder", "client.cinder-backup"];
const MIRROR_DAEMONS = ["client.rbd-mirror.site-a", `client.rbd-mirror.${SITE}`];

let primary: TestCluster;
let replica: TestCluster;
let libvirtd: TestLibvirtd;
let stack: TestStack;
let etc: string;
const originals: Record<string, string> = {};
const file = (rel: string) => path.join(etc, rel);

async function setReplica(c: TestCluster) {
  await stack.setConfig("replica:monHost", c.monHost);
  await stack.setConfig("replica:entity", "client.admin");
  await stack.setConfig("replica:key", c.adminKey, { secret: true });
}

beforeAll(async () => {
  primary = startCluster();
  replica = startCluster();
  libvirtd = startLibvirtd();
  etc = fs.mkdtempSync(path.join(os.tmpdir(), "openstack-replicated-etc-"));
  for (const [rel, text] of [["cinder/cinder.conf", CINDER_CONF], ["nova/nova.conf", NOVA_CONF], ["glance/glance-api.conf", GLANCE_CONF]]) {
    fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
    fs.writeFileSync(file(rel), text, { mode: 0o640 });
    originals[rel] = text;
  }
  fs.mkdirSync(file("ceph"));
  stack = await createStack(path.join(repoRoot, "examples", "openstack-ceph-replicated"), "test-replicated");
  await stack.setConfig("ceph:monHost", primary.monHost);
  await stack.setConfig("ceph:entity", "client.admin");
  await stack.setConfig("ceph:key", primary.adminKey, { secret: true });
  await setReplica(replica);
  await stack.setConfig("etcDir", etc);
  await stack.setConfig("libvirtUri", libvirtd.uri);
  await stack.setConfig("secretUuid", uuid);
  await stack.setConfig("replicaSecretUuid", replicaUuid);
  await stack.setConfig("replicaSiteName", SITE);
});

afterAll(async () => {
  if (stack) {
    await stack.run(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
    await stack.remove();
  }
  libvirtd?.stop();
  primary?.stop();
  replica?.stop();
  if (etc) fs.rmSync(etc, { recursive: true, force: true });
});

/** Nothing of the stack exists: files as the operator had them, no pools or users on either cluster, no libvirt secrets. */
async function expectNothingDeclared() {
  for (const [rel, text] of Object.entries(originals)) expect(fs.readFileSync(file(rel), "utf8")).toBe(text);
  expect(fs.readdirSync(file("ceph"))).toEqual([]);
  for (const c of [primary, replica]) {
    const pools = (await c.cephJson("osd", "pool", "ls")) as string[];
    expect(pools.filter((p) => POOLS.includes(p))).toEqual([]);
    const entities = ((await c.cephJson("auth", "ls")).auth_dump as Array<{ entity: string }>).map((e) => e.entity);
    expect(entities.filter((e) => ENTITIES.includes(e) || MIRROR_DAEMONS.includes(e))).toEqual([]);
  }
  expect((await libvirtd.virsh(["secret-list"])).trim()).toBe("");
}

/** cinder.conf's replication_device as Cinder reads it: MultiOpt(item_type=types.Dict()) in the backend section. */
function replicationDevices(): unknown {
  const loader = path.join(repoRoot, "test", "helpers", "oslo_load.py");
  const input = JSON.stringify({
    file: file("cinder/cinder.conf"),
    options: [
      { group: "ceph", name: "replication_device", type: "multidict" },
      { group: "ceph", name: "rbd_pool", type: "str" },
    ],
    sections: ["ceph"],
  });
  return JSON.parse(execFileSync("/usr/bin/python3", [loader], { input, encoding: "utf8" })).values.ceph;
}

test("preview refuses the primary as its own replica, naming the field, and creates nothing", async () => {
  await setReplica(primary);
  try {
    const r = await stack.run(["preview"], { expectFailure: true });
    expect(r.stdout + r.stderr).toContain(
      `replicationDevices.0.monHost: shares monitor ${primary.monHost.replace(/^v2:/, "")} with the primary cluster: a replica must be another cluster`,
    );
  } finally {
    await setReplica(replica);
  }
  await expectNothingDeclared();
});

test("preview refuses the primary's libvirt secret UUID for the replica, naming the field, and creates nothing", async () => {
  await stack.setConfig("replicaSecretUuid", uuid);
  try {
    const r = await stack.run(["preview"], { expectFailure: true });
    expect(r.stdout + r.stderr).toContain("replica.secretUuid: must differ from secretUuid");
  } finally {
    await stack.setConfig("replicaSecretUuid", replicaUuid);
  }
  await expectNothingDeclared();
});

test("up declares both sides: pools and users on each cluster, the replica's files beside the primary's, both libvirt secrets", async () => {
  await stack.up();
  const caps = async (c: TestCluster, e: string) => (await c.cephJson("auth", "get", e))[0].caps;
  for (const c of [primary, replica]) {
    expect(await c.cephJson("osd", "pool", "ls")).toEqual(expect.arrayContaining(POOLS));
    for (const p of POOLS) expect(Object.keys(await c.cephJson("osd", "pool", "application", "get", p))).toEqual(["rbd"]);
    expect(await caps(c, "client.cinder")).toEqual({
      mon: "profile rbd",
      osd: "profile rbd pool=volumes, profile rbd pool=vms, profile rbd-read-only pool=images",
      mgr: "profile rbd pool=volumes, profile rbd pool=vms",
    });
  }
  // Each cluster has the user its rbd-mirror daemon runs as (rx-tx: both receive), and only its own.
  for (const [c, site, other] of [[primary, "site-a", SITE], [replica, SITE, "site-a"]] as const) {
    expect(await caps(c, `client.rbd-mirror.${site}`)).toEqual({ mon: "profile rbd-mirror", osd: "profile rbd" });
    const entities = ((await c.cephJson("auth", "ls")).auth_dump as Array<{ entity: string }>).map((e) => e.entity);
    expect(entities).not.toContain(`client.rbd-mirror.${other}`);
  }
  const primaryKey = (await primary.ceph("auth", "print-key", "client.cinder")).trim();
  const replicaKey = (await replica.ceph("auth", "print-key", "client.cinder")).trim();
  expect(replicaKey).not.toBe(primaryKey);

  // The primary's files as before, and the replica's under its own name.
  expect(fs.readFileSync(file("ceph/ceph.conf"), "utf8")).toContain(`fsid = ${primary.fsid}`);
  const replicaConf = fs.readFileSync(file(`ceph/${SITE}.conf`), "utf8");
  expect(replicaConf).toContain(`fsid = ${replica.fsid}`);
  expect(replicaConf).toMatch(new RegExp(`^mon_host = .*${replica.monHost.replace(/^v2:/, "").replace(/\./g, "\\.")}`, "m"));
  const keyringPath = file(`ceph/${SITE}.client.cinder.keyring`);
  expect(fs.statSync(keyringPath).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(keyringPath, "utf8")).toContain(`key = ${replicaKey}`);
  expect(fs.readdirSync(file("ceph")).sort()).toEqual(
    ["ceph.client.cinder-backup.keyring", "ceph.client.cinder.keyring", "ceph.client.glance.keyring", "ceph.conf", `${SITE}.client.cinder.keyring`, `${SITE}.conf`].sort(),
  );

  // The files work: client.cinder reaches the replica's volumes pool with them alone (librbd).
  const client = await native.connect({ conf: file(`ceph/${SITE}.conf`), keyring: keyringPath, entity: "client.cinder", label: SITE, retries: 0, connectTimeoutSec: 10 });
  try {
    const io = await client.openIoCtx("volumes");
    await native.createImage(io, "probe", { size: 2 ** 20 });
    expect(await replica.rbd("ls", "volumes")).toBe("probe\n");
    await native.removeImage(io, "probe");
  } finally {
    await client.close();
  }

  // One libvirt secret per cluster's key, each under its own UUID and usage name.
  expect((await libvirtd.virsh(["secret-get-value", uuid])).trim()).toBe(primaryKey);
  expect((await libvirtd.virsh(["secret-get-value", replicaUuid])).trim()).toBe(replicaKey);
  expect(await libvirtd.virsh(["secret-dumpxml", uuid])).toContain("<name>client.cinder secret</name>");
  expect(await libvirtd.virsh(["secret-dumpxml", replicaUuid])).toContain(`<name>${SITE}.client.cinder secret</name>`);

  // The volumes pool mirrored in image mode on both sides, each under its site name, peered both ways.
  for (const [c, site, peerSite] of [[primary, "site-a", SITE], [replica, SITE, "site-a"]] as const) {
    const info = JSON.parse(await c.rbd("mirror", "pool", "info", "volumes", "--format", "json"));
    expect(info).toMatchObject({ mode: "image", site_name: site });
    expect(info.peers.map((p: any) => [p.site_name, p.direction])).toEqual([[peerSite, "rx-tx"]]);
  }

  // Cinder's driver reads this list in do_setup (_parse_replication_configs).
  expect(replicationDevices()).toEqual({
    rbd_pool: "volumes",
    replication_device: [{ backend_id: SITE, conf: file(`ceph/${SITE}.conf`), user: "cinder", secret_uuid: replicaUuid }],
  });
  await expectNoDrift(stack);
});

test("a hand edit of the replication_device line is one drift row, and up --refresh puts it back", async () => {
  const cinderConf = file("cinder/cinder.conf");
  const declared = fs.readFileSync(cinderConf, "utf8");
  fs.writeFileSync(cinderConf, declared.replace(`user:cinder,secret_uuid:${replicaUuid}`, `user:admin,secret_uuid:${replicaUuid}`));
  const r = await runDrift(stack, ["--json"]);
  expect(r.code).toBe(1);
  const line = (user: string) => `backend_id:${SITE},conf:${file(`ceph/${SITE}.conf`)},user:${user},secret_uuid:${replicaUuid}`;
  expect(r.json!.rows).toEqual([
    { resource: "openstack-cinder-conf", type: "ceph:CinderRbdBackend", property: "ceph.replication_device#1", declared: line("cinder"), actual: line("admin"), action: "update" },
  ]);
  await stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
  expect(fs.readFileSync(cinderConf, "utf8")).toBe(declared);
  await expectNoDrift(stack);
});

test("no rows after an in-place update and a replace: a new replica secret UUID updates the replication_device line and replaces the replica's libvirt secret", async () => {
  const next = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
  await stack.setConfig("replicaSecretUuid", next);
  const preview = (await stack.run(["preview", "--diff"])).stdout;
  expect(preview).toContain("ceph:CinderRbdBackend: (update)");
  expect(preview).toMatch(new RegExp(`ceph:LibvirtCephSecret: \\(replace\\)\\s+\\[id=${replicaUuid}\\]`));
  await stack.run(["up", "--yes", "--skip-preview"]);
  expect(replicationDevices()).toMatchObject({ replication_device: [{ backend_id: SITE, secret_uuid: next }] });
  const listed = await libvirtd.virsh(["secret-list"]);
  expect(listed).toContain(next);
  expect(listed).not.toContain(replicaUuid);
  replicaUuid = next;
  await expectNoDrift(stack);
});

test("no key of either cluster in the state or the engine's output", async () => {
  const keys: string[] = [];
  for (const c of [primary, replica]) for (const e of [...ENTITIES, "client.admin"]) keys.push((await c.ceph("auth", "print-key", e)).trim());
  keys.push((await primary.ceph("auth", "print-key", MIRROR_DAEMONS[0])).trim(), (await replica.ceph("auth", "print-key", MIRROR_DAEMONS[1])).trim());
  expect(new Set(keys).size).toBe(keys.length);
  const state = stack.stateText();
  const out = (await stack.run(["preview", "--diff", "--refresh"])).stdout + (await stack.run(["stack", "output", "--json"])).stdout;
  for (const key of keys) {
    expect(state).not.toContain(key);
    expect(out).not.toContain(key);
  }
});

test("destroy leaves both clusters, the files and libvirt as they were", async () => {
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  await expectNothingDeclared();
});
