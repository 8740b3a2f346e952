// Native memory leak check: 10,000 iterations of createImage / openImage / stat / close /
// removeImage on one connection to a throwaway cluster, sampling process RSS every 1,000.
//
//   npx ts-node bench/native-rss.ts          (or: node dist/bench/native-rss.js after tsc)
//   RSS_ITERATIONS=2000 RSS_MAX_GROWTH_MIB=24 npx ts-node bench/native-rss.ts
//
// Exits 1 if RSS grows by more than RSS_MAX_GROWTH_MIB (default 24) between iteration 1,000 and
// the last sample. Why 24 MiB: the first 1,000 iterations are excluded as warm-up (librados
// caches, glibc arenas for the threadpool and messenger threads, JIT). After that a correct build
// still grows by up to 2 MiB until about cycle 6,000 (V8 writing further into its heap pages and
// tiering code up, glibc's arenas touching more pages; 2026-12-07), then plateaus. What we are
// hunting is a leaked handle or buffer per iteration: one unreleased rbd_image_t (ImageCtx with
// its caches and threads) costs well over 100 KiB, i.e. ~1 GiB over 9,000 iterations; even a
// leaked 4 KiB per iteration (a promise + worker + result) is ~35 MiB.
// 24 MiB leaves room for allocator noise while catching anything of that size.
// The cycles run with the provider host's allocator setting (glibc's mmap and trim thresholds
// pinned, provider/hostProcess.ts); RSS_GLIBC_DEFAULTS=1 runs them with glibc's defaults instead.
// RSS_SELFTEST_LEAK=1 deliberately leaves every image open (read-only, so it can still be
// removed) to show that the check does fail on a real leak.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as v8 from "v8";
import * as vm from "vm";
import { startCluster } from "../test/helpers/cluster";
import * as ceph from "../native";
import { addon } from "../native/binding";
import { pinMallocThresholds } from "../provider/hostProcess";
import { anonGrowth, type AnonByMapping } from "./smaps";

const iterations = Number(process.env.RSS_ITERATIONS ?? 10_000);
const sampleEvery = Number(process.env.RSS_SAMPLE_EVERY ?? 1_000);
const maxGrowthMiB = Number(process.env.RSS_MAX_GROWTH_MIB ?? 24);
const selftestLeak = process.env.RSS_SELFTEST_LEAK === "1";

// A forced GC before each sample (collectAndSettle), so JS garbage that is merely not collected yet
// is not mistaken for native growth (and does not hide it either).
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const mib = (bytes: number) => bytes / (1024 * 1024);

export interface RssResult {
  iterations: number;
  /** glibc's settings the cycles ran under: the provider host's (mmap and trim thresholds pinned) unless RSS_GLIBC_DEFAULTS=1. */
  allocator?: "provider host (thresholds pinned)" | "glibc defaults";
  /** Before the first cycle (connection open, pool ready). */
  rssAtStartMiB: number;
  /**
   * heapMiB: the JS heap in use (heapCommittedMiB: what V8 holds for it); mallocInUseMiB /
   * mallocFreeMiB: glibc's heap, all arenas (in use, and freed but kept); mallocMappedMiB: glibc's
   * own mappings for large blocks; rssMiB, rssAnonMiB / rssFileMiB: RSS counted exactly (smaps_rollup), and split
   * (anonymous memory, and pages of mapped files such as the libraries' code).
   */
  samples: Array<{
    iteration: number;
    rssMiB: number;
    heapMiB: number;
    heapCommittedMiB?: number;
    mallocInUseMiB: number;
    mallocFreeMiB: number;
    mallocMappedMiB?: number;
    rssAnonMiB?: number;
    rssFileMiB?: number;
    /** V8's pages in memory, by heap space (v8.getHeapSpaceStatistics' physical sizes, MiB). */
    v8SpacesMiB?: Record<string, number>;
    /** Anonymous memory in RSS by kind of mapping (anonymousByMapping, MiB). */
    anonByMappingMiB?: AnonByMapping;
    sec: number;
  }>;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** From the first sample (after the warm-up thousand) to the last. */
  growthMiB: number;
  /** Over the same span: malloc'd memory in use (a leak shows here) and free memory the allocator keeps. */
  mallocInUseGrowthMiB?: number;
  mallocFreeGrowthMiB?: number;
  /** Over the same span: RSS's anonymous and file-backed parts, and the memory V8 holds for the JS heap. */
  rssAnonGrowthMiB?: number;
  rssFileGrowthMiB?: number;
  heapCommittedGrowthMiB?: number;
  /** Over the same span: V8's pages in memory, by the heap spaces that moved (MiB). */
  v8SpaceGrowthMiB?: Record<string, number>;
  /** Over the same span: anonymous memory in RSS by kind of mapping (MiB). */
  anonGrowthByMappingMiB?: AnonByMapping;
  bytesPerIteration: number;
  iterationsPerSec: number;
}

type RssSample = RssResult["samples"][number];

/** The sample growth is measured from: the first at or after the warm-up's 1,000 cycles. */
export function warmUpBase(samples: RssSample[], iterations: number): RssSample {
  return samples.find((s) => s.iteration >= Math.min(1_000, iterations)) ?? samples[0];
}

/**
 * The highest sample after the base, and how far above it: the growth compares two samples, this
 * says how far RSS went on the way. Undefined with no sample after the base.
 */
export function peakAfterWarmUp(samples: RssSample[], iterations: number): { iteration: number; aboveMiB: number } | undefined {
  const base = warmUpBase(samples, iterations);
  let peak: RssSample | undefined;
  for (const s of samples) if (s.iteration > base.iteration && (!peak || s.rssMiB > peak.rssMiB)) peak = s;
  return peak && { iteration: peak.iteration, aboveMiB: peak.rssMiB - base.rssMiB };
}

/**
 * The span after the warm-up cut in two at the sample nearest its middle, and RSS's growth in each
 * half: a leak grows in both halves alike, a warm-up that outlasts the first 1,000 cycles only in
 * the first. Undefined with fewer than two samples after the base.
 */
export function growthByHalf(samples: RssSample[], iterations: number): Array<{ from: number; to: number; growthMiB: number }> | undefined {
  const base = warmUpBase(samples, iterations);
  const after = samples.filter((s) => s.iteration > base.iteration);
  if (after.length < 2) return undefined;
  const last = after[after.length - 1];
  const middle = (base.iteration + last.iteration) / 2;
  const mid = after.slice(0, -1).reduce((best, s) => (Math.abs(s.iteration - middle) < Math.abs(best.iteration - middle) ? s : best));
  return [
    { from: base.iteration, to: mid.iteration, growthMiB: mid.rssMiB - base.rssMiB },
    { from: mid.iteration, to: last.iteration, growthMiB: last.rssMiB - mid.rssMiB },
  ];
}

/** The cycles on one connection to the cluster at `conf`; RSS before (after warm-up) and after. */
export async function benchRss(conf: string, iterations: number, log: (s: string) => void = console.log): Promise<RssResult> {
  {
    // As the provider host runs (provider/hostProcess.ts), unless asked for glibc's own defaults.
    const allocator = process.env.RSS_GLIBC_DEFAULTS === "1" ? "glibc defaults" : "provider host (thresholds pinned)";
    if (allocator !== "glibc defaults" && pinMallocThresholds().length !== 2) throw new Error("rss: glibc's thresholds could not be pinned (set in the environment?)");
    log(`rss: allocator settings: ${allocator}`);
    const cluster = await ceph.connect({ conf, retries: 0 });
    await ceph.createPool(cluster, "rss", { pgNum: 8 });
    const io = await cluster.openIoCtx("rss");
    await ceph.poolInit(io);

    await collectAndSettle();
    const rssAtStartMiB = +mib(rssExact().total).toFixed(2);
    const samples: RssResult["samples"] = [];
    const started = Date.now();
    for (let i = 1; i <= iterations; i++) {
      const name = `img-${i}`;
      await ceph.createImage(io, name, { size: 16 * 1024 * 1024 });
      const img = await ceph.openImage(io, name, { readOnly: selftestLeak });
      const st = await img.stat();
      if (st.size !== 16 * 1024 * 1024) throw new Error(`unexpected size ${st.size} for ${name}`);
      if (!selftestLeak) await img.close();
      await ceph.removeImage(io, name);
      if (i % sampleEvery === 0) {
        await collectAndSettle();
        const mem = process.memoryUsage();
        const heap = addon().mallocStats();
        const rss = rssExact();
        const sample = {
          iteration: i,
          rssMiB: mib(rss.total),
          heapMiB: mib(mem.heapUsed),
          heapCommittedMiB: mib(mem.heapTotal),
          mallocInUseMiB: mib(heap.inUse),
          mallocFreeMiB: mib(heap.free),
          mallocMappedMiB: mib(heap.mmapped),
          rssAnonMiB: mib(rss.anon),
          rssFileMiB: mib(rss.file),
          v8SpacesMiB: v8Spaces(),
          anonByMappingMiB: anonByMappingFromChild(),
          sec: (Date.now() - started) / 1000,
        };
        samples.push(sample);
        log(
          `iteration ${String(i).padStart(6)}  rss ${sample.rssMiB.toFixed(1)} MiB  js heap ${sample.heapMiB.toFixed(1)} MiB  ` +
            `malloc in use ${sample.mallocInUseMiB.toFixed(1)} MiB, free ${sample.mallocFreeMiB.toFixed(1)} MiB, mapped ${sample.mallocMappedMiB.toFixed(1)} MiB  ` +
            `anon ${sample.rssAnonMiB.toFixed(1)} MiB, file ${sample.rssFileMiB.toFixed(1)} MiB  ${sample.sec.toFixed(0)} s`,
        );
      }
    }
    await io.close();
    await ceph.deletePool(cluster, "rss");
    await cluster.close();

    const base = warmUpBase(samples, iterations);
    const last = samples[samples.length - 1];
    const growth = last.rssMiB - base.rssMiB;
    const perIteration = last.iteration > base.iteration ? (growth * 1024 * 1024) / (last.iteration - base.iteration) : 0;
    const iterationsPerSec = iterations / ((Date.now() - started) / 1000);
    log(
      `rss growth from iteration ${base.iteration} to ${last.iteration}: ${growth.toFixed(1)} MiB ` +
        `(${perIteration.toFixed(0)} bytes/iteration; limit ${maxGrowthMiB} MiB), ${iterationsPerSec.toFixed(1)} iterations/s`,
    );
    return {
      iterations,
      allocator,
      samples,
      rssAtStartMiB,
      rssBeforeMiB: +base.rssMiB.toFixed(2),
      rssAfterMiB: +last.rssMiB.toFixed(2),
      growthMiB: +growth.toFixed(2),
      mallocInUseGrowthMiB: +(last.mallocInUseMiB - base.mallocInUseMiB).toFixed(2),
      mallocFreeGrowthMiB: +(last.mallocFreeMiB - base.mallocFreeMiB).toFixed(2),
      rssAnonGrowthMiB: +(last.rssAnonMiB! - base.rssAnonMiB!).toFixed(2),
      rssFileGrowthMiB: +(last.rssFileMiB! - base.rssFileMiB!).toFixed(2),
      heapCommittedGrowthMiB: +(last.heapCommittedMiB! - base.heapCommittedMiB!).toFixed(2),
      v8SpaceGrowthMiB: spaceGrowth(base.v8SpacesMiB!, last.v8SpacesMiB!),
      anonGrowthByMappingMiB: anonGrowth(base.anonByMappingMiB!, last.anonByMappingMiB!),
      bytesPerIteration: Math.round(perIteration),
      iterationsPerSec: +iterationsPerSec.toFixed(1),
    };
  }
}

/**
 * A forced GC, then a wait until RSS holds still (50 ms apart, at most 1 s). V8's background
 * threads go on releasing pages for a few milliseconds after gc() returns: in a probe (2026-12-07)
 * anonymous RSS read right after gc() was 2-4 MiB above the same read 20 ms later, and a sample
 * read that early counts pages about to go (a run's last sample read 0.68 MiB more than the split
 * of its mappings a moment after).
 */
async function collectAndSettle(): Promise<void> {
  gc();
  let last = rssExact().anon;
  for (let tries = 0; tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = rssExact().anon;
    if (now === last) return;
    last = now;
  }
}

/**
 * This process's anonymous memory by kind of mapping (bench/smaps.ts), worked out by a child
 * process: parsing a few hundred KB of smaps here would leave its garbage in the very heaps being
 * measured (a run that parsed in-process had V8's old space grow three pages, against one without).
 */
function anonByMappingFromChild(): AnonByMapping {
  const smaps = require.resolve("./smaps");
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(smaps)}).anonymousByMapping(require("fs").readFileSync("/proc/${process.pid}/smaps", "utf8"))))`;
  const args = smaps.endsWith(".ts") ? ["-r", "ts-node/register", "-e", script] : ["-e", script];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" })) as AnonByMapping;
}

/** V8's pages in memory by heap space (new, old, code, large objects...), in MiB. */
function v8Spaces(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sp of v8.getHeapSpaceStatistics()) out[sp.space_name] = mib(sp.physical_space_size);
  return out;
}

/** The spaces whose pages in memory moved between two samples, and by how much (MiB). */
export function spaceGrowth(from: Record<string, number>, to: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(to)) {
    const d = +(to[name] - (from[name] ?? 0)).toFixed(2);
    if (d !== 0) out[name] = d;
  }
  return out;
}

/**
 * RSS counted exactly, and its split (/proc/self/smaps_rollup walks the page tables), in bytes. The
 * counters behind /proc/self/stat and /proc/self/status (what process.memoryUsage().rss reads) are
 * per-CPU and read approximately: in a run of 2026-12-06 the total and the sum of its parts, read
 * moments apart, differed by 0.6 MiB, about the size of the growth measured here.
 */
function rssExact(): { total: number; anon: number; file: number } {
  const rollup = fs.readFileSync("/proc/self/smaps_rollup", "utf8");
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup);
    if (!m) throw new Error(`rss: no ${field} in /proc/self/smaps_rollup`);
    return Number(m[1]) * 1024;
  };
  const total = kib("Rss");
  const anon = kib("Anonymous");
  return { total, anon, file: total - anon };
}

async function main(): Promise<number> {
  const tc = startCluster();
  try {
    const r = await benchRss(tc.conf, iterations);
    return r.growthMiB > maxGrowthMiB ? 1 : 0;
  } finally {
    tc.stop();
  }
}

if (require.main === module) main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
