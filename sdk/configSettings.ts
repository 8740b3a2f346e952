// ConfigSettings: the keys one service's settings occupy in an operator's INI file. The typed
// resources (GlanceRbdStore, CinderRbdBackend, CinderBackupCeph, NovaLibvirtRbd, CephClientConf)
// are built on it; it is exported for settings they do not cover.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, MODULE } from "./dynamic";

export interface ConfigSettingsArgs {
  /** Absolute path of the file; created (with fileMode) if missing. */
  path: pulumi.Input<string>;
  /** Which service's options: "glance", "cinder", "cinder-backup", "nova" or "ceph-client". */
  service: pulumi.Input<string>;
  /** The service's settings, validated at preview. */
  spec: pulumi.Input<Record<string, unknown>>;
  fileMode?: pulumi.Input<number>;
}

export class ConfigSettings extends DynamicResource {
  declare readonly path: pulumi.Output<string>;
  /** The managed settings as "section.key" -> value (as found in the file after refresh). */
  declare readonly settings: pulumi.Output<Record<string, string>>;
  /** The managed settings alone as INI text, for shipping them another way (e.g. a config map). */
  declare readonly renderedText: pulumi.Output<string>;

  constructor(name: string, args: ConfigSettingsArgs, opts?: pulumi.CustomResourceOptions, type = "ConfigSettings") {
    super(dynamicProvider("ConfigSettings"), name, { ...args, settings: undefined, rendered: undefined, ledger: undefined, renderedText: undefined }, opts, MODULE, type);
  }
}
