// The walking skeleton end to end: the real pulumi CLI runs examples/quickstart against a
// throwaway cluster; results are checked independently with the rbd CLI.
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { expectNoDrift, runDrift } from "./helpers/drift";
import { createStack, type TestStack } from "./helpers/pulumi";

const GiB = 2 ** 30;
let cluster: TestCluster;
let stack: TestStack;

async function rbdInfo(image: string): Promise<{ size: number; id: string } | undefined> {
  try {
    return JSON.parse(await cluster.rbd("info", image, "--format", "json"));
  } catch (e) {
    if (/No such file or directory|error opening image/.test(String(e))) return undefined;
    throw e;
  }
}

beforeAll(async () => {
  cluster = startCluster();
  await cluster.ceph("osd", "pool", "create", "volumes", "8");
  await cluster.rbd("pool", "init", "volumes");
  stack = await createStack(path.join(repoRoot, "examples", "quickstart"), "test-quickstart");
  // Reach the cluster the way a real deployment would: mon host, entity and a secret key.
  await stack.setConfig("ceph:monHost", cluster.monHost);
  await stack.setConfig("ceph:entity", "client.admin");
  await stack.setConfig("ceph:key", cluster.adminKey, { secret: true });
  await stack.setConfig("ceph:label", "quickstart-test");
});

afterAll(async () => {
  if (stack) {
    await stack.run(["destroy", "--yes", "--skip-preview"], { expectFailure: false }).catch(() => undefined);
    await stack.remove();
  }
  cluster?.stop();
});

test("up creates the image", async () => {
  const r = await stack.up();
  expect(r.stdout).toContain("pulumi-nodejs:dynamic/ceph:RbdImage");
  const info = await rbdInfo("volumes/quickstart-volume");
  expect(info?.size).toBe(1 * GiB);
  const out = await stack.outputs();
  expect(out.imageId).toBe(info!.id);
  expect(out.sizeBytes).toBe(1 * GiB);
  expect(out.image).toBe("volumes/quickstart-volume");
  await expectNoDrift(stack);
});

test("a second up changes nothing", async () => {
  const r = await stack.run(["preview", "--expect-no-changes"]);
  expect(r.code).toBe(0);
});

test("a bigger size resizes in place (same image id)", async () => {
  const before = await rbdInfo("volumes/quickstart-volume");
  await stack.setConfig("size", "2GiB");
  const r = await stack.up();
  expect(r.stdout).toMatch(/~\s+pulumi-nodejs:dynamic\/ceph:RbdImage\s+quickstart-volume\s+updated/);
  const after = await rbdInfo("volumes/quickstart-volume");
  expect(after?.size).toBe(2 * GiB);
  expect(after?.id).toBe(before?.id);
  await expectNoDrift(stack);
});

test("refresh sees an out-of-band rbd resize", async () => {
  await cluster.rbd("resize", "--size", "3G", "volumes/quickstart-volume");
  // A pipeline's drift gate fails...
  const drift = await stack.run(["preview", "--refresh", "--expect-no-changes", "--diff"], { expectFailure: true });
  expect(drift.code).not.toBe(0);
  expect(drift.stdout + drift.stderr).toMatch(/size/);
  const gate = await runDrift(stack, ["--json"]);
  expect({ code: gate.code, rows: gate.json?.rows }).toEqual({
    code: 1,
    rows: [{ resource: "quickstart-volume", type: "ceph:RbdImage", property: "size", declared: "2 GiB", actual: "3 GiB", action: "update" }],
  });
  // ...and refresh records the real size.
  await stack.run(["refresh", "--yes", "--skip-preview"]);
  const image = (await stack.resources()).find((r) => r.type === "pulumi-nodejs:dynamic/ceph:RbdImage");
  expect(image?.outputs.size).toBe(3 * GiB);
});

test("shrinking back to the declared size is refused without allowShrink", async () => {
  const r = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(r.stdout + r.stderr).toMatch(/allowShrink/);
  expect((await rbdInfo("volumes/quickstart-volume"))?.size).toBe(3 * GiB);
  await stack.setConfig("size", "3GiB");
  await stack.run(["preview", "--expect-no-changes"]);
});

test("a new image name replaces the image; no drift after it", async () => {
  await stack.setConfig("imageName", "quickstart-renamed");
  let r = await stack.up();
  expect(r.stdout).toMatch(/\+-\s+pulumi-nodejs:dynamic\/ceph:RbdImage\s+quickstart-volume\s+replaced/);
  await expectNoDrift(stack);
  await stack.setConfig("imageName", "quickstart-volume");
  r = await stack.up();
  expect(r.stdout).toMatch(/replaced/);
  await expectNoDrift(stack);
});

test("no key material in the state or the engine's output", async () => {
  expect(stack.stateText()).not.toContain(cluster.adminKey);
  const r = await stack.run(["stack", "export"]);
  expect(r.stdout).not.toContain(cluster.adminKey);
});

test("destroy removes the image, and up after destroy works again", async () => {
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await rbdInfo("volumes/quickstart-volume")).toBeUndefined();
  await stack.up();
  expect((await rbdInfo("volumes/quickstart-volume"))?.size).toBe(3 * GiB);
  await stack.run(["destroy", "--yes", "--skip-preview"]);
  expect(await rbdInfo("volumes/quickstart-volume")).toBeUndefined();
});
