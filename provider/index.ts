// The dynamic-provider handlers, loaded by name inside Pulumi's provider host process
// (see sdk/dynamic.ts). Nothing here runs in the user's program process.

// Each librados/librbd call holds one libuv threadpool thread while it waits on the cluster (the
// addon queues one worker per call), and libuv's default of 4 threads would cap the provider host
// at 4 cluster operations at a time whatever --parallel asks for. libuv reads this when the pool
// starts, on its first use, which is after this module loads; a value the user set wins.
process.env.UV_THREADPOOL_SIZE ??= "64";

// The engine never tells its provider host that it died (a SIGKILLed `pulumi up`, a runner killed
// by its CI): the host lived on, idle or spinning, holding its cluster connections and watches.
// Inside the host (not in tests or tools that load these handlers), leave once the parent is gone.
if (/dynamic-provider[\\/]index\.js$/.test(process.argv[1] ?? "")) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 1000).unref();
}
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
