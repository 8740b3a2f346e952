// Fault 1, the destroy half made deterministic: a `pulumi destroy` killed while librbd was
// removing an image leaves it at one of four steps (see cut-removal.ts); `rbd ls` then lists the
// name twice, or lists a name no stack owns. After the README's recovery commands the pool
// holds exactly the stack's images, once each, and a destroy leaves none.
import type { TestStack } from "../helpers/pulumi";
import { driftReport } from "../../bin/driftReport";
import { imageStack, imagesSpec, POOL, poolImages, startFaultCluster, stateImages, type FaultCluster } from "./harness";
import { cutRemoval, REMOVAL_CUTS, trashKeys } from "./cut-removal";
import { INTERRUPTED, runInterrupted } from "./recovery";
import { record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;
let destroyStack: TestStack;
const names = REMOVAL_CUTS.map((_, i) => `cut${i}`);

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-removal");
});

afterAll(async () => {
  await stack?.teardown();
  await destroyStack?.teardown();
  cluster?.stop();
});

test("images whose removal was cut short at each of librbd's steps: the recovery commands leave each name once, owned; destroy leaves 0", async () => {
  await stack.setSpec(imagesSpec(names.length, { prefix: "cut" }));
  await stack.up();
  for (const [i, cut] of REMOVAL_CUTS.entries()) await cutRemoval(cluster, POOL, names[i], cut);
  const cutListing = await poolImages(cluster);
  // What the kill leaves: names listed twice (directory and trash) and names held only by the trash.
  expect(cutListing).toEqual(["cut0", "cut0", "cut1", "cut1", "cut2", "cut3"]);
  await runInterrupted(stack);
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

test("cancel, refresh, then destroy (no up): state keeps each half-removed image until destroy finishes its removal; the pool's listing and trash end empty", async () => {
  // A pool of its own, outside the stack, so that what destroy leaves in it can be listed after.
  const pool = "faults-rmdestroy";
  await cluster.ceph("osd", "pool", "create", pool, "8");
  await cluster.rbd("pool", "init", pool);
  destroyStack = await imageStack(cluster, "fault-removal-destroy");
  await destroyStack.setSpec({ images: names.map((name) => ({ resource: name, pool, name, size: "4MiB" })) });
  await destroyStack.up();
  for (const [i, cut] of REMOVAL_CUTS.entries()) await cutRemoval(cluster, pool, names[i], cut);
  const cutListing = await poolImages(cluster, pool);
  const cutTrash = await trashKeys(cluster, pool);
  expect(cutListing).toEqual(["cut0", "cut0", "cut1", "cut1", "cut2", "cut3"]);
  // What ceph-drift runs: one row per half-removed image, an up would replace it; and nothing written.
  const preview = await destroyStack.run(["preview", "--refresh", "--json"]);
  expect(driftReport(JSON.parse(preview.stdout)).rows.map((r) => [r.resource, r.property, r.declared, r.actual, r.action])).toEqual(
    names.map((name) => [name, "removal", "none", "pending", "replace"]),
  );
  expect(await poolImages(cluster, pool)).toEqual(cutListing);
  expect(await trashKeys(cluster, pool)).toEqual(cutTrash);
  for (const step of INTERRUPTED.slice(0, 2)) await destroyStack.run(step.split(/\s+/).slice(1), { timeoutMs: 240_000 });
  // Refresh keeps owning them, marked (it used to drop them: then destroy left them listed, no owner).
  const kept = (await destroyStack.resources()).filter((r) => r.type.endsWith("ceph:RbdImage"));
  expect(kept.map((r) => [r.outputs.name, r.outputs.removalPending]).sort()).toEqual(names.map((name) => [name, true]));
  await destroyStack.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 240_000 });
  expect(await stateImages(destroyStack)).toEqual([]);
  expect(await poolImages(cluster, pool)).toEqual([]);
  expect(await trashKeys(cluster, pool)).toEqual([]);
  record(__filename, {
    fault: "an image removal cut short at each of librbd's steps, recovered with cancel, refresh, destroy (no up)",
    how: REMOVAL_CUTS.map((c, i) => `${names[i]}: ${c}`).join("; ") + ` (pool ${pool}, outside the stack)`,
    errorText: "(none: refresh marks each image removalPending; ceph-drift shows removal none → pending, replace)",
    leftInCeph: `rbd ls: ${cutListing.join(", ")}`,
    leftInState: `the ${names.length} images, kept by refresh with removalPending: true`,
    recovery: `${INTERRUPTED.slice(0, 2).join("; ")}; pulumi destroy --yes → state empty, rbd ls and the pool's trash empty`,
  });
});
