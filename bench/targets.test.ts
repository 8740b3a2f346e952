// The report's verdicts on issue 9's targets, from hand-made results (no cluster): each limit's
// edge, the floors named under a miss, and the committed report agreeing with its own results.
import * as fs from "fs";
import * as path from "path";
import type { OpResult } from "./ops";
import type { PhaseResult } from "./stack";
import { judgeTargets, targetsMarkdown, type TargetInputs, type Verdict } from "./targets";

const stats = (median: number) => ({ n: 200, median, p90: median, mean: median });
const phase = (n: number, program: string, name: string, seconds: number, stateBytes?: number) =>
  ({
    n,
    program,
    phase: name,
    seconds,
    secondsPerResource: seconds / n,
    ...(stateBytes === undefined ? {} : { state: { checkpointBytes: 0, checkpointBytesPerImage: 0, bytesPerResourceByType: { "pulumi-nodejs:dynamic/ceph:RbdImage": stateBytes } } }),
  }) as unknown as PhaseResult;
const op = (name: string, addon: number, c: number, extra: Partial<OpResult> = {}) =>
  ({ op: name, addon: stats(addon), c: stats(c), cli: stats(10), addonOverC: addon / c, ...extra }) as unknown as OpResult;
const find = (vs: Verdict[], start: string) => {
  const v = vs.find((x) => x.target.startsWith(start));
  if (!v) throw new Error(`no verdict starting "${start}" in ${vs.map((x) => x.target).join("; ")}`);
  return v;
};

test("within 1.2x of the floor is met at the limit and missed above it; N=50 has no such target", () => {
  const vs = judgeTargets({
    stacks: [
      phase(50, "floor", "create", 10), phase(50, "ceph", "create", 20),
      phase(200, "floor", "create", 10), phase(200, "ceph", "create", 12),
      phase(200, "floor", "resize", 10), phase(200, "ceph", "resize", 12.5),
      phase(1000, "floor", "previewRefresh", 10), phase(1000, "ceph", "previewRefresh", 11),
    ],
  });
  expect(find(vs, "up (create) at N=200")).toMatchObject({ met: true, measured: "1.20x" });
  expect(find(vs, "up (resize) at N=200")).toMatchObject({ met: false, measured: "1.25x" });
  expect(find(vs, "preview --refresh at N=1000")).toMatchObject({ met: true });
  expect(vs.some((v) => v.target.includes("N=50: at most"))).toBe(false);
});

test("the CLI's margin: 5x met, under it missed with librbd's remove alone named for a destroy, ours at the floor met", () => {
  const vs = judgeTargets({
    stacks: [
      phase(50, "floor", "create", 10), phase(50, "ceph", "create", 11), phase(50, "cli", "create", 15),
      phase(50, "floor", "destroy", 2), phase(50, "ceph", "destroy", 2.6), phase(50, "cli", "destroy", 4),
      phase(200, "floor", "destroy", 6), phase(200, "ceph", "destroy", 5.9), phase(200, "cli", "destroy", 13),
    ],
    bareRemovals: [{ n: 50, parallel: 16, seconds: 0.74, clientCpuSec: 0.8, osdCpuSec: 0.5 }],
  });
  expect(find(vs, "create at N=50: the CLI's")).toMatchObject({ met: true, measured: "5.00x (CLI 5.00 s, ours 1.00 s above)" });
  const destroy = find(vs, "destroy at N=50: the CLI's");
  expect(destroy.met).toBe(false);
  expect(destroy.floor).toBe("librbd's rbd_remove alone from C: 0.74 s for 50 images (16 in flight, no engine), more than the 0.40 s the target leaves ours");
  expect(find(vs, "destroy at N=200: the CLI's")).toMatchObject({ met: true, measured: "ours at or below the floor (CLI 7.00 s above)" });
});

test("per operation: 1.1x met at the limit; a miss names the Node-API floor, else C on rotating threads, else the threadpool hop", () => {
  const vs = judgeTargets({
    ops: [
      op("create", 1.1, 1),
      op("resize", 1.102, 1, { cRotated: stats(1.01), napiFloor: stats(1.05) }),
      op("stat", 0.46, 0.4, { napiFloor: stats(0.44) }),
      op("open", 1.2, 1, { cRotated: stats(1.08) }),
      op("clone", 1.2, 1),
    ],
    threadpoolRoundTrip: { threadpool: stats(0.08), inline: stats(0.03) },
  });
  expect(find(vs, "create:")).toMatchObject({ met: true, measured: "1.100x" });
  expect(find(vs, "resize:")).toMatchObject({ met: false, measured: "1.102x", floor: "a minimal Node-API addon making the same calls: 1.050x C; ours 1.050x that" });
  expect(find(vs, "stat:")).toMatchObject({ met: false, measured: "1.150x", floor: "a minimal Node-API addon making the same calls: 1.100x C; ours 1.045x that" });
  expect(find(vs, "open:")).toMatchObject({
    met: false,
    floor: "C handing each call to the next of a ring of threads as large as the addon's pool, as libuv's pool would: 1.080x C; ours 1.111x that",
  });
  expect(find(vs, "clone:")).toMatchObject({ met: false, floor: "C plus one threadpool round trip (0.050 ms): 1.050x C" });
});

test("state is judged at its largest N, RSS growth must stay under 1 MiB", () => {
  const state = (most: number) =>
    find(judgeTargets({ stacks: [phase(50, "ceph", "create", 1, 2000), phase(200, "ceph", "create", 1, most), phase(50, "floor", "create", 1, 9999)] }), "state:");
  expect(state(3072)).toMatchObject({ met: true, measured: "3072 bytes (the most at any N)" });
  expect(state(3073).met).toBe(false);
  expect(find(judgeTargets({ rss: { iterations: 10000, growthMiB: 0.99 } }), "RSS").met).toBe(true);
  expect(find(judgeTargets({ rss: { iterations: 10000, growthMiB: 1 } }), "RSS").met).toBe(false);
});

test("cost per resource above the floor: missed only where it grows past the smallest N's", () => {
  const run = (destroy1000: number) =>
    find(
      judgeTargets({
        stacks: [
          phase(50, "floor", "destroy", 2), phase(50, "ceph", "destroy", 2.5),
          phase(1000, "floor", "destroy", 90), phase(1000, "ceph", "destroy", destroy1000),
        ],
      }),
      "destroy: our seconds per resource",
    );
  expect(run(95)).toMatchObject({ met: true, measured: "N=50 10.0 ms, N=1000 5.0 ms" });
  expect(run(101).met).toBe(false);
});

test("a cost-per-resource miss in a phase run in rounds says how far each program's own rounds spread", () => {
  const rounds = (p: ReturnType<typeof phase>, roundSeconds: number[]) => ({ ...p, roundSeconds });
  const judge = (ceph200: number) =>
    find(
      judgeTargets({
        stacks: [
          rounds(phase(50, "floor", "previewRefresh", 2), [2, 2.1, 1.9]), rounds(phase(50, "ceph", "previewRefresh", 2), [2, 2.05, 1.95]),
          rounds(phase(200, "floor", "previewRefresh", 4), [4, 4.4, 3.9]), rounds(phase(200, "ceph", "previewRefresh", ceph200), [ceph200, ceph200 + 0.1, ceph200 - 0.1]),
        ],
      }),
      "previewRefresh: our seconds per resource",
    );
  expect(judge(4)).toMatchObject({ met: true });
  expect(judge(4).floor).toBeUndefined();
  expect(judge(4.02)).toMatchObject({
    met: false,
    measured: "N=50 0.0 ms, N=200 0.1 ms",
    floor: "each program's own rounds spread (slowest minus fastest): N=50 floor 0.20 s, ours 0.10 s (4.0 ms a resource); N=200 floor 0.50 s, ours 0.20 s (2.5 ms a resource)",
  });
});

test("no parts, no rows and no section", () => {
  expect(judgeTargets({})).toEqual([]);
  expect(targetsMarkdown([])).toEqual([]);
});

test("the committed report's targets are the ones its committed results give", () => {
  const dir = path.join(__dirname, "results");
  const results: TargetInputs = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8"));
  const section = targetsMarkdown(judgeTargets(results)).join("\n");
  expect(section).toContain("| target | measured | met |");
  expect(fs.readFileSync(path.join(dir, "results.md"), "utf8")).toContain(section);
});
