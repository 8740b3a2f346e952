// A provider host's start-up: what the first call of a `pulumi destroy` (or refresh) waits for
// before any cluster work, which every delete after it does not. At N=50 that fixed cost is a
// large part of destroy's time above the floor (NOTES.md), so it is measured on its own here.
//
// Each round is a fresh Node process doing what the provider host does on its first RbdImage
// delete, in its order, each step timed: load @pulumi/pulumi (the host has it before any of ours:
// the floor pays it too), zod, the rest of the handlers module, the addon (librbd, librados),
// connect, then two deletes of plain 1 GiB images through the RbdImage handler: the first pays
// what is cold (the ioctx, JIT, librbd's first image), the second is a warm delete for scale.
import { spawn } from "child_process";
import { performance } from "perf_hooks";
import type { TestCluster } from "../test/helpers/cluster";
import { msStats, type Stats } from "./stats";

export const STARTUP_STEPS = ["sdk", "zod", "handlers", "addon", "connect", "firstDelete", "secondDelete"] as const;
export type StartupStep = (typeof STARTUP_STEPS)[number];

export interface StartupResult {
  rounds: number;
  /** Milliseconds of each step, over the rounds. */
  steps: Record<StartupStep, Stats>;
}

const GiB = 1024 ** 3;

export async function benchStartup(cluster: TestCluster, rounds: number, log: (s: string) => void): Promise<StartupResult> {
  const pool = "startup";
  await cluster.ceph("osd", "pool", "create", pool, "32");
  await cluster.rbd("pool", "init", pool);
  const native: typeof import("../native") = require("../native");
  const c = await native.connect({ conf: cluster.conf, label: "bench" });
  const io = await c.openIoCtx(pool);
  const samples = Object.fromEntries(STARTUP_STEPS.map((s) => [s, [] as number[]])) as Record<StartupStep, number[]>;
  try {
    for (let i = 0; i < rounds; i++) {
      const names = [`s${i}a`, `s${i}b`];
      for (const n of names) await native.createImage(io, n, { size: GiB });
      const ms = await probeOnce(cluster.conf, pool, names);
      for (const s of STARTUP_STEPS) samples[s].push(ms[s]);
    }
  } finally {
    await io.close();
    await c.close();
    await cluster.ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it").catch(() => undefined);
  }
  const steps = Object.fromEntries(STARTUP_STEPS.map((s) => [s, msStats(samples[s])])) as Record<StartupStep, Stats>;
  log(`startup: ${STARTUP_STEPS.map((s) => `${s} ${steps[s].median} ms`).join(", ")}`);
  return { rounds, steps };
}

function probeOnce(conf: string, pool: string, names: string[]): Promise<Record<StartupStep, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, "--probe", conf, pool, ...names], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`startup probe exited ${code}: ${out}`))));
  });
}

/** The child: one provider host's start, step by step (timings as JSON on stdout). */
async function probe(conf: string, pool: string, names: string[]): Promise<void> {
  const ms = {} as Record<StartupStep, number>;
  let t = performance.now();
  const step = (s: StartupStep) => {
    const now = performance.now();
    ms[s] = +(now - t).toFixed(3);
    t = now;
  };
  require("@pulumi/pulumi");
  step("sdk");
  require("zod");
  step("zod");
  const { handlers }: typeof import("../provider") = require("../provider");
  step("handlers");
  require("../native/binding").addon();
  step("addon");
  const connection = { conf, label: "bench" };
  await require("../provider/connection").getCluster(connection);
  step("connect");
  const del = (name: string) => handlers.RbdImage.delete!(`${pool}/${name}`, { connection, pool, name, size: GiB });
  await del(names[0]);
  step("firstDelete");
  await del(names[1]);
  step("secondDelete");
  process.stdout.write(JSON.stringify(ms));
  // The connection would keep the process alive.
  process.exit(0);
}

if (require.main === module && process.argv[2] === "--probe") {
  const [conf, pool, ...names] = process.argv.slice(3);
  probe(conf, pool, names).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
