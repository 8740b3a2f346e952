// The services whose INI settings ConfigSettings manages: for each, the zod schema of its spec and
// how a valid spec becomes sections of key = value (plus shared comma-list items such as
// Cinder's [DEFAULT] enabled_backends).
import { z } from "zod";

export interface Rendered {
  sections: Array<{ section: string; values: Record<string, string> }>;
  listItems: Array<{ section: string; key: string; item: string }>;
}

export interface Renderer<S = any> {
  schema: z.ZodType<S>;
  render(spec: S): Rendered;
}

/** A minimal client ceph.conf: how to find the cluster (and, optionally, where keyrings are). */
const cephClient: Renderer<{ fsid: string; monHost: string; keyring?: string; section?: string }> = {
  schema: z.object({
    fsid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be the cluster's fsid (a UUID)"),
    monHost: z.string().min(1, "must list the monitors"),
    keyring: z.string().regex(/^\//, "must be an absolute path (it may use $cluster and $name)").optional(),
    section: z.string().default("global"),
  }),
  render: (spec) => ({
    sections: [
      {
        section: spec.section ?? "global",
        values: { fsid: spec.fsid, mon_host: spec.monHost, ...(spec.keyring ? { keyring: spec.keyring } : {}) },
      },
    ],
    listItems: [],
  }),
};

export const renderers: Record<string, Renderer> = {
  "ceph-client": cephClient,
};
