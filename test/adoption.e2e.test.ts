// Ownership markers through the real engine: every object a stack creates names its owner, a create
// that finds its own object (a crash, a lost or emptied state) adopts it, and one that finds anyone
// else's refuses, naming the owner and the import option, without changing or deleting it.
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { generateCephxKey } from "../provider/cephx";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);
const MiB = 2 ** 20;
const program = path.join(repoRoot, "test", "programs", "ceph-resources");

let cluster: TestCluster;
let stack: TestStack;
let other: TestStack;

const pool = { resource: "adopt-pool", name: "adopt", application: "rbd", forceDestroy: true };
const user = { resource: "adopt-user", entity: "client.adopt", rbdPools: ["adopt"] };
const snap = { resource: "s1", pool: "adopt", image: "img1", name: "s1", protected: true };
const img = (n: number) => ({ resource: `img${n}`, pool: "adopt", name: `img${n}`, size: "16MiB" });
const images = [img(1), img(2), img(3)];

async function rbdList(p: string): Promise<string[]> {
  return JSON.parse(await cluster.rbd("ls", p, "--format", "json")).sort();
}
async function imageMeta(spec: string, key: string): Promise<string> {
  return (await cluster.rbd("image-meta", "get", spec, key)).trim();
}
async function stateTypes(s: TestStack): Promise<string[]> {
  return (await s.resources()).map((r) => r.type.replace("pulumi-nodejs:dynamic/ceph:", "")).filter((t) => !t.startsWith("pulumi:")).sort();
}

/** Loses the stack's record of every resource whose type matches, as a truncated or old checkpoint would. */
async function forget(s: TestStack, types: RegExp): Promise<void> {
  const exported = JSON.parse((await s.run(["stack", "export"])).stdout);
  exported.deployment.resources = (exported.deployment.resources ?? []).filter((r: { type: string }) => !types.test(r.type));
  const file = path.join(s.backendDir, "tmp", "emptied.json");
  fs.writeFileSync(file, JSON.stringify(exported));
  await s.run(["stack", "import", "--file", file]);
}

/** Both stacks get the admin key as stack config (a secret), as a real deployment would. */
async function configure(s: TestStack): Promise<void> {
  await s.setConfig("ceph:monHost", cluster.monHost);
  await s.setConfig("ceph:entity", "client.admin");
  await s.setConfig("ceph:key", cluster.adminKey, { secret: true });
  await s.setConfig("ceph:label", "adopt-test");
}

async function authGet(entity: string): Promise<{ key: string; caps: Record<string, string> } | undefined> {
  try {
    return (await cluster.cephJson("auth", "get", entity))[0];
  } catch (err) {
    if (/ENOENT|failed to find/.test(String(err))) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  cluster = startCluster();
  stack = await createStack(program, "test-adopt");
  await configure(stack);
  other = await createStack(program, "test-adopt-other");
  await configure(other);
});

afterAll(async () => {
  await other?.teardown();
  await stack?.teardown();
  cluster?.stop();
});

test("every image created names its owner: project, stack and resource", async () => {
  await stack.setSpec({ pools: [pool], images });
  await stack.up();
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
  expect(await imageMeta("adopt/img2", "pulumi-owner")).toBe(`ceph-resources/${stack.name}/img2`);
});

test("up on a state that lost its images adopts them instead of failing or duplicating", async () => {
  await forget(stack, /RbdImage$/);
  expect(await stateTypes(stack)).toEqual(["Pool"]);
  await stack.up();
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
  expect(await stateTypes(stack)).toEqual(["Pool", "RbdImage", "RbdImage", "RbdImage"]);
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});

test("an adopted image must still match the declaration: a different size is refused, nothing changed", async () => {
  await forget(stack, /RbdImage$/);
  await stack.setSpec({ pools: [pool], images: [img(1), img(2), { ...img(3), size: "32MiB" }] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/image adopt\/img3 already exists, created by this resource, but differs from the declaration \(size: declared 33554432, actual 16777216\)/);
  expect(JSON.parse(await cluster.rbd("info", "adopt/img3", "--format", "json")).size).toBe(16 * MiB);
  await stack.setSpec({ pools: [pool], images });
  await stack.up();
  expect(await stateTypes(stack)).toEqual(["Pool", "RbdImage", "RbdImage", "RbdImage"]);
});

test("an image made by hand is refused as not created by this stack, and left alone", async () => {
  await cluster.rbd("create", "adopt/hand", "--size", "8");
  await stack.setSpec({ pools: [pool], images: [...images, { resource: "hand", pool: "adopt", name: "hand", size: "8MiB" }] });
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(
    /image adopt\/hand already exists and it was not created by this stack; nothing was changed\. To manage it from this resource, declare it with the resource option import: "adopt\/hand"/,
  );
  expect(JSON.parse(await cluster.rbd("info", "adopt/hand", "--format", "json")).size).toBe(8 * MiB);
  await stack.setSpec({ pools: [pool], images: [...images, { resource: "hand", pool: "adopt", name: "hand", size: "8MiB", import: "adopt/hand" }] });
  await stack.up();
  expect(await stateTypes(stack)).toEqual(["Pool", "RbdImage", "RbdImage", "RbdImage", "RbdImage"]);
  await stack.setSpec({ pools: [pool], images });
  await stack.up();
  expect(await rbdList("adopt")).toEqual(["img1", "img2", "img3"]);
});

test("another stack's image is refused, naming its owner; neither stack's objects change", async () => {
  await other.setSpec({ images: [{ ...img(2), resource: "theirs" }] });
  const r = await other.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toContain(`image adopt/img2 already exists and it was created by ceph-resources/${stack.name}/img2; nothing was changed`);
  expect(await stateTypes(other)).toEqual([]);
  expect(await imageMeta("adopt/img2", "pulumi-owner")).toBe(`ceph-resources/${stack.name}/img2`);
  await other.setSpec({});
  await stack.run(["preview", "--refresh", "--expect-no-changes"]);
});
