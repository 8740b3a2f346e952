import { checkSpec } from "./common";
import { novaLibvirtRbdSchema, renderNovaLibvirtRbd } from "./nova";

const SECRET = "457eb676-33da-42ec-9a8c-9293d545c337";

function failuresOf(spec: unknown): string[] {
  const result = checkSpec(novaLibvirtRbdSchema, spec);
  return result.ok ? [] : result.failures.map((f) => `${f.property}: ${f.reason}`);
}

describe("Nova [libvirt] RBD settings", () => {
  it("renders a full spec to the exact [libvirt] key map", () => {
    expect(
      renderNovaLibvirtRbd({
        imagesRbdPool: "vms",
        imagesRbdCephConf: "/etc/ceph/ceph.conf",
        rbdUser: "cinder",
        rbdSecretUuid: SECRET,
        imagesRbdGlanceStoreName: "ceph",
        imagesRbdGlanceCopyPollInterval: 15,
        imagesRbdGlanceCopyTimeout: 600,
        hwDiskDiscard: "unmap",
        rbdConnectTimeout: 5,
        rbdDestroyVolumeRetryInterval: 5,
        rbdDestroyVolumeRetries: 12,
      }),
    ).toEqual({
      section: "libvirt",
      values: {
        images_type: "rbd",
        images_rbd_pool: "vms",
        images_rbd_ceph_conf: "/etc/ceph/ceph.conf",
        rbd_user: "cinder",
        rbd_secret_uuid: SECRET,
        images_rbd_glance_store_name: "ceph",
        images_rbd_glance_copy_poll_interval: "15",
        images_rbd_glance_copy_timeout: "600",
        hw_disk_discard: "unmap",
        rbd_connect_timeout: "5",
        rbd_destroy_volume_retry_interval: "5",
        rbd_destroy_volume_retries: "12",
      },
    });
  });

  it("always sets images_type = rbd", () => {
    expect(renderNovaLibvirtRbd({})).toEqual({ section: "libvirt", values: { images_type: "rbd" } });
  });

  it.each([
    [{ rbdUser: "cinder" }, "rbdSecretUuid: is required when rbdUser is set: libvirt needs the secret holding that user's key"],
    [{ rbdUser: "client.cinder", rbdSecretUuid: SECRET }, expect.stringMatching(/^rbdUser: must be the short user name without the 'client\.' prefix/)],
    [{ rbdSecretUuid: "not-a-uuid" }, expect.stringMatching(/^rbdSecretUuid: must be a canonical lowercase UUID/)],
    [{ imagesRbdPool: "vms@x" }, expect.stringMatching(/^imagesRbdPool: must be a Ceph pool name/)],
    [{ imagesRbdCephConf: "~/ceph.conf" }, "imagesRbdCephConf: must be an absolute path"],
    [{ hwDiskDiscard: "discard" }, "hwDiskDiscard: must be ignore or unmap"],
    [{ imagesRbdGlanceCopyTimeout: -1 }, "imagesRbdGlanceCopyTimeout: must be >= 0"],
    [{ rbdDestroyVolumeRetries: -1 }, "rbdDestroyVolumeRetries: must be >= 0"],
    [{ rbdDestroyVolumeRetryInterval: 0.5 }, "rbdDestroyVolumeRetryInterval: must be an integer"],
    [{ imagesType: "rbd" }, "imagesType: is not a known field"],
  ])("rejects %j naming the field", (spec, expected) => {
    expect(failuresOf(spec)).toEqual([expected]);
  });
});
