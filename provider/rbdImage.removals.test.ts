// A removal cut short by a killed process that had the image open: librbd's trash entry is left
// with source "removing", and the dead process's watch on the image's header outlives it until the
// OSDs time it out (osd_client_watch_timeout, 30 s). Finishing the removal meanwhile fails EBUSY;
// the next create of the name must wait that out, not fail (seen in the fault suite after a
// SIGKILLed destroy).
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { handlers } from ".";
import { startCluster, uniqueName, type TestCluster } from "../test/helpers/cluster";
import { waitFor } from "../test/helpers/wait";

jest.setTimeout(180_000);

let tc: TestCluster;
beforeAll(() => {
  tc = startCluster();
});
afterAll(() => tc?.stop());

const rados = (pool: string, args: string[], input?: Buffer) =>
  execFileSync("rados", ["-c", tc.conf, "-p", pool, ...args], { encoding: "utf8", timeout: 60_000, input });

test("a removal left in the trash with a killed process's watch on the image: the next create waits the watch out and finishes it", async () => {
  const pool = uniqueName("removals");
  await tc.ceph("osd", "pool", "create", pool, "8");
  await tc.rbd("pool", "init", pool);
  await tc.rbd("create", "--size", "64M", `${pool}/vol`);
  const oldId: string = JSON.parse(await tc.rbd("info", `${pool}/vol`, "--format", "json")).id;
  // What librbd's remove writes first: the image in the trash with source "removing" (the entry's
  // source byte, after version, compat and length).
  await tc.rbd("trash", "mv", `${pool}/vol`);
  const specFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "removals-")), "spec");
  rados(pool, ["getomapval", "rbd_trash", `id_${oldId}`, specFile]);
  const spec = fs.readFileSync(specFile);
  spec[6] = 3;
  rados(pool, ["setomapval", "rbd_trash", `id_${oldId}`], spec);
  // A client that had the image open, killed: its watch stays until the OSDs time it out.
  const header = `rbd_header.${oldId}`;
  // stdin held open: `rados watch` ends at its first EOF.
  const watcher = spawn("rados", ["-c", tc.conf, "-p", pool, "watch", header], { stdio: ["pipe", "ignore", "ignore"] });
  const watchers = () => (rados(pool, ["listwatchers", header]).match(/^watcher=/gm) ?? []).length;
  await waitFor("the watch", 30_000, () => watchers() === 1, 200);
  watcher.kill("SIGKILL");
  await new Promise((r) => watcher.once("exit", r));
  expect(watchers()).toBe(1);
  await expect(tc.rbd("trash", "rm", "--force", oldId, "-p", pool)).rejects.toThrow(/watchers|busy/i);

  const owner = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/ceph:RbdImage::vol";
  const inputs = { connection: { conf: tc.conf, label: "removals" }, pool, name: "vol", size: 64 * 2 ** 20, owner, maxCloneDepth: 5, flattenOnCreate: false, allowShrink: false, forceDestroy: false };
  const created = await handlers.RbdImage.create(inputs);

  expect(created.id).toBe(`${pool}/vol`);
  expect(created.outs.imageId).not.toBe(oldId);
  expect(rados(pool, ["listomapkeys", "rbd_trash"])).toBe("");
  expect(rados(pool, ["ls"])).not.toContain(header);
  expect((await tc.rbd("ls", pool)).split("\n").filter(Boolean)).toEqual(["vol"]);
});
