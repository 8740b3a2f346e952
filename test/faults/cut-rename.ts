// Leaves an image exactly as a killed `rbd_rename` of its staging image does at each of its steps,
// with the rbd and rados CLIs: librbd writes the id object rbd_id.<new name>, renames the
// rbd_directory entry, then removes rbd_id.<old name>. A deterministic cut, where a SIGKILLed
// create lands there at random (the provider builds clones and mirrored images under a staging name, then renames).
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import type { TestCluster } from "../helpers/cluster";
import { OWNER_KEY, stagingName } from "../../provider/ownership";

const exec = promisify(execFile);

/** Where the rename stopped. */
export type RenameCut =
  | "before the rename" // only the staging image: the create stopped before renaming
  | "after id object written" // opens by both names; the directory lists the staging name
  | "after directory renamed"; // listed by its name; the staging name's id object still there

export const RENAME_CUTS: RenameCut[] = ["before the rename", "after id object written", "after directory renamed"];

/** The staging name the provider builds pool/name under, from the owner marker on the image. */
export async function stagingOf(c: TestCluster, pool: string, name: string): Promise<string> {
  const owner = (await c.rbd("image-meta", "get", `${pool}/${name}`, OWNER_KEY)).trim();
  if (!owner) throw new Error(`${pool}/${name} carries no ${OWNER_KEY} marker`);
  return stagingName(".pulumi-new.", `${pool}/${name}`, owner);
}

/** Turns the whole image pool/name back into what the cut leaves; returns its staging name. */
export async function cutRename(c: TestCluster, pool: string, name: string, cut: RenameCut): Promise<string> {
  const staging = await stagingOf(c, pool, name);
  const rados = (...args: string[]) => exec("rados", ["-c", c.conf, "-p", pool, ...args], { timeout: 60_000 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cut-rename-"));
  const idObject = path.join(dir, "rbd_id");
  try {
    if (cut === "after directory renamed") {
      await rados("get", `rbd_id.${name}`, idObject);
      await rados("put", `rbd_id.${staging}`, idObject);
      return staging;
    }
    await c.rbd("rename", `${pool}/${name}`, `${pool}/${staging}`);
    if (cut === "after id object written") {
      await rados("get", `rbd_id.${staging}`, idObject);
      await rados("put", `rbd_id.${name}`, idObject);
    }
    return staging;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The pool's id objects (rbd_id.<name>), sorted by name: what opens by name, listed or not. */
export async function idObjects(c: TestCluster, pool: string): Promise<string[]> {
  const { stdout } = await exec("rados", ["-c", c.conf, "-p", pool, "ls"], { encoding: "utf8", timeout: 60_000 });
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("rbd_id."))
    .map((l) => l.slice("rbd_id.".length))
    .sort();
}
