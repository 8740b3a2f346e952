// Fault 1, the create half made deterministic: a `pulumi up` killed while the provider created a
// plain image at its declared name leaves it at one of three steps (see cut-create.ts): an intent
// and no image, an image with no marker, or a marked image whose intent was not yet dropped.
// After the README's recovery commands the pool holds exactly the stack's images, each marked as
// this stack's, and no intent is left.
import type { TestStack } from "../helpers/pulumi";
import { forgetImages, imageStack, imagesSpec, POOL, poolImages, startFaultCluster, stateImages, type FaultCluster } from "./harness";
import { CREATE_CUTS, cutCreate, intents, markers } from "./cut-create";
import { INTERRUPTED, runInterrupted } from "./recovery";
import { record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;
const names = CREATE_CUTS.map((_, i) => `mk${i}`);

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-create");
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("creates cut short at each step of the direct create: the recovery commands leave each image once, marked, no intent left", async () => {
  await stack.setSpec(imagesSpec(names.length, { prefix: "mk" }));
  await stack.up();
  const owners = await markers(cluster, POOL, names);
  for (const name of names) expect(owners[name]).toMatch(new RegExp(`/${name}$`));
  expect(await intents(cluster, POOL)).toEqual([]);
  for (const [i, cut] of CREATE_CUTS.entries()) await cutCreate(cluster, POOL, names[i], cut);
  // The creates never reached the checkpoint: state does not hold them.
  await forgetImages(stack);
  const cutListing = await poolImages(cluster);
  const cutIntents = await intents(cluster, POOL);
  const cutMarkers = await markers(cluster, POOL, cutListing);
  expect(cutListing).toEqual(names.slice(1));
  expect(cutIntents).toEqual(names);
  expect(cutMarkers).toEqual({ [names[1]]: "", [names[2]]: owners[names[2]] });
  await runInterrupted(stack);
  expect(await poolImages(cluster)).toEqual(names);
  expect(await stateImages(stack)).toEqual(names);
  expect(await markers(cluster, POOL, names)).toEqual(owners);
  expect(await intents(cluster, POOL)).toEqual([]);
  await stack.run(["preview", "--expect-no-changes"]);
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await stateImages(stack)).toEqual([]);
  expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain(POOL);
  record(__filename, {
    fault: "a plain image's create cut short at each of its steps (what a SIGKILLed up leaves)",
    how: CREATE_CUTS.map((c, i) => `${names[i]}: ${c}`).join("; ") + " (made with the rbd and rados CLIs on the image and the pool's pulumi-ceph-openstack.creating omap; the images then deleted from state)",
    errorText: `(none: \`rbd ls\` lists ${cutListing.join(", ")}; ${names[1]} has no owner marker)`,
    leftInCeph: `rbd ls: ${cutListing.join(", ")}; create intents: ${cutIntents.join(", ")}; unmarked: ${names[1]}`,
    leftInState: "none of the images (the creates never reached the checkpoint)",
    recovery: `${INTERRUPTED.join("; ")} → each name once in the pool and in state, each marked as this stack's, no intent left; destroy leaves 0 images and no pool`,
  });
});
