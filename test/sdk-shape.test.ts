// The shape of what the SDK declares, with Pulumi's mocks (no engine, no cluster): the classic
// OpenStack setup's names, caps and wiring, overrides, and the shared secret UUID check.
import * as pulumi from "@pulumi/pulumi";

interface Declared {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const declared: Declared[] = [];

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      declared.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: { ...args.inputs, key: "mock-key", keyring: "mock-keyring", fsid: "f", monHost: "m", uuid: args.inputs.uuid } };
    },
    call: () => ({}),
  },
  "shape",
  "test",
  false,
);

// Loaded after the mocks are in place.
import * as ceph from "../sdk";
import { checkSharedSecretUuid } from "../sdk/openstack";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const ofType = (t: string) => declared.filter((d) => d.type === `pulumi-nodejs:dynamic/ceph:${t}`);
const named = (name: string) => declared.find((d) => d.name === name)!;

beforeEach(() => {
  declared.length = 0;
});

const cluster = new ceph.CephCluster({ monHost: "v2:10.0.0.1:3300", key: "AQ-mock" });

test("the classic setup: four rbd pools, three users with the operators' caps, files, secret", async () => {
  const b = new ceph.OpenStackCephBackend("os", {
    cluster,
    cinderConf: "/etc/cinder/cinder.conf",
    novaConf: "/etc/nova/nova.conf",
    glanceApiConf: "/etc/glance/glance-api.conf",
    secretUuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c",
  });
  await value(b.urn);
  await value(pulumi.all([b.nova!.urn, b.cinderBackup!.urn, b.glance!.urn]));
  expect(ofType("Pool").map((p) => [p.inputs.name, p.inputs.application]).sort()).toEqual([
    ["backups", "rbd"],
    ["images", "rbd"],
    ["vms", "rbd"],
    ["volumes", "rbd"],
  ]);
  const caps = Object.fromEntries(ofType("CephUser").map((u) => [u.inputs.entity, u.inputs.caps]));
  expect(caps).toEqual({
    "client.glance": { mon: "profile rbd", osd: "profile rbd pool=images", mgr: "profile rbd pool=images" },
    "client.cinder": {
      mon: "profile rbd",
      osd: "profile rbd pool=volumes, profile rbd pool=vms, profile rbd-read-only pool=images",
      mgr: "profile rbd pool=volumes, profile rbd pool=vms",
    },
    "client.cinder-backup": { mon: "profile rbd", osd: "profile rbd pool=backups", mgr: "profile rbd pool=backups" },
  });
  expect(ofType("KeyringFile").map((k) => k.inputs.path).sort()).toEqual([
    "/etc/ceph/ceph.client.cinder-backup.keyring",
    "/etc/ceph/ceph.client.cinder.keyring",
    "/etc/ceph/ceph.client.glance.keyring",
  ]);
  expect(named("os-libvirt-secret").inputs).toMatchObject({ uri: "qemu:///system", uuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c", usageName: "client.cinder secret" });
  expect(named("os-cinder-conf").inputs.spec).toMatchObject({ rbdPool: "volumes", rbdUser: "cinder", rbdSecretUuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c", rbdCephConf: "/etc/ceph/ceph.conf" });
  expect(named("os-cinder-backup-conf").inputs.spec).toMatchObject({ backupCephPool: "backups", backupCephUser: "cinder-backup" });
  expect(named("os-nova-conf").inputs.spec).toMatchObject({ imagesRbdPool: "vms", rbdUser: "cinder", rbdSecretUuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c" });
  expect(named("os-glance-conf").inputs.spec).toMatchObject({ rbdStorePool: "images", rbdStoreUser: "glance" });
});

test("every name can be overridden, and the configs follow", async () => {
  const b = new ceph.OpenStackCephBackend("ovr", {
    cluster,
    poolNames: { volumes: "cinder-volumes", images: "glance-images" },
    userNames: { cinder: "client.volumes" },
    cephConfDir: "/srv/ceph",
    clusterName: "east",
    cinderConf: "/etc/cinder/cinder.conf",
    cinderBackendName: "rbd-east",
    secretUuid: "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c",
    libvirt: false,
  });
  await value(pulumi.all([b.urn, b.cinder!.urn, b.cinderBackup!.urn]));
  const cinder = ofType("CephUser").find((u) => u.inputs.entity === "client.volumes")!;
  expect(cinder.inputs.caps.osd).toBe("profile rbd pool=cinder-volumes, profile rbd pool=vms, profile rbd-read-only pool=glance-images");
  expect(ofType("KeyringFile").map((k) => k.inputs.path)).toContain("/srv/ceph/east.client.volumes.keyring");
  expect(ofType("LibvirtCephSecret")).toEqual([]);
  expect(named("ovr-cinder-conf").inputs.spec).toMatchObject({ sectionName: "rbd-east", rbdPool: "cinder-volumes", rbdUser: "volumes", rbdCephConf: "/srv/ceph/east.conf" });
});

test("a hand-given rbd_secret_uuid that differs from the libvirt secret's is refused (validateSharedSecretUuid)", () => {
  const uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
  const other = "00000000-0000-4000-8000-000000000000";
  expect(checkSharedSecretUuid(uuid, uuid, "NovaLibvirtRbd nova")).toBe(uuid);
  expect(() => checkSharedSecretUuid(uuid, other, "NovaLibvirtRbd nova")).toThrow(
    `NovaLibvirtRbd nova: Nova's [libvirt] rbd_secret_uuid (${other}) differs from the libvirt secret UUID (${uuid}): all three must be the same UUID`,
  );
  expect(() => checkSharedSecretUuid(uuid, uuid.toUpperCase(), "CinderRbdBackend cinder")).toThrow(
    /CinderRbdBackend cinder: Cinder's rbd_secret_uuid .* only in letter case/,
  );
});

test("OpenStackCephBackend refuses options naming another secret UUID, before declaring anything", () => {
  const uuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
  const other = "0b5e3f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
  const make = (extra: Partial<ceph.OpenStackCephBackendArgs>) => () =>
    new ceph.OpenStackCephBackend("mismatch", { cluster, cinderConf: "/etc/cinder/cinder.conf", novaConf: "/etc/nova/nova.conf", secretUuid: uuid, ...extra });
  expect(make({ cinderOptions: { rbdSecretUuid: other } })).toThrow(
    `OpenStackCephBackend mismatch: Cinder's rbd_secret_uuid (${other}) differs from the libvirt secret UUID (${uuid}): all three must be the same UUID`,
  );
  expect(make({ novaOptions: { rbdSecretUuid: other }, libvirt: false })).toThrow(/Nova's \[libvirt\] rbd_secret_uuid .* differs/);
  expect(declared.filter((d) => d.name.startsWith("mismatch-"))).toEqual([]);
  expect(make({ cinderOptions: { rbdSecretUuid: uuid } })).not.toThrow();
});

// That the keyring stays a secret is proven through the real engine (test/claims.e2e.test.ts): here it
// would be a secret by construction.
test("CephClientFiles: keyring and conf under the chosen directory; the user's key is not an input", async () => {
  const user = new ceph.CephUser("glance", { cluster, entity: "client.glance", caps: ceph.rbdProfileCaps({ pools: ["images"] }) });
  const files = new ceph.CephClientFiles("glance-files", { cluster, user, directory: "/etc/ceph" });
  expect(await value(files.keyringPath)).toBe("/etc/ceph/ceph.client.glance.keyring");
  expect(await value(files.confPath)).toBe("/etc/ceph/ceph.conf");
  expect(named("glance").inputs).not.toHaveProperty("key");
  expect(named("glance-files-keyring").inputs.path).toBe("/etc/ceph/ceph.client.glance.keyring");
});
