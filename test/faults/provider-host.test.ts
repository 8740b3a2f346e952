// Fault 2: the dynamic-provider host (the node process that runs this package's handlers) SIGKILLed,
// by its pid, in the middle of an up of 50 images: the engine reports the failure, and the next
// up converges (creates cut short adopt their own images).
import type { TestStack } from "../helpers/pulumi";
import {
  errorLines,
  imageStack,
  imagesSpec,
  poolImages,
  providerHostPid,
  startCli,
  startFaultCluster,
  stateImages,
  waitFor,
  type FaultCluster,
} from "./harness";
import { describeImages, record } from "./report";

jest.setTimeout(600_000);

// gRPC's words for a connection that broke (read cut, a redial refused, or reset while reading the
// new connection's preface): never a handler's error.
const BROKEN_CONNECTION = /^img\d+: (error reading from server: |connection error: desc = ").*\b(EOF|connection reset by peer|connection refused)"?$/;

let cluster: FaultCluster;
let stack: TestStack;

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-host", { "ceph:label": "faults-host" });
});
afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

test("provider host SIGKILLed mid-up: the engine reports the failure; the next up converges", async () => {
  await stack.setSpec(imagesSpec(50));
  const cli = startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "8"]);
  await waitFor("15 images created", 120_000, () => (cli.output().match(/RbdImage img\d+ created/g) ?? []).length >= 15, 20);
  const host = providerHostPid(cli);
  expect(host).toBeDefined();
  const killedAt = Date.now();
  process.kill(host!, "SIGKILL");
  const r = await cli.done;
  const failedAfterMs = Date.now() - killedAt;
  const text = r.stdout + r.stderr;
  expect(r.code).not.toBe(0);
  // Each create that fails, fails with the broken connection to the provider host, in flight or
  // sent after the kill. (Jest prints the one that does not.)
  const diagnostics = text.slice(text.indexOf("Diagnostics:"));
  expect(diagnostics).toMatch(/RbdImage \(img\d+\):\n\s+error: /);
  const failures = [...diagnostics.matchAll(/RbdImage \((img\d+)\):\n\s+error: (.*)/g)].map((m) => `${m[1]}: ${m[2]}`);
  for (const f of failures) expect(f).toMatch(BROKEN_CONNECTION);
  const inCeph = await poolImages(cluster);
  const inState = await stateImages(stack);
  const all = imagesSpec(50).images.map((i) => i.name).sort();
  await stack.up();
  expect(await poolImages(cluster)).toEqual(all);
  expect(await stateImages(stack)).toEqual(all);
  record(__filename, {
    fault: "dynamic-provider host SIGKILLed mid-up",
    how: "`pulumi up` of 50 images; the `node …/cmd/dynamic-provider` child of the engine SIGKILLed (by pid) once 15 were created",
    timeToFailMs: failedAfterMs,
    errorText: errorLines(text),
    leftInCeph: describeImages(inCeph),
    leftInState: describeImages(inState),
    recovery: "`pulumi up` → the pool and the state both hold exactly the 50 images",
  });
});
