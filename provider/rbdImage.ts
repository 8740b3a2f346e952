// RbdImage: an RBD image (a Cinder volume), plain or cloned from a snapshot, following Cinder's
// RBD driver rules: grow in place, shrink only when asked, flatten clones past maxCloneDepth,
// and never delete data as a side effect.
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import type { Image, ImageStat, IoCtx } from "../native";
import { clusterLabel, connectionSchema, getCluster, withPool, withSharedPool, type Connection } from "./connection";
import { checkAdoption, checkOwnAdoption, notFoundForImport } from "./adopt";
import { notOurs, OWNER_KEY, ownerSchema, stagingName } from "./ownership";
import { clearIntent, madeByIntent, readIntents, recordIntent, type CreateIntent } from "./createIntent";
import { diffProperties } from "./diff";
import { formatSize, parseSize } from "./size";
import { cephName, parseInputs, withDefaults, withoutDefaults } from "./validate";
import * as mirroring from "./mirroring/imageMirroring";

/** Features a user may ask for at creation; the others (data-pool, operations...) are set by librbd itself. */
export const IMAGE_FEATURES = [
  "layering",
  "striping",
  "exclusive-lock",
  "object-map",
  "fast-diff",
  "deep-flatten",
  "journaling",
] as const;

const sizeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseSize(value);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

const objectSizeSchema = sizeSchema.refine(
  (n) => n >= 4096 && n <= 32 * 2 ** 20 && (n & (n - 1)) === 0,
  "must be a power of two from 4KiB to 32MiB",
);

export const rbdImageInputs = z
  .object({
    connection: connectionSchema,
    /** Set by the SDK from the `import` resource option: adopt this existing object. */
    importId: z.string().optional(),
    /** Set by the SDK: "<project>/<stack>/<resource>", written as the image's owner marker. */
    owner: ownerSchema,
    pool: cephName("pool"),
    name: cephName("name"),
    size: sizeSchema,
    features: z
      .array(z.enum(IMAGE_FEATURES))
      .transform((f) => [...new Set(f)].sort())
      .optional(),
    objectSize: objectSizeSchema.optional(),
    dataPool: cephName("dataPool").optional(),
    cloneFrom: z
      .object({ pool: cephName("cloneFrom.pool"), image: cephName("cloneFrom.image"), snapshot: cephName("cloneFrom.snapshot") })
      .optional(),
    maxCloneDepth: z.number().int().min(0).max(1000).default(5),
    flattenOnCreate: z.boolean().default(false),
    allowShrink: z.boolean().default(false),
    forceDestroy: z.boolean().default(false),
    /** Mirroring to a peer cluster (provider/mirroring/imageMirroring.ts). */
    mirroring: mirroring.imageMirroringSchema.optional(),
  })
  .superRefine((img, ctx) => {
    mirroring.checkImageMirroring(img, ctx);
    const f = new Set<string>(img.features ?? []);
    const needs: Array<[string, string]> = [
      ["object-map", "exclusive-lock"],
      ["fast-diff", "object-map"],
      ["journaling", "exclusive-lock"],
    ];
    for (const [feature, required] of needs) {
      if (f.has(feature) && !f.has(required)) {
        ctx.addIssue({ code: "custom", path: ["features"], message: `${feature} requires ${required}` });
      }
    }
    if (img.cloneFrom && img.cloneFrom.pool === img.pool && img.cloneFrom.image === img.name) {
      ctx.addIssue({ code: "custom", path: ["cloneFrom"], message: "an image cannot be cloned from itself" });
    }
  });

export type RbdImageInputs = z.output<typeof rbdImageInputs>;

/** Settings with a default: state holds them only when they differ from it (withoutDefaults). */
type DefaultedInput = "maxCloneDepth" | "flattenOnCreate" | "allowShrink" | "forceDestroy";

export interface RbdImageOutputs
  extends Omit<RbdImageInputs, "features" | "size" | "objectSize" | DefaultedInput>,
    Partial<Pick<RbdImageInputs, DefaultedInput>> {
  imageId: string;
  /** The size in bytes, as the cluster reports it. */
  size: number;
  objectSize: number;
  /** The image's features as the cluster reports them (user-settable ones only). */
  features: string[];
  parent?: { pool: string; image: string; snapshot: string };
  /** With `mirroring` declared: the image's mirroring as the cluster has it. */
  mirrorState?: mirroring.MirrorState;
  /** A removal begun and cut short (a killed destroy): state keeps the image until delete finishes it. */
  removalPending?: true;
}

const describe = (p: { pool: string; name: string }) => `${p.pool}/${p.name}`;

/** The name this resource's image is built under before its rename (see create). */
const stagingOf = (inputs: RbdImageInputs) => stagingName(".pulumi-new.", describe(inputs), inputs.owner);

function native(): typeof import("../native") {
  return require("../native");
}

/** The number of ancestors of an image (0 for an image that is not a clone), as Cinder counts it. */
async function cloneDepth(conn: Connection, pool: string, name: string): Promise<number> {
  let depth = 0;
  let current: { pool: string; image: string } | undefined = { pool, image: name };
  while (current) {
    const parent: { pool: string; image: string; snapshot: string } | undefined = await withPool(conn, current.pool, (io) =>
      native().statImage(io, current!.image).then((st) => st.parent),
    );
    if (!parent) break;
    depth++;
    current = { pool: parent.pool, image: parent.image };
  }
  return depth;
}

async function readState(inputs: RbdImageInputs, img: Image): Promise<RbdImageOutputs> {
  return stateOf(inputs, await img.stat(), inputs.mirroring ? await mirroring.readMirrorState(img, inputs.mirroring) : undefined);
}

/** The image's state by name. Without mirroring that is one native call (open, stat, close). */
async function readImage(io: IoCtx, inputs: RbdImageInputs): Promise<RbdImageOutputs> {
  if (inputs.mirroring) return native().withImage(io, inputs.name, (img) => readState(inputs, img), { readOnly: true });
  return stateOf(inputs, await native().statImage(io, inputs.name));
}

function stateOf(inputs: RbdImageInputs, st: ImageStat, mirrorState?: mirroring.MirrorState): RbdImageOutputs {
  const settable = new Set<string>(IMAGE_FEATURES);
  return {
    ...withoutDefaults(rbdImageInputs, inputs),
    imageId: st.id,
    size: st.size,
    objectSize: st.objectSize,
    // A declared data pool shows the real one (none: the image's own pool), so a recreated image is drift.
    ...(inputs.dataPool !== undefined ? { dataPool: st.dataPool === inputs.pool ? undefined : st.dataPool } : {}),
    features: st.featureNames.filter((f) => settable.has(f)).sort(),
    ...(st.parent ? { parent: st.parent } : {}),
    ...(inputs.mirroring ? { mirrorState } : {}),
  };
}

export const rbdImageProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    const parsed = parseInputs(rbdImageInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    if (!parsed.complete) return { inputs: withoutDefaults(rbdImageInputs, { ...news, ...parsed.value }) };
    const img = parsed.value;
    // A declared shrink is refused here, before anything changes, unless asked for.
    // olds are inputs an earlier check accepted, so their size parses; a failure here is reported, not skipped.
    const oldSize = olds && olds.size !== undefined ? parseSize(olds.size) : undefined;
    if (oldSize !== undefined && img.size < oldSize && !img.allowShrink && olds.pool === img.pool && olds.name === img.name) {
      return {
        failures: [
          {
            property: "size",
            reason: `size: shrinking ${describe(img)} from ${formatSize(oldSize)} to ${formatSize(img.size)} discards data; set allowShrink: true to do it`,
          },
        ],
      };
    }
    return { inputs: withoutDefaults(rbdImageInputs, { ...news, ...img }) };
  },

  async diff(_id, olds, news) {
    // Half removed: only finishing the removal (delete) and creating anew brings the declared image back.
    if (olds.removalPending === true) return { changes: true, replaces: ["removalPending"], deleteBeforeReplace: true };
    // A setting left out (state keeps none at its default) reads as its default, on either side.
    const diff = diffProperties(withDefaults(rbdImageInputs, mirroring.featuresAfterMirroring(olds, news)), withDefaults(rbdImageInputs, news), {
      identity: ["pool", "name"],
      replace: ["pool", "name", "objectSize", "dataPool", "cloneFrom", "features"],
      update: ["size", "maxCloneDepth", "flattenOnCreate", "allowShrink", "forceDestroy", "mirroring"],
      optional: ["features", "objectSize", "dataPool", "mirroring"],
    });
    if (!diff.changed.includes("mirroring") && mirroring.mirroringDrifted(olds, news)) {
      return { ...diff, changes: true, changed: [...diff.changed, "mirroring"] };
    }
    return diff;
  },

  async create(raw) {
    const inputs = rbdImageInputs.parse(raw);
    const n = native();
    const order = inputs.objectSize ? Math.log2(inputs.objectSize) : undefined;
    const features = inputs.features ? n.featureMask(inputs.features) : undefined;
    return withPool(inputs.connection, inputs.pool, async (io) => {
      if (inputs.importId !== undefined) {
        const label = clusterLabel(inputs.connection);
        const outs = await readImage(io, inputs).catch((e) => {
          throw n.isCephError(e, "ENOENT") ? notFoundForImport(label, "image", describe(inputs)) : e;
        });
        checkAdoption({
          cluster: label,
          what: "image",
          importId: inputs.importId,
          expectedId: describe(inputs),
          declared: inputs,
          actual: outs,
          properties: ["size", "features", "objectSize"],
        });
        return { id: describe(inputs), outs };
      }
      const label = clusterLabel(inputs.connection);
      if (inputs.mirroring && !inputs.mirroring.primary) {
        // The replica is rbd-mirror's copy of the primary: adopted once it is there, never created here.
        await mirroring.waitForReplica(io, inputs.name, label);
        const outs = await readImage(io, inputs);
        checkOwnAdoption({ cluster: label, what: "replica image", id: describe(inputs), declared: inputs, actual: outs, properties: ["size", "features", "objectSize"] });
        return { id: describe(inputs), outs };
      }
      // First: an image at this name whose removal was begun (a killed destroy) goes, as was asked.
      await finishInterruptedRemovals(io, inputs.name);
      // What an earlier create of this resource left under its staging name (a clone, a mirrored
      // image, or a plain one made by an earlier version), cut short before or inside its rename:
      // one stat of the id object tells; nothing to do on a first create.
      const staging = stagingOf(inputs);
      if (await n.objectExists(io, `rbd_id.${staging}`)) {
        await finishInterruptedRename(io, staging, inputs.name);
        await removeStaleStaging(io, staging);
      }
      // A plain image is made at its declared name, its create intent recorded first (createIntent.ts).
      if (!inputs.cloneFrom && !inputs.mirroring) return createDirect(inputs, io, { order, features });
      // A clone or a mirrored image is built under the staging name and renamed once it carries
      // its marker, set through librbd (a clone may flatten for minutes first; a mirrored image's
      // marker must go the way rbd-mirror carries it to the peer, not straight to the header).
      const adoptOrRefuse = async () => adoptOwnImage(inputs, io, await imageAt(io, inputs.name));
      if (inputs.cloneFrom) {
        // A clone may copy data (flatten): find out first whether the name is taken.
        const found = await imageAt(io, inputs.name);
        if (found.exists) return adoptOwnImage(inputs, io, found);
        const src = inputs.cloneFrom;
        // Cinder: a clone deeper than rbd_max_clone_depth is flattened; depth 0 means always a full copy.
        const depth = (await cloneDepth(inputs.connection, src.pool, src.image)) + 1;
        await createOverDanglingEntry(
          io,
          staging,
          () => withPool(inputs.connection, src.pool, (parentIo) => n.cloneImage(parentIo, src.image, src.snapshot, io, staging, { features, order })),
          { staging: true },
        );
        await n.withImage(io, staging, async (img) => {
          if (inputs.owner) await img.metadataSet(OWNER_KEY, inputs.owner);
          if (inputs.flattenOnCreate || depth > inputs.maxCloneDepth) await img.flatten();
          const st = await img.stat();
          if (inputs.size > st.size) await img.resize(inputs.size);
        });
      } else {
        await createOverDanglingEntry(io, staging, () => n.createImage(io, staging, { size: inputs.size, order, features, dataPool: inputs.dataPool }), {
          staging: true,
        });
        if (inputs.owner) await n.withImage(io, staging, (img) => img.metadataSet(OWNER_KEY, inputs.owner!));
      }
      try {
        await n.renameImage(io, staging, inputs.name);
      } catch (e) {
        // The declared name is taken: by this resource's own image (a create cut short after its
        // rename) it is adopted, anyone else's is refused; either way the new staging image goes.
        if (!n.isCephError(e, "EEXIST")) throw e;
        await n.removeImage(io, staging);
        return adoptOrRefuse();
      }
      // Mirrored only under its declared name (a staging name must never reach the peer).
      if (inputs.mirroring) await n.withImage(io, inputs.name, (img) => mirroring.applyImageMirroring(img, inputs.mirroring!, label));
      // Read-only: a read-write open would register (and then drop) a watch, two cluster writes for a stat.
      return { id: describe(inputs), outs: await readImage(io, inputs) };
    });
  },

  async read(id, props) {
    const inputs = rbdImageInputs.parse(props);
    const n = native();
    // Its removal was begun and cut short (librbd has its id down as being removed, whether or not
    // it still opens by name): state keeps owning it, marked, so a destroy or up finishes the removal.
    const removing = async (io: IoCtx, imageId: unknown) =>
      typeof imageId === "string" && (await n.trashGet(io, imageId))?.source === "removing";
    try {
      const outs = await withSharedPool(inputs.connection, inputs.pool, async (io) => {
        try {
          const state = await readImage(io, inputs);
          return (await removing(io, state.imageId)) ? { ...state, removalPending: true } : state;
        } catch (e) {
          if (n.isCephError(e, "ENOENT") && (await removing(io, props.imageId))) return { ...props, removalPending: true };
          throw e;
        }
      });
      return { id, props: outs };
    } catch (e) {
      // Gone (image or whole pool): report it so refresh drops it and preview shows it as drift.
      if (n.isCephError(e, "ENOENT")) return {};
      throw e;
    }
  },

  async update(_id, olds, news) {
    const inputs = rbdImageInputs.parse(news);
    const n = native();
    return withPool(inputs.connection, inputs.pool, (io) =>
      n.withImage(io, inputs.name, async (img) => {
        const st = await img.stat();
        if (inputs.size !== st.size) {
          if (inputs.size < st.size && !inputs.allowShrink) {
            throw new Error(
              `ceph cluster ${clusterLabel(inputs.connection)}: image ${describe(inputs)} is ${formatSize(st.size)} in the cluster; ` +
                `shrinking it to ${formatSize(inputs.size)} discards data: set allowShrink: true to do it`,
            );
          }
          await img.resize(inputs.size, { allowShrink: inputs.allowShrink });
        }
        if (inputs.mirroring) await mirroring.applyImageMirroring(img, inputs.mirroring, clusterLabel(inputs.connection));
        return { outs: await readState(inputs, img) };
      }),
    );
  },

  async delete(_id, props) {
    const inputs = rbdImageInputs.parse(props);
    // The removal a killed destroy began (its checks passed then): finish it, by the id librbd recorded.
    if (props.removalPending === true) return withPool(inputs.connection, inputs.pool, (io) => finishInterruptedRemovals(io, inputs.name));
    await deleteImage(inputs);
  },
};

/**
 * A plain image, made at its declared name: the intent first (who is about to create it), then
 * librbd's create, a read-only stat, the owner marker written to the header in one object-class
 * call (nobody else can have the new image open), and the intent dropped. Two image opens fewer
 * than building it under a staging name and renaming it. An image already at the name is adopted
 * when it is this resource's (its marker, or no marker and this resource's intent: a create cut
 * short), and refused otherwise without being touched. What this resource's cut-short create left
 * that holds nothing is removed and the image made once more (`again` is that second attempt).
 */
async function createDirect(inputs: RbdImageInputs, io: IoCtx, opts: { order?: number; features?: bigint }, again = false): Promise<Created> {
  const n = native();
  const owner = inputs.owner;
  const existing = await n.objectStat(io, `rbd_id.${inputs.name}`);
  if (existing) {
    const adopted = await adoptExisting(inputs, io, existing.mtime, again);
    if (adopted !== "cleared") return adopted;
    return createDirect(inputs, io, opts, true);
  }
  if (owner) await recordIntent(io, inputs.name, owner);
  try {
    await createOverDanglingEntry(io, inputs.name, () =>
      n.createImage(io, inputs.name, { size: inputs.size, order: opts.order, features: opts.features, dataPool: inputs.dataPool }),
    );
  } catch (e) {
    if (!n.isCephError(e, "EEXIST")) throw e;
    // Taken since the stat above, by someone else (this resource's own leftovers were seen by it).
    if (owner) await clearIntent(io, inputs.name);
    return adoptOwnImage(inputs, io, await imageAt(io, inputs.name));
  }
  const st = await n.statImage(io, inputs.name);
  if (owner) {
    await n.setHeaderMetadata(io, st.id, OWNER_KEY, owner);
    await clearIntent(io, inputs.name);
  }
  return { id: describe(inputs), outs: stateOf(inputs, st) };
}

type Created = { id: string; outs: RbdImageOutputs };

/**
 * An id object is at the declared name before this create made one: adopt the image if it is this
 * resource's, else refuse. "cleared" when it was this resource's create cut short before its marker
 * and held nothing: librbd's create writes the directory entry, the id object, the header, then the
 * object map and journal, and a SIGKILL between any two leaves an image that does not open or lacks
 * parts. Nobody was told of it and nothing was written to it, so it is removed and made again whole.
 * One that holds data or snapshots (used since) is kept: marked, then adopted as any own image is.
 */
async function adoptExisting(inputs: RbdImageInputs, io: IoCtx, idObjectMtime: number, again: boolean): Promise<Created | "cleared"> {
  const n = native();
  // One read-only open tells the marker, the state to adopt, and whether an unmarked image holds anything.
  const found = await imageAt(io, inputs.name, { emptiness: !again && inputs.owner !== undefined });
  if (inputs.owner && (!found.exists || found.owner === inputs.owner || found.owner === undefined)) {
    const intent = (await readIntents(io)).get(inputs.name);
    if ((!found.exists || found.owner === undefined) && madeByIntent(intent, inputs.owner, idObjectMtime)) {
      if (!again && (!found.exists || found.holdsNothing)) {
        try {
          await n.removeImage(io, inputs.name);
          return "cleared";
        } catch (e) {
          // An id object with no directory entry: librbd removes the object, then fails ENOENT.
          if (n.isCephError(e, "ENOENT")) return "cleared";
          // Open somewhere since (a watcher): somebody uses it, so it is kept.
          if (!found.exists || !n.isCephError(e, "EBUSY")) throw e;
        }
      }
      if (!found.exists) return adoptOwnImage(inputs, io, found);
      // The marker now, through librbd (the image may be open somewhere by now). The state read above still holds.
      await n.withImage(io, inputs.name, (img) => img.metadataSet(OWNER_KEY, inputs.owner!));
      return finishAdoption(inputs, io, intent, { ...found, owner: inputs.owner });
    }
    return finishAdoption(inputs, io, intent, found);
  }
  return adoptOwnImage(inputs, io, found);
}

/** Cut short after its marker, before its intent went: the intent goes now, and the image is adopted. */
async function finishAdoption(inputs: RbdImageInputs, io: IoCtx, intent: CreateIntent | undefined, found: FoundImage): Promise<Created> {
  if (found.exists && intent?.owner === inputs.owner && found.owner === inputs.owner) await clearIntent(io, inputs.name);
  return adoptOwnImage(inputs, io, found);
}

/**
 * Runs `make`, a create at `name`. librbd writes an image's directory entry first, and a removal
 * drops the entry after the id object, so a create or a removal cut short can leave the entry
 * with no id object behind it: librbd refuses the name (EEXIST) while it is there, and only its
 * remove by name clears it; then `make` runs once more. At a declared name only an entry with no
 * header either is cleared (a header without its id object is an image somebody may still want).
 * A staging name is this resource's alone: there the header of a removal cut short inside
 * librbd's trash move (id object and entry go before the header) goes with the entry. An entry
 * with its id object is a whole image (another create of it, running now) and is left alone.
 */
async function createOverDanglingEntry(io: IoCtx, name: string, make: () => Promise<unknown>, opts: { staging?: boolean } = {}): Promise<void> {
  const n = native();
  try {
    await make();
    return;
  } catch (e) {
    if (!n.isCephError(e, "EEXIST") || (await n.objectExists(io, `rbd_id.${name}`))) throw e;
    if (!opts.staging) {
      const entry = (await n.listImages(io)).find((i) => i.name === name);
      if (!entry || (await n.objectExists(io, `rbd_header.${entry.id}`))) throw e;
    }
  }
  await removeStaleStaging(io, name);
  await make();
}

/** Removes what a crashed create or removal of this resource left under a name (its staging name, mostly). */
async function removeStaleStaging(io: IoCtx, staging: string): Promise<void> {
  const n = native();
  try {
    await outwaitingStaleWatch(() => n.removeImage(io, staging));
  } catch (e) {
    if (!n.isCephError(e, "ENOENT")) throw e;
  }
}

/**
 * Runs `op` again each second while it fails EBUSY, for up to STALE_WATCH_WAIT_MS. A process
 * killed while it had the image open (a provider host in a create or a destroy) keeps its watch
 * on it until the OSDs time that client out (osd_client_watch_timeout, 30 s by default), and
 * librbd refuses to remove an image with watchers until then.
 */
async function outwaitingStaleWatch<T>(op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STALE_WATCH_WAIT_MS;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (!native().isCephError(e, "EBUSY") || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * librbd removes an image in steps: a trash entry with source "removing", then the image's id
 * object and directory entry go, then its data and the entry. A removal cut short (a killed
 * destroy) leaves the entry, which `rbd ls` lists under the name (beside the directory's own
 * entry if that was not yet removed; rbd_trash_list leaves it out). It was being deleted on
 * request: finish the job, by the id librbd recorded, never touching another image at the name.
 */
async function finishInterruptedRemovals(io: IoCtx, name: string): Promise<void> {
  const n = native();
  // The trash object read directly: one round trip, not a listing of the whole pool per create.
  const removing = (await n.trashRemovals(io)).filter((e) => e.name === name);
  if (removing.length === 0) return;
  const listed = (await n.listImages(io)).filter((e) => e.name === name);
  for (const { id } of removing) {
    const inDirectory = listed.filter((e) => e.id === id).length > 1;
    try {
      // Still in the directory: the name belongs to this id, and librbd's own remove resumes.
      // The process cut short may have held the image open: its watch outlives it for a while.
      if (inDirectory) await outwaitingStaleWatch(() => n.removeImage(io, name));
      else await outwaitingStaleWatch(() => n.trashRemove(io, id, true));
    } catch (e) {
      // Cut short while moving to the trash: only librbd's remove by name finishes that, and only
      // if no other image holds the name since.
      if (!n.isCephError(e, "EUCLEAN") || (await imageAt(io, name)).exists) throw e;
      await outwaitingStaleWatch(() => n.removeImage(io, name));
    }
  }
}

/**
 * librbd renames in steps: it writes the id object rbd_id.<new name>, then renames the directory
 * entry, then drops rbd_id.<old name>. A create killed inside the rename of its staging image
 * leaves the image opening under both names while the directory (`rbd ls`) lists one of them.
 * Only when both names open as the same image is it that cut: finish the rename, touching nothing else.
 */
async function finishInterruptedRename(io: IoCtx, staging: string, name: string): Promise<void> {
  const n = native();
  const idAt = async (at: string) => {
    try {
      return (await n.statImage(io, at)).id;
    } catch (e) {
      if (n.isCephError(e, "ENOENT")) return undefined;
      throw e;
    }
  };
  const id = await idAt(staging);
  if (id === undefined || id !== (await idAt(name))) return;
  if ((await n.listImages(io)).some((e) => e.name === name && e.id === id)) {
    // The directory names it already: only the old id object was left.
    await n.removeObject(io, `rbd_id.${staging}`);
  } else {
    // Still listed under the staging name: drop the id object written ahead (librbd's rename
    // refuses a name whose id object exists), then rename again.
    await n.removeObject(io, `rbd_id.${name}`);
    await n.renameImage(io, staging, name);
  }
}

/** The image's watchers once they stay for `waitMs` (polled each second), or none as soon as there are none. */
async function watchersAfter(img: Image, waitMs: number): Promise<Array<{ addr: string }>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const watchers = await img.listWatchers();
    if (watchers.length === 0 || Date.now() > deadline) return watchers;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A little over the OSDs' default watch timeout (30 s), after which a dead client's watch is gone. */
const STALE_WATCH_WAIT_MS = 45_000;

/** No image at a name, or one with the owner its marker names (undefined: no marker) and its state. */
type FoundImage = { exists: false } | { exists: true; owner?: string; stat: ImageStat; holdsNothing?: boolean };

/**
 * The image at `name`, from one read-only open: its owner marker and its state, and, when
 * `emptiness` is asked for and it has no marker, whether it holds nothing (no data written, no
 * snapshots), so removing it loses nothing.
 */
async function imageAt(io: IoCtx, name: string, opts: { emptiness?: boolean } = {}): Promise<FoundImage> {
  const n = native();
  try {
    return await n.withImage(
      io,
      name,
      async (img) => {
        const owner = await img.metadataGet(OWNER_KEY);
        const stat = await img.stat();
        if (owner !== undefined || !opts.emptiness) return { exists: true, owner, stat };
        return { exists: true, owner, stat, holdsNothing: (await img.diskUsage()).used === 0 && (await img.listSnaps()).length === 0 };
      },
      { readOnly: true },
    );
  } catch (e) {
    if (n.isCephError(e, "ENOENT")) return { exists: false };
    throw e;
  }
}

/**
 * Create found an image at the declared name: adopt it if its marker is this resource's and it
 * matches, else refuse. The state `imageAt` read serves, except a mirrored image's, which also
 * needs its mirroring read.
 */
async function adoptOwnImage(inputs: RbdImageInputs, io: IoCtx, found: FoundImage): Promise<Created> {
  const label = clusterLabel(inputs.connection);
  const owner = found.exists ? found.owner : undefined;
  if (!inputs.owner || owner !== inputs.owner) throw notOurs({ cluster: label, what: "image", id: describe(inputs), found: owner });
  const outs = found.exists && !inputs.mirroring ? stateOf(inputs, found.stat) : await readImage(io, inputs);
  checkOwnAdoption({ cluster: label, what: "image", id: describe(inputs), declared: inputs, actual: outs, properties: ["size", "features", "objectSize"] });
  return { id: describe(inputs), outs };
}

/**
 * Cinder's delete: refuse while the image is in use (watchers); refuse to drop written data unless
 * forceDestroy; move an image whose snapshots still have clones to the trash instead of failing.
 */
export async function deleteImage(inputs: RbdImageInputs): Promise<void> {
  const n = native();
  const label = clusterLabel(inputs.connection);
  let parent: { pool: string; image: string; id: string } | undefined;
  await withPool(inputs.connection, inputs.pool, async (io) => {
    // A non-primary mirror copy is rbd-mirror's: it goes when its primary does.
    if (inputs.mirroring && (await mirroring.isReplica(io, inputs.name))) return;
    // Removed by its declared name only once that name is whole, so no directory entry or id object outlives it.
    const staging = stagingOf(inputs);
    if (inputs.owner && (await n.objectExists(io, `rbd_id.${staging}`))) await finishInterruptedRename(io, staging, inputs.name);
    await mirroring.releaseForDelete(io, inputs.name, inputs.mirroring, inputs.forceDestroy);
    // The common case without an open of our own (rbd_remove opens it once more): a plain image
    // that is no clone, has no snapshots and, by its object map, holds nothing (or forceDestroy).
    // rbd_remove refuses a watched image (EBUSY); that, an image gone meanwhile (ENOENT) or one
    // that got a snapshot (ENOTEMPTY) goes the way below, which waits out a stale watch and names
    // the users.
    if (!inputs.mirroring && n.removableWithoutOpen(await n.imageRemovalFacts(io, inputs.name), inputs.forceDestroy === true)) {
      try {
        await n.removeImage(io, inputs.name);
        return;
      } catch (e) {
        if (!n.isCephError(e, "EBUSY") && !n.isCephError(e, "ENOENT") && !n.isCephError(e, "ENOTEMPTY")) throw e;
      }
    }
    let hasClones = false;
    try {
      await n.withImage(io, inputs.name, async (img) => {
        // A killed process (an interrupted destroy's own provider host) keeps its watch until the
        // OSDs time it out, so only a watch that outlives that timeout is a user.
        const watchers = await watchersAfter(img, STALE_WATCH_WAIT_MS);
        if (watchers.length > 0) {
          throw new Error(
            `ceph cluster ${label}: image ${describe(inputs)} is in use by ${watchers.length} client(s) ` +
              `(${watchers.map((w) => w.addr).join(", ")}) for ${STALE_WATCH_WAIT_MS / 1000} s; detach it before deleting`,
          );
        }
        if (!inputs.forceDestroy) {
          const usage = await img.diskUsage();
          if (usage.used > 0) {
            throw new Error(
              `ceph cluster ${label}: image ${describe(inputs)} holds ${formatSize(usage.used)} of data; ` +
                `set forceDestroy: true on it to delete it`,
            );
          }
        }
        hasClones = (await img.listChildren()).length > 0;
        const st = await img.stat();
        if (st.parent) parent = { pool: st.parent.pool, image: st.parent.image, id: st.parent.id };
        // Read-only: a read-write open would register a watch of its own and count as a user.
      }, { readOnly: true });
    } catch (e) {
      if (n.isCephError(e, "ENOENT")) {
        // Already gone, or a removal cut short: finish it.
        await finishInterruptedRemovals(io, inputs.name);
        return;
      }
      throw e;
    }
    if (hasClones) {
      // As Cinder does: the clones still need this image's data, so it waits in the trash.
      await n.trashMove(io, inputs.name);
      return;
    }
    try {
      await n.removeImage(io, inputs.name);
    } catch (e) {
      // Snapshots someone else made (ImageHasSnapshots in Cinder's words): Cinder moves the image
      // to the trash rather than failing or deleting them.
      if (!n.isCephError(e, "ENOTEMPTY")) throw e;
      await n.trashMove(io, inputs.name);
    }
  });
  // As Cinder does after removing a clone: a parent that waited in the trash for its clones goes too.
  await purgeTrashedAncestors(inputs.connection, parent);
}

/**
 * Walks up from a removed clone: each ancestor that sits in the trash and has no clones left is
 * removed for good (its snapshots first), until an ancestor is still in use or not in the trash.
 */
async function purgeTrashedAncestors(conn: Connection, start: { pool: string; image: string; id: string } | undefined): Promise<void> {
  const n = native();
  let current = start;
  while (current) {
    const { pool, id, image } = current;
    current = await withPool(conn, pool, async (io) => {
      const entry = (await n.trashList(io)).find((t) => t.id === id);
      if (!entry) return undefined;
      const img = await n.openImageById(io, id, { name: image });
      let next: { pool: string; image: string; id: string } | undefined;
      try {
        if ((await img.listChildren()).length > 0) return undefined;
        const st = await img.stat();
        next = st.parent ? { pool: st.parent.pool, image: st.parent.image, id: st.parent.id } : undefined;
        for (const snap of await img.listSnaps()) {
          if (snap.protected) await img.unprotectSnap(snap.name);
          await img.removeSnap(snap.name);
        }
      } finally {
        await img.close();
      }
      await n.trashRemove(io, id);
      return next;
    });
  }
}
