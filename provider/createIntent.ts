// Create intents: how an image made directly at its declared name stays recognisably this
// resource's across a crash. Before librbd creates the image the provider records, in one omap
// entry of a pool object, the name and the owner about to create it; once the image carries its
// owner marker the entry goes. A crash between the two leaves an image with no marker and an entry
// that names its owner, which the repeated create adopts and `ceph-drift --unmanaged` attributes.
// (The staging name and rename it replaces for plain images cost two image opens per create.)
import { z } from "zod";
import type { IoCtx } from "../native";

/** The pool object whose omap holds the create intents: image name -> {owner, at}. */
export const CREATE_INTENTS_OBJECT = "pulumi-ceph-openstack.creating";

/**
 * How far apart the intent's time (the provider host's clock) and the image's id object mtime
 * (the OSD's clock) may be for the image to be the one that intent was written for: the create
 * follows its intent within milliseconds; an image someone else made by hand under the name
 * after a crash would have to land inside this window (and clocks are NTP-close) to be mistaken.
 */
export const INTENT_WINDOW_MS = 120_000;

const intentSchema = z.object({ owner: z.string().min(1), at: z.number().int().nonnegative() });
export type CreateIntent = z.output<typeof intentSchema>;

function native(): typeof import("../native") {
  return require("../native");
}

/** Records that `owner` is about to create the image `name` in this pool. */
export async function recordIntent(io: IoCtx, name: string, owner: string): Promise<void> {
  await native().omapSet(io, CREATE_INTENTS_OBJECT, name, JSON.stringify({ owner, at: Date.now() }));
}

/** Drops the intent for `name` (none there: nothing to do). */
export async function clearIntent(io: IoCtx, name: string): Promise<void> {
  await native().omapRemoveKey(io, CREATE_INTENTS_OBJECT, name);
}

/** Every intent of the pool, by image name; an entry that does not parse is left out (not ours to read). */
export async function readIntents(io: IoCtx): Promise<Map<string, CreateIntent>> {
  const out = new Map<string, CreateIntent>();
  for (const [name, raw] of await native().omapEntries(io, CREATE_INTENTS_OBJECT)) {
    try {
      const parsed = intentSchema.safeParse(JSON.parse(raw.toString("utf8")));
      if (parsed.success) out.set(name, parsed.data);
    } catch {
      // not JSON: skipped
    }
  }
  return out;
}

/**
 * Whether an image with no owner marker is the one `owner`'s cut-short create made: an intent by
 * that owner for the name, written within INTENT_WINDOW_MS of the image's id object (mtime in seconds).
 */
export function madeByIntent(intent: CreateIntent | undefined, owner: string | undefined, idObjectMtimeSec: number): boolean {
  if (!intent || !owner || intent.owner !== owner) return false;
  return Math.abs(idObjectMtimeSec * 1000 - intent.at) <= INTENT_WINDOW_MS;
}
