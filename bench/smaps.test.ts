import * as fs from "fs";
import * as v8 from "v8";
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
    // A V8 heap page (256 KiB, aligned to 256 KiB), half written, right above a page V8 reserved
    // but has not committed: not taken for a stack
    entry(0x7f10_0000_0000, 0x7f10_0004_0000, "---p", "", 0),
    entry(0x7f10_0004_0000, 0x7f10_0008_0000, "rw-p", "", 128),
    // A page of V8's code range: header, guard, code area (executable), guard
    entry(0x7f18_0000_0000, 0x7f18_0000_2000, "rw-p", "", 8),
    entry(0x7f18_0000_2000, 0x7f18_0000_3000, "---p", "", 0),
    entry(0x7f18_0000_3000, 0x7f18_0003_f000, "rwxp", "", 100),
    entry(0x7f18_0003_f000, 0x7f18_0004_0000, "---p", "", 0),
    // Anonymous memory of no kind above: 256 KiB not aligned to 256 KiB, a page committed inside a
    // large reservation, a 4 KiB page after a guard page
    entry(0x7f14_0001_0000, 0x7f14_0005_0000, "rw-p", "", 64),
    entry(0x7f20_0000_0000, 0x7f20_0400_0000, "---p", "", 0),
    entry(0x7f20_0400_0000, 0x7f20_0408_0000, "rw-p", "", 256),
    entry(0x7f20_0408_0000, 0x7f20_0408_1000, "---p", "", 0),
    entry(0x7f20_0408_1000, 0x7f20_0408_2000, "rw-p", "", 4),
    entry(0x7ffc_0000_0000, 0x7ffc_0002_1000, "rw-p", "[stack]", 64),
  ].join("");
  // other: 8 KiB header + 64 + 256 + 4 = 332 KiB
  expect(anonymousByMapping(smaps)).toEqual({ mainArena: 1, threadArenas: 0.5, threadStacks: 0.31, v8HeapPages: 0.13, v8Code: 0.1, other: 0.32 });
});

test("an aligned mapping that is not a whole arena reservation is not an arena", () => {
  const smaps = entry(4 * ARENA, 4 * ARENA + 512 * 1024, "rw-p", "", 256) + entry(4 * ARENA + 512 * 1024, 4 * ARENA + 1024 * 1024, "rw-p", "", 256);
  expect(anonymousByMapping(smaps)).toEqual({ mainArena: 0, threadArenas: 0, threadStacks: 0, v8HeapPages: 0, v8Code: 0, other: 0.5 });
});

test("this process: the kinds add up to its anonymous memory, and a new thread's stack shows", async () => {
  const total = (smaps: string) => [...smaps.matchAll(/^Anonymous:\s+(\d+) kB/gm)].reduce((n, m) => n + Number(m[1]), 0) / 1024;
  const before = fs.readFileSync("/proc/self/smaps", "utf8");
  const split = anonymousByMapping(before);
  expect(split.mainArena + split.threadArenas + split.threadStacks + split.v8HeapPages + split.v8Code + split.other).toBeCloseTo(total(before), 1);
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

test("this process: V8's heap pages and its code are found, no more of them than V8 says it holds", () => {
  const split = anonymousByMapping(fs.readFileSync("/proc/self/smaps", "utf8"));
  // V8's own count of the pages it has written in its regular spaces (the young and old
  // generations; its code lives in the code range, its large objects in mappings of their own)
  const regular = v8
    .getHeapSpaceStatistics()
    .filter((sp) => !sp.space_name.includes("large_object") && sp.space_name !== "code_space" && sp.space_name !== "read_only_space")
    .reduce((n, sp) => n + sp.physical_space_size, 0) / (1024 * 1024);
  expect(split.v8HeapPages).toBeGreaterThan(regular / 2);
  expect(split.v8HeapPages).toBeLessThanOrEqual(regular + 0.25);
  expect(split.v8Code).toBeGreaterThan(0);
});
