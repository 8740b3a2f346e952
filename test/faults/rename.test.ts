// Fault 1, the create half made deterministic: a `pulumi up` killed while librbd was renaming an
// image from its staging name (a clone or a mirrored image, or a plain image made by a version
// before create intents) leaves it at one of three steps (see cut-rename.ts); `rbd ls` then
// lists a name no stack owns, and the declared name may open all the same. After the README's
// recovery commands the pool holds exactly the stack's images under their own names, with no id
// object left over; and a destroy of an image left mid-rename leaves nothing behind.
import type { TestStack } from "../helpers/pulumi";
import { forgetImages, imageStack, imagesSpec, POOL, poolImages, startFaultCluster, stateImages, type FaultCluster } from "./harness";
import { cutRename, idObjects, RENAME_CUTS } from "./cut-rename";
import { INTERRUPTED, runInterrupted } from "./recovery";
import { record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;
let destroyStack: TestStack;
const names = RENAME_CUTS.map((_, i) => `ren${i}`);

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-rename");
});

afterAll(async () => {
  await stack?.teardown();
  await destroyStack?.teardown();
  cluster?.stop();
});

test("creates cut short at each step of the staging rename: the recovery commands leave each image once, under its name, owned", async () => {
  await stack.setSpec(imagesSpec(names.length, { prefix: "ren" }));
  await stack.up();
  const staging: string[] = [];
  for (const [i, cut] of RENAME_CUTS.entries()) staging.push(await cutRename(cluster, POOL, names[i], cut));
  // The creates never reached the checkpoint: state does not hold them.
  await forgetImages(stack);
  const cutListing = await poolImages(cluster);
  const cutIds = await idObjects(cluster, POOL);
  expect(cutListing).toEqual([staging[0], staging[1], names[2]].sort());
  expect(cutIds).toEqual([...staging, names[1], names[2]].sort());
  await runInterrupted(stack);
  expect(await poolImages(cluster)).toEqual(names);
  expect(await stateImages(stack)).toEqual(names);
  // No staging id object left: a later create under the same staging name would find it taken.
  expect(await idObjects(cluster, POOL)).toEqual(names);
  await stack.run(["preview", "--expect-no-changes"]);
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await stateImages(stack)).toEqual([]);
  expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain(POOL);
  record(__filename, {
    fault: "an image create cut short at each step of the rename from its staging name (what a SIGKILLed up of a clone or a mirrored image leaves)",
    how: RENAME_CUTS.map((c, i) => `${names[i]}: ${c}`).join("; ") + " (made with the rbd and rados CLIs on rbd_directory and rbd_id.<name>; the images then deleted from state)",
    errorText: "(none: `rbd ls` lists two staging names and ren2; ren1 and ren2 also open by their staging names)",
    leftInCeph: `rbd ls: ${cutListing.join(", ")}; id objects: ${cutIds.join(", ")}`,
    leftInState: "none of the images (the creates never reached the checkpoint)",
    recovery: `${INTERRUPTED.join("; ")} → each name once in the pool and in state, no staging id object left; destroy leaves 0 images and no pool`,
  });
});

test("destroy of images left mid-rename: neither the declared nor the staging name outlives it", async () => {
  const pool = "faults-rndestroy";
  await cluster.ceph("osd", "pool", "create", pool, "8");
  await cluster.rbd("pool", "init", pool);
  destroyStack = await imageStack(cluster, "fault-rename-destroy");
  const midRename = RENAME_CUTS.slice(1);
  const cutNames = midRename.map((_, i) => `mid${i}`);
  await destroyStack.setSpec({ images: cutNames.map((name) => ({ resource: name, pool, name, size: "4MiB" })) });
  await destroyStack.up();
  for (const [i, cut] of midRename.entries()) await cutRename(cluster, pool, cutNames[i], cut);
  expect(await poolImages(cluster, pool)).toHaveLength(2);
  expect(await idObjects(cluster, pool)).toHaveLength(4);
  await destroyStack.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 240_000 });
  expect(await stateImages(destroyStack)).toEqual([]);
  expect(await poolImages(cluster, pool)).toEqual([]);
  expect(await idObjects(cluster, pool)).toEqual([]);
});
