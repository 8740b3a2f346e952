/**
 * Nova's ephemeral disks on RBD: the [libvirt] options of nova/conf/libvirt.py
 * that the RBD image backend and the RBD volume driver read.
 */

import { z } from "zod";

import {
  absolutePath,
  cephPoolName,
  cephUserName,
  integer,
  parseSpec,
  renderOptions,
  RenderedSection,
  text,
  uuid,
  WHEN_FIELDS_ARE_VALID,
} from "./common";

export const novaLibvirtRbdSchema = z
  .strictObject({
    imagesRbdPool: cephPoolName().optional(),
    imagesRbdCephConf: absolutePath().optional(),
    rbdUser: cephUserName().optional(),
    /** The libvirt secret holding rbdUser's key; the same UUID as Cinder's rbd_secret_uuid. */
    rbdSecretUuid: uuid().optional(),
    /** The Glance store of this cluster, so Nova can ask Glance to copy images there before a copy-on-write boot. */
    imagesRbdGlanceStoreName: text().optional(),
    imagesRbdGlanceCopyPollInterval: integer({ min: 0 }).optional(),
    imagesRbdGlanceCopyTimeout: integer({ min: 0 }).optional(),
    /** `unmap` passes guests' discards to RBD, freeing space in the pool. */
    hwDiskDiscard: z.enum(["ignore", "unmap"], { error: "must be ignore or unmap" }).optional(),
    rbdConnectTimeout: integer().optional(),
    rbdDestroyVolumeRetryInterval: integer({ min: 0 }).optional(),
    rbdDestroyVolumeRetries: integer({ min: 0 }).optional(),
  })
  .superRefine((spec, ctx) => {
    // With a cephx user, libvirt authenticates with the secret named here; without one the guest cannot start.
    if (spec.rbdUser !== undefined && spec.rbdSecretUuid === undefined) {
      const message = "is required when rbdUser is set: libvirt needs the secret holding that user's key";
      ctx.addIssue({ code: "custom", path: ["rbdSecretUuid"], message });
    }
  }, WHEN_FIELDS_ARE_VALID);

export type NovaLibvirtRbdSpec = z.input<typeof novaLibvirtRbdSchema>;
export type NovaLibvirtRbd = z.output<typeof novaLibvirtRbdSchema>;

const LIBVIRT_KEYS = {
  imagesRbdPool: "images_rbd_pool",
  imagesRbdCephConf: "images_rbd_ceph_conf",
  rbdUser: "rbd_user",
  rbdSecretUuid: "rbd_secret_uuid",
  imagesRbdGlanceStoreName: "images_rbd_glance_store_name",
  imagesRbdGlanceCopyPollInterval: "images_rbd_glance_copy_poll_interval",
  imagesRbdGlanceCopyTimeout: "images_rbd_glance_copy_timeout",
  hwDiskDiscard: "hw_disk_discard",
  rbdConnectTimeout: "rbd_connect_timeout",
  rbdDestroyVolumeRetryInterval: "rbd_destroy_volume_retry_interval",
  rbdDestroyVolumeRetries: "rbd_destroy_volume_retries",
} as const satisfies { [Field in keyof NovaLibvirtRbd]?: string };

export function parseNovaLibvirtRbd(spec: unknown): NovaLibvirtRbd {
  return parseSpec(novaLibvirtRbdSchema, spec, "Nova libvirt RBD settings");
}

/** The [libvirt] section: images_type = rbd and the options the user set. */
export function renderNovaLibvirtRbd(spec: NovaLibvirtRbdSpec): RenderedSection {
  return { section: "libvirt", values: { images_type: "rbd", ...renderOptions(parseNovaLibvirtRbd(spec), LIBVIRT_KEYS) } };
}
