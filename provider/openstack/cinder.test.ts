import { checkSpec, SpecValidationError } from "./common";
import { cinderRbdBackendSchema, renderCinderDefaults, renderCinderRbdBackend } from "./cinder";

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

  it("rejects a spec that is not an object", () => {
    expect(failuresOf("ceph")).toHaveLength(1);
    expect(failuresOf("ceph")[0]).toMatch(/^spec: /);
  });
});
