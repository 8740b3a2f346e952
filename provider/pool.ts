// Pool: a RADOS pool for RBD (volumes, images, backups, vms). Settings update in place,
// renaming replaces, and a pool that holds data is deleted only when the user says so.
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { clusterLabel, connectionSchema, getCluster } from "./connection";
import { checkAdoption, checkOwnAdoption, notFoundForImport } from "./adopt";
import { notOurs, OWNER_KEY, ownerSchema, stagingName } from "./ownership";
import { diffProperties } from "./diff";
import { CREATE_INTENTS_OBJECT } from "./createIntent";
import { parseSize } from "./size";
import { cephName, parseInputs } from "./validate";

const quotaSize = z.union([z.number().int().min(0), z.string()]).transform((value, ctx) => {
  if (value === 0 || value === "0") return 0;
  try {
    return parseSize(value);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

export const poolInputs = z
  .object({
    connection: connectionSchema,
    /** Set by the SDK from the `import` resource option: adopt this existing object. */
    importId: z.string().optional(),
    /** Set by the SDK: "<project>/<stack>/<resource>", kept in the pool's application metadata. */
    owner: ownerSchema,
    name: cephName("name"),
    /** Placement groups at creation (and later, when autoscale is off). */
    pgNum: z.number().int().min(1).max(32768).optional(),
    pgAutoscaleMode: z.enum(["on", "off", "warn"]).optional(),
    size: z.number().int().min(1).max(10).optional(),
    minSize: z.number().int().min(1).max(10).optional(),
    crushRule: cephName("crushRule").optional(),
    /** "rbd" runs rbd pool init; any other name is enabled as a pool application. */
    application: z.string().max(128, "must be at most 128 characters").regex(/^[a-z][a-z0-9_-]*$/, "must be an application name like 'rbd'").optional(),
    quota: z
      .object({ maxBytes: quotaSize.optional(), maxObjects: z.number().int().min(0).optional() })
      .optional(),
    forceDestroy: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (p.size !== undefined && p.minSize !== undefined && p.minSize > p.size) {
      ctx.addIssue({ code: "custom", path: ["minSize"], message: `must not exceed size (${p.size})` });
    }
    if (p.pgNum !== undefined && (p.pgNum & (p.pgNum - 1)) !== 0) {
      ctx.addIssue({ code: "custom", path: ["pgNum"], message: "should be a power of two" });
    }
  });

export type PoolInputs = z.output<typeof poolInputs>;

/** The application that holds the owner marker of a pool declared without one. */
const MARKER_APP = "pulumi";

const ADOPTION_PROPERTIES = ["pgNum", "pgAutoscaleMode", "size", "minSize", "crushRule", "application", "quota"];

/** The owner named in the pool's application metadata (under any application), if any. */
async function poolOwner(conn: PoolInputs["connection"], pool: string): Promise<string | undefined> {
  const apps = await native().getApplications(await getCluster(conn), pool);
  for (const meta of Object.values(apps)) if (typeof meta?.[OWNER_KEY] === "string") return meta[OWNER_KEY];
  return undefined;
}

function native(): typeof import("../native") {
  return require("../native");
}

/** The pool as the cluster has it, in the shape of the inputs (only the properties the user manages). */
async function readPool(inputs: PoolInputs) {
  const n = native();
  const c = await getCluster(inputs.connection);
  const settings = await n.getPoolSettings(c, inputs.name);
  const quota = await n.getPoolQuota(c, inputs.name);
  // The application that only carries the owner marker is bookkeeping, not the user's.
  const apps = Object.keys(await n.getApplications(c, inputs.name)).filter((a) => a !== MARKER_APP).sort();
  return {
    ...inputs,
    // Declared settings show their real value (drift); undeclared ones stay unmanaged.
    // With the autoscaler on (Pacific's default) pg_num is its to change: only a starting value then.
    // The target, not pg_num: after a change pg_num steps towards it for a while (not drift meanwhile).
    ...(inputs.pgNum !== undefined && inputs.pgAutoscaleMode === "off" ? { pgNum: await n.getPgNumTarget(c, inputs.name) } : {}),
    ...(inputs.pgAutoscaleMode !== undefined ? { pgAutoscaleMode: settings.pgAutoscaleMode } : {}),
    ...(inputs.size !== undefined ? { size: settings.size } : {}),
    ...(inputs.minSize !== undefined ? { minSize: settings.minSize } : {}),
    ...(inputs.crushRule !== undefined ? { crushRule: settings.crushRule } : {}),
    // `application` stays the declaration (a valid input for the next read); `applications` is what
    // the pool really has, and any other tag (cephfs enabled by hand) is drift too (see appsDrifted).
    ...(inputs.quota !== undefined
      ? {
          quota: {
            ...(inputs.quota.maxBytes !== undefined ? { maxBytes: quota.maxBytes } : {}),
            ...(inputs.quota.maxObjects !== undefined ? { maxObjects: quota.maxObjects } : {}),
          },
        }
      : {}),
    // Only stable facts here: volatile ones (object counts, autoscaled pg_num) would look like drift.
    applications: apps,
  };
}

/** The pool's application tags are not just the declared one (one missing, or others enabled by hand). */
function appsDrifted(olds: Record<string, any>, application: string | undefined): boolean {
  return application !== undefined && Array.isArray(olds.applications) && JSON.stringify(olds.applications) !== JSON.stringify([application]);
}

async function applySettings(inputs: PoolInputs, olds?: Record<string, any>) {
  const n = native();
  const c = await getCluster(inputs.connection);
  const changed = (prop: keyof PoolInputs) =>
    inputs[prop] !== undefined && (!olds || JSON.stringify(olds[prop]) !== JSON.stringify(inputs[prop]));
  // size before min_size when growing, min_size first when shrinking, so min_size <= size always holds.
  const current = await n.getPoolSettings(c, inputs.name);
  const order: Array<["size" | "min_size", number | undefined]> =
    inputs.size !== undefined && inputs.size < current.size
      ? [["min_size", inputs.minSize], ["size", inputs.size]]
      : [["size", inputs.size], ["min_size", inputs.minSize]];
  for (const [key, value] of order) {
    const prop = key === "size" ? "size" : "minSize";
    const now = key === "size" ? current.size : current.minSize;
    // A declared size of 1 is the user's explicit choice: pass the flag Ceph asks for.
    if (value !== undefined && changed(prop) && value !== now) await n.setPoolSetting(c, inputs.name, key, value, { force: value === 1 });
  }
  if (changed("pgAutoscaleMode")) await n.setPoolSetting(c, inputs.name, "pg_autoscale_mode", inputs.pgAutoscaleMode!);
  if (olds && changed("pgNum")) await n.setPoolSetting(c, inputs.name, "pg_num", inputs.pgNum!);
  if (changed("crushRule")) await n.setPoolSetting(c, inputs.name, "crush_rule", inputs.crushRule!);
  if (changed("quota")) {
    await n.setPoolQuota(c, inputs.name, { maxBytes: inputs.quota!.maxBytes, maxObjects: inputs.quota!.maxObjects });
  }
  if (changed("application") || (olds && appsDrifted(olds, inputs.application))) {
    // Tags added out of band go first: the declared application is the pool's only one (the owner
    // marker's own app, when no application is declared, stays).
    for (const app of Object.keys(await n.getApplications(c, inputs.name))) {
      if (app !== inputs.application && app !== MARKER_APP) await n.disableApplication(c, inputs.name, app);
    }
    // A pool whose only application is the marker's may take the declared one (Ceph asks for force).
    const force = Object.keys(await n.getApplications(c, inputs.name)).every((a) => a === MARKER_APP || a === inputs.application);
    if (inputs.application === "rbd") {
      const io = await c.openIoCtx(inputs.name);
      try {
        await n.poolInit(io, force);
      } finally {
        await io.close();
      }
    } else {
      await n.enableApplication(c, inputs.name, inputs.application!, { force });
    }
  }
}

export const poolProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(poolInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },

  async diff(_id, olds, news) {
    const diff = diffProperties(olds, news, {
      identity: ["name"],
      replace: ["name"],
      update: ["pgNum", "pgAutoscaleMode", "size", "minSize", "crushRule", "application", "quota", "forceDestroy"],
      optional: ["pgNum", "pgAutoscaleMode", "size", "minSize", "crushRule", "application", "quota"],
    });
    if (!diff.changed.includes("application") && appsDrifted(olds, news.application)) {
      return { ...diff, changes: true, changed: [...diff.changed, "application"] };
    }
    return diff;
  },

  async create(raw) {
    const inputs = poolInputs.parse(raw);
    const n = native();
    const c = await getCluster(inputs.connection);
    if (inputs.importId !== undefined) {
      const label = clusterLabel(inputs.connection);
      if (!(await n.listPools(c)).includes(inputs.name)) throw notFoundForImport(label, "pool", inputs.name);
      const outs = await readPool(inputs);
      checkAdoption({
        cluster: label,
        what: "pool",
        importId: inputs.importId,
        expectedId: inputs.name,
        declared: inputs,
        actual: outs,
        properties: ADOPTION_PROPERTIES,
      });
      return { id: inputs.name, outs };
    }
    const label = clusterLabel(inputs.connection);
    const pools = await n.listPools(c);
    if (pools.includes(inputs.name)) {
      // `osd pool create` would succeed on it and the settings below would take it over.
      const owner = await poolOwner(inputs.connection, inputs.name);
      if (!inputs.owner || owner !== inputs.owner) throw notOurs({ cluster: label, what: "pool", id: inputs.name, found: owner });
      const outs = await readPool(inputs);
      checkOwnAdoption({ cluster: label, what: "pool", id: inputs.name, declared: inputs, actual: outs, properties: ADOPTION_PROPERTIES });
      return { id: inputs.name, outs };
    }
    // Built under a staging name (this resource's by construction) and renamed once it carries its
    // marker and settings: a pool at the declared name is then never one a crashed create left.
    // A staging pool left by such a crash is simply finished (every step below is repeatable).
    const staging = stagingName("pulumi-new-", inputs.name, inputs.owner);
    await n.createPool(c, staging, { pgNum: inputs.pgNum });
    if (inputs.owner) {
      const app = inputs.application ?? MARKER_APP;
      if (app !== "rbd") await n.enableApplication(c, staging, app);
      else {
        const io = await c.openIoCtx(staging);
        try {
          await n.poolInit(io);
        } finally {
          await io.close();
        }
      }
      await n.setApplicationMetadata(c, staging, app, OWNER_KEY, inputs.owner);
    }
    await applySettings({ ...inputs, name: staging });
    try {
      await n.renamePool(c, staging, inputs.name);
    } catch (e) {
      // Someone created the declared name meanwhile: theirs stays; the empty staging pool goes if the mons allow it.
      if (!n.isCephError(e, "EEXIST")) throw e;
      await n.deletePool(c, staging).catch(() => undefined);
      throw notOurs({ cluster: label, what: "pool", id: inputs.name, found: await poolOwner(inputs.connection, inputs.name) });
    }
    return { id: inputs.name, outs: await readPool(inputs) };
  },

  async read(id, props) {
    const inputs = poolInputs.parse(props);
    const n = native();
    try {
      return { id, props: await readPool(inputs) };
    } catch (e) {
      if (n.isCephError(e, "ENOENT")) return {};
      throw e;
    }
  },

  async update(_id, olds, news) {
    const inputs = poolInputs.parse(news);
    await applySettings(inputs, olds);
    return { outs: await readPool(inputs) };
  },

  async delete(_id, props) {
    const inputs = poolInputs.parse(props);
    const n = native();
    const c = await getCluster(inputs.connection);
    const label = clusterLabel(inputs.connection);
    if (!(await n.listPools(c)).includes(inputs.name)) return;
    if (!inputs.forceDestroy) {
      const held = await poolContents(inputs.connection, inputs.name);
      if (held) {
        throw new Error(
          `ceph cluster ${label}: pool ${inputs.name} holds ${held}; deleting it would destroy that data. ` +
            `Set forceDestroy: true on the pool to delete it anyway`,
        );
      }
    }
    try {
      await n.deletePool(c, inputs.name);
    } catch (e) {
      if (n.isCephError(e, "EPERM") && /mon_allow_pool_delete/.test(String((e as Error).message))) {
        throw new Error(
          `ceph cluster ${label}: the monitors refuse to delete pool ${inputs.name} because mon_allow_pool_delete is false. ` +
            `Allow it with 'ceph config set mon mon_allow_pool_delete true' (and turn it off again afterwards)`,
        );
      }
      throw e;
    }
  },
};

/**
 * Objects librbd keeps in every RBD pool (and namespace) even when it holds no image, and the
 * provider's own record of creates under way (createIntent.ts): an image is counted by its own objects.
 */
const RBD_BOOKKEEPING = new Set([
  "rbd_info",
  "rbd_directory",
  "rbd_namespace",
  "rbd_trash",
  "rbd_children",
  "rbd_mirroring",
  "rbd_group_directory",
  CREATE_INTENTS_OBJECT,
]);
const LISTING_LIMIT = 1000;

/**
 * What a pool holds that a user would miss, or undefined when it is empty: its RADOS objects in
 * every namespace, listed from the OSDs (exact, where the mgr's df counts lag), less the objects
 * librbd keeps in an empty RBD pool. Images are named (namespace/name) from their rbd_id objects;
 * an image in the trash keeps its header and data objects, so it counts too.
 */
async function poolContents(conn: PoolInputs["connection"], pool: string): Promise<string | undefined> {
  const n = native();
  const c = await getCluster(conn);
  const io = await c.openIoCtx(pool);
  try {
    const objects = (await n.listObjects(io, LISTING_LIMIT)).filter((o) => !RBD_BOOKKEEPING.has(o.name));
    if (objects.length === 0) return undefined;
    const images = objects.filter((o) => o.name.startsWith("rbd_id.")).map((o) => `${o.namespace ? `${o.namespace}/` : ""}${o.name.slice(7)}`);
    const count = `${objects.length}${objects.length >= LISTING_LIMIT ? "+" : ""} object(s)`;
    if (images.length === 0) return count;
    return `${images.length} RBD image(s): ${images.slice(0, 5).join(", ")}${images.length > 5 ? ", ..." : ""} (${count})`;
  } finally {
    await io.close();
  }
}
