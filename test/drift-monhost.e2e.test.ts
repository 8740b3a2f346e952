// Another mon address of the same cluster is how to reach it, not the resource: the stack's
// ceph:monHost moved from one mon of a three-mon cluster to another makes no diff and no drift row,
// and the next `up` that changes something connects through the new address. The proof: the old
// mon is killed first, and the same `up` with the old address fails.
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "./helpers/cluster";
import { expectNoDrift as expectNoDriftOn } from "./helpers/drift";
import { createStack, type TestStack } from "./helpers/pulumi";

jest.setTimeout(600_000);

let cluster: TestCluster;
let stack: TestStack;
/** Each mon's v2 address, by mon name ("a", "b", "c"). */
let mons: Record<string, string>;
const pool = { resource: "mp", name: "mp", application: "rbd", size: 1, quota: { maxObjects: 10 }, forceDestroy: true };

const expectNoDrift = () => expectNoDriftOn(stack);

beforeAll(async () => {
  cluster = startCluster({ mons: 3 });
  const dump = await cluster.cephJson("mon", "dump");
  mons = Object.fromEntries(
    (dump.mons as Array<{ name: string; public_addrs: { addrvec: Array<{ type: string; addr: string }> } }>).map((m) => [
      m.name,
      `v2:${m.public_addrs.addrvec.find((a) => a.type === "v2")!.addr}`,
    ]),
  );
  expect(Object.keys(mons).sort()).toEqual(["a", "b", "c"]);
  stack = await createStack(path.join(repoRoot, "test", "programs", "ceph-resources"), "test-drift-mon");
  await stack.setConfig("ceph:monHost", mons.a);
  await stack.setConfig("ceph:entity", "client.admin");
  await stack.setConfig("ceph:key", cluster.adminKey, { secret: true });
  await stack.setConfig("ceph:retries", "0");
  await stack.setConfig("ceph:connectTimeoutSec", "10");
  await stack.setSpec({ pools: [pool] });
  await stack.up();
});

afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("another mon address for the same cluster is no diff and no drift; the next up connects through it", async () => {
  await stack.setConfig("ceph:monHost", mons.b);
  await stack.run(["preview", "--expect-no-changes"]);
  await expectNoDrift();

  // mon.a gone (b and c keep the quorum): only the new address can reach the cluster now.
  process.kill(cluster.daemonPid("mon.a"), "SIGKILL");
  const deadline = Date.now() + 120_000;
  for (;;) {
    const quorum = (await cluster.cephJson("quorum_status")).quorum_names as string[];
    if (!quorum.includes("a") && quorum.length === 2) break;
    if (Date.now() > deadline) throw new Error(`mon quorum still ${quorum.join(",")} 120 s after mon.a was killed`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  await stack.setSpec({ pools: [{ ...pool, quota: { maxObjects: 20 } }] });

  // The control: the old address would not get there.
  await stack.setConfig("ceph:monHost", mons.a);
  const failed = await stack.run(["up", "--yes", "--skip-preview"], { expectFailure: true });
  expect(failed.stdout + failed.stderr).toContain(mons.a);
  expect((await cluster.cephJson("osd", "pool", "get-quota", "mp")).quota_max_objects).toBe(10);

  await stack.setConfig("ceph:monHost", mons.b);
  const r = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(r.stdout).toMatch(/~ 1 updated/);
  expect((await cluster.cephJson("osd", "pool", "get-quota", "mp")).quota_max_objects).toBe(20);
  await expectNoDrift();
});
