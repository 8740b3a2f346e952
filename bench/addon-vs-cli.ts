// How much faster the provider's native path is than shelling out to the rbd/ceph CLIs (what
// operators' scripts and many tools do). Both run against the same throwaway cluster from this
// process tree, interleaved, so machine load affects both alike; the result is a ratio per operation.
//
//   npm run build && node dist/bench/addon-vs-cli.js [iterations=20]
import { execFile } from "child_process";
import { promisify } from "util";
import * as native from "../native";
import { startCluster } from "../test/helpers/cluster";

const run = promisify(execFile);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main() {
  const iterations = Number(process.argv[2] ?? 20);
  const cluster = startCluster();
  try {
    await cluster.ceph("osd", "pool", "create", "bench", "8");
    await cluster.rbd("pool", "init", "bench");
    const c = await native.connect({ conf: cluster.conf, label: "bench" });
    const io = await c.openIoCtx("bench");
    const cli = (bin: string, ...args: string[]) => run(bin, ["-c", cluster.conf, ...args]);
    const ops: Record<string, { addon: (i: number) => Promise<unknown>; cli: (i: number) => Promise<unknown> }> = {
      "create image": {
        addon: (i) => native.createImage(io, `a${i}`, { size: 2 ** 30 }),
        cli: (i) => cli("rbd", "create", "--size", "1G", `bench/c${i}`),
      },
      "stat image": {
        addon: (i) => native.withImage(io, `a${i}`, (img) => img.stat(), { readOnly: true }),
        cli: (i) => cli("rbd", "info", `bench/c${i}`, "--format", "json"),
      },
      "resize image": {
        addon: (i) => native.withImage(io, `a${i}`, (img) => img.resize(2 * 2 ** 30)),
        cli: (i) => cli("rbd", "resize", "--size", "2G", `bench/c${i}`),
      },
      "snapshot create+protect": {
        addon: (i) => native.withImage(io, `a${i}`, async (img) => { await img.createSnap("s"); await img.protectSnap("s"); }),
        cli: async (i) => { await cli("rbd", "snap", "create", `bench/c${i}@s`); await cli("rbd", "snap", "protect", `bench/c${i}@s`); },
      },
      "snapshot unprotect+remove": {
        addon: (i) => native.withImage(io, `a${i}`, async (img) => { await img.unprotectSnap("s"); await img.removeSnap("s"); }),
        cli: async (i) => { await cli("rbd", "snap", "unprotect", `bench/c${i}@s`); await cli("rbd", "snap", "rm", `bench/c${i}@s`); },
      },
      "remove image": {
        addon: (i) => native.removeImage(io, `a${i}`),
        cli: (i) => cli("rbd", "rm", "--no-progress", `bench/c${i}`),
      },
      "auth get-or-create": {
        addon: (i) => native.authGetOrCreate(c, `client.bench-a${i}`, { mon: "profile rbd", osd: "profile rbd pool=bench" }),
        cli: (i) => cli("ceph", "auth", "get-or-create", `client.bench-c${i}`, "mon", "profile rbd", "osd", "profile rbd pool=bench"),
      },
    };
    const results: Array<{ op: string; addonMs: number; cliMs: number; ratio: number }> = [];
    for (const [op, { addon, cli: viaCli }] of Object.entries(ops)) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < iterations; i++) {
        a.push(await time(() => addon(i)));
        b.push(await time(() => viaCli(i)));
      }
      const addonMs = median(a);
      const cliMs = median(b);
      results.push({ op, addonMs: +addonMs.toFixed(2), cliMs: +cliMs.toFixed(2), ratio: +(cliMs / addonMs).toFixed(1) });
    }
    await io.close();
    await c.close();
    console.log(`median of ${iterations} runs per operation; ratio = CLI time / addon time (higher: addon faster)`);
    console.table(results);
    const slowest = Math.min(...results.map((r) => r.ratio));
    console.log(`addon-vs-cli: the addon is at least ${slowest}x faster than the CLI on every operation`);
    if (slowest < 1) process.exitCode = 1;
  } finally {
    cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
