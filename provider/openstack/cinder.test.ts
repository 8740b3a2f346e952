import { checkSpec, SpecValidationError } from "./common";
import { cinderRbdBackendSchema, renderCinderDefaults, renderCinderRbdBackend, renderCinderReplicationDevices } from "./cinder";

const SECRET = "457eb676-33da-42ec-9a8c-9293d545c337";

/** The failures for one spec, as `field: reason` strings. */
function failuresOf(spec: unknown): string[] {
  const result = checkSpec(cinderRbdBackendSchema, spec);
  return result.ok ? [] : result.failures.map((f) => `${f.property}: ${f.reason}`);
}

describe("Cinder RBD backend", () => {
  it("renders a full spec to the exact oslo key map", () => {
    const rendered = renderCinderRbdBackend({
      sectionName: "ceph-ssd",
      volumeBackendName: "fast",
      rbdPool: "volumes",
      rbdUser: "cinder",
      rbdCephConf: "/etc/ceph/ceph.conf",
      rbdClusterName: "ceph",
      rbdSecretUuid: SECRET,
      rbdFlattenVolumeFromSnapshot: false,
      rbdMaxCloneDepth: 0,
      rbdStoreChunkSize: 4,
      radosConnectTimeout: -1,
      radosConnectionRetries: 3,
      radosConnectionInterval: 5,
      replicationConnectTimeout: 5,
      reportDynamicTotalCapacity: true,
      rbdExclusiveCinderPool: true,
      enableDeferredDeletion: true,
      deferredDeletionDelay: 3600,
      deferredDeletionPurgeInterval: 60,
      glanceApiVersion: 2,
    });
    expect(rendered).toEqual({
      section: "ceph-ssd",
      values: {
        volume_driver: "cinder.volume.drivers.rbd.RBDDriver",
        volume_backend_name: "fast",
        rbd_cluster_name: "ceph",
        rbd_pool: "volumes",
        rbd_user: "cinder",
        rbd_ceph_conf: "/etc/ceph/ceph.conf",
        rbd_flatten_volume_from_snapshot: "false",
        rbd_secret_uuid: SECRET,
        rbd_max_clone_depth: "0",
        rbd_store_chunk_size: "4",
        rados_connect_timeout: "-1",
        rados_connection_retries: "3",
        rados_connection_interval: "5",
        replication_connect_timeout: "5",
        report_dynamic_total_capacity: "true",
        rbd_exclusive_cinder_pool: "true",
        enable_deferred_deletion: "true",
        deferred_deletion_delay: "3600",
        deferred_deletion_purge_interval: "60",
      },
    });
    expect(Object.keys(rendered.values).slice(0, 2)).toEqual(["volume_driver", "volume_backend_name"]);
  });

  it("renders only the driver and backend name for an empty spec, in section [ceph]", () => {
    expect(renderCinderRbdBackend({})).toEqual({
      section: "ceph",
      values: { volume_driver: "cinder.volume.drivers.rbd.RBDDriver", volume_backend_name: "ceph" },
    });
  });

  it("defaults volume_backend_name to the section name", () => {
    expect(renderCinderRbdBackend({ sectionName: "rbd-1", rbdPool: "volumes" }).values).toEqual({
      volume_driver: "cinder.volume.drivers.rbd.RBDDriver",
      volume_backend_name: "rbd-1",
      rbd_pool: "volumes",
    });
  });

  it("renders the [DEFAULT] part: the enabled_backends item and glance_api_version when set", () => {
    expect(renderCinderDefaults({ sectionName: "ceph", glanceApiVersion: 2 })).toEqual({
      section: "DEFAULT",
      enabledBackendsItem: "ceph",
      values: { glance_api_version: "2" },
    });
    expect(renderCinderDefaults({})).toEqual({ section: "DEFAULT", enabledBackendsItem: "ceph", values: {} });
  });

  it.each([
    [{ rbdMaxCloneDepth: -1 }, "rbdMaxCloneDepth: must be >= 0"],
    [{ rbdMaxCloneDepth: 1.5 }, "rbdMaxCloneDepth: must be an integer"],
    [{ rbdMaxCloneDepth: "5" }, "rbdMaxCloneDepth: must be an integer"],
    [{ rbdStoreChunkSize: 0 }, "rbdStoreChunkSize: must be >= 1"],
    [{ rbdStoreChunkSize: 64 }, "rbdStoreChunkSize: must be <= 32"],
    [{ rbdStoreChunkSize: 3 }, expect.stringMatching(/^rbdStoreChunkSize: must be a power of two/)],
    [{ radosConnectionRetries: -1 }, "radosConnectionRetries: must be >= 0"],
    [{ radosConnectionInterval: -5 }, "radosConnectionInterval: must be >= 0"],
    [{ deferredDeletionDelay: -1 }, "deferredDeletionDelay: must be >= 0"],
    [{ deferredDeletionPurgeInterval: 0 }, "deferredDeletionPurgeInterval: must be >= 1"],
    [{ rbdFlattenVolumeFromSnapshot: "true" }, "rbdFlattenVolumeFromSnapshot: must be true or false"],
    [{ reportDynamicTotalCapacity: 1 }, "reportDynamicTotalCapacity: must be true or false"],
    [{ rbdUser: "client.cinder" }, 'rbdUser: must be the short user name without the \'client.\' prefix (use "cinder", not "client.cinder")'],
    [{ rbdUser: "cin der" }, expect.stringMatching(/^rbdUser: must be a Ceph user id/)],
    [{ rbdPool: "vol/umes" }, expect.stringMatching(/^rbdPool: must be a Ceph pool name/)],
    [{ rbdPool: "" }, expect.stringMatching(/^rbdPool: must be a Ceph pool name/)],
    [{ rbdSecretUuid: SECRET.toUpperCase() }, expect.stringMatching(/^rbdSecretUuid: must be a canonical lowercase UUID/)],
    [{ rbdSecretUuid: SECRET.replace(/-/g, "") }, expect.stringMatching(/^rbdSecretUuid: must be a canonical lowercase UUID/)],
    [{ rbdCephConf: "ceph.conf" }, "rbdCephConf: must be an absolute path"],
    [{ rbdCephConf: "/etc/ceph/ceph.conf\n" }, "rbdCephConf: must not contain control characters or line breaks"],
    [{ rbdClusterName: "1ceph" }, expect.stringMatching(/^rbdClusterName: must be a Ceph cluster name/)],
    [{ sectionName: "DEFAULT" }, "sectionName: must not be DEFAULT: the backend needs a section of its own"],
    [{ sectionName: "default" }, "sectionName: must not be DEFAULT: the backend needs a section of its own"],
    [{ sectionName: "ceph]" }, expect.stringMatching(/^sectionName: must be a section name/)],
    [{ sectionName: "a,b" }, expect.stringMatching(/^sectionName: must be a section name/)],
    [{ volumeBackendName: " fast" }, "volumeBackendName: must not start or end with whitespace"],
    [{ volumeBackendName: "" }, "volumeBackendName: must not be empty"],
    [{ glanceApiVersion: 1 }, "glanceApiVersion: must be 2 (the only Image API version Cinder supports)"],
    [{ rbdpool: "volumes" }, "rbdpool: is not a known field"],
  ])("rejects %j naming the field", (spec, expected) => {
    expect(failuresOf(spec)).toEqual([expected]);
  });

  it("reports every bad field at once, and throws from render with all of them", () => {
    expect(failuresOf({ rbdMaxCloneDepth: -1, rbdUser: "client.cinder" })).toHaveLength(2);
    expect(() => renderCinderRbdBackend({ rbdMaxCloneDepth: -1 })).toThrow(SpecValidationError);
    expect(() => renderCinderRbdBackend({ rbdMaxCloneDepth: -1 })).toThrow("invalid Cinder RBD backend: rbdMaxCloneDepth: must be >= 0");
  });

  describe("replicationDevices", () => {
    const B = "0b0b0b0b-1111-4222-8333-444444444444";
    const device = (over: Record<string, unknown> = {}) => ({ backendId: "site-b", conf: "/etc/ceph/site-b.conf", user: "cinder", secretUuid: B, ...over });
    const FSID = "11111111-2222-4333-8444-555555555555";

    it("renders one replication_device line per device, in order, and none without devices", () => {
      expect(renderCinderReplicationDevices({ replicationDevices: [device(), device({ backendId: "site-c", conf: "/etc/ceph/site-c.conf", user: "cinder-c" })] })).toEqual([
        `backend_id:site-b,conf:/etc/ceph/site-b.conf,user:cinder,secret_uuid:${B}`,
        `backend_id:site-c,conf:/etc/ceph/site-c.conf,user:cinder-c,secret_uuid:${B}`,
      ]);
      expect(renderCinderReplicationDevices({})).toEqual([]);
      // The check-only fields are not written anywhere.
      const spec = { rbdPool: "volumes", clusterFsid: FSID, clusterMonHost: "v2:10.0.0.1:3300", replicationDevices: [device({ fsid: B, monHost: "v2:10.0.1.1:3300", pool: "volumes" })] };
      expect(Object.keys(renderCinderRbdBackend(spec).values)).toEqual(["volume_driver", "volume_backend_name", "rbd_pool"]);
    });

    const refusals: Array<[Record<string, unknown>, unknown]> = [
      [{ replicationDevices: [device(), device({ conf: "/etc/ceph/x.conf" })] }, 'replicationDevices[1].backendId: must be unique: replicationDevices[0] is "site-b" too'],
      [{ replicationDevices: [device({ backendId: "default" })] }, 'replicationDevices[0].backendId: must not be "default": Cinder uses it to fail back to the primary'],
      [{ replicationDevices: [device({ backendId: "a,b" })] }, "replicationDevices[0].backendId: must not contain ',' (replication_device is a comma-separated key:value list)"],
      [{ replicationDevices: [device({ backendId: "a:b" })] }, "replicationDevices[0].backendId: must not contain ':'"],
      [{ replicationDevices: [device({ conf: "site-b.conf" })] }, "replicationDevices[0].conf: must be an absolute path"],
      [{ replicationDevices: [device({ conf: "/etc/ceph/a,b.conf" })] }, "replicationDevices[0].conf: must not contain ',' (replication_device is a comma-separated key:value list)"],
      [{ rbdCephConf: "/etc/ceph/ceph.conf", replicationDevices: [device({ conf: "/etc/ceph/ceph.conf" })] }, "replicationDevices[0].conf: is the primary's ceph.conf (rbdCephConf): a replica needs its own"],
      [{ replicationDevices: [device(), device({ backendId: "c" })] }, "replicationDevices[1].conf: must be the replica's own ceph.conf: replicationDevices[0] uses /etc/ceph/site-b.conf too"],
      [{ replicationDevices: [device({ user: "client.cinder" })] }, expect.stringMatching(/^replicationDevices\[0\]\.user: must be the short user name/)],
      [{ replicationDevices: [device({ secretUuid: "nope" })] }, expect.stringMatching(/^replicationDevices\[0\]\.secretUuid: must be a canonical lowercase UUID/)],
      [{ replicationDevices: [device({ pool: "volumes-b" })], rbdPool: "volumes" }, 'replicationDevices[0].pool: must be "volumes" (rbdPool): Cinder uses the same pool name on the primary and every replica'],
      [{ clusterFsid: FSID, replicationDevices: [device({ fsid: FSID })] }, `replicationDevices[0].fsid: is the primary cluster's fsid (${FSID}): a replica must be another cluster`],
      [{ clusterMonHost: "[v2:10.0.0.1:3300,v1:10.0.0.1:6789]", replicationDevices: [device({ monHost: "v2:10.0.0.9:3300,v2:10.0.0.1:3300" })] }, "replicationDevices[0].monHost: shares monitor 10.0.0.1:3300 with the primary cluster: a replica must be another cluster"],
      [{ replicationDevices: [{ ...device(), bogus: 1 }] }, "replicationDevices[0].bogus: is not a known field"],
      [{ replicationDevices: [{ backendId: "x", user: "cinder", secretUuid: B }] }, "replicationDevices[0].conf: is required"],
    ];
    it.each(refusals)("refuses a replica spec, naming the field: %p", (spec, expected) => {
      expect(failuresOf(spec)).toEqual([expected]);
    });

    it("accepts a replica on other monitors with another fsid and the same pool", () => {
      expect(failuresOf({ rbdPool: "volumes", clusterFsid: FSID, clusterMonHost: "v2:127.0.0.1:40001", replicationDevices: [device({ fsid: B, monHost: "v2:127.0.0.1:40002", pool: "volumes" })] })).toEqual([]);
    });
  });

  it("rejects a spec that is not an object", () => {
    expect(failuresOf("ceph")).toHaveLength(1);
    expect(failuresOf("ceph")[0]).toMatch(/^spec: /);
  });
});
