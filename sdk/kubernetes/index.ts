// Kubernetes delivery (`pulumi-ceph-openstack/kubernetes`): openstack-helm's ConfigMap, Secrets and
// chart values, and ceph-csi's RBD objects. Loaded only by programs that use it (@pulumi/kubernetes
// is large).
export { standardLabels, type KubernetesTarget } from "./target";
export {
  OPENSTACK_HELM_NAMES,
  POD_CEPH_CONF,
  cinderChartValues,
  glanceChartValues,
  novaChartValues,
  libvirtChartValues,
  type CinderChartValues,
  type GlanceChartValues,
  type NovaChartValues,
  type LibvirtChartValues,
} from "./chartValues";
export { OpenStackHelmDelivery, type OpenStackHelmDeliveryArgs } from "./openstackHelm";
export { CephCsiRbd, csiMonitors, CEPH_CSI_RBD_PROVISIONER, type CephCsiRbdArgs } from "./cephCsi";
