// The direct create of a plain image (provider/createIntent.ts) at each point a crash can cut it,
// made with the rbd and rados CLIs, then the create run again as the engine would: an image this
// resource's cut-short create made is made again when it holds nothing (or adopted and marked when
// written to since), and its intent goes; an unmarked image its intent cannot vouch for (another
// owner's, or made long after the intent) is refused untouched.
import { execFileSync } from "child_process";
import { handlers } from ".";
import { addon } from "../native/binding";
import { CREATE_INTENTS_OBJECT, INTENT_WINDOW_MS } from "./createIntent";
import { startCluster, uniqueName, type TestCluster } from "../test/helpers/cluster";

jest.setTimeout(180_000);

let tc: TestCluster;
let pool: string;
beforeAll(async () => {
  tc = startCluster();
  pool = uniqueName("intent");
  await tc.ceph("osd", "pool", "create", pool, "8");
  await tc.rbd("pool", "init", pool);
});
afterAll(() => tc?.stop());

const OWNER = "p/dev/vol";
const rados = (...args: string[]) => execFileSync("rados", ["-c", tc.conf, "-p", pool, ...args], { encoding: "utf8", timeout: 60_000 });
const intentKeys = () => {
  try {
    return rados("listomapkeys", CREATE_INTENTS_OBJECT).split("\n").filter(Boolean);
  } catch {
    return []; // no intents object yet
  }
};
const setIntent = (name: string, owner: string, at: number) => rados("setomapval", CREATE_INTENTS_OBJECT, name, JSON.stringify({ owner, at }));
const marker = async (name: string) => (await tc.rbd("image-meta", "get", `${pool}/${name}`, "pulumi-owner").catch(() => "")).trim();
const inputs = (name: string, owner = OWNER) => ({
  connection: { conf: tc.conf, label: "intent" },
  pool,
  name,
  size: 8 * 2 ** 20,
  owner,
  maxCloneDepth: 5,
  flattenOnCreate: false,
  allowShrink: false,
  forceDestroy: false,
});

test("a first create makes the image at its declared name, marked, with no staging name and no intent left", async () => {
  const created = await handlers.RbdImage.create(inputs("fresh"));
  expect(created.id).toBe(`${pool}/fresh`);
  expect((await tc.rbd("ls", pool)).split("\n").filter(Boolean)).toEqual(["fresh"]);
  expect(await marker("fresh")).toBe(OWNER);
  expect(intentKeys()).not.toContain("fresh");
  expect(JSON.parse(await tc.rbd("info", `${pool}/fresh`, "--format", "json"))).toMatchObject({ id: created.outs.imageId, size: 8 * 2 ** 20 });
});

test("cut after the intent, before librbd's create: the repeated create makes the image and drops the intent", async () => {
  setIntent("cut1", OWNER, Date.now());
  await handlers.RbdImage.create(inputs("cut1"));
  expect(await marker("cut1")).toBe(OWNER);
  expect(intentKeys()).not.toContain("cut1");
});

test("cut after librbd's create, before the marker: the empty image is made again, marked, and its intent goes", async () => {
  setIntent("cut2", OWNER, Date.now());
  await tc.rbd("create", "--size", "8M", `${pool}/cut2`);
  const id = JSON.parse(await tc.rbd("info", `${pool}/cut2`, "--format", "json")).id;
  const made = await handlers.RbdImage.create(inputs("cut2"));
  expect(made.outs.imageId).not.toBe(id);
  expect(JSON.parse(await tc.rbd("info", `${pool}/cut2`, "--format", "json")).id).toBe(made.outs.imageId);
  expect(await marker("cut2")).toBe(OWNER);
  expect(intentKeys()).not.toContain("cut2");
});

test("cut after librbd's create, then written to before the retry: the image is kept, marked, and its intent goes", async () => {
  setIntent("cut2w", OWNER, Date.now());
  await tc.rbd("create", "--size", "8M", `${pool}/cut2w`);
  await tc.rbd("bench", "--io-type", "write", "--io-size", "4096", "--io-total", "4096", `${pool}/cut2w`);
  const id = JSON.parse(await tc.rbd("info", `${pool}/cut2w`, "--format", "json")).id;
  const adopted = await handlers.RbdImage.create(inputs("cut2w"));
  expect(adopted.outs.imageId).toBe(id);
  expect(await marker("cut2w")).toBe(OWNER);
  expect(intentKeys()).not.toContain("cut2w");
});

test("cut after the marker, before the intent went: adopted from one read-only open, the intent goes", async () => {
  await tc.rbd("create", "--size", "8M", `${pool}/cut3`);
  await tc.rbd("image-meta", "set", `${pool}/cut3`, "pulumi-owner", OWNER);
  setIntent("cut3", OWNER, Date.now());
  const id = JSON.parse(await tc.rbd("info", `${pool}/cut3`, "--format", "json")).id;
  const calls = ["imageOpen", "imageStatByName"] as const;
  const spies = calls.map((name) => jest.spyOn(addon(), name));
  try {
    const adopted = await handlers.RbdImage.create(inputs("cut3"));
    expect(adopted.outs).toMatchObject({ imageId: id, size: 8 * 2 ** 20 });
    // The marker, the state and the adoption check all come from one open of the image.
    expect(spies[0].mock.calls.map(([, , , readOnly]) => readOnly)).toEqual([true]);
    expect(spies[1]).not.toHaveBeenCalled();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(intentKeys()).not.toContain("cut3");
});

test("an unmarked image the intent cannot vouch for is refused and left as it was", async () => {
  // Another owner's intent.
  setIntent("other", "p/dev/someone-else", Date.now());
  await tc.rbd("create", "--size", "8M", `${pool}/other`);
  await expect(handlers.RbdImage.create(inputs("other"))).rejects.toThrow(/image .*\/other already exists and it was not created by this stack; nothing was changed/);
  expect(await marker("other")).toBe("");
  expect(intentKeys()).toContain("other");
  // This owner's intent, but the image was made long after it (by hand, after a crash).
  setIntent("late", OWNER, Date.now() - 2 * INTENT_WINDOW_MS);
  await tc.rbd("create", "--size", "8M", `${pool}/late`);
  await expect(handlers.RbdImage.create(inputs("late"))).rejects.toThrow(/image .*\/late already exists and it was not created by this stack/);
  expect(await marker("late")).toBe("");
  // No intent at all.
  await tc.rbd("create", "--size", "8M", `${pool}/plain`);
  await expect(handlers.RbdImage.create(inputs("plain"))).rejects.toThrow(/not created by this stack/);
  expect(await marker("plain")).toBe("");
});

test("a half-made image (id object, no header) the intent cannot vouch for is refused and left as it was", async () => {
  await tc.rbd("create", "--size", "8M", `${pool}/half`);
  const id = JSON.parse(await tc.rbd("info", `${pool}/half`, "--format", "json")).id;
  rados("rm", `rbd_object_map.${id}`);
  rados("rm", `rbd_header.${id}`);
  setIntent("half", "p/dev/someone-else", Date.now());
  await expect(handlers.RbdImage.create(inputs("half"))).rejects.toThrow(/image .*\/half already exists and it was not created by this stack; nothing was changed/);
  expect(rados("stat", "rbd_id.half")).toMatch(/rbd_id\.half/);
  expect(JSON.parse(await tc.rbd("ls", "-p", pool, "--format", "json"))).toContain("half");
});

test("the intents object does not count as data: a pool that held images made this way deletes without forceDestroy", async () => {
  const p2 = uniqueName("intentpool");
  const poolInputs = { connection: { conf: tc.conf, label: "intent" }, name: p2, pgNum: 8, application: "rbd", owner: "p/dev/pool" };
  const checked = await handlers.Pool.check!({}, poolInputs);
  expect(checked.failures ?? []).toEqual([]);
  const madePool = await handlers.Pool.create(checked.inputs);
  const img = { ...inputs("v"), pool: p2 };
  const made = await handlers.RbdImage.create(img);
  const objects = execFileSync("rados", ["-c", tc.conf, "-p", p2, "ls"], { encoding: "utf8", timeout: 60_000 });
  expect(objects.split("\n")).toContain(CREATE_INTENTS_OBJECT);
  await handlers.RbdImage.delete!(made.id, made.outs);
  await handlers.Pool.delete!(madePool.id, madePool.outs);
  expect(await tc.cephJson("osd", "pool", "ls")).not.toContain(p2);
});
