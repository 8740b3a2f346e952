// Leaves an image exactly as a killed `rbd_remove` does at each of its steps, with the rados CLI
// on the pool's own objects: librbd adds a trash entry (source "removing", state "moving"), drops
// the id object rbd_id.<name>, drops the rbd_directory entry, marks the entry normal, then
// "removing" while it deletes the data. A deterministic cut, where a SIGKILL lands at random.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import type { TestCluster } from "../helpers/cluster";

const exec = promisify(execFile);

/** Where the removal stopped. */
export type RemovalCut =
  | "after trash entry added" // the image still opens by name
  | "after id object removed" // in the directory, no longer opens
  | "after directory entry removed" // only the trash entry (still "moving")
  | "while deleting data"; // only the trash entry ("removing")

export const REMOVAL_CUTS: RemovalCut[] = ["after trash entry added", "after id object removed", "after directory entry removed", "while deleting data"];

// cls::rbd::TrashImageSpec as encoded (v2): version, compat, length (4), source (u8), name, times, state (u8).
const SOURCE_OFFSET = 6;
const SOURCE_REMOVING = 3;
const STATE = { normal: 0, moving: 1, removing: 2 };

export async function cutRemoval(c: TestCluster, pool: string, name: string, cut: RemovalCut): Promise<void> {
  const rados = async (...args: string[]) => (await exec("rados", ["-c", c.conf, "-p", pool, ...args], { encoding: "buffer", timeout: 60_000 })).stdout;
  const id = JSON.parse(await c.rbd("info", `${pool}/${name}`, "--format", "json")).id as string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cut-removal-"));
  const file = (f: string) => path.join(dir, f);
  try {
    await rados("getomapval", "rbd_directory", `name_${name}`, file("name"));
    await rados("getomapval", "rbd_directory", `id_${id}`, file("id"));
    await rados("get", `rbd_id.${name}`, file("rbdid"));
    await c.rbd("trash", "mv", `${pool}/${name}`);
    await rados("getomapval", "rbd_trash", `id_${id}`, file("trash"));
    const spec = fs.readFileSync(file("trash"));
    // A user trash move with state normal: fail loudly if the encoding is not the one assumed.
    if (spec[SOURCE_OFFSET] !== 0 || spec[spec.length - 1] !== STATE.normal || spec.readUInt32LE(SOURCE_OFFSET + 1) !== Buffer.byteLength(name)) {
      throw new Error(`unexpected trash entry encoding for ${pool}/${name}: ${spec.toString("hex")}`);
    }
    spec[SOURCE_OFFSET] = SOURCE_REMOVING;
    spec[spec.length - 1] = cut === "while deleting data" ? STATE.removing : STATE.moving;
    fs.writeFileSync(file("trash"), spec);
    await rados("setomapval", "rbd_trash", `id_${id}`, "--input-file", file("trash"));
    if (cut === "after trash entry added" || cut === "after id object removed") {
      await rados("setomapval", "rbd_directory", `name_${name}`, "--input-file", file("name"));
      await rados("setomapval", "rbd_directory", `id_${id}`, "--input-file", file("id"));
    }
    if (cut === "after trash entry added") await rados("put", `rbd_id.${name}`, file("rbdid"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every trash entry's key in the pool, including those `rbd trash ls --all` leaves out (source "removing"). */
export async function trashKeys(c: TestCluster, pool: string): Promise<string[]> {
  const out = (await exec("rados", ["-c", c.conf, "-p", pool, "listomapkeys", "rbd_trash"], { encoding: "utf8", timeout: 60_000 }).catch((e) => {
    // No trash object yet: nothing was ever trashed.
    if (/No such file/.test(String(e.stderr))) return { stdout: "" };
    throw e;
  })).stdout;
  return out.split("\n").filter(Boolean);
}
