// The dynamic-provider handlers, loaded by name inside Pulumi's provider host process
// (see sdk/dynamic.ts). Nothing here runs in the user's program process.
import type * as pulumi from "@pulumi/pulumi";
import { cephUserProvider } from "./cephUser";
import { clusterInfoProvider } from "./clusterInfo";
import { configSettingsProvider } from "./configFile";
import { keyringFileProvider } from "./keyringFile";
import { libvirtSecretProvider } from "./libvirtSecret";
import { poolProvider } from "./pool";
import { rbdImageProvider } from "./rbdImage";
import { rbdSnapshotProvider } from "./rbdSnapshot";

export const handlers: Record<string, pulumi.dynamic.ResourceProvider> = {
  Pool: poolProvider,
  CephUser: cephUserProvider,
  RbdImage: rbdImageProvider,
  RbdSnapshot: rbdSnapshotProvider,
  CephClusterInfo: clusterInfoProvider,
  KeyringFile: keyringFileProvider,
  ConfigSettings: configSettingsProvider,
  LibvirtCephSecret: libvirtSecretProvider,
};
