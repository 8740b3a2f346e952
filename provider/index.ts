// The dynamic-provider handlers, loaded by name inside Pulumi's provider host process
// (see sdk/dynamic.ts). Nothing here runs in the user's program process.

// First: the host process's own settings, before anything else runs.
import { setUpProviderHost } from "./hostProcess";
setUpProviderHost();
import type * as pulumi from "@pulumi/pulumi";
import { cephUserProvider } from "./cephUser";
import { clusterInfoProvider } from "./clusterInfo";
import { configureFromStackConfig, learnConnection } from "./connection";
import { configSettingsProvider } from "./configFile";
import { keyringFileProvider } from "./keyringFile";
import { libvirtSecretProvider } from "./libvirtSecret";
import { poolProvider } from "./pool";
import { rbdImageProvider } from "./rbdImage";
import { rbdSnapshotProvider } from "./rbdSnapshot";
import { mirrorPeerProvider, poolMirroringProvider } from "./mirroring";

/** Pulumi's wire format has no `undefined`: drop such properties from every result. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}

function cleanResults(p: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
  const clean = <A extends unknown[], R>(fn?: (...args: A) => Promise<R>) => fn && (async (...args: A) => withoutUndefined(await fn.apply(p, args)));
  return {
    // Every call that carries the program's settings tells connection.ts the newest ones (see there).
    configure: async (req) => { configureFromStackConfig(rawStackConfig(req)); },
    check: p.check && (async (olds, news) => {
      learnConnection(news?.connection);
      return withoutUndefined(await p.check!(olds, news));
    }),
    diff: p.diff && (async (id, olds, news) => {
      learnConnection(news?.connection);
      return p.diff!(id, olds, news);
    }),
    create: clean(p.create)!,
    read: clean(p.read),
    update: clean(p.update),
    delete: p.delete?.bind(p),
  };
}

/** The stack config the engine sent ("ceph:key" -> value). The Config object keeps it as rawConfig. */
function rawStackConfig(req: pulumi.dynamic.ConfigureRequest): Record<string, unknown> {
  const raw = (req.config as unknown as { rawConfig?: Record<string, unknown> }).rawConfig;
  return raw && typeof raw === "object" ? raw : {};
}

const raw: Record<string, pulumi.dynamic.ResourceProvider> = {
  Pool: poolProvider,
  CephUser: cephUserProvider,
  RbdImage: rbdImageProvider,
  RbdSnapshot: rbdSnapshotProvider,
  CephClusterInfo: clusterInfoProvider,
  KeyringFile: keyringFileProvider,
  ConfigSettings: configSettingsProvider,
  LibvirtCephSecret: libvirtSecretProvider,
  PoolMirroring: poolMirroringProvider,
  MirrorPeer: mirrorPeerProvider,
};

export const handlers: Record<string, pulumi.dynamic.ResourceProvider> = Object.fromEntries(
  Object.entries(raw).map(([kind, p]) => [kind, cleanResults(p)]),
);
