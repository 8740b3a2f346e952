// Declares pools, users, images and snapshots from the `spec` stack config (JSON), so engine tests
// can change one property at a time and watch what `pulumi up` does about it.
import * as pulumi from "@pulumi/pulumi";
import * as ceph from "pulumi-ceph-openstack";

interface Named {
  resource: string;
  import?: string;
  /** A second cluster, reached through the `ceph2` config namespace. */
  onCluster?: "second";
}
interface Spec {
  pools?: Array<Named & Omit<ceph.PoolArgs, "cluster">>;
  users?: Array<
    Named &
      Omit<ceph.CephUserArgs, "cluster" | "caps"> & {
        caps?: ceph.Caps;
        rbdPools?: string[];
        rbdReadOnlyPools?: string[];
        /** A secret stack config key holding the user's key (a key never goes into the plaintext spec). */
        keyConfig?: string;
      }
  >;
  images?: Array<Named & Omit<ceph.RbdImageArgs, "cluster">>;
  snapshots?: Array<Named & Omit<ceph.RbdSnapshotArgs, "cluster">>;
}

const config = new pulumi.Config();
const spec = config.requireObject<Spec>("spec");
const defaultCluster = ceph.CephCluster.fromConfig();
let second: ceph.CephCluster | undefined;
const clusterOf = (n: { onCluster?: string }) => (n.onCluster === "second" ? (second ??= ceph.CephCluster.fromConfig("ceph2")) : defaultCluster);
const opts = (n: Named, dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
  dependsOn,
  ...(n.import ? { import: n.import } : {}),
});

const pools = (spec.pools ?? []).map(({ resource, import: _i, onCluster, ...args }) =>
  new ceph.Pool(resource, { cluster: clusterOf({ onCluster }), ...args }, opts({ resource, import: _i })),
);

const users = (spec.users ?? []).map(({ resource, import: _i, onCluster, caps, rbdPools, rbdReadOnlyPools, keyConfig, ...args }) =>
  new ceph.CephUser(
    resource,
    { cluster: clusterOf({ onCluster }), ...args, ...(keyConfig ? { key: config.requireSecret(keyConfig) } : {}), caps: caps ?? ceph.rbdProfileCaps({ pools: rbdPools, readOnlyPools: rbdReadOnlyPools }) },
    opts({ resource, import: _i }, pools),
  ),
);

// Images and snapshots in dependency order: a clone waits for the snapshot it is made from, a
// snapshot for its image (when those are declared too).
const images = new Map<string, ceph.RbdImage>();
const snapshots = new Map<string, ceph.RbdSnapshot>();
let pendingImages = [...(spec.images ?? [])];
let pendingSnaps = [...(spec.snapshots ?? [])];
while (pendingImages.length + pendingSnaps.length > 0) {
  const before = pendingImages.length + pendingSnaps.length;
  pendingImages = pendingImages.filter(({ resource, import: _i, onCluster, ...args }) => {
    const cluster = clusterOf({ onCluster });
    const from = args.cloneFrom as { pool: string; image: string; snapshot: string } | undefined;
    const parentKey = from && `${from.pool}/${from.image}@${from.snapshot}`;
    const declaredParent = parentKey && (spec.snapshots ?? []).some((s) => `${s.pool}/${s.image}@${s.name}` === parentKey);
    if (declaredParent && !snapshots.has(parentKey!)) return true;
    const deps = declaredParent ? [snapshots.get(parentKey!)!] : pools;
    images.set(`${args.pool}/${args.name}`, new ceph.RbdImage(resource, { cluster, ...args }, opts({ resource, import: _i }, deps)));
    return false;
  });
  pendingSnaps = pendingSnaps.filter(({ resource, import: _i, onCluster, ...args }) => {
    const cluster = clusterOf({ onCluster });
    const imageKey = `${args.pool}/${args.image}`;
    const declaredImage = (spec.images ?? []).some((i) => `${i.pool}/${i.name}` === imageKey);
    if (declaredImage && !images.has(imageKey)) return true;
    const deps = declaredImage ? [images.get(imageKey)!] : pools;
    snapshots.set(`${imageKey}@${args.name}`, new ceph.RbdSnapshot(resource, { cluster, ...args }, opts({ resource, import: _i }, deps)));
    return false;
  });
  if (pendingImages.length + pendingSnaps.length === before) throw new Error("spec has a dependency cycle");
}

export const counts = { pools: pools.length, users: users.length, images: images.size, snapshots: snapshots.size };
