// The openstack-helm chart values that point each service at Ceph, made from the very same
// option schemas and renderers as the INI files (provider/configRenderers.ts): a setting is
// rendered once, then placed either in a file's section or under the chart's `conf` tree, so the
// two deliveries cannot disagree. Pure functions: no cluster, no Kubernetes.
import { renderers } from "../../provider/configRenderers";
import { checkSpec, SpecValidationError } from "../../provider/openstack/common";
import type { CinderBackupCephSpec, CinderRbdBackendSpec, GlanceRbdStoreSpec, NovaLibvirtRbdSpec } from "../../provider/openstack";

/** The names openstack-helm's charts look for (their values.yaml defaults). */
export const OPENSTACK_HELM_NAMES = {
  /** `ceph_client.configmap` in the cinder, glance, nova and libvirt charts; data key `ceph.conf`. */
  cephConfConfigMap: "ceph-etc",
  /** cinder's `secrets.rbd.volume`: client.cinder's bare key under data key `key`. */
  cinderVolumeSecret: "cinder-volume-rbd-keyring",
  /** cinder's `secrets.rbd.backup`: client.cinder-backup's key. */
  cinderBackupSecret: "cinder-backup-rbd-keyring",
  /** glance's `secrets.rbd`: client.glance's key. */
  glanceSecret: "images-rbd-keyring",
  /**
   * Nova's rbd_user's key for nova-compute and libvirt (ours, not a chart default): bare under
   * `key` (libvirt's `external_ceph.user_secret_name` mounts that) and as a keyring file under
   * `keyring` (mounted into nova-compute where librados looks for it).
   */
  novaSecret: "nova-rbd-keyring",
} as const;

/** Where ceph.conf sits inside the charts' pods (they mount `ceph-etc` there). */
export const POD_CEPH_CONF = "/etc/ceph/ceph.conf";

type Section = Record<string, string>;

function rendered(service: string, spec: unknown) {
  const renderer = renderers[service];
  const checked = checkSpec(renderer.schema, spec);
  if (!checked.ok) throw new SpecValidationError(`${service} chart values`, checked.failures);
  return renderer.render(checked.value);
}

function section(sections: Array<{ section: string; values: Section }>, name: string): Section {
  return sections.find((s) => s.section === name)?.values ?? {};
}

export interface CinderChartValues {
  storage: "ceph";
  ceph_client: { configmap: string; internal_ceph_backend: string };
  secrets: { rbd: { volume: string; backup?: string } };
  manifests: { job_storage_init: false; job_backup_storage_init: false };
  dependencies: { static: Record<string, { jobs: string[] }> };
  conf: {
    ceph: { pools: Record<string, { replication: number; crush_rule: string; chunk_size: number; app_name: string }> };
    cinder: { DEFAULT: Section };
    /** helm-toolkit's to_oslo_conf writes a `{type: multistring, values}` as one line per value (replication_device). */
    backends: Record<string, Record<string, string | { type: "multistring"; values: string[] }> | null>;
  };
}

// The charts' storage-init jobs need the admin key and rewrite pool settings and user caps: the pools
// and users are declared here instead, so the jobs are off and dropped from the pods' dependencies
// (kubernetes-entrypoint would otherwise wait for a Job that never runs; Helm replaces lists whole).
const CINDER_JOBS = ["cinder-db-sync", "cinder-ks-user", "cinder-ks-endpoints", "cinder-rabbit-init"];
const GLANCE_JOBS = ["glance-db-sync", "glance-rabbit-init", "glance-ks-user", "glance-ks-endpoints"];

/**
 * cinder's values: the backend section under `conf.backends.<section>` (the chart's default `rbd1`
 * removed), `[DEFAULT]` keys (enabled_backends, cinder-backup's driver) under `conf.cinder.DEFAULT`.
 */
export function cinderChartValues(backend: CinderRbdBackendSpec, backup?: CinderBackupCephSpec): CinderChartValues {
  const volume = rendered("cinder", backend);
  const name = volume.sections.find((s) => s.section !== "DEFAULT")!.section;
  const defaults: Section = { ...section(volume.sections, "DEFAULT") };
  defaults.enabled_backends = volume.listItems.filter((i) => i.key === "enabled_backends").map((i) => i.item).join(",");
  if (backup) Object.assign(defaults, section(rendered("cinder-backup", backup).sections, "DEFAULT"));
  const multi = Object.fromEntries(
    (volume.multiValues ?? []).filter((m) => m.section === name).map((m) => [m.key, { type: "multistring" as const, values: m.values }]),
  );
  const backendValues = { ...section(volume.sections, name), ...multi };
  const pool = section(volume.sections, name).rbd_pool ?? "rbd";
  return {
    storage: "ceph",
    ceph_client: { configmap: OPENSTACK_HELM_NAMES.cephConfConfigMap, internal_ceph_backend: name },
    secrets: {
      rbd: { volume: OPENSTACK_HELM_NAMES.cinderVolumeSecret, ...(backup ? { backup: OPENSTACK_HELM_NAMES.cinderBackupSecret } : {}) },
    },
    manifests: { job_storage_init: false, job_backup_storage_init: false },
    dependencies: {
      static: Object.fromEntries(["api", "backup", "scheduler", "volume", "volume_usage_audit"].map((c) => [c, { jobs: CINDER_JOBS }])),
    },
    conf: {
      // The chart indexes conf.ceph.pools by each backend's rbd_pool even with the job off.
      ceph: { pools: { [pool]: { replication: 3, crush_rule: "replicated_rule", chunk_size: 8, app_name: "rbd" } } },
      cinder: { DEFAULT: defaults },
      backends: { ...(name === "rbd1" ? {} : { rbd1: null }), [name]: backendValues },
    },
  };
}

export interface GlanceChartValues {
  storage: "rbd";
  ceph_client: { configmap: string };
  secrets: { rbd: string };
  manifests: { job_storage_init: false };
  dependencies: { static: { api: { jobs: string[] } } };
  conf: { glance: { DEFAULT?: Section; rbd: Section } };
}

/**
 * glance's values: the chart runs Glance's multi-store configuration, where the rbd store's
 * options live in the `[rbd]` section (`conf.glance.rbd`) and `storage: rbd` makes the chart set
 * `enabled_backends` and `default_backend`; so `stores` and `default_store`, which only the
 * single-store `[glance_store]` of a file reads, are left out.
 */
export function glanceChartValues(store: GlanceRbdStoreSpec): GlanceChartValues {
  const out = rendered("glance", store);
  const { stores: _stores, default_store: _default, ...rbd } = section(out.sections, "glance_store");
  const defaults = section(out.sections, "DEFAULT");
  return {
    storage: "rbd",
    ceph_client: { configmap: OPENSTACK_HELM_NAMES.cephConfConfigMap },
    secrets: { rbd: OPENSTACK_HELM_NAMES.glanceSecret },
    manifests: { job_storage_init: false },
    dependencies: { static: { api: { jobs: GLANCE_JOBS } } },
    conf: { glance: { ...(Object.keys(defaults).length > 0 ? { DEFAULT: defaults } : {}), rbd } },
  };
}

/** The chart's `conf.ceph`: its own path (admin key, caps rewrite, key inline) off, the user and UUID named. */
interface ChartCephConf {
  enabled: false;
  admin_keyring: null;
  cinder: { user: string; keyring: null; secret_uuid: string };
}

interface PodMounts {
  volumes: Array<{ name: string; configMap?: { name: string; defaultMode: number }; secret?: { secretName: string; defaultMode: number } }>;
  volumeMounts: Array<{ name: string; mountPath: string; subPath: string; readOnly: true }>;
}

export interface NovaChartValues {
  ceph_client: { configmap: string };
  manifests: { job_storage_init: false };
  conf: { ceph: ChartCephConf; nova: { libvirt: Section } };
  pod: { mounts: { nova_compute: { nova_compute: PodMounts } } };
}

function novaCephConf(libvirt: NovaLibvirtRbdSpec) {
  const values = section(rendered("nova", libvirt).sections, "libvirt");
  const user = values.rbd_user ?? "cinder";
  const ceph: ChartCephConf = { enabled: false, admin_keyring: null, cinder: { user, keyring: null, secret_uuid: values.rbd_secret_uuid! } };
  return { values, user, ceph };
}

/**
 * nova's values: `[libvirt]` under `conf.nova.libvirt`. With `conf.ceph.enabled` the chart would
 * either render client.<user>'s key into its nova-bin ConfigMap (`conf.ceph.cinder.keyring`) or use
 * the admin key to fetch it and rewrite its caps to `profile rbd` on every pool. So that path is
 * off, and nova-compute gets ceph.conf (from `ceph-etc`) and the keyring (from SECRET's `keyring`)
 * mounted where `[libvirt]` and librados look for them.
 */
export function novaChartValues(libvirt: NovaLibvirtRbdSpec, secretName: string = OPENSTACK_HELM_NAMES.novaSecret): NovaChartValues {
  const { values, user, ceph } = novaCephConf(libvirt);
  const readOnly = true as const;
  return {
    ceph_client: { configmap: OPENSTACK_HELM_NAMES.cephConfConfigMap },
    manifests: { job_storage_init: false },
    conf: { ceph, nova: { libvirt: values } },
    pod: {
      mounts: {
        nova_compute: {
          nova_compute: {
            volumes: [
              { name: "ceph-client-conf", configMap: { name: OPENSTACK_HELM_NAMES.cephConfConfigMap, defaultMode: 0o444 } },
              // Readable by nova-compute's user, as the chart's own keyring file is.
              { name: "ceph-client-keyring", secret: { secretName, defaultMode: 0o444 } },
            ],
            volumeMounts: [
              { name: "ceph-client-conf", mountPath: values.images_rbd_ceph_conf ?? POD_CEPH_CONF, subPath: "ceph.conf", readOnly },
              { name: "ceph-client-keyring", mountPath: `/etc/ceph/ceph.client.${user}.keyring`, subPath: "keyring", readOnly },
            ],
          },
        },
      },
    },
  };
}

export interface LibvirtChartValues {
  ceph_client: { configmap: string };
  conf: {
    ceph: ChartCephConf & {
      cinder: { external_ceph: { enabled: true; user: string; secret_uuid: string; user_secret_name: string } };
    };
  };
}

/**
 * libvirt's values: the same user and UUID as Nova's `[libvirt]`. The chart's `external_ceph` path
 * is the one that reads the key from a Secret (its `key`), defining the libvirt secret with no
 * admin key and no caps rewrite; QEMU needs no ceph.conf, Nova's disk XML names the monitors.
 */
export function libvirtChartValues(libvirt: NovaLibvirtRbdSpec, secretName: string = OPENSTACK_HELM_NAMES.novaSecret): LibvirtChartValues {
  const { user, ceph } = novaCephConf(libvirt);
  const external_ceph = { enabled: true as const, user, secret_uuid: ceph.cinder.secret_uuid, user_secret_name: secretName };
  return {
    ceph_client: { configmap: OPENSTACK_HELM_NAMES.cephConfConfigMap },
    conf: { ceph: { ...ceph, cinder: { ...ceph.cinder, external_ceph } } },
  };
}
