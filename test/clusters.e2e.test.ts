// Connections: preview needs no cluster, an unreachable cluster fails fast and says which cluster
// and operation, several clusters in one program, and a pool adopted with the import option.
import * as path from "path";
import { generateCephxKey } from "../provider/cephx";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(300_000);
const program = path.join(repoRoot, "test", "programs", "ceph-resources");

let a: TestCluster;
let b: TestCluster;
const stacks: TestStack[] = [];

beforeAll(() => {
  a = startCluster();
  b = startCluster();
});

afterAll(async () => {
  for (const s of stacks) await s.teardown();
  a?.stop();
  b?.stop();
});

async function stack(prefix: string): Promise<TestStack> {
  const s = await createStack(program, prefix);
  stacks.push(s);
  return s;
}

const pools = (names: string[], onCluster?: "second") => names.map((name) => ({ resource: name, name, application: "rbd", forceDestroy: true, onCluster }));

test("preview of a new stack works while the cluster is unreachable; up fails fast naming cluster and operation", async () => {
  const s = await stack("test-unreachable");
  await s.setConfig("ceph:monHost", "v2:127.0.0.1:9");
  await s.setConfig("ceph:key", generateCephxKey(), { secret: true });
  await s.setConfig("ceph:label", "offline-cluster");
  await s.setConfig("ceph:connectTimeoutSec", "2");
  await s.setConfig("ceph:retries", "0");
  await s.setSpec({
    pools: pools(["volumes"]),
    users: [{ resource: "cinder", entity: "client.cinder", rbdPools: ["volumes"] }],
    images: [{ resource: "vol", pool: "volumes", name: "vol", size: "1GiB" }],
  });
  const preview = await s.run(["preview"]);
  expect(preview.stdout).toMatch(/\+ 4 to create/); // the stack and the three resources
  const started = Date.now();
  const up = await s.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(up.stdout + up.stderr).toMatch(/ceph cluster offline-cluster: connect .*(ETIMEDOUT|timed out)/i);
});

test("two clusters in one program; a pool made outside Pulumi is adopted with import", async () => {
  const s = await stack("test-twoclusters");
  await s.setConfig("ceph:conf", a.conf);
  await s.setConfig("ceph2:conf", b.conf);
  await a.ceph("osd", "pool", "create", "legacy", "8");
  await s.setSpec({
    pools: [...pools(["only-a"]), ...pools(["only-b"], "second"), { resource: "legacy", name: "legacy", import: "legacy", forceDestroy: true }],
    images: [
      { resource: "img-a", pool: "only-a", name: "img", size: "8MiB" },
      { resource: "img-b", pool: "only-b", name: "img", size: "16MiB", onCluster: "second" },
    ],
  });
  await s.up();
  const poolsOf = async (c: TestCluster) => (await c.cephJson("osd", "pool", "ls")) as string[];
  expect(await poolsOf(a)).toEqual(expect.arrayContaining(["only-a", "legacy"]));
  expect(await poolsOf(a)).not.toContain("only-b");
  expect(await poolsOf(b)).toContain("only-b");
  expect(await poolsOf(b)).not.toContain("only-a");
  expect(JSON.parse(await a.rbd("info", "only-a/img", "--format", "json")).size).toBe(8 * 2 ** 20);
  expect(JSON.parse(await b.rbd("info", "only-b/img", "--format", "json")).size).toBe(16 * 2 ** 20);
  await s.run(["preview", "--refresh", "--expect-no-changes"]);
  await s.setSpec({});
  await s.up();
  expect(await poolsOf(a)).not.toContain("legacy");
  expect(await poolsOf(b)).not.toContain("only-b");
});
