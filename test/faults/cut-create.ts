// Leaves an image exactly as a killed direct create (provider/createIntent.ts) does at each of its
// steps, with the rbd and rados CLIs: the provider records its intent (an omap entry of the pool's
// pulumi-ceph-openstack.creating object), has librbd create the image at its declared name, writes
// the owner marker, then drops the intent. A SIGKILLed `pulumi up` lands between any two at random,
// or inside librbd's create, between the objects it writes one after another.
import { execFile } from "child_process";
import { promisify } from "util";
import type { TestCluster } from "../helpers/cluster";
import { CREATE_INTENTS_OBJECT } from "../../provider/createIntent";
import { OWNER_KEY } from "../../provider/ownership";

const exec = promisify(execFile);

/** Where the create stopped. */
export type CreateCut =
  | "after the intent" // the intent only: librbd's create had not run
  | "inside librbd's create: its directory entry only" // librbd adds the name to rbd_directory first
  | "inside librbd's create: no header yet" // then writes rbd_id.<name>
  | "inside librbd's create: no object map yet" // then the header, then the object map
  | "after librbd's create" // the image whole at its name, no marker; the intent still there
  | "after librbd's create, then written to" // as above, and someone wrote to it before the retry
  | "after the marker"; // the image whole and marked; the intent still there

export const CREATE_CUTS: CreateCut[] = [
  "after the intent",
  "inside librbd's create: its directory entry only",
  "inside librbd's create: no header yet",
  "inside librbd's create: no object map yet",
  "after librbd's create",
  "after librbd's create, then written to",
  "after the marker",
];

/** What librbd had written of the image when the cut landed, in the order it writes them. */
const OBJECTS_LEFT: Partial<Record<CreateCut, number>> = {
  "inside librbd's create: its directory entry only": 0,
  "inside librbd's create: no header yet": 1,
  "inside librbd's create: no object map yet": 2,
};

/** Turns the whole image pool/name (made by the provider) back into what the cut leaves. */
export async function cutCreate(c: TestCluster, pool: string, name: string, cut: CreateCut): Promise<void> {
  const rados = (...args: string[]) => exec("rados", ["-c", c.conf, "-p", pool, ...args], { timeout: 60_000 });
  const owner = (await c.rbd("image-meta", "get", `${pool}/${name}`, OWNER_KEY)).trim();
  const id = (JSON.parse(await c.rbd("info", `${pool}/${name}`, "--format", "json")) as { id: string }).id;
  if (cut === "after the intent") await c.rbd("rm", `${pool}/${name}`);
  else if (cut !== "after the marker") await c.rbd("image-meta", "remove", `${pool}/${name}`, OWNER_KEY);
  if (cut === "after librbd's create, then written to") {
    await c.rbd("bench", "--io-type", "write", "--io-size", "4096", "--io-total", "4096", `${pool}/${name}`);
  }
  const left = OBJECTS_LEFT[cut];
  if (left !== undefined) {
    const written = [`rbd_id.${name}`, `rbd_header.${id}`, `rbd_object_map.${id}`];
    for (const object of written.slice(left).reverse()) await rados("rm", object);
  }
  await rados("setomapval", CREATE_INTENTS_OBJECT, name, JSON.stringify({ owner, at: Date.now() }));
}

/** The image id of each image of the pool that opens, by name. */
export async function imageIds(c: TestCluster, pool: string, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const info = await c.rbd("info", `${pool}/${name}`, "--format", "json").catch(() => "");
    if (info) out[name] = (JSON.parse(info) as { id: string }).id;
  }
  return out;
}

/** The names the pool's create intents are for, sorted. */
export async function intents(c: TestCluster, pool: string): Promise<string[]> {
  try {
    const { stdout } = await exec("rados", ["-c", c.conf, "-p", pool, "listomapkeys", CREATE_INTENTS_OBJECT], { encoding: "utf8", timeout: 60_000 });
    return stdout.split("\n").filter(Boolean).sort();
  } catch (e) {
    if (/No such file or directory/.test(String((e as { stderr?: string }).stderr))) return [];
    throw e;
  }
}

/** The owner marker of each image of the pool, by name. */
export async function markers(c: TestCluster, pool: string, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = (await c.rbd("image-meta", "get", `${pool}/${name}`, OWNER_KEY).catch(() => "")).trim();
  return out;
}

/** Every object of the pool (`rados ls`), sorted. */
export async function poolObjects(c: TestCluster, pool: string): Promise<string[]> {
  const { stdout } = await exec("rados", ["-c", c.conf, "-p", pool, "ls"], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
  return stdout.split("\n").filter(Boolean).sort();
}
