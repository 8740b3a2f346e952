/**
 * Glance's RBD store: the [glance_store] options of glance_store/_drivers/rbd.py
 * and glance_store/backend.py (the single-store `stores`/`default_store` form).
 */

import { z } from "zod";

import {
  absolutePath,
  boolean,
  cephPoolName,
  cephUserName,
  integer,
  parseSpec,
  rbdChunkSizeMiB,
  renderOptions,
  RenderedSection,
  WHEN_FIELDS_ARE_VALID,
} from "./common";

/** default_store's choices in glance_store/backend.py. */
export const GLANCE_DEFAULT_STORE_CHOICES = [
  "file", "filesystem", "http", "https", "swift", "swift+http", "swift+https", "swift+config", "rbd", "cinder", "vsphere", "s3",
] as const;

/** The store a default_store scheme belongs to (several schemes share one store). */
function storeOfScheme(scheme: string): string {
  if (scheme === "filesystem") return "file";
  if (scheme === "https") return "http";
  if (scheme.startsWith("swift")) return "swift";
  if (scheme === "vsphere") return "vmware";
  return scheme;
}

export const glanceRbdStoreSchema = z
  .strictObject({
    /** Enabled stores; must include `rbd`. */
    stores: z
      .array(z.string().regex(/^[a-z][a-z0-9+]*$/, "must be a store name such as rbd, http or file"), {
        error: "must be a list of store names",
      })
      .min(1, { error: "must not be empty", abort: true })
      .refine((stores) => new Set(stores).size === stores.length, { error: "must not list a store twice", abort: true })
      .refine((stores) => stores.includes("rbd"), "must include rbd")
      .default(["rbd"]),
    defaultStore: z
      .enum(GLANCE_DEFAULT_STORE_CHOICES, { error: `must be one of ${GLANCE_DEFAULT_STORE_CHOICES.join(", ")}` })
      .default("rbd"),
    rbdStorePool: cephPoolName().optional(),
    rbdStoreUser: cephUserName().optional(),
    rbdStoreCephConf: absolutePath().optional(),
    /** MiB; oslo's min is 1, librbd's largest object is 32 MiB. */
    rbdStoreChunkSize: rbdChunkSizeMiB().optional(),
    /** Seconds; 0 or less leaves librados' default. */
    radosConnectTimeout: integer().optional(),
    rbdThinProvisioning: boolean().optional(),
    /**
     * [DEFAULT] show_image_direct_url: Cinder and Nova can clone an image
     * copy-on-write only when Glance shows them its rbd:// location.
     */
    showImageDirectUrl: boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    if (!spec.stores.includes(storeOfScheme(spec.defaultStore))) {
      const message = `must be one of the enabled stores (${spec.stores.join(", ")})`;
      ctx.addIssue({ code: "custom", path: ["defaultStore"], message });
    }
  }, WHEN_FIELDS_ARE_VALID);

export type GlanceRbdStoreSpec = z.input<typeof glanceRbdStoreSchema>;
export type GlanceRbdStore = z.output<typeof glanceRbdStoreSchema>;

const STORE_KEYS = {
  stores: "stores",
  defaultStore: "default_store",
  rbdStorePool: "rbd_store_pool",
  rbdStoreUser: "rbd_store_user",
  rbdStoreCephConf: "rbd_store_ceph_conf",
  rbdStoreChunkSize: "rbd_store_chunk_size",
  radosConnectTimeout: "rados_connect_timeout",
  rbdThinProvisioning: "rbd_thin_provisioning",
} as const satisfies { [Field in keyof GlanceRbdStore]?: string };

export function parseGlanceRbdStore(spec: unknown): GlanceRbdStore {
  return parseSpec(glanceRbdStoreSchema, spec, "Glance RBD store");
}

/** The [glance_store] section. */
export function renderGlanceRbdStore(spec: GlanceRbdStoreSpec): RenderedSection {
  return { section: "glance_store", values: renderOptions(parseGlanceRbdStore(spec), STORE_KEYS) };
}

/** The [DEFAULT] keys the spec sets (empty unless showImageDirectUrl is given). */
export function renderGlanceDefaults(spec: GlanceRbdStoreSpec): RenderedSection {
  return { section: "DEFAULT", values: renderOptions(parseGlanceRbdStore(spec), { showImageDirectUrl: "show_image_direct_url" }) };
}
