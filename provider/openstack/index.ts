/** The OpenStack services' RBD option sets: validated specs rendered as oslo.config key/value maps. */

export { checkSpec, formatPath, parseSpec, SpecValidationError } from "./common";
export type { CheckResult, RenderedSection, SpecFailure } from "./common";
export {
  CINDER_RBD_VOLUME_DRIVER,
  cinderRbdBackendSchema,
  cinderReplicationDeviceSchema,
  parseCinderRbdBackend,
  renderCinderReplicationDevices,
  renderCinderDefaults,
  renderCinderRbdBackend,
} from "./cinder";
export type { CinderDefaults, CinderRbdBackend, CinderRbdBackendSpec, CinderReplicationDeviceSpec } from "./cinder";
export { CINDER_CEPH_BACKUP_DRIVER, cinderBackupCephSchema, parseCinderBackupCeph, renderCinderBackupCeph } from "./cinderBackup";
export type { CinderBackupCeph, CinderBackupCephSpec } from "./cinderBackup";
export {
  GLANCE_DEFAULT_STORE_CHOICES,
  glanceRbdStoreSchema,
  parseGlanceRbdStore,
  renderGlanceDefaults,
  renderGlanceRbdStore,
} from "./glance";
export type { GlanceRbdStore, GlanceRbdStoreSpec } from "./glance";
export { novaLibvirtRbdSchema, parseNovaLibvirtRbd, renderNovaLibvirtRbd } from "./nova";
export type { NovaLibvirtRbd, NovaLibvirtRbdSpec } from "./nova";
export { validateSharedSecretUuid } from "./sharedSecret";
export type { SecretUuidSources, SharedSecretCheck } from "./sharedSecret";
