// Faults 3 and 4: every monitor down (the up fails within the configured connect timeout and
// retries, naming cluster and operation, state unchanged; converges once they are back), and one
// of three monitors killed in the middle of an up of 50 images (the up succeeds, no retry).
import type { TestStack } from "../helpers/pulumi";
import {
  cephResources,
  errorLines,
  imageStack,
  imagesSpec,
  killDaemon,
  poolImages,
  startCli,
  startFaultCluster,
  stateImages,
  waitFor,
  type FaultCluster,
} from "./harness";
import { describeImages, record } from "./report";

jest.setTimeout(600_000);

describe("all monitors down", () => {
  let cluster: FaultCluster;
  let stack: TestStack;
  const connectTimeoutSec = 2;
  const retries = 1;
  const retryIntervalSec = 1;

  beforeAll(async () => {
    cluster = startFaultCluster();
    stack = await imageStack(cluster, "fault-mons", {
      "ceph:label": "faults-mons",
      "ceph:connectTimeoutSec": String(connectTimeoutSec),
      "ceph:retries": String(retries),
      "ceph:retryIntervalSec": String(retryIntervalSec),
    });
  });
  afterAll(async () => {
    await stack?.teardown();
    cluster?.stop();
  });

  test("pulumi up fails within connect timeout and retries, naming cluster and operation; state unchanged; converges after", async () => {
    await stack.setSpec(imagesSpec(3));
    await stack.up();
    // The same kind of run with the cluster up: what the engine itself takes, without any wait.
    await stack.setSpec(imagesSpec(4));
    const baseline = await startCli(stack, ["up", "--yes", "--skip-preview"]).done;
    expect(baseline.code).toBe(0);
    const before = await cephResources(stack);
    await killDaemon(cluster, "mon.a");
    await stack.setSpec(imagesSpec(5));
    const r = await startCli(stack, ["up", "--yes", "--skip-preview"]).done;
    expect(r.code).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(
      /ceph cluster faults-mons: connect to v2:127\.0\.0\.1:\d+ as client\.admin failed: ETIMEDOUT \(Connection timed out\) \(after 2 attempts\)/,
    );
    // Two attempts of at most the connect timeout's backstop each, one interval between them.
    const boundMs = (retries + 1) * (2 * connectTimeoutSec + 5) * 1000 + retries * retryIntervalSec * 1000;
    expect(r.ms).toBeLessThan(baseline.ms + 3 * boundMs);
    expect(await cephResources(stack)).toEqual(before);
    cluster.restart("mon.a");
    await waitFor("the monitor answers", 60_000, async () => (await cluster.ceph("status").then(() => true, () => false)), 500);
    await stack.up();
    const want = imagesSpec(5).images.map((i) => i.name).sort();
    expect(await poolImages(cluster)).toEqual(want);
    expect(await stateImages(stack)).toEqual(want);
    record(__filename, {
      fault: "all monitors down during `pulumi up`",
      how: `mon.a (the only mon) SIGKILLed; up adds one image; connectTimeoutSec ${connectTimeoutSec}, retries ${retries}, retryIntervalSec ${retryIntervalSec}`,
      timeToFailMs: r.ms,
      errorText: errorLines(text),
      leftInCeph: `${describeImages(imagesSpec(4).images.map((i) => i.name))} (as before)`,
      leftInState: "unchanged (the resources exported before and after are equal)",
      recovery: `mon.a restarted, \`pulumi up\` → 5 images in the pool and in state. Same up with the cluster up took ${baseline.ms} ms`,
    });
  });
});

describe("monitor failover", () => {
  let cluster: FaultCluster;
  let stack: TestStack;

  beforeAll(async () => {
    cluster = startFaultCluster({ mons: 3 });
    stack = await imageStack(cluster, "fault-failover", { "ceph:label": "faults-3mons" });
  });
  afterAll(async () => {
    await stack?.teardown();
    cluster?.stop();
  });

  test("one of three mons killed in the middle of an up of 50 images: the up succeeds with no retry", async () => {
    expect(cluster.monHost.split(",")).toHaveLength(3);
    await stack.setSpec(imagesSpec(50));
    const cli = startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "8"]);
    await waitFor("10 images created", 120_000, () => (cli.output().match(/RbdImage img\d+ created/g) ?? []).length >= 10, 20);
    // Kill the mon the provider's session is on when there is one to see, else the leader.
    const victim = (await sessionMon(cluster)) ?? (await leader(cluster));
    await killDaemon(cluster, victim);
    const r = await cli.done;
    expect({ code: r.code, errors: errorLines(r.stdout + r.stderr) }).toEqual({ code: 0, errors: "" });
    const all = imagesSpec(50).images.map((i) => i.name).sort();
    expect(await poolImages(cluster)).toEqual(all);
    expect(await stateImages(stack)).toEqual(all);
    record(__filename, {
      fault: "one of three monitors killed mid-up",
      how: `\`pulumi up\` of 50 images; ${victim} SIGKILLed once 10 were created`,
      errorText: "(none: the up succeeded)",
      leftInCeph: "50 images",
      leftInState: "50 images",
      recovery: `none needed; the up took ${r.ms} ms in all`,
    });
    cluster.restart(victim);
  });
});

async function leader(c: FaultCluster): Promise<string> {
  const q = await c.cephJson("quorum_status");
  return `mon.${q.quorum_leader_name}`;
}

/** The mon holding a client.admin session (the provider host's connection), if one can be seen. */
async function sessionMon(c: FaultCluster): Promise<string | undefined> {
  for (const m of ["mon.a", "mon.b", "mon.c"]) {
    const sessions = await c.daemonCommand(m as "mon.a", "sessions").catch(() => []);
    if (JSON.stringify(sessions).includes("client.admin")) return m;
  }
  return undefined;
}
