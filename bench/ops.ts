// Per operation: the addon (one connection) against the C floor (bench/c/rbdbench.c, same librbd
// call sequence, one connection) and against the rbd/ceph CLI spawned per operation, interleaved
// per iteration. Then 1, 16 and 64 concurrent creates on one connection, addon and C.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as native from "../native";
import type { TestCluster } from "../test/helpers/cluster";
import { repoRoot } from "../test/helpers/cluster";
import { msStats, type Stats } from "./stats";

const GiB = 2 ** 30;
const caps = (pool: string, osd = "profile rbd") => ({ mon: "profile rbd", osd: `${osd} pool=${pool}` });

/** Builds the C floor with gcc against Debian's librbd/librados (librbd-dev, librados-dev). */
export function buildC(outDir: string): string {
  const bin = path.join(outDir, "rbdbench");
  execFileSync("gcc", ["-O2", "-Wall", "-o", bin, path.join(repoRoot, "bench", "c", "rbdbench.c"), "-lrbd", "-lrados", "-lpthread"], {
    stdio: "inherit",
  });
  return bin;
}

/**
 * Builds the Node floor (bench/napi/node-floor.cc): a minimal Node-API addon, with g++ against the
 * running Node's headers (the ones node-gyp builds native/ with), librados and librbd.
 */
export function buildNapiFloor(outDir: string): string {
  const out = path.join(outDir, "node-floor.node");
  const include = path.resolve(process.execPath, "..", "..", "include", "node");
  execFileSync(
    "g++",
    ["-O2", "-Wall", "-shared", "-fPIC", "-std=c++17", `-I${include}`, "-DNODE_GYP_MODULE_NAME=node_floor", "-DNAPI_VERSION=8", "-o", out, path.join(repoRoot, "bench", "napi", "node-floor.cc"), "-lrbd", "-lrados"],
    { stdio: "inherit" },
  );
  return out;
}

interface NapiFloor {
  connect(conf: string, pool: string): void;
  stat(name: string): Promise<unknown>;
  create(name: string, size: number): Promise<unknown>;
  open(name: string): Promise<NapiImage>;
  /** Resolves with the size before; a smaller size is left alone, as the addon's resize does. */
  resize(image: NapiImage, size: number): Promise<number>;
  closeImage(image: NapiImage): Promise<unknown>;
  close(): void;
}
type NapiImage = { readonly __brand: "node-floor image" };

/** The ops the Node floor makes too, each librbd call made as the addon makes it. */
const NAPI_FLOOR_OPS: Partial<Record<Op, (f: NapiFloor, name: string) => Promise<unknown>>> = {
  create: (f, n) => f.create(n, GiB),
  open: (f, n) => f.open(n).then((img) => f.closeImage(img)),
  stat: (f, n) => f.stat(n),
  resize: async (f, n) => {
    const img = await f.open(n);
    try {
      // As Image.resize without allowShrink: the size check and the resize in one call.
      if ((await f.resize(img, 2 * GiB)) > 2 * GiB) throw new Error(`node floor: ${n} is larger than 2 GiB`);
    } finally {
      await f.closeImage(img);
    }
  },
};

/** The operations, in the order they run: each leaves what the next one needs (image i, its snapshot, its clone). */
export const OPS = [
  "create",
  "open",
  "stat",
  "resize",
  "snapshot",
  "clone",
  "flatten",
  "remove",
  "trash-move",
  "auth-get-or-create",
  "auth-caps",
  "auth-del",
  "pool-create-delete",
] as const;
type Op = (typeof OPS)[number];

export interface OpResult {
  op: Op;
  iterations: number;
  cliIterations: number;
  addon: Stats;
  c: Stats;
  cli: Stats;
  /** addon median / C median (target: at most 1.1). */
  addonOverC: number;
  /** CLI median / addon median. */
  cliOverAddon: number;
  cliCommand: string;
  /**
   * The stat only: the same two reads from C as aio ops with completion callbacks (librados runs
   * them on its finisher thread), the caller woken by the last one: how a caller that must not
   * block is answered, without Node or the addon. Takes turns with the addon and blocking C.
   */
  cCallbacks?: Stats;
  /**
   * Create, open, stat and resize: the same calls from a minimal Node-API addon
   * (bench/napi/node-floor.cc), its own connection in this process, each librbd call made as the
   * addon makes it (the stat: aio reads; the open and close: librbd's aio open and close; the
   * create and the resize: a threadpool hop each): what any addon that must not block the
   * JS thread pays, with none of ours (guard, lease, backstop, name check, typed errors). Its own
   * images (n<i>). Takes turns with the others.
   */
  napiFloor?: Stats;
  /**
   * Every op but the stat: C with each call handed to the next of a ring of threads as large as
   * the addon's pool and handed back (rbdbench's "rotated"), as libuv's pool runs calls made one
   * at a time (the Node floor's): its longest-idle thread takes each, so they go round all of
   * them. The addon's own call threads give each call the most recently idle one instead
   * (native/src/threadpool.h). Its own images (r<i>). Takes turns with the addon and C.
   */
  cRotated?: Stats;
}

const CLI: Record<Op, (pool: string, name: string) => string[][]> = {
  create: (p, n) => [["rbd", "create", "--size", "1G", `${p}/${n}`]],
  // No CLI command only opens an image: `rbd info` opens, stats and closes it.
  open: (p, n) => [["rbd", "info", `${p}/${n}`, "--format", "json"]],
  stat: (p, n) => [["rbd", "info", `${p}/${n}`, "--format", "json"]],
  resize: (p, n) => [["rbd", "resize", "--no-progress", "--size", "2G", `${p}/${n}`]],
  snapshot: (p, n) => [
    ["rbd", "snap", "create", "--no-progress", `${p}/${n}@s`],
    ["rbd", "snap", "protect", `${p}/${n}@s`],
  ],
  clone: (p, n) => [["rbd", "clone", `${p}/${n}@s`, `${p}/${n}c`]],
  flatten: (p, n) => [["rbd", "flatten", "--no-progress", `${p}/${n}c`]],
  remove: (p, n) => [["rbd", "rm", "--no-progress", `${p}/${n}c`]],
  "trash-move": (p, n) => [["rbd", "trash", "mv", `${p}/${n}`]],
  "auth-get-or-create": (p, n) => [["ceph", "auth", "get-or-create", `client.${n}`, "mon", "profile rbd", "osd", `profile rbd pool=${p}`, "--format", "json"]],
  "auth-caps": (p, n) => [["ceph", "auth", "caps", `client.${n}`, "mon", "profile rbd", "osd", `profile rbd-read-only pool=${p}`]],
  "auth-del": (_p, n) => [["ceph", "auth", "del", `client.${n}`]],
  "pool-create-delete": (_p, n) => [
    ["ceph", "osd", "pool", "create", n, "1", "1"],
    ["ceph", "osd", "pool", "delete", n, n, "--yes-i-really-really-mean-it"],
  ],
};

function addonOp(c: native.Cluster, io: native.IoCtx, pool: string, op: Op, name: string): Promise<unknown> {
  switch (op) {
    case "create":
      return native.createImage(io, name, { size: GiB });
    case "open":
      return native.openImage(io, name).then((img) => img.close());
    case "stat":
      return native.statImage(io, name);
    case "resize":
      return native.withImage(io, name, (img) => img.resize(2 * GiB));
    case "snapshot":
      return native.withImage(io, name, async (img) => {
        await img.createSnap("s");
        await img.protectSnap("s");
      });
    case "clone":
      return native.cloneImage(io, name, "s", io, `${name}c`);
    case "flatten":
      return native.withImage(io, `${name}c`, (img) => img.flatten());
    case "remove":
      return native.removeImage(io, `${name}c`);
    case "trash-move":
      return native.trashMove(io, name);
    case "auth-get-or-create":
      return native.authGetOrCreate(c, `client.${name}`, caps(pool));
    case "auth-caps":
      return native.authCaps(c, `client.${name}`, caps(pool, "profile rbd-read-only"));
    case "auth-del":
      return native.authDel(c, `client.${name}`);
    case "pool-create-delete":
      return native.createPool(c, name, { pgNum: 1 }).then(() => native.deletePool(c, name));
  }
}

/** The C program in serve mode: one process and connection for the whole run, one op per request; its own clock. */
interface CFloor {
  run(op: Op | "stat-callbacks", prefix: string, i: number, rotated?: boolean): Promise<number>;
  /** N threads share TOTAL creates on the program's one connection; resolves with ops/s. */
  concurrent(n: number, total: number, prefix: string): Promise<number>;
  close(): void;
}

/** A child process answering one line per request line, in order. */
function lineServer(bin: string, args: string[]): { ask(request: string, what: string): Promise<number>; close(): void } {
  const child = spawn(bin, args, { stdio: ["pipe", "pipe", "inherit"] });
  let buffered = "";
  const waiting: Array<(line: string) => void> = [];
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d: string) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    ask: (request, what) =>
      new Promise((resolve, reject) => {
        waiting.push((line) => (line.startsWith("error") ? reject(new Error(`${what}: ${line}`)) : resolve(Number(line))));
        child.stdin.write(`${request}\n`);
      }),
    close: () => child.stdin.end(),
  };
}

function startCFloor(bin: string, conf: string, pool: string): CFloor {
  const server = lineServer(bin, [conf, pool, "serve"]);
  return {
    run: (op, prefix, i, rotated = false) => {
      const request = `${rotated ? "rotated " : ""}${op} ${prefix} ${i}`;
      return server.ask(request, `rbdbench ${request}`);
    },
    concurrent: (n, total, prefix) => server.ask(`concurrent ${n} ${total} ${prefix}`, `rbdbench concurrent ${n}`),
    close: server.close,
  };
}

/** The CLI way, spawned from a runner process of its own (see cli-runner.ts); times on its clock. */
function startCliRunner(conf: string): { run(commands: string[][]): Promise<number>; close(): void } {
  const server = lineServer(process.execPath, [path.join(__dirname, "cli-runner.js")]);
  return {
    run: (commands) => server.ask(JSON.stringify(commands.map(([bin, ...args]) => [bin, "-c", conf, ...args])), commands.map((c) => c.join(" ")).join(" && ")),
    close: server.close,
  };
}

// Takers 0 (addon), 1 (C), 5 (C on rotating threads) and 4 (the Node floor), four orders in
// which each goes first once and follows each other once (a Williams square).
const TURNS_OF_FOUR = [
  [0, 1, 4, 5],
  [1, 5, 0, 4],
  [5, 4, 1, 0],
  [4, 0, 5, 1],
];

// Takers 0 (addon), 1 (C) and 5 (C on rotating threads) in all six orders.
const TURNS_OF_THREE = [
  [0, 1, 5],
  [1, 5, 0],
  [5, 0, 1],
  [0, 5, 1],
  [5, 1, 0],
  [1, 0, 5],
];

const elapsedMs = async (fn: () => Promise<unknown>) => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

export async function benchOps(
  cluster: TestCluster,
  cBin: string,
  iterations: number,
  log: (s: string) => void,
  cliIterations = iterations,
): Promise<{ ops: OpResult[]; concurrency: ConcurrencyResult[]; threadpoolRoundTrip?: { threadpool: Stats; inline: Stats } }> {
  const pool = "bench";
  await cluster.ceph("osd", "pool", "create", pool, "32");
  await cluster.rbd("pool", "init", pool);
  const c = await native.connect({ conf: cluster.conf, label: "bench" });
  const io = await c.openIoCtx(pool);
  const ops: OpResult[] = [];
  let threadpoolRoundTrip: { threadpool: Stats; inline: Stats } | undefined;
  try {
    // What a blocking call pays on top of librbd: the hop to a libuv threadpool thread and back
    // (here with a stat(2) as the work), against the same stat(2) on the calling thread.
    if (iterations > 0) {
      const hop: number[] = [];
      const inline: number[] = [];
      for (let i = 0; i < iterations; i++) {
        hop.push(await elapsedMs(() => fs.promises.stat(cluster.conf)));
        inline.push(await elapsedMs(async () => fs.statSync(cluster.conf)));
      }
      threadpoolRoundTrip = { threadpool: msStats(hop), inline: msStats(inline) };
      log(`threadpool round trip: ${threadpoolRoundTrip.threadpool.median} ms vs inline ${threadpoolRoundTrip.inline.median} ms`);
    }
    const floor = startCFloor(cBin, cluster.conf, pool);
    const napiFloor: NapiFloor = require(buildNapiFloor(path.dirname(cBin)));
    napiFloor.connect(cluster.conf, pool);
    // Before the operations: the CLI's 200 pool deletions at their end leave the OSD removing
    // placement groups for a while, and the first round here (the addon's) paid for it.
    const concurrency = await benchConcurrency(io, floor, log);
    const cli = startCliRunner(cluster.conf);
    for (const op of iterations > 0 ? OPS : []) {
      const addonMs: number[] = [];
      const cMs: number[] = [];
      const cliMs: number[] = [];
      const cCallbacksMs: number[] = [];
      const napiFloorMs: number[] = [];
      const cRotatedMs: number[] = [];
      const takers: Array<(i: number) => Promise<void>> = [
        async (i) => void addonMs.push(await elapsedMs(() => addonOp(c, io, pool, op, `a${i}`))),
        async (i) => void cMs.push(await floor.run(op, "c", i)),
        async (i) => void cliMs.push(await cli.run(CLI[op](pool, `l${i}`))),
        async (i) => void cCallbacksMs.push(await floor.run("stat-callbacks", "c", i)),
        async (i) => void napiFloorMs.push(await elapsedMs(() => NAPI_FLOOR_OPS[op]!(napiFloor, op === "stat" ? `a${i}` : `n${i}`))),
        async (i) => void cRotatedMs.push(await floor.run(op, "r", i, true)),
      ];
      // The addon, C, C on rotating threads and (where it makes the op) the Node floor take turns,
      // then the CLI runs its own turns.
      // The CLI not interleaved: a call made right after a 45 ms `rbd` process (both CPUs busy,
      // caches cold, the cluster cleaning up its session) is 0.2 ms slower, and the addon, in a
      // larger process, paid more of that than the small C program (NOTES.md, 2026-12-04). Turns
      // of ten calls each did not bring the addon nearer C (one run: open 1.14, resize 1.13).
      for (let i = 0; i < iterations; i++) {
        // Each order in turn: each way goes first, and follows each other, as often.
        let turns = NAPI_FLOOR_OPS[op] ? TURNS_OF_FOUR[i % TURNS_OF_FOUR.length] : TURNS_OF_THREE[i % TURNS_OF_THREE.length];
        if (op === "stat") {
          // Four ways, two images a round: the addon and the Node floor read a<i>, blocking C and C
          // with callbacks c<i>. Each way reads first in half the rounds (a second read is 1-2%
          // faster at the OSD), and which image goes first alternates too.
          const a = i % 2 === 0 ? [0, 4] : [4, 0];
          const cc = i % 2 === 0 ? [1, 3] : [3, 1];
          turns = i % 4 < 2 ? [...a, ...cc] : [...cc, ...a];
        }
        for (const k of turns) await takers[k](i);
      }
      for (let i = 0; i < cliIterations; i++) await takers[2](i);
      const r: OpResult = {
        op,
        iterations,
        cliIterations: cliMs.length,
        addon: msStats(addonMs),
        c: msStats(cMs),
        cli: msStats(cliMs),
        addonOverC: 0,
        cliOverAddon: 0,
        cliCommand: CLI[op](pool, "NAME").map((a) => a.join(" ")).join(" && "),
      };
      if (cCallbacksMs.length) r.cCallbacks = msStats(cCallbacksMs);
      if (napiFloorMs.length) r.napiFloor = msStats(napiFloorMs);
      if (cRotatedMs.length) r.cRotated = msStats(cRotatedMs);
      r.addonOverC = +(r.addon.median / r.c.median).toFixed(3);
      r.cliOverAddon = +(r.cli.median / r.addon.median).toFixed(2);
      log(`ops ${op}: addon ${r.addon.median} ms, C ${r.c.median} ms, CLI ${r.cli.median} ms (addon/C ${r.addonOverC})`);
      ops.push(r);
    }
    cli.close();
    floor.close();
    napiFloor.close();
    return { ops, concurrency, threadpoolRoundTrip };
  } finally {
    await io.close();
    await c.close();
    await cluster.ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it").catch(() => undefined);
  }
}

export interface ConcurrencyResult {
  concurrent: number;
  creates: number;
  addonOpsPerSec: number;
  cOpsPerSec: number;
  addonOverC: number;
}

/**
 * N creates in flight at once on one connection. The addon runs each blocking librbd call on a
 * call thread of its own (native/src/threadpool.h), up to 64 at once (UV_THREADPOOL_SIZE if set,
 * which the bench command sets to 64 for the Node floor's libuv pool too). The addon and C take turns in rounds (who goes
 * first alternates), so a change in the machine's load falls on both alike.
 */
async function benchConcurrency(io: native.IoCtx, floor: CFloor, log: (s: string) => void): Promise<ConcurrencyResult[]> {
  const out: ConcurrencyResult[] = [];
  const rounds = 4;
  const perRound = 128;
  for (const n of [1, 16, 64]) {
    let addonSec = 0;
    let cSec = 0;
    const addon = async (r: number) => {
      let next = 0;
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: n }, async () => {
          while (next < perRound) await native.createImage(io, `ac${n}-${r}-${next++}`, { size: GiB });
        }),
      );
      addonSec += Number(process.hrtime.bigint() - t0) / 1e9;
    };
    const c = async (r: number) => {
      cSec += perRound / (await floor.concurrent(n, perRound, `cc${n}-${r}-`));
    };
    // One round of each, not counted: run first in a fresh pool, the addon's first round (one in
    // flight) came out at 1.45x C's, against 1.05-1.15x where this ran after the operations.
    await addon(-1);
    await c(-1);
    addonSec = 0;
    cSec = 0;
    for (let r = 0; r < rounds; r++) {
      for (const take of r % 2 === 0 ? [addon, c] : [c, addon]) await take(r);
    }
    const total = rounds * perRound;
    const addonOps = total / addonSec;
    const cOps = total / cSec;
    const res = { concurrent: n, creates: total, addonOpsPerSec: +addonOps.toFixed(1), cOpsPerSec: +cOps.toFixed(1), addonOverC: +(cOps / addonOps).toFixed(3) };
    log(`concurrency ${n}: addon ${res.addonOpsPerSec} ops/s, C ${res.cOpsPerSec} ops/s`);
    out.push(res);
  }
  return out;
}

export function machineInfo(): Record<string, unknown> {
  const sh = (cmd: string) => {
    try {
      return execFileSync("sh", ["-c", cmd], { encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  };
  const cpuModel = /model name\s*:\s*(.*)/.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  const memKiB = Number(/MemTotal:\s*(\d+)/.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  return {
    nproc: Number(sh("nproc")),
    memoryGiB: +(memKiB / 2 ** 20).toFixed(1),
    cpuModel,
    kernel: sh("uname -r"),
    loadAverageAtStart: fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    ceph: sh("ceph --version"),
    node: process.version,
    pulumi: sh(`${path.join(repoRoot, ".tools", "bin", "pulumi")} version`),
    pulumiNodejsSdk: require("@pulumi/pulumi/package.json").version,
    gcc: sh("gcc --version | head -1"),
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? "4 (default)",
  };
}
