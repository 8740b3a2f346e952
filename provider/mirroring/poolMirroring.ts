// PoolMirroring: a pool's RBD mirror mode ("image" or "pool") and its cluster's site name, set in
// place and read for drift. Delete turns mirroring off only when no image in the pool is still
// mirrored, unless forceDisable says to disable theirs too.
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { clusterLabel, connectionSchema, getCluster, withPool } from "../connection";
import { checkAdoption, checkOwnAdoption } from "../adopt";
import { notOurs, ownerSchema } from "../ownership";
import { diffProperties } from "../diff";
import { cephName, parseInputs } from "../validate";
import { native, poolMarker, removePoolMarker, requireRbdPool, setPoolMarker } from "./common";

/** The pool's rbd application metadata key naming the PoolMirroring that turned mirroring on. */
export const MIRRORING_OWNER_KEY = "pulumi-mirroring-owner";

export const siteNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "may hold only letters, digits, '.', '_' and '-'")
  // librbd 16.2 refuses to import a peer whose site name is "ceph" ("cannot add self as remote peer").
  .refine((s) => s !== "ceph", 'must not be "ceph": librbd refuses a mirroring peer of that site name');

const fields = {
  connection: connectionSchema,
  importId: z.string().optional(),
  owner: ownerSchema,
  pool: cephName("pool"),
  mode: z.enum(["image", "pool"], { error: 'mode must be "image" or "pool"' }),
  siteName: siteNameSchema,
  forceDisable: z.boolean().default(false),
};

export const poolMirroringInputs = z.object(fields);
/** State as read back: mode may be "disabled" (turned off out of band). */
const poolMirroringState = z.object({ ...fields, mode: z.enum(["image", "pool", "disabled"]) });

type State = z.output<typeof poolMirroringState>;

async function readMirroring(inputs: State) {
  return withPool(inputs.connection, inputs.pool, async (io, c) => ({
    ...inputs,
    mode: await native().getMirrorMode(io),
    siteName: await native().getMirrorSiteName(c),
  }));
}

async function apply(inputs: z.output<typeof poolMirroringInputs>) {
  const n = native();
  await withPool(inputs.connection, inputs.pool, async (io, c) => {
    // The site name first: a peer's bootstrap token carries it.
    if ((await n.getMirrorSiteName(c)) !== inputs.siteName) await n.setMirrorSiteName(c, inputs.siteName);
    if ((await n.getMirrorMode(io)) !== inputs.mode) await n.setMirrorMode(io, inputs.mode);
  });
}

/** Mirror-enabled images in the pool, by name. */
async function mirroredImages(inputs: State): Promise<string[]> {
  const n = native();
  return withPool(inputs.connection, inputs.pool, async (io) => {
    const names: string[] = [];
    for (const { name } of await n.listImages(io)) {
      const info = await n.withImage(io, name, (img) => n.getImageMirrorInfo(img), { readOnly: true }).catch((e) => {
        if (n.isCephError(e, "ENOENT")) return undefined;
        throw e;
      });
      if (info && info.state !== "disabled") names.push(name);
    }
    return names;
  });
}

async function anyPoolMirrors(inputs: State): Promise<boolean> {
  const n = native();
  const c = await getCluster(inputs.connection);
  for (const pool of await n.listPools(c)) {
    const mode = await withPool(inputs.connection, pool, (io) => n.getMirrorMode(io)).catch(() => "disabled");
    if (mode !== "disabled") return true;
  }
  return false;
}

export const poolMirroringProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(poolMirroringInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    return { inputs: { ...news, ...parsed.value } };
  },

  async diff(_id, olds, news) {
    return diffProperties(olds, news, { identity: ["pool"], replace: ["pool"], update: ["mode", "siteName", "forceDisable"] });
  },

  async create(raw) {
    const inputs = poolMirroringInputs.parse(raw);
    const label = clusterLabel(inputs.connection);
    const c = await getCluster(inputs.connection);
    await requireRbdPool(c, label, inputs.pool, "enable mirroring");
    const current = await readMirroring(inputs);
    if (inputs.importId !== undefined) {
      checkAdoption({ cluster: label, what: "pool mirroring", importId: inputs.importId, expectedId: inputs.pool, declared: inputs, actual: current, properties: ["mode", "siteName"] });
    } else if (current.mode !== "disabled") {
      // Mirroring someone turned on: adopt it only if this resource did (a create repeated after a crash).
      const owner = await poolMarker(c, inputs.pool, MIRRORING_OWNER_KEY);
      if (!inputs.owner || owner !== inputs.owner) throw notOurs({ cluster: label, what: "mirroring of pool", id: inputs.pool, found: owner });
      if (current.mode !== inputs.mode) {
        checkOwnAdoption({ cluster: label, what: "mirroring of pool", id: inputs.pool, declared: inputs, actual: current, properties: ["mode"] });
      }
    }
    // The marker before the mode: mirroring this resource turns on is never left without an owner.
    if (inputs.owner) await setPoolMarker(c, inputs.pool, MIRRORING_OWNER_KEY, inputs.owner);
    if (inputs.importId === undefined) await apply(inputs);
    return { id: inputs.pool, outs: await readMirroring(inputs) };
  },

  async read(id, props) {
    const inputs = poolMirroringState.parse(props);
    try {
      return { id, props: await readMirroring(inputs) };
    } catch (e) {
      if (native().isCephError(e, "ENOENT")) return {};
      throw e;
    }
  },

  async update(_id, _olds, news) {
    const inputs = poolMirroringInputs.parse(news);
    await apply(inputs);
    return { outs: await readMirroring(inputs) };
  },

  async delete(_id, props) {
    const inputs = poolMirroringState.parse(props);
    const n = native();
    const label = clusterLabel(inputs.connection);
    const c = await getCluster(inputs.connection);
    if (!(await n.listPools(c)).includes(inputs.pool)) return;
    const mode = await withPool(inputs.connection, inputs.pool, (io) => n.getMirrorMode(io));
    if (mode !== "disabled") {
      const images = await mirroredImages(inputs);
      if (images.length > 0 && !inputs.forceDisable) {
        throw new Error(
          `ceph cluster ${label}: pool ${inputs.pool} still mirrors ${images.length} image(s) (${images.slice(0, 5).join(", ")}); ` +
            `turning mirroring off would stop their replication. Disable it on those images first, or set forceDisable: true`,
        );
      }
      await withPool(inputs.connection, inputs.pool, async (io) => {
        for (const name of images) await n.withImage(io, name, (img) => n.disableImageMirroring(img, { force: true }));
        try {
          await n.setMirrorMode(io, "disabled");
        } catch (e) {
          if (!n.isCephError(e, "EBUSY")) throw e;
          const peers = await n.listMirrorPeers(io);
          throw new Error(
            `ceph cluster ${label}: pool ${inputs.pool} still has ${peers.length} mirror peer(s) (${peers.map((p) => p.siteName).join(", ")}); ` +
              `remove them (their MirrorPeer resources) before turning mirroring off`,
          );
        }
      });
    }
    await removePoolMarker(c, inputs.pool, MIRRORING_OWNER_KEY);
    // The site name is the cluster's: it goes back to the fsid once no pool mirrors any more.
    if ((await n.getMirrorSiteName(c)) === inputs.siteName && !(await anyPoolMirrors(inputs))) await n.resetMirrorSiteName(c);
  },
};
