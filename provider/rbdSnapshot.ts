// RbdSnapshot: a snapshot of an RBD image, optionally protected (what clones need). Cinder's rules:
// removing a snapshot that still has clones is refused and the clones are named; rolling the image
// back to the snapshot happens only when the user asks (by changing rollbackRequest).
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import type { Image } from "../native";
import { clusterLabel, connectionSchema, getCluster, type Connection } from "./connection";
import { checkAdoption, notFoundForImport } from "./adopt";
import { notOurs, OWNER_KEY, ownerSchema } from "./ownership";
import { diffProperties } from "./diff";
import { cephName, parseInputs } from "./validate";

export const rbdSnapshotInputs = z.object({
  connection: connectionSchema,
  /** Set by the SDK from the `import` resource option: adopt this existing snapshot. */
  importId: z.string().optional(),
  /** Set by the SDK: "<project>/<stack>/<resource>", kept in a metadata key of the snapshot's image. */
  owner: ownerSchema,
  pool: cephName("pool"),
  image: cephName("image"),
  name: cephName("name"),
  protected: z.boolean().default(false),
  /** Set or change this value to roll the image back to this snapshot (the image must not be in use). */
  rollbackRequest: z.union([z.string(), z.number()]).optional(),
});

export type RbdSnapshotInputs = z.output<typeof rbdSnapshotInputs>;

function native(): typeof import("../native") {
  return require("../native");
}

const describe = (s: RbdSnapshotInputs) => `${s.pool}/${s.image}@${s.name}`;
/** Snapshots carry no metadata of their own: their owner marker is a metadata key on their image. */
const markerKey = (s: RbdSnapshotInputs) => `${OWNER_KEY}.snap.${s.name}`;

async function withImage<T>(conn: Connection, pool: string, image: string, fn: (img: Image) => Promise<T>): Promise<T> {
  const c = await getCluster(conn);
  const io = await c.openIoCtx(pool);
  try {
    return await native().withImage(io, image, fn);
  } finally {
    await io.close();
  }
}

async function readSnapshot(inputs: RbdSnapshotInputs, img: Image) {
  const snap = (await img.listSnaps()).find((s) => s.name === inputs.name);
  if (!snap) return undefined;
  return { ...inputs, protected: snap.protected, snapId: snap.id, size: snap.size };
}

async function refuseIfCloned(inputs: RbdSnapshotInputs, img: Image, doing: string): Promise<void> {
  const children = await img.snapChildren(inputs.name);
  if (children.length > 0) {
    throw new Error(
      `ceph cluster ${clusterLabel(inputs.connection)}: cannot ${doing} snapshot ${describe(inputs)}: ` +
        `it has ${children.length} clone(s): ${children.map((c) => `${c.pool}/${c.image}`).join(", ")}. ` +
        `Delete or flatten them first`,
    );
  }
}

async function rollback(inputs: RbdSnapshotInputs, img: Image): Promise<void> {
  // Our own read-write handle is one watcher; anyone else means the image is in use.
  const watchers = (await img.listWatchers()).slice(1);
  if (watchers.length > 0) {
    throw new Error(
      `ceph cluster ${clusterLabel(inputs.connection)}: cannot roll back ${inputs.pool}/${inputs.image} to ${inputs.name}: ` +
        `the image is in use by ${watchers.map((w) => w.addr).join(", ")}`,
    );
  }
  await img.rollbackSnap(inputs.name);
}

export const rbdSnapshotProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(rbdSnapshotInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },

  async diff(_id, olds, news) {
    return diffProperties(olds, news, {
      identity: ["pool", "image", "name"],
      replace: ["pool", "image", "name"],
      update: ["protected", "rollbackRequest"],
    });
  },

  async create(raw) {
    const inputs = rbdSnapshotInputs.parse(raw);
    return withImage(inputs.connection, inputs.pool, inputs.image, async (img) => {
      if (inputs.importId !== undefined) {
        const label = clusterLabel(inputs.connection);
        const outs = await readSnapshot(inputs, img);
        if (!outs) throw notFoundForImport(label, "snapshot", describe(inputs));
        checkAdoption({
          cluster: label,
          what: "snapshot",
          importId: inputs.importId,
          expectedId: describe(inputs),
          declared: inputs,
          actual: outs,
          properties: ["protected"],
        });
        return { id: describe(inputs), outs };
      }
      const existing = await readSnapshot(inputs, img);
      if (existing) {
        const owner = await img.metadataGet(markerKey(inputs));
        if (!inputs.owner || owner !== inputs.owner) {
          throw notOurs({ cluster: clusterLabel(inputs.connection), what: "snapshot", id: describe(inputs), found: owner });
        }
        // This resource's own snapshot, from a create cut short: finish it.
      } else {
        // The marker goes first: a crash then leaves a marker without a snapshot (rewritten on the
        // next try), never a snapshot of ours without one.
        if (inputs.owner) await img.metadataSet(markerKey(inputs), inputs.owner);
        await img.createSnap(inputs.name);
      }
      if (inputs.protected && !existing?.protected) await img.protectSnap(inputs.name);
      return { id: describe(inputs), outs: (await readSnapshot(inputs, img))! };
    });
  },

  async read(id, props) {
    const inputs = rbdSnapshotInputs.parse(props);
    const n = native();
    try {
      const outs = await withImage(inputs.connection, inputs.pool, inputs.image, (img) => readSnapshot(inputs, img));
      return outs ? { id, props: outs } : {};
    } catch (e) {
      if (n.isCephError(e, "ENOENT")) return {};
      throw e;
    }
  },

  async update(_id, olds, news) {
    const inputs = rbdSnapshotInputs.parse(news);
    return withImage(inputs.connection, inputs.pool, inputs.image, async (img) => {
      const current = await readSnapshot(inputs, img);
      if (!current) throw new Error(`ceph cluster ${clusterLabel(inputs.connection)}: snapshot ${describe(inputs)} no longer exists`);
      if (inputs.protected && !current.protected) await img.protectSnap(inputs.name);
      if (!inputs.protected && current.protected) {
        await refuseIfCloned(inputs, img, "unprotect");
        await img.unprotectSnap(inputs.name);
      }
      if (inputs.rollbackRequest !== undefined && inputs.rollbackRequest !== olds.rollbackRequest) await rollback(inputs, img);
      return { outs: (await readSnapshot(inputs, img))! };
    });
  },

  async delete(_id, props) {
    const inputs = rbdSnapshotInputs.parse(props);
    const n = native();
    try {
      await withImage(inputs.connection, inputs.pool, inputs.image, async (img) => {
        const current = await readSnapshot(inputs, img);
        if (!current) return;
        await refuseIfCloned(inputs, img, "delete");
        if (current.protected) await img.unprotectSnap(inputs.name);
        await img.removeSnap(inputs.name);
        if ((await img.metadataGet(markerKey(inputs))) !== undefined) await img.metadataRemove(markerKey(inputs));
      });
    } catch (e) {
      if (n.isCephError(e, "ENOENT")) return;
      throw e;
    }
  },
};
