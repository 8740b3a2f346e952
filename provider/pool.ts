// Pool: a RADOS pool for RBD (volumes, images, backups, vms). Settings update in place,
// renaming replaces, and a pool that holds data is deleted only when the user says so.
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { clusterLabel, connectionSchema, getCluster } from "./connection";
import { checkAdoption, notFoundForImport } from "./adopt";
import { diffProperties } from "./diff";
import { formatSize, parseSize } from "./size";
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

function native(): typeof import("../native") {
  return require("../native");
}

/** The pool as the cluster has it, in the shape of the inputs (only the properties the user manages). */
async function readPool(inputs: PoolInputs) {
  const n = native();
  const c = await getCluster(inputs.connection);
  const settings = await n.getPoolSettings(c, inputs.name);
  const quota = await n.getPoolQuota(c, inputs.name);
  const apps = Object.keys(await n.getApplications(c, inputs.name)).sort();
  return {
    ...inputs,
    // Declared settings show their real value (drift); undeclared ones stay unmanaged.
    // With the autoscaler on (Pacific's default) pg_num is its to change: only a starting value then.
    ...(inputs.pgNum !== undefined && inputs.pgAutoscaleMode === "off" ? { pgNum: settings.pgNum } : {}),
    ...(inputs.pgAutoscaleMode !== undefined ? { pgAutoscaleMode: settings.pgAutoscaleMode } : {}),
    ...(inputs.size !== undefined ? { size: settings.size } : {}),
    ...(inputs.minSize !== undefined ? { minSize: settings.minSize } : {}),
    ...(inputs.crushRule !== undefined ? { crushRule: settings.crushRule } : {}),
    ...(inputs.application !== undefined ? { application: apps.includes(inputs.application) ? inputs.application : apps.join(",") } : {}),
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
  if (changed("application")) {
    if (inputs.application === "rbd") {
      const io = await c.openIoCtx(inputs.name);
      try {
        await n.poolInit(io);
      } finally {
        await io.close();
      }
    } else {
      await n.enableApplication(c, inputs.name, inputs.application!);
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
    return diffProperties(olds, news, {
      identity: ["name"],
      replace: ["name"],
      update: ["pgNum", "pgAutoscaleMode", "size", "minSize", "crushRule", "application", "quota", "forceDestroy"],
      optional: ["pgNum", "pgAutoscaleMode", "size", "minSize", "crushRule", "application", "quota"],
    });
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
        properties: ["pgNum", "pgAutoscaleMode", "size", "minSize", "crushRule", "application", "quota"],
      });
      return { id: inputs.name, outs };
    }
    await n.createPool(c, inputs.name, { pgNum: inputs.pgNum });
    await applySettings(inputs);
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
 * What a pool holds that a user would miss, or undefined when it is empty. For an RBD pool that is
 * its images (also those in the trash): listing them is exact, while object counts come from the
 * mgr's periodic stats and include the bookkeeping objects `rbd pool init` and image removal leave.
 * Any other pool: its object count.
 */
async function poolContents(conn: PoolInputs["connection"], pool: string): Promise<string | undefined> {
  const n = native();
  const c = await getCluster(conn);
  const apps = Object.keys(await n.getApplications(c, pool));
  if (apps.includes("rbd")) {
    const io = await c.openIoCtx(pool);
    try {
      const images = await n.listImages(io);
      const trash = await n.trashList(io);
      const names = [...images.map((i) => i.name), ...trash.map((t) => `${t.name} (in trash)`)];
      if (names.length === 0) return undefined;
      return `${names.length} RBD image(s): ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", ..." : ""}`;
    } finally {
      await io.close();
    }
  }
  const stats = (await n.poolStats(c)).find((s) => s.name === pool);
  if (stats && stats.objects > 0) return `${stats.objects} objects (${formatSize(stats.storedBytes || 1)})`;
  return undefined;
}
