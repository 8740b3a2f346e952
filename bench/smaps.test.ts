import * as fs from "fs";
import { Worker } from "worker_threads";
import { anonGrowth, anonymousByMapping } from "./smaps";

/** One smaps entry: its header line and the two fields the classifier reads. */
const entry = (start: number, end: number, perms: string, path: string, anonKiB: number) =>
  `${start.toString(16)}-${end.toString(16)} ${perms} 00000000 00:00 0          ${path}\nRss:  ${anonKiB} kB\nAnonymous:  ${anonKiB} kB\n`;

const MiB = 1024 * 1024;
const ARENA = 64 * MiB;

test("each kind of anonymous mapping is counted where it belongs", () => {
  const smaps = [
    entry(0x5000_0000, 0x5000_4000, "r--p", "/usr/bin/node", 0),
    entry(0x5100_0000, 0x5120_0000, "rw-p", "[heap]", 1024),
    // A thread arena: its heap in use, then the rest of its 64 MiB reservation
    entry(4 * ARENA, 4 * ARENA + 2 * MiB, "rw-p", "", 512),
    entry(4 * ARENA + 2 * MiB, 5 * ARENA, "---p", "", 0),
    // A thread's stack above its guard page
    entry(0x7f00_0000_0000, 0x7f00_0000_1000, "---p", "", 0),
    entry(0x7f00_0000_1000, 0x7f00_0080_1000, "rw-p", "", 256),
    // Anonymous memory of neither kind: a 256 KiB page not aligned to 64 MiB
    entry(0x7f10_0004_0000, 0x7f10_0008_0000, "rw-p", "", 128),
    // nor a page committed inside a large reservation (V8's code range), nor a 4 KiB page header after a guard page
    entry(0x7f20_0000_0000, 0x7f20_0400_0000, "---p", "", 0),
    entry(0x7f20_0400_0000, 0x7f20_0404_0000, "rw-p", "", 256),
    entry(0x7f20_0404_0000, 0x7f20_0404_1000, "---p", "", 0),
    entry(0x7f20_0404_1000, 0x7f20_0404_2000, "rw-p", "", 4),
    entry(0x7ffc_0000_0000, 0x7ffc_0002_1000, "rw-p", "[stack]", 64),
  ].join("");
  expect(anonymousByMapping(smaps)).toEqual({ mainArena: 1, threadArenas: 0.5, threadStacks: 0.31, other: 0.38 });
});

test("an aligned mapping that is not a whole arena reservation is not an arena", () => {
  const smaps = entry(4 * ARENA, 4 * ARENA + 256 * 1024, "rw-p", "", 256) + entry(4 * ARENA + 256 * 1024, 4 * ARENA + 512 * 1024, "rw-p", "", 256);
  expect(anonymousByMapping(smaps)).toEqual({ mainArena: 0, threadArenas: 0, threadStacks: 0, other: 0.5 });
});

test("this process: the kinds add up to its anonymous memory, and a new thread's stack shows", async () => {
  const total = (smaps: string) => [...smaps.matchAll(/^Anonymous:\s+(\d+) kB/gm)].reduce((n, m) => n + Number(m[1]), 0) / 1024;
  const before = fs.readFileSync("/proc/self/smaps", "utf8");
  const split = anonymousByMapping(before);
  expect(split.mainArena + split.threadArenas + split.threadStacks + split.other).toBeCloseTo(total(before), 1);
  // A worker thread that touches 2 MiB of its stack (a deep recursion) before it reports
  const worker = new Worker(
    `const { parentPort } = require("worker_threads");
     function deep(n) { const pad = new Float64Array(0); return n === 0 ? 0 : 1 + deep(n - 1) + pad.length; }
     deep(12000);
     parentPort.postMessage("deep");
     setInterval(() => {}, 1000);`,
    { eval: true, resourceLimits: { stackSizeMb: 8 } },
  );
  try {
    await new Promise((resolve) => worker.once("message", resolve));
    const grown = anonGrowth(split, anonymousByMapping(fs.readFileSync("/proc/self/smaps", "utf8")));
    expect(grown.threadStacks).toBeGreaterThan(0.25);
  } finally {
    await worker.terminate();
  }
});
