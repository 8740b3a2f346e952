// Fault 5: the only OSD down. Image operations fail with a timeout error within the op timeout
// (not a hang), naming cluster and operation; state is unchanged; once the OSD is back, up converges.
// The throwaway OSD keeps its objects in memory (memstore), so a SIGKILL would lose them all: it is
// stopped (SIGSTOP) instead, which is the same to a client (a daemon that never answers), and
// continued (SIGCONT) as its restart.
import type { TestStack } from "../helpers/pulumi";
import { cephResources, errorLines, imageStack, imagesSpec, poolImages, startCli, startFaultCluster, stateImages, waitFor, type FaultCluster } from "./harness";
import { describeImages, record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;
const opTimeoutSec = 3;

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-osd", { "ceph:label": "faults-osd", "ceph:opTimeoutSec": String(opTimeoutSec), "ceph:retries": "0" });
});
afterAll(async () => {
  if (cluster) process.kill(cluster.pidOf("osd.0"), "SIGCONT");
  await stack?.teardown();
  cluster?.stop();
});

const sized = (size: string) => {
  const spec = imagesSpec(3);
  spec.images[0].size = size;
  return spec;
};

test("OSD down: an image resize fails with ETIMEDOUT within the op timeout; converges once it is back", async () => {
  await stack.setSpec(sized("4MiB"));
  await stack.up();
  // The same update with the OSD up: what the engine takes without any wait.
  await stack.setSpec(sized("8MiB"));
  const baseline = await startCli(stack, ["up", "--yes", "--skip-preview"]).done;
  expect(baseline.code).toBe(0);
  const before = await cephResources(stack);
  process.kill(cluster.pidOf("osd.0"), "SIGSTOP");
  await stack.setSpec(sized("16MiB"));
  const r = await startCli(stack, ["up", "--yes", "--skip-preview"], 240_000).done;
  expect(r.code).not.toBe(0);
  const text = r.stdout + r.stderr;
  expect(text).toMatch(/ceph cluster faults-osd: [a-z ]+ faults\/img0 failed: ETIMEDOUT \(Connection timed out\)/);
  // One image open and its first reads: a few bounded calls, each within the op timeout's backstop.
  const boundMs = 3 * (2 * opTimeoutSec + 5) * 1000;
  expect(r.ms).toBeLessThan(baseline.ms + 3 * boundMs);
  expect(await cephResources(stack)).toEqual(before);
  process.kill(cluster.pidOf("osd.0"), "SIGCONT");
  await waitFor("the OSD serves I/O", 120_000, async () => (await cluster.rbd("info", "faults/img0").then(() => true, () => false)), 1000);
  await stack.up();
  const info = JSON.parse(await cluster.rbd("info", "faults/img0", "--format", "json"));
  expect(info.size).toBe(16 * 2 ** 20);
  const want = imagesSpec(3).images.map((i) => i.name).sort();
  expect(await poolImages(cluster)).toEqual(want);
  expect(await stateImages(stack)).toEqual(want);
  record(__filename, {
    fault: "the only OSD down during `pulumi up`",
    how: `osd.0 stopped (SIGSTOP; memstore would lose its data on a kill); up grows img0 from 8MiB to 16MiB; opTimeoutSec ${opTimeoutSec}`,
    timeToFailMs: r.ms,
    errorText: errorLines(text),
    leftInCeph: "img0 still 8MiB (3 images, untouched)",
    leftInState: "unchanged (the resources exported before and after are equal)",
    recovery: `osd.0 continued (SIGCONT), \`pulumi up\` → img0 is 16MiB, pool and state hold the same 3 images. The same update with the OSD up took ${baseline.ms} ms`,
  });
});
