// Fault 6: concurrency. 100 images at engine parallelism 32 all succeed and Ceph's listing equals
// state; two `pulumi up` of the same stack at once: the second is refused by the stack lock and
// nothing is done twice.
import * as fs from "fs";
import * as path from "path";
import type { TestStack } from "../helpers/pulumi";
import { errorLines, imageStack, imagesSpec, poolImages, startCli, startFaultCluster, stateImages, waitFor, type FaultCluster } from "./harness";
import { record } from "./report";

jest.setTimeout(600_000);

let cluster: FaultCluster;
let stack: TestStack;

beforeAll(async () => {
  cluster = startFaultCluster();
  stack = await imageStack(cluster, "fault-conc", { "ceph:label": "faults-conc" });
});
afterAll(async () => {
  await stack?.teardown();
  cluster?.stop();
});

const names = (n: number) => imagesSpec(n).images.map((i) => i.name).sort();

test("100 images at --parallel 32 all succeed; the pool's listing equals state", async () => {
  await stack.setSpec(imagesSpec(100));
  const r = await startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "32"]).done;
  expect({ code: r.code, errors: errorLines(r.stdout + r.stderr) }).toEqual({ code: 0, errors: "" });
  expect((r.stdout.match(/RbdImage img\d+ created/g) ?? []).length).toBe(100);
  expect(await poolImages(cluster)).toEqual(names(100));
  expect(await stateImages(stack)).toEqual(names(100));
  record(__filename, {
    fault: "100 images at engine parallelism 32",
    how: "`pulumi up --parallel 32` of a pool and 100 images",
    errorText: "(none: all 100 created)",
    leftInCeph: "100 images",
    leftInState: "100 images",
    recovery: `none needed; the up took ${r.ms} ms`,
  });
});

test("two ups of the same stack at once: the second is refused by the stack lock, nothing is done twice", async () => {
  const before = (await stateImages(stack)).length;
  const updatesBefore = await history();
  await stack.setSpec(imagesSpec(130));
  const locks = path.join(stack.backendDir, ".pulumi", "locks");
  const first = startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "8"]);
  // The second starts while the first holds the lock (its lock file is there).
  await waitFor("the first up's lock", 60_000, () => lockFiles(locks).length > 0, 10);
  const second = await startCli(stack, ["up", "--yes", "--skip-preview", "--parallel", "8"]).done;
  const firstResult = await first.done;
  expect(firstResult.code).toBe(0);
  expect(second.code).not.toBe(0);
  const refusal = second.stdout + second.stderr;
  expect(refusal).toMatch(/the stack is currently locked by 1 lock\(s\)/);
  expect(refusal).not.toMatch(/ceph:RbdImage/);
  expect((firstResult.stdout.match(/RbdImage img\d+ created/g) ?? []).length).toBe(130 - before);
  expect(await poolImages(cluster)).toEqual(names(130));
  expect(await stateImages(stack)).toEqual(names(130));
  // Exactly one more update in the stack's history: the refused one left no trace.
  expect(await history()).toEqual(["update:succeeded", ...updatesBefore]);
  record(__filename, {
    fault: "two `pulumi up` of the same stack at once",
    how: `a second \`pulumi up\` started while the first (${130 - before} new images) held the stack lock`,
    timeToFailMs: second.ms,
    errorText: errorLines(refusal),
    leftInCeph: `130 images: the ${130 - before} new ones created once, by the first up`,
    leftInState: "130 images; history shows one more update, not two",
    recovery: "none needed",
  });
});

async function history(): Promise<string[]> {
  const r = await stack.run(["stack", "history", "--json"]);
  return JSON.parse(r.stdout || "[]").map((u: { kind: string; result: string }) => `${u.kind}:${u.result}`);
}

function lockFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}
