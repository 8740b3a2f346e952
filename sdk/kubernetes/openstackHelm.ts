// OpenStackHelmDelivery: the Ceph side of openstack-helm's cinder, glance, nova and libvirt charts,
// as Kubernetes objects and chart values. The client ceph.conf goes in a ConfigMap, each cephx
// user's key in a Secret of its own (never in a ConfigMap, a label or plain outputs), and the
// settings each chart needs come out as a typed values object per chart, made from the same specs
// as the INI resources (sdk/openstack.ts), ready for `k8s.helm.v3.Release` or a values file.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { CinderBackupCephSpec, CinderRbdBackendSpec, GlanceRbdStoreSpec, NovaLibvirtRbdSpec } from "../../provider/openstack";
import { CephUser } from "../cephUser";
import { CephCluster } from "../cluster";
import { CephClusterInfo } from "../clusterInfo";
import { cinderBackupCephSpec, cinderRbdBackendSpec, glanceRbdStoreSpec, novaLibvirtRbdSpec } from "../openstack";
import { Pool } from "../pool";
import {
  cinderChartValues,
  glanceChartValues,
  libvirtChartValues,
  novaChartValues,
  OPENSTACK_HELM_NAMES,
  POD_CEPH_CONF,
  type CinderChartValues,
  type GlanceChartValues,
  type LibvirtChartValues,
  type NovaChartValues,
} from "./chartValues";
import { cephConfConfigMap, userKeySecret } from "./cephClientObjects";
import type { KubernetesTarget } from "./target";

export interface OpenStackHelmDeliveryArgs {
  cluster: CephCluster;
  target: KubernetesTarget;
  pools: { volumes: Pool; images: Pool; backups: Pool; vms: Pool };
  users: { glance: CephUser; cinder: CephUser; cinderBackup: CephUser };
  /** The UUID shared by Cinder's and Nova's rbd_secret_uuid and libvirt's secret. */
  secretUuid: pulumi.Input<string>;
  /** Cluster info to use (one is made if not given). */
  info?: CephClusterInfo;
  cinderBackendName?: pulumi.Input<string>;
  glanceOptions?: Partial<GlanceRbdStoreSpec>;
  cinderOptions?: Partial<CinderRbdBackendSpec>;
  cinderBackupOptions?: Partial<CinderBackupCephSpec>;
  novaOptions?: Partial<NovaLibvirtRbdSpec>;
}

export class OpenStackHelmDelivery extends pulumi.ComponentResource {
  /** ConfigMap `ceph-etc` (data key `ceph.conf`): fsid and mon_host. */
  readonly cephConf: k8s.core.v1.ConfigMap;
  /** The charts' keyring Secrets, each holding one user's bare key under `key`. */
  readonly secrets: { glance: k8s.core.v1.Secret; cinder: k8s.core.v1.Secret; cinderBackup: k8s.core.v1.Secret; nova: k8s.core.v1.Secret };
  /** Values for each chart (no keys in them). */
  readonly values: {
    cinder: pulumi.Output<CinderChartValues>;
    glance: pulumi.Output<GlanceChartValues>;
    nova: pulumi.Output<NovaChartValues>;
    libvirt: pulumi.Output<LibvirtChartValues>;
  };

  constructor(name: string, args: OpenStackHelmDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ceph:kubernetes:OpenStackHelmDelivery", name, {}, opts);
    const info = args.info ?? new CephClusterInfo(`${name}-info`, { cluster: args.cluster }, { parent: this });
    const { target, users, pools } = args;
    this.cephConf = cephConfConfigMap(`${name}-ceph-etc`, target, info, this, name);
    const secret = (key: string, secretName: string, user: CephUser, component: string, withKeyring = false) =>
      userKeySecret(`${name}-${key}`, target, secretName, user, component, this, name, withKeyring);
    this.secrets = {
      cinder: secret("cinder-key", OPENSTACK_HELM_NAMES.cinderVolumeSecret, users.cinder, "cinder"),
      cinderBackup: secret("cinder-backup-key", OPENSTACK_HELM_NAMES.cinderBackupSecret, users.cinderBackup, "cinder-backup"),
      glance: secret("glance-key", OPENSTACK_HELM_NAMES.glanceSecret, users.glance, "glance"),
      // Nova's rbd_user (client.cinder): libvirt reads `key`, nova-compute mounts `keyring`.
      nova: secret("nova-key", OPENSTACK_HELM_NAMES.novaSecret, users.cinder, "nova", true),
    };

    // Inside the charts' pods ceph.conf is always mounted at /etc/ceph/ceph.conf.
    const cephConf = POD_CEPH_CONF;
    const cinder = cinderRbdBackendSpec(
      {
        pool: pools.volumes,
        user: users.cinder,
        sectionName: args.cinderBackendName,
        cephConf,
        options: { ...args.cinderOptions, rbdSecretUuid: args.secretUuid } as CinderRbdBackendSpec,
      },
      `OpenStackHelmDelivery ${name}`,
    );
    const backup = cinderBackupCephSpec({ pool: pools.backups, user: users.cinderBackup, cephConf, options: args.cinderBackupOptions as never });
    const glance = glanceRbdStoreSpec({ pool: pools.images, user: users.glance, cephConf, options: args.glanceOptions as never });
    const nova = novaLibvirtRbdSpec(
      { pool: pools.vms, user: users.cinder, cephConf, options: { ...args.novaOptions, rbdSecretUuid: args.secretUuid } as never },
      `OpenStackHelmDelivery ${name}`,
    );
    this.values = {
      cinder: pulumi.all([cinder, backup]).apply(([b, k]) => cinderChartValues(b as CinderRbdBackendSpec, k as CinderBackupCephSpec)),
      glance: glance.apply((g) => glanceChartValues(g as GlanceRbdStoreSpec)),
      nova: nova.apply((n) => novaChartValues(n as NovaLibvirtRbdSpec)),
      libvirt: nova.apply((n) => libvirtChartValues(n as NovaLibvirtRbdSpec)),
    };
    this.registerOutputs({ values: this.values });
  }
}
