// Fault 1, the create half made deterministic: a `pulumi up` killed while the provider created a
// plain image at its declared name leaves it at one of its steps (see cut-create.ts): an intent and
// no image, an image librbd had only begun (a directory entry, an id object, a header without its
// object map), a whole image with no marker (empty, or written to since), or a marked image whose
// intent was not yet dropped. After the README's recovery commands the pool holds exactly the
// stack's images, each marked as this stack's, whole, and no intent is left; the one written to
// is kept (same image id), the empty half-made ones are made again.
import type { TestStack } from "../helpers/pulumi";
import { forgetImages, imageStack, imagesSpec, POOL, poolImages, startFaultCluster, stateImages, type FaultCluster } from "./harness";
import { CREATE_CUTS, cutCreate, imageIds, intents, markers, poolObjects, type CreateCut } from "./cut-create";
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
  const nameOf = (cut: CreateCut) => names[CREATE_CUTS.indexOf(cut)];
  for (const [i, cut] of CREATE_CUTS.entries()) await cutCreate(cluster, POOL, names[i], cut);
  // The creates never reached the checkpoint: state does not hold them.
  await forgetImages(stack);
  const cutListing = await poolImages(cluster);
  const cutIntents = await intents(cluster, POOL);
  const cutMarkers = await markers(cluster, POOL, cutListing);
  const cutIds = await imageIds(cluster, POOL, cutListing);
  expect(cutListing).toEqual(names.filter((n) => n !== nameOf("after the intent")));
  expect(cutIntents).toEqual(names);
  expect(Object.entries(cutMarkers).filter(([, owner]) => owner !== "")).toEqual([[nameOf("after the marker"), owners[nameOf("after the marker")]]]);
  // Those librbd had not yet given a header do not open.
  const opening = names.filter((n) => ![nameOf("after the intent"), nameOf("inside librbd's create: its directory entry only"), nameOf("inside librbd's create: no header yet")].includes(n));
  expect(Object.keys(cutIds).sort()).toEqual(opening);
  await runInterrupted(stack);
  expect(await poolImages(cluster)).toEqual(names);
  expect(await stateImages(stack)).toEqual(names);
  expect(await markers(cluster, POOL, names)).toEqual(owners);
  expect(await intents(cluster, POOL)).toEqual([]);
  const ids = await imageIds(cluster, POOL, names);
  // Kept: the one written to since, and the whole marked one. Made again: the empty half-made ones.
  const kept = [nameOf("after librbd's create, then written to"), nameOf("after the marker")];
  for (const name of kept) expect(ids[name]).toBe(cutIds[name]);
  for (const name of [nameOf("inside librbd's create: no object map yet"), nameOf("after librbd's create")]) expect(ids[name]).not.toBe(cutIds[name]);
  const used = JSON.parse(await cluster.rbd("du", `${POOL}/${nameOf("after librbd's create, then written to")}`, "--format", "json")) as { images: Array<{ used_size: number }> };
  expect(used.images[0].used_size).toBeGreaterThan(0);
  // Whole: each has the object map its features call for.
  const objects = await poolObjects(cluster, POOL);
  for (const name of names) expect(objects).toContain(`rbd_object_map.${ids[name]}`);
  await stack.run(["preview", "--expect-no-changes"]);
  // The written one holds data: it goes only when that is asked for.
  const spec = imagesSpec(names.length, { prefix: "mk" });
  await stack.setSpec({ ...spec, images: spec.images.map((img) => (kept.includes(img.name) ? { ...img, forceDestroy: true } : img)) });
  await stack.up();
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await stateImages(stack)).toEqual([]);
  expect(await cluster.cephJson("osd", "pool", "ls")).not.toContain(POOL);
  record(__filename, {
    fault: "a plain image's create cut short at each of its steps (what a SIGKILLed up leaves)",
    how: CREATE_CUTS.map((c, i) => `${names[i]}: ${c}`).join("; ") + " (made with the rbd and rados CLIs on the image and the pool's pulumi-ceph-openstack.creating omap; the images then deleted from state)",
    errorText: `(none: \`rbd ls\` lists ${cutListing.join(", ")}; ${opening.length} of them open, ${cutListing.length - opening.length} do not)`,
    leftInCeph: `rbd ls: ${cutListing.join(", ")}; create intents: ${cutIntents.join(", ")}; marked: ${nameOf("after the marker")} only`,
    leftInState: "none of the images (the creates never reached the checkpoint)",
    recovery: `${INTERRUPTED.join("; ")} → each name once in the pool and in state, each marked as this stack's and whole (its object map there), no intent left; ${kept.join(" and ")} kept (same image id), the empty half-made ones made again; destroy leaves 0 images and no pool`,
  });
});
