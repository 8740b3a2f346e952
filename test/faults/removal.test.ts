// Fault 1, the destroy half made deterministic: a `pulumi destroy` killed while librbd was
// removing an image leaves it at one of four steps (see cut-removal.ts); `rbd ls` then lists the
// name twice, or lists a name no stack owns. After the README's recovery commands the pool
// holds exactly the stack's images, once each, and a destroy leaves none.
import type { TestStack } from "../helpers/pulumi";
import { imageStack, POOL, poolImages, startFaultCluster, stateImages, type FaultCluster } from "./harness";
import { cutRemoval, REMOVAL_CUTS, trashKeys } from "./cut-removal";
import { INTERRUPTED } from "./recovery";
import { record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;
const names = REMOVAL_CUTS.map((_, i) => `cut${i}`);

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-removal");
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("images whose removal was cut short at each of librbd's steps: the recovery commands leave each name once, owned; destroy leaves 0", async () => {
  await stack.setSpec({
    pools: [{ resource: POOL, name: POOL, application: "rbd", forceDestroy: true }],
    images: names.map((name) => ({ resource: name, pool: POOL, name, size: "4MiB" })),
  });
  await stack.up();
  for (const [i, cut] of REMOVAL_CUTS.entries()) await cutRemoval(cluster, POOL, names[i], cut);
  const cutListing = await poolImages(cluster);
  // What the kill leaves: names listed twice (directory and trash) and names held only by the trash.
  expect(cutListing).toEqual(["cut0", "cut0", "cut1", "cut1", "cut2", "cut3"]);
  for (const step of INTERRUPTED) await stack.run(step.split(/\s+/).slice(1), { timeoutMs: 240_000 });
  expect(await poolImages(cluster)).toEqual(names);
  expect(await stateImages(stack)).toEqual(names);
  // Every trashed leftover is gone, not just hidden from the listing.
  expect(await trashKeys(cluster, POOL)).toEqual([]);
  await stack.run(["preview", "--expect-no-changes"]);
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await stateImages(stack)).toEqual([]);
  expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain(POOL);
  record(__filename, {
    fault: "an image removal cut short at each of librbd's steps (what a SIGKILLed destroy leaves)",
    how: REMOVAL_CUTS.map((c, i) => `${names[i]}: ${c}`).join("; ") + " (made with the rados CLI on rbd_trash, rbd_directory, rbd_id.<name>)",
    errorText: "(none: `rbd ls` lists cut0 and cut1 twice, cut2 and cut3 belong to no directory entry)",
    leftInCeph: `rbd ls: ${cutListing.join(", ")}`,
    leftInState: `the ${names.length} images (the removals never reached the engine)`,
    recovery: `${INTERRUPTED.join("; ")} → each name once in the pool and in state, no trash entry left; destroy leaves 0 images and no pool`,
  });
});
