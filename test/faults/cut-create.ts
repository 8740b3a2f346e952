// Leaves an image exactly as a killed direct create (provider/createIntent.ts) does at each of its
// steps, with the rbd and rados CLIs: the provider records its intent (an omap entry of the pool's
// pulumi-ceph-openstack.creating object), has librbd create the image at its declared name, writes
// the owner marker, then drops the intent. A SIGKILLed `pulumi up` lands between any two at random.
import { execFile } from "child_process";
import { promisify } from "util";
import type { TestCluster } from "../helpers/cluster";
import { CREATE_INTENTS_OBJECT } from "../../provider/createIntent";
import { OWNER_KEY } from "../../provider/ownership";

const exec = promisify(execFile);

/** Where the create stopped. */
export type CreateCut =
  | "after the intent" // the intent only: librbd's create had not run
  | "after librbd's create" // the image at its name, no marker; the intent still there
  | "after the marker"; // the image whole and marked; the intent still there

export const CREATE_CUTS: CreateCut[] = ["after the intent", "after librbd's create", "after the marker"];

/** Turns the whole image pool/name (made by the provider) back into what the cut leaves. */
export async function cutCreate(c: TestCluster, pool: string, name: string, cut: CreateCut): Promise<void> {
  const rados = (...args: string[]) => exec("rados", ["-c", c.conf, "-p", pool, ...args], { timeout: 60_000 });
  const owner = (await c.rbd("image-meta", "get", `${pool}/${name}`, OWNER_KEY)).trim();
  if (cut === "after the intent") await c.rbd("rm", `${pool}/${name}`);
  if (cut === "after librbd's create") await c.rbd("image-meta", "remove", `${pool}/${name}`, OWNER_KEY);
  await rados("setomapval", CREATE_INTENTS_OBJECT, name, JSON.stringify({ owner, at: Date.now() }));
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
