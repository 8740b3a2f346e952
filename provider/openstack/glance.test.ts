import { checkSpec } from "./common";
import { glanceRbdStoreSchema, renderGlanceDefaults, renderGlanceRbdStore } from "./glance";

function failuresOf(spec: unknown): string[] {
  const result = checkSpec(glanceRbdStoreSchema, spec);
  return result.ok ? [] : result.failures.map((f) => `${f.property}: ${f.reason}`);
}

describe("Glance RBD store", () => {
  it("renders a full spec to the exact [glance_store] key map", () => {
    expect(
      renderGlanceRbdStore({
        stores: ["rbd", "http"],
        defaultStore: "rbd",
        rbdStorePool: "images",
        rbdStoreUser: "glance",
        rbdStoreCephConf: "/etc/ceph/ceph.conf",
        rbdStoreChunkSize: 8,
        radosConnectTimeout: 0,
        rbdThinProvisioning: true,
        showImageDirectUrl: true,
      }),
    ).toEqual({
      section: "glance_store",
      values: {
        stores: "rbd,http",
        default_store: "rbd",
        rbd_store_pool: "images",
        rbd_store_user: "glance",
        rbd_store_ceph_conf: "/etc/ceph/ceph.conf",
        rbd_store_chunk_size: "8",
        rados_connect_timeout: "0",
        rbd_thin_provisioning: "true",
      },
    });
  });

  it("defaults stores and default_store to rbd", () => {
    expect(renderGlanceRbdStore({})).toEqual({ section: "glance_store", values: { stores: "rbd", default_store: "rbd" } });
  });

  it("renders show_image_direct_url into [DEFAULT] only when set", () => {
    expect(renderGlanceDefaults({ showImageDirectUrl: true })).toEqual({ section: "DEFAULT", values: { show_image_direct_url: "true" } });
    expect(renderGlanceDefaults({})).toEqual({ section: "DEFAULT", values: {} });
  });

  it("accepts a default store that is enabled under another scheme name", () => {
    expect(failuresOf({ stores: ["rbd", "http"], defaultStore: "https" })).toEqual([]);
  });

  it.each([
    [{ rbdStoreChunkSize: 0 }, "rbdStoreChunkSize: must be >= 1"],
    [{ rbdStoreChunkSize: 12 }, expect.stringMatching(/^rbdStoreChunkSize: must be a power of two/)],
    [{ radosConnectTimeout: 2.5 }, "radosConnectTimeout: must be an integer"],
    [{ rbdThinProvisioning: "false" }, "rbdThinProvisioning: must be true or false"],
    [{ rbdStoreUser: "client.glance" }, expect.stringMatching(/^rbdStoreUser: must be the short user name without the 'client\.' prefix \(use "glance"/)],
    [{ rbdStorePool: "-images" }, expect.stringMatching(/^rbdStorePool: must be a Ceph pool name/)],
    [{ rbdStoreCephConf: "" }, "rbdStoreCephConf: must not be empty"],
    [{ stores: ["http"] }, "stores: must include rbd"],
    [{ stores: [] }, "stores: must not be empty"],
    [{ stores: "rbd" }, "stores: must be a list of store names"],
    [{ stores: ["rbd", "rbd"] }, "stores: must not list a store twice"],
    [{ stores: ["rbd", "Swift"] }, "stores[1]: must be a store name such as rbd, http or file"],
    [{ defaultStore: "ceph" }, expect.stringMatching(/^defaultStore: must be one of file, filesystem/)],
    [{ defaultStore: "file" }, "defaultStore: must be one of the enabled stores (rbd)"],
    [{ showImageDirectUrl: "yes" }, "showImageDirectUrl: must be true or false"],
  ])("rejects %j naming the field", (spec, expected) => {
    expect(failuresOf(spec)).toEqual([expected]);
  });
});
