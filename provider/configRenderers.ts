// The services whose INI settings ConfigSettings manages: for each, the zod schema of its spec and
// how a valid spec becomes sections of key = value (plus shared comma-list items such as
// Cinder's [DEFAULT] enabled_backends).
import { z } from "zod";
import {
  cinderBackupCephSchema,
  cinderRbdBackendSchema,
  glanceRbdStoreSchema,
  novaLibvirtRbdSchema,
  renderCinderBackupCeph,
  renderCinderDefaults,
  renderCinderRbdBackend,
  renderCinderReplicationDevices,
  renderGlanceDefaults,
  renderGlanceRbdStore,
  renderNovaLibvirtRbd,
  type RenderedSection,
} from "./openstack";
import { absolutePath, text } from "./openstack/common";

export interface Rendered {
  sections: Array<{ section: string; values: Record<string, string> }>;
  listItems: Array<{ section: string; key: string; item: string }>;
  /** Multi-valued keys (oslo MultiOpt): one line per value, the resource owning every line of the key. */
  multiValues?: Array<{ section: string; key: string; values: string[] }>;
}

export interface Renderer<S = any> {
  schema: z.ZodType<S>;
  render(spec: S): Rendered;
}

/** A minimal client ceph.conf: how to find the cluster (and, optionally, where keyrings are). */
const cephClient: Renderer<{ fsid: string; monHost: string; keyring?: string; section?: string }> = {
  schema: z.object({
    fsid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be the cluster's fsid (a UUID)"),
    // One-line values only: a line break would start a section or key of its own in ceph.conf.
    monHost: text(),
    keyring: absolutePath().optional(),
    section: z
      .string()
      .regex(/^[A-Za-z0-9_$][A-Za-z0-9_.$-]*$/, "must be a section name such as global or client.cinder")
      .max(255, "must be at most 255 characters")
      .default("global"),
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

/** Drops sections with no keys (e.g. [DEFAULT] when the spec sets nothing there). */
const sections = (...list: RenderedSection[]) => list.filter((s) => Object.keys(s.values).length > 0);

export const renderers: Record<string, Renderer> = {
  "ceph-client": cephClient,
  glance: {
    schema: glanceRbdStoreSchema,
    render: (spec) => ({ sections: sections(renderGlanceRbdStore(spec), renderGlanceDefaults(spec)), listItems: [] }),
  },
  cinder: {
    schema: cinderRbdBackendSchema,
    render: (spec) => {
      const defaults = renderCinderDefaults(spec);
      const backend = renderCinderRbdBackend(spec);
      const replicationDevices = renderCinderReplicationDevices(spec);
      return {
        sections: sections(backend, defaults),
        // enabled_backends is shared by every backend in the file: each adds and removes only its own item.
        listItems: [{ section: "DEFAULT", key: "enabled_backends", item: defaults.enabledBackendsItem }],
        ...(replicationDevices.length > 0
          ? { multiValues: [{ section: backend.section, key: "replication_device", values: replicationDevices }] }
          : {}),
      };
    },
  },
  "cinder-backup": {
    schema: cinderBackupCephSchema,
    render: (spec) => ({ sections: sections(renderCinderBackupCeph(spec)), listItems: [] }),
  },
  nova: {
    schema: novaLibvirtRbdSchema,
    render: (spec) => ({ sections: sections(renderNovaLibvirtRbd(spec)), listItems: [] }),
  },
};
