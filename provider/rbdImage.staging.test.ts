// A clone's create that finds its staging name still in the pool's rbd_directory without the
// name's id object: what a removal of that staging image leaves when it is cut short between
// librbd's two steps (the id object goes first, the directory entry second). librbd refuses the
// name (EEXIST) and the id-object check cannot see it, so every later `pulumi up` failed the same
// way. (Clones and mirrored images are built under a staging name; plain images are not.)
import { execFileSync } from "child_process";
import { handlers } from ".";
import { stagingName } from "./ownership";
import { startCluster, uniqueName, type TestCluster } from "../test/helpers/cluster";

jest.setTimeout(180_000);

let tc: TestCluster;
beforeAll(() => {
  tc = startCluster();
});
afterAll(() => tc?.stop());

const rados = (pool: string, ...args: string[]) => execFileSync("rados", ["-c", tc.conf, "-p", pool, ...args], { encoding: "utf8", timeout: 60_000 });

test("a staging name left in the directory without its id object is cleared, and the clone is created under its name", async () => {
  const pool = uniqueName("staging");
  await tc.ceph("osd", "pool", "create", pool, "8");
  await tc.rbd("pool", "init", pool);
  await tc.rbd("create", "--size", "64M", `${pool}/parent`);
  await tc.rbd("snap", "create", `${pool}/parent@base`);
  await tc.rbd("snap", "protect", `${pool}/parent@base`);
  const owner = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/ceph:RbdImage::vol";
  const staging = stagingName(".pulumi-new.", `${pool}/vol`, owner);
  await tc.rbd("create", "--size", "64M", `${pool}/${staging}`);
  rados(pool, "rm", `rbd_id.${staging}`);
  expect(rados(pool, "listomapkeys", "rbd_directory")).toContain(`name_${staging}`);

  const inputs = { connection: { conf: tc.conf, label: "staging" }, pool, name: "vol", size: 64 * 2 ** 20, owner, cloneFrom: { pool, image: "parent", snapshot: "base" }, maxCloneDepth: 5, flattenOnCreate: false, allowShrink: false, forceDestroy: false };
  const created = await handlers.RbdImage.create(inputs);

  expect(created.id).toBe(`${pool}/vol`);
  expect((await tc.rbd("ls", pool)).split("\n").filter(Boolean).sort()).toEqual(["parent", "vol"]);
  expect(rados(pool, "listomapkeys", "rbd_directory")).not.toContain(staging);
  expect(JSON.parse(await tc.rbd("info", `${pool}/vol`, "--format", "json")).id).toBe(created.outs.imageId);
});
