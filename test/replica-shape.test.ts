// The replica's refusals in OpenStackCephBackend, with Pulumi's mocks (no engine, no cluster): names
// that would make the replica's files or libvirt secret the primary's are refused, naming the field.
// (Through the real engine, with nothing created: test/openstack-replicated.e2e.test.ts.)
import * as pulumi from "@pulumi/pulumi";

const declared: Array<{ type: string; name: string; inputs: Record<string, any> }> = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      declared.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: { ...args.inputs, key: "mock-key", fsid: "f", monHost: "m" } };
    },
    call: () => ({}),
  },
  "shape",
  "test",
  false,
);

// Loaded after the mocks are in place.
import * as ceph from "../sdk";

const primary = new ceph.CephCluster({ monHost: "v2:10.0.0.1:3300", key: "AQ-mock" });
const replicaCluster = new ceph.CephCluster({ monHost: "v2:10.0.1.1:3300", key: "AQ-mock" });
const secretUuid = "5a2e1c3b-7d4f-4e6a-9b8c-0d1e2f3a4b5c";
const other = "7c3d2e1f-0a9b-4c8d-8e7f-6a5b4c3d2e1f";

const refusals: Array<[{ siteName: string; secretUuid: string }, string]> = [
  [{ siteName: "ceph", secretUuid: other }, 'replica.siteName: must not be "ceph": librbd refuses a mirroring peer of that site name'],
  [{ siteName: "site-a", secretUuid: other }, 'replica.siteName: must differ from the primary\'s site name "site-a": mirroring peers are told apart by it'],
  [{ siteName: "default", secretUuid: other }, 'replica.siteName: must not be "default": Cinder uses it to fail back to the primary'],
  [{ siteName: "site b", secretUuid: other }, "replica.siteName: must be a Ceph cluster name: a letter, then letters, digits, '_' or '-'"],
  [{ siteName: "site-b", secretUuid }, "replica.secretUuid: must differ from secretUuid: the replica's client.cinder key needs a libvirt secret of its own"],
  [{ siteName: "site-b", secretUuid: other.toUpperCase() }, "replica.secretUuid: must be a canonical lowercase UUID"],
];
test.each(refusals)("refuses the replica, naming the field: %p", (replica, message) => {
  expect(
    () => new ceph.OpenStackCephBackend("os", { cluster: primary, cinderConf: "/etc/cinder/cinder.conf", secretUuid, siteName: "site-a", replica: { cluster: replicaCluster, ...replica } }),
  ).toThrow(message);
});

test("the primary's site name is required with a mirrored replica, and checked like the replica's", () => {
  const make = (siteName?: string, mirroring?: boolean) => () =>
    new ceph.OpenStackCephBackend("os", { cluster: primary, secretUuid, siteName, replica: { cluster: replicaCluster, siteName: "site-b", secretUuid: other, mirroring } });
  expect(make()).toThrow("siteName: is required with a mirrored replica: the primary's RBD mirroring site name");
  expect(make("ceph")).toThrow('siteName: must not be "ceph": librbd refuses a mirroring peer of that site name');
  expect(make(undefined, false)).not.toThrow();
});

test("the replica's site name must not be the primary's cluster name (its files would be the primary's)", () => {
  expect(
    () =>
      new ceph.OpenStackCephBackend("os", {
        cluster: primary,
        secretUuid,
        clusterName: "site-b",
        replica: { cluster: replicaCluster, siteName: "site-b", secretUuid: other, mirroring: false },
      }),
  ).toThrow('replica.siteName: must differ from the primary\'s cluster name "site-b": the replica\'s files would be the primary\'s');
});

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test("CinderRbdBackend: a device without confPath gets Cinder's default conf, /etc/ceph/<backendId>.conf, and names the replica's user and secret", async () => {
  const volumes = new ceph.Pool("shape-volumes", { cluster: primary, name: "volumes", application: "rbd" });
  const user = new ceph.CephUser("shape-cinder", { cluster: primary, entity: "client.cinder", caps: { mon: "profile rbd" } });
  const replicaUser = new ceph.CephUser("shape-cinder-b", { cluster: replicaCluster, entity: "client.cinder-b", caps: { mon: "profile rbd" } });
  const backend = new ceph.CinderRbdBackend("shape-cinder-conf", {
    path: "/etc/cinder/cinder.conf",
    pool: volumes,
    user,
    replicationDevices: [{ backendId: "site-b", cluster: replicaCluster, user: replicaUser, secretUuid: other }],
  });
  await value(backend.urn);
  const spec = declared.find((d) => d.name === "shape-cinder-conf")!.inputs.spec;
  expect(spec.replicationDevices).toEqual([{ backendId: "site-b", conf: "/etc/ceph/site-b.conf", user: "cinder-b", secretUuid: other, monHost: "v2:10.0.1.1:3300" }]);
});

test("replica.mirroring: false declares no PoolMirroring or MirrorPeer; by default there is one on each side and a peer", async () => {
  const types = async (name: string, mirroring?: boolean) => {
    const b = new ceph.OpenStackCephBackend(name, { cluster: primary, secretUuid, siteName: "site-a", replica: { cluster: replicaCluster, siteName: "site-b", secretUuid: other, mirroring } });
    await value(b.urn);
    await value(pulumi.all(Object.values(b.replica!.pools).map((p) => p.urn)));
    if (b.replica!.mirroring) await value(b.replica!.mirroring.peer.urn);
    return declared.filter((d) => d.name.startsWith(`${name}-`) && /Mirror/.test(d.type)).map((d) => [d.type.replace(/^.*ceph:/, ""), d.inputs.siteName ?? d.inputs.direction]).sort();
  };
  expect(await types("nomirror", false)).toEqual([]);
  expect(await types("mirrored")).toEqual([["MirrorPeer", "rx-tx"], ["PoolMirroring", "site-a"], ["PoolMirroring", "site-b"]]);
});
