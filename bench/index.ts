// `npm run bench`: everything in bench/ against one throwaway cluster, results written to
// bench/results/ as markdown and JSON with the machine and versions they ran on.
//
//   npm run bench                                   all parts (20-40 min)
//   npm run bench -- --only=ops,concurrency         some parts: ops, concurrency, rss, stack, profile
//   npm run bench -- --iterations=200 --cli-iterations=200 --n=50,200,1000 --parallel=16 --rss-iterations=10000
//   npm run bench -- --only=stack --programs=floor,ceph --n=200
//   npm run bench -- --only=stack --n=200 --phases=previewRefresh   (create and destroy always run)
//   npm run bench -- --only=profile --profile-n=1000                  (profiles at N=200 unless told)
//   npm run bench -- --only=startup --startup-rounds=20                 (a provider host's first delete, step by step)
//   npm run bench -- --out=/tmp/bench              results elsewhere (default bench/results)
//   npm run bench -- --merge=/tmp/bench/results.json  runs nothing: takes that run's parts into --out
// Parts not run keep their previous results in the output directory.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot, startCluster } from "../test/helpers/cluster";
import { benchRss, growthByHalf, peakAfterWarmUp, type RssResult } from "./native-rss";
import type { Stats } from "./stats";
import { benchOps, buildC, machineInfo, type ConcurrencyResult, type OpResult } from "./ops";
import { benchStacks, PHASES, profileStack, PROGRAMS, type BareRemovalResult, type Phase, type PhaseResult, type Program, type ProfileSummary } from "./stack";
import { benchStartup, STARTUP_STEPS, type StartupResult } from "./startup";
import { aboveFloor, judgeTargets, LIMITS, targetsMarkdown } from "./targets";

// The addon's call threads are 64 without it (native/src/threadpool.h); set, so the Node floor's
// calls on libuv's pool can overlap as far, and C rotated's ring is as large.
process.env.UV_THREADPOOL_SIZE ??= "64";

const PARTS = ["ops", "concurrency", "rss", "stack", "profile", "startup"] as const;
type Part = (typeof PARTS)[number];

function args(): {
  only: Set<Part>;
  iterations: number;
  ns: number[];
  parallel: number;
  rssIterations: number;
  out: string;
  programs: Program[];
  phases?: Phase[];
  merge?: string;
  cliIterations: number;
  profileN: number;
  startupRounds: number;
} {
  const flags = new Map<string, string>();
  for (const a of process.argv.slice(2)) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`bench: unknown argument ${a} (flags: --only=${PARTS.join(",")} --iterations= --n= --parallel= --rss-iterations= --out=)`);
    flags.set(m[1], m[2]);
  }
  const only = new Set((flags.get("only") ?? PARTS.join(",")).split(",") as Part[]);
  for (const p of only) if (!PARTS.includes(p)) throw new Error(`bench: unknown part ${p} (parts: ${PARTS.join(", ")})`);
  for (const p of flags.get("phases")?.split(",") ?? []) if (!PHASES.includes(p as Phase)) throw new Error(`bench: unknown phase ${p} (phases: ${PHASES.join(", ")})`);
  return {
    only,
    iterations: Number(flags.get("iterations") ?? 200),
    ns: (flags.get("n") ?? "50,200,1000").split(",").map(Number),
    parallel: Number(flags.get("parallel") ?? 16),
    rssIterations: Number(flags.get("rss-iterations") ?? 10_000),
    out: path.resolve(flags.get("out") ?? path.join(repoRoot, "bench", "results")),
    programs: (flags.get("programs") ?? PROGRAMS.join(",")).split(",") as Program[],
    phases: flags.get("phases")?.split(",") as Phase[] | undefined,
    merge: flags.get("merge"),
    // The CLI takes 0.1-1 s per spawn: on a loaded machine fewer of its iterations may be all there is time for.
    cliIterations: Number(flags.get("cli-iterations") ?? flags.get("iterations") ?? 200),
    profileN: Number(flags.get("profile-n") ?? 200),
    startupRounds: Number(flags.get("startup-rounds") ?? 20),
  };
}

interface Results {
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  ops?: OpResult[];
  concurrency?: ConcurrencyResult[];
  threadpoolRoundTrip?: { threadpool: Stats; inline: Stats };
  rss?: RssResult;
  stacks?: PhaseResult[];
  /** librbd's remove alone from C at each N, taken with the stack's destroys (absent before 2026-12-07). */
  bareRemovals?: BareRemovalResult[];
  profiles?: ProfileSummary[];
  startup?: StartupResult;
  /** When each part's results were measured (parts not run this time keep earlier results). */
  runs?: Record<string, { startedAt: string; loadAverageAtStart: unknown }>;
}

async function main() {
  const opts = args();
  const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
  fs.mkdirSync(opts.out, { recursive: true });
  const previousFile = path.join(opts.out, "results.json");
  const previous: Partial<Results> = fs.existsSync(previousFile) ? JSON.parse(fs.readFileSync(previousFile, "utf8")) : {};
  const results: Results = {
    ...previous,
    startedAt: new Date().toISOString(),
    finishedAt: undefined,
    machine: machineInfo(),
    settings: { ...opts, only: [...opts.only] },
    runs: { ...(previous.runs ?? {}) },
  };
  for (const p of opts.only) results.runs![p] = { startedAt: results.startedAt, loadAverageAtStart: results.machine.loadAverageAtStart };
  const save = () => {
    fs.writeFileSync(path.join(opts.out, "results.json"), JSON.stringify(results, null, 2) + "\n");
    fs.writeFileSync(path.join(opts.out, "results.md"), markdown(results));
  };
  if (opts.merge) {
    const other: Results = JSON.parse(fs.readFileSync(opts.merge, "utf8"));
    const parts = ["ops", "threadpoolRoundTrip", "concurrency", "rss", "stacks", "profiles", "startup"] as const;
    // The machine as the newest run saw it (versions, kernel); each part's own start and load are in `runs`.
    Object.assign(results, previous, { machine: other.machine ?? previous.machine, settings: previous.settings ?? other.settings });
    for (const p of parts) if (other[p] !== undefined) (results as any)[p] = other[p];
    // Stack results add up: the other run's (N, program, phase) replace ours, the rest stay.
    const { kept, merged } = mergeRows(previous.stacks, other.stacks, (s) => `${s.n} ${s.program} ${s.phase}`);
    results.stacks = merged;
    const removals = mergeRows(previous.bareRemovals, other.bareRemovals, (b) => String(b.n)).merged;
    results.bareRemovals = removals.length ? removals : undefined;
    results.runs = { ...(previous.runs ?? {}) };
    // No earlier stack row left: the earlier stack runs are no longer in the report.
    if (other.stacks?.length && kept.length === 0) for (const k of Object.keys(results.runs)) if (k.startsWith("stack")) delete results.runs[k];
    for (const [part, when] of Object.entries(other.runs ?? {})) {
      // Stack rows add up (so both runs are named); the other parts are replaced whole.
      const key = part === "stack" && results.runs[part] ? `${part} (n=${(other.settings as any)?.ns}, ${(other.settings as any)?.programs})` : part;
      results.runs[key] = when;
    }
    // The span of the parts in the report, not the first run's (its parts may all be replaced).
    const starts = Object.values(results.runs).map((x) => x.startedAt).sort();
    results.startedAt = starts[0] ?? results.startedAt;
    results.finishedAt = [previous.finishedAt, other.finishedAt].filter((x): x is string => !!x).sort().pop();
    save();
    log(`merged ${opts.merge} into ${opts.out}`);
    return;
  }
  const cluster = startCluster();
  // The C floor, built once for every part that runs it (ops, concurrency, the stack's removals).
  const cDir = fs.mkdtempSync(path.join(os.tmpdir(), "rbdbench-"));
  let built: string | undefined;
  const cBin = () => (built ??= buildC(cDir));
  try {
    if (opts.only.has("ops") || opts.only.has("concurrency")) {
      const r = await benchOps(cluster, cBin(), opts.only.has("ops") ? opts.iterations : 0, log, opts.cliIterations);
      if (opts.only.has("ops")) results.ops = r.ops;
      if (opts.only.has("ops")) results.threadpoolRoundTrip = r.threadpoolRoundTrip;
      if (opts.only.has("concurrency")) results.concurrency = r.concurrency;
      save();
    }
    if (opts.only.has("rss")) {
      results.rss = await benchRss(cluster.conf, opts.rssIterations, log);
      save();
    }
    if (opts.only.has("stack")) {
      // Earlier results at other N (or of programs not run now) stay.
      const ran = (phase: Phase) => phase === "create" || phase === "destroy" || !opts.phases || opts.phases.includes(phase);
      results.stacks = (previous.stacks ?? []).filter((r) => !(opts.ns.includes(r.n) && opts.programs.includes(r.program) && ran(r.phase)));
      results.bareRemovals = (previous.bareRemovals ?? []).filter((b) => !opts.ns.includes(b.n));
      await benchStacks(cluster, {
        ns: opts.ns,
        parallel: opts.parallel,
        programs: opts.programs,
        phases: opts.phases,
        log,
        onResult: (r) => {
          results.stacks!.push(r);
          save();
        },
        cBin: cBin(),
        onBareRemoval: (b) => {
          results.bareRemovals!.push(b);
          save();
        },
      });
      save();
    }
    if (opts.only.has("profile")) {
      results.profiles = await profileStack(cluster, opts.profileN, opts.parallel, log);
    }
    if (opts.only.has("startup")) {
      results.startup = await benchStartup(cluster, opts.startupRounds, log);
    }
    results.finishedAt = new Date().toISOString();
    save();
    log(`results in ${path.relative(process.cwd(), opts.out) || "."}/results.{md,json}`);
  } finally {
    cluster.stop();
    fs.rmSync(cDir, { recursive: true, force: true });
  }
}

/** Rows keyed by N (and more): the other run's replace ours with the same key, the rest stay; sorted by N. */
function mergeRows<T extends { n: number }>(ours: T[] = [], theirs: T[] = [], key: (row: T) => string): { kept: T[]; merged: T[] } {
  const replaced = new Set(theirs.map(key));
  const kept = ours.filter((row) => !replaced.has(key(row)));
  return { kept, merged: [...kept, ...theirs].sort((a, b) => a.n - b.n) };
}

const fmt = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));

function markdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  // Parts from more than one run (--merge): each part's start and load are listed below.
  const merged = Object.keys(r.runs ?? {}).length > 1;
  lines.push(`# Benchmarks`, ``, `${merged ? "Parts run" : "Run"} ${r.startedAt} to ${r.finishedAt ?? "(unfinished)"}, one throwaway cluster (1 mon, 1 mgr, 1 OSD) on the same machine.`, ``);
  const load = merged ? `each part's start and load average below` : `load average at start ${m.loadAverageAtStart}`;
  lines.push(`Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, kernel ${m.kernel}; ${load}.`);
  lines.push(`Versions: ${m.ceph}; node ${m.node}; pulumi CLI ${m.pulumi}, @pulumi/pulumi ${m.pulumiNodejsSdk}; ${m.gcc}; UV_THREADPOOL_SIZE ${m.uvThreadpoolSize}.`, ``);
  if (r.runs) lines.push(`Parts measured: ${Object.entries(r.runs).map(([p, x]) => `${p} at ${x.startedAt} (load ${x.loadAverageAtStart})`).join("; ")}.`, ``);
  lines.push(...targetsMarkdown(judgeTargets(r)));
  if (r.ops) {
    lines.push(`## Per operation (ms; ${r.ops[0]?.iterations} iterations each for the addon and C, ${r.ops[0]?.cliIterations ?? r.ops[0]?.iterations} for the CLI)`, ``);
    lines.push(`Addon: one connection, this package's native/ API. C: bench/c/rbdbench.c, the same librbd/librados call sequence on one connection. CLI: the rbd/ceph command spawned per operation. Per operation the addon and C take turns (who goes first alternates), with C on rotating threads and, for create, open and resize, the Node floor taking turns too (both below), then the CLI runs its turns.`, ``);
    lines.push(`| operation | addon median | addon p90 | C median | C p90 | CLI median | CLI p90 | addon/C | CLI/addon |`, `|---|---|---|---|---|---|---|---|---|`);
    for (const o of r.ops) {
      lines.push(`| ${o.op} | ${fmt(o.addon.median)} | ${fmt(o.addon.p90)} | ${fmt(o.c.median)} | ${fmt(o.c.p90)} | ${fmt(o.cli.median)} | ${fmt(o.cli.p90)} | ${fmt(o.addonOverC, 3)} | ${fmt(o.cliOverAddon, 1)} |`);
    }
    const rotated = r.ops.filter((o) => o.cRotated);
    if (rotated.length) {
      lines.push(
        ``,
        `C with each call handed to the next of a ring of ${m.uvThreadpoolSize} threads and back (rbdbench's "rotated"), as libuv's pool runs calls made one at a time (the Node floor's create and resize): its longest-idle thread takes each, so they go round all of its threads. The addon's calls go to threads of its own, the most recently idle taking each (native/src/threadpool.h). It takes turns with the addon and C (all six orders; for create, open and resize with the Node floor too, in the four orders below), on images of its own.`,
        ``,
        `| operation | C median | C rotated median | C rotated/C | addon/C rotated |`,
        `|---|---|---|---|---|`,
      );
      for (const o of rotated) lines.push(`| ${o.op} | ${fmt(o.c.median)} | ${fmt(o.cRotated!.median)} | ${fmt(o.cRotated!.median / o.c.median, 3)} | ${fmt(o.addon.median / o.cRotated!.median, 3)} |`);
    }
    const nodeFloor = r.ops.filter((o) => o.napiFloor && o.op !== "stat");
    if (nodeFloor.length) {
      lines.push(
        ``,
        `The Node floor: the same librbd calls from a minimal Node-API addon (bench/napi/node-floor.cc), in this process on a connection of its own, each call made as the addon makes it: the open and the close as librbd's aio open and close started from the JS thread and handed back by a thread-safe function, the create and the resize each in a napi_async_work of its own on libuv's pool (where the addon has threads of its own, the most recently idle taking each call; the stat's aio reads: below); the promise settled on the JS thread; no handle guard, lease, backstop, name check or typed errors. What any addon that must not block the JS thread pays for these calls here. It takes turns with the addon, C and C rotated (four orders: each goes first once and follows each other once), on images of its own.`,
        ``,
        `| operation | C median | Node floor median | Node floor/C | addon/Node floor |`,
        `|---|---|---|---|---|`,
      );
      for (const o of nodeFloor) lines.push(`| ${o.op} | ${fmt(o.c.median)} | ${fmt(o.napiFloor!.median)} | ${fmt(o.napiFloor!.median / o.c.median, 3)} | ${fmt(o.addon.median / o.napiFloor!.median, 3)} |`);
    }
    if (r.threadpoolRoundTrip) {
      const t = r.threadpoolRoundTrip;
      const st = r.ops.find((o) => o.op === "stat" && o.cCallbacks);
      if (st?.cCallbacks) {
        lines.push(
          ``,
          `The stat's two reads from C the way a caller that must not block is answered (aio ops with completion callbacks, which librados runs on its finisher thread, the caller woken by the last): median ${fmt(st.cCallbacks.median, 3)} ms, p90 ${fmt(st.cCallbacks.p90, 3)}, ${fmt(st.cCallbacks.median / st.c.median)}x blocking C; the addon ${fmt(st.addon.median / st.cCallbacks.median)}x that (taking turns with both).`,
        );
      }
      if (st?.napiFloor) {
        lines.push(
          ``,
          `The same two reads from a minimal Node-API addon (bench/napi/node-floor.cc: aio ops with completion callbacks, the result handed to the JS thread by a thread-safe function and resolved as an object of the same nine properties; no handle guard, lease, backstop, name check or typed errors), in this process on a connection of its own: median ${fmt(st.napiFloor.median, 3)} ms, p90 ${fmt(st.napiFloor.p90, 3)}, **${fmt(st.napiFloor.median / st.c.median)}x blocking C**: what any addon that must not block the JS thread pays here. The addon is ${fmt(st.addon.median / st.napiFloor.median)}x that.`,
        );
      }
      lines.push(``, `Every addon call but the stat, the open and the close (aio ops, settled on the JS thread) also pays a hop to a thread and back; measured alone on libuv's pool, interleaved (a stat(2) on the threadpool vs on the calling thread): median ${fmt(t.threadpool.median, 3)} vs ${fmt(t.inline.median, 3)} ms, p90 ${fmt(t.threadpool.p90, 3)} vs ${fmt(t.inline.p90, 3)} ms.`);
    }
    lines.push(``);
  }
  if (r.concurrency) {
    lines.push(`## Concurrent creates on one connection (ops/s)`, ``, `| in flight | addon | C | C/addon |`, `|---|---|---|---|`);
    for (const c of r.concurrency) lines.push(`| ${c.concurrent} | ${fmt(c.addonOpsPerSec, 1)} | ${fmt(c.cOpsPerSec, 1)} | ${fmt(c.addonOverC)} |`);
    lines.push(``);
  }
  if (r.rss) {
    const s = r.rss;
    lines.push(`## Memory: ${s.iterations} create/open/stat/close/remove cycles through the addon`, ``);
    lines.push(`glibc's settings: ${s.allocator ?? "glibc defaults"}${s.allocator === "glibc defaults" ? "" : ", as the provider host runs (provider/hostProcess.ts)"}.`, ``);
    lines.push(`RSS at start ${fmt(s.rssAtStartMiB, 1)} MiB; after the first ${s.samples[0]?.iteration} (warm-up) ${fmt(s.rssBeforeMiB, 1)} MiB; after ${s.iterations} ${fmt(s.rssAfterMiB, 1)} MiB: growth ${fmt(s.growthMiB)} MiB (${s.bytesPerIteration} bytes/cycle), ${s.iterationsPerSec} cycles/s.`, ``);
    const peak = peakAfterWarmUp(s.samples, s.iterations);
    if (peak) lines.push(`Highest sample after the warm-up: ${fmt(peak.aboveMiB)} MiB above it, at cycle ${peak.iteration}.`, ``);
    const halves = growthByHalf(s.samples, s.iterations);
    if (halves) {
      const each = halves.map((h) => `cycles ${h.from} to ${h.to} ${h.growthMiB >= 0 ? "+" : ""}${fmt(h.growthMiB)} MiB`).join(", ");
      lines.push(`The growth in each half of that span: ${each}. A leak grows alike in both; a warm-up that outlasts the first cycles, in the first only.`, ``);
    }
    if (s.mallocInUseGrowthMiB !== undefined) {
      lines.push(
        `Over the same span glibc's heap (all arenas): memory in use ${fmt(s.mallocInUseGrowthMiB)} MiB, free memory it keeps for reuse ${fmt(s.mallocFreeGrowthMiB!)} MiB (a leak shows as memory in use).`,
        ``,
      );
      if (s.rssAnonGrowthMiB !== undefined) {
        lines.push(
          `RSS over the span, split (counted exactly from /proc/self/smaps_rollup): anonymous memory ${fmt(s.rssAnonGrowthMiB)} MiB, pages of mapped files (the libraries' code and data) ${fmt(s.rssFileGrowthMiB!)} MiB. Of the anonymous memory, V8's pages for the JS heap ${fmt(s.heapCommittedGrowthMiB!)} MiB (a sizing of its own: the JS heap in use stays flat), glibc's heap the two lines above.`,
          ``,
        );
        if (s.anonGrowthByMappingMiB) {
          const a = s.anonGrowthByMappingMiB;
          // Results from before the V8 kinds were split out hold them in "the rest"
          const v8Split = a.v8HeapPages !== undefined
            ? `V8's heap pages ${fmt(a.v8HeapPages)} MiB (the part of V8's 256 KiB pages in RSS: V8's own count by space, the next line, can stay put while this moves), V8's JIT code ${fmt(a.v8Code)} MiB, the rest ${fmt(a.other)} MiB.`
            : `the rest ${fmt(a.other)} MiB (V8's heap pages ${fmt(Object.values(s.v8SpaceGrowthMiB ?? {}).reduce((sum, d) => sum + d, 0))} MiB of it, by V8's own count below).`;
          lines.push(
            `The anonymous memory's growth by the mapping that holds it (/proc/<pid>/smaps, read by a child process): glibc's main arena (the brk heap) ${fmt(a.mainArena)} MiB, glibc's other arenas (each a heap in a 64 MiB reservation of its own) ${fmt(a.threadArenas)} MiB, threads' stacks ${fmt(a.threadStacks)} MiB, ${v8Split} An arena's pages count in RSS once touched, whether malloc counts them in use or free, so this and the malloc line need not agree.`,
            ``,
          );
        }
        if (s.v8SpaceGrowthMiB) {
          const moved = Object.entries(s.v8SpaceGrowthMiB).map(([space, d]) => `${space} ${d > 0 ? "+" : ""}${fmt(d)}`);
          lines.push(
            `V8's pages in memory by heap space over the span (physical sizes; a space grows a 256 KiB page at a time): ${moved.length ? moved.join(", ") + " MiB" : "none moved"}. The code space holds the JIT's optimized code; the old space, objects promoted out of the young generation (and compiled code's metadata).`,
            ``,
          );
        }
      }
      const split = s.samples[0]?.rssAnonMiB !== undefined;
      lines.push(
        `| cycles | RSS MiB | JS heap MiB | malloc in use MiB | malloc free MiB |${split ? " V8 holds MiB | malloc mapped MiB | RSS anon MiB | RSS file MiB |" : ""}`,
        `|---|---|---|---|---|${split ? "---|---|---|---|" : ""}`,
      );
      for (const x of s.samples) {
        const extra = split ? ` ${fmt(x.heapCommittedMiB!, 1)} | ${fmt(x.mallocMappedMiB!, 1)} | ${fmt(x.rssAnonMiB!, 1)} | ${fmt(x.rssFileMiB!, 1)} |` : "";
        lines.push(`| ${x.iteration} | ${fmt(x.rssMiB, 1)} | ${fmt(x.heapMiB, 1)} | ${fmt(x.mallocInUseMiB, 1)} | ${fmt(x.mallocFreeMiB, 1)} |${extra}`);
      }
      lines.push(``);
    }
  }
  if (r.stacks?.length) {
    const ns = [...new Set(r.stacks.map((s) => s.n))];
    const get = (n: number, p: string, ph: string) => r.stacks!.find((s) => s.n === n && s.program === p && s.phase === ph);
    lines.push(`## Stack scale (real engine, file backend, --parallel ${r.settings.parallel})`, ``);
    lines.push(`floor: a dynamic provider whose handlers do nothing (the engine's own cost). ceph: this project's RbdImage. cli: a dynamic provider spawning the rbd CLI per operation (standing in for @pulumi/command, whose plugin's Go module the module proxy here does not serve). The three take turns within each phase.`, ``);
    lines.push(`| N | phase | floor s | ceph s | cli s | ceph/floor | (cli-floor)/(ceph-floor) | s/resource floor, ceph, cli |`, `|---|---|---|---|---|---|---|---|`);
    for (const n of ns) {
      for (const ph of PHASES) {
        const [f, c, l] = ["floor", "ceph", "cli"].map((p) => get(n, p, ph));
        if (!f || !c) continue;
        const times = l && aboveFloor(f.seconds, c.seconds, l.seconds).times;
        const above = l ? (times === undefined ? "ceph at or below floor" : fmt(times, 1)) : "not run";
        lines.push(`| ${n} | ${ph} | ${fmt(f.seconds, 1)} | ${fmt(c.seconds, 1)} | ${fmt(l?.seconds, 1)} | ${fmt(c.seconds / f.seconds)} | ${above} | ${fmt(f.secondsPerResource, 4)}, ${fmt(c.secondsPerResource, 4)}, ${fmt(l?.secondsPerResource, 4)} |`);
      }
    }
    const refreshRounds = ns.flatMap((n) =>
      ["floor", "ceph", "cli"].flatMap((p) => {
        const row = get(n, p, "previewRefresh");
        return row?.roundSeconds ? [`N=${n} ${p} ${row.roundSeconds.map((x) => fmt(x, 2)).join(" / ")}`] : [];
      }),
    );
    const roundCounts = ns.flatMap((n) => {
      const k = get(n, "ceph", "previewRefresh")?.roundSeconds?.length;
      return k ? [`${k} times at N=${n}`] : [];
    });
    if (refreshRounds.length) {
      lines.push(
        ``,
        `preview --refresh changes nothing, so each program ran it ${roundCounts.join(", ")}, the programs taking turns and each round starting with the next program; the table gives each program's median round. Each round's seconds, in the order run: ${refreshRounds.join("; ")}.`,
      );
    }
    if (r.bareRemovals?.length) {
      lines.push(
        ``,
        `### Destroy against librbd's own remove`,
        ``,
        `Every way of deleting an RBD image the way Cinder does calls librbd's rbd_remove (its own open of the image, the exclusive lock, the object-map trim, the header, object map, id object and directory entry). "C alone": bench/c/rbdbench.c removes N images of 1 GiB with ${r.settings.parallel} in flight on one connection, no engine, right after the three programs' destroys. "${LIMITS.cliMargin}x needs": the most ceph may stay above the floor for the cli's excess to be ${LIMITS.cliMargin}x ceph's. Where C alone takes longer than that, rbd_remove by itself costs more time than the target lets ceph add; ceph gets under C alone only where its removes overlap the engine's own idle time.`,
        ``,
        `| N | C alone s | its CPU s | OSD CPU s | ceph above floor s | cli above floor s | ${LIMITS.cliMargin}x needs ceph within s | (ceph above floor)/(C alone) |`,
        `|---|---|---|---|---|---|---|---|`,
      );
      for (const b of r.bareRemovals) {
        const [f, c, l] = ["floor", "ceph", "cli"].map((p) => get(b.n, p, "destroy"));
        const cAbove = f && c ? c.seconds - f.seconds : undefined;
        const lAbove = f && l ? l.seconds - f.seconds : undefined;
        const budget = f && l ? aboveFloor(f.seconds, f.seconds, l.seconds).budget : undefined;
        const above = cAbove === undefined ? "–" : cAbove <= 0 ? "at or below floor" : fmt(cAbove);
        const overC = cAbove === undefined || cAbove <= 0 ? "–" : fmt(cAbove / b.seconds);
        lines.push(`| ${b.n} | ${fmt(b.seconds)} | ${fmt(b.clientCpuSec)} | ${fmt(b.osdCpuSec)} | ${above} | ${fmt(lAbove)} | ${fmt(budget)} | ${overC} |`);
      }
    }
    lines.push(``, `### CPU seconds per phase by process (sampled /proc every 250 ms; tree = getrusage of the whole pulumi process tree)`, ``);
    lines.push(`| N | program | phase | tree | engine | language host | program | provider host | provider's children (rbd) | mon | osd | mgr |`, `|---|---|---|---|---|---|---|---|---|---|---|---|`);
    for (const s of r.stacks) {
      const c = s.cpuByRole;
      const d = s.cephDaemonCpuSec;
      lines.push(`| ${s.n} | ${s.program} | ${s.phase} | ${fmt(s.treeCpuSec, 1)} | ${fmt(c.engine ?? 0, 1)} | ${fmt(c.languageHost ?? 0, 1)} | ${fmt(c.program ?? 0, 1)} | ${fmt(c.providerHost ?? 0, 1)} | ${fmt(c.providerHostChildren ?? 0, 1)} | ${fmt(d["mon.a"], 1)} | ${fmt(d["osd.0"], 1)} | ${fmt(d["mgr.x"], 1)} |`);
    }
    const threaded = r.stacks.filter((s) => s.providerHostThreadCpuSec && Object.keys(s.providerHostThreadCpuSec).length);
    if (threaded.length) {
      const named = ["jsThread", "otherNodeThreads", "msgr-worker", "io_context_pool", "taskfin_librbd"];
      lines.push(
        ``,
        `### The provider host's CPU seconds by thread (sampled with the processes)`,
        ``,
        `JS thread: the handlers, the engine's RPCs, the addon's calls into N-API. Other node threads: libuv's threadpool, where the addon's blocking librbd/librados calls run, and V8's helpers. Then librados' and librbd's own threads by name (messengers, the asio pool where librbd's state machines run, librbd's finisher); the rest of theirs summed.`,
        ``,
        `| N | program | phase | JS thread | other node threads | msgr-worker | io_context_pool | taskfin_librbd | other librados/librbd threads |`,
        `|---|---|---|---|---|---|---|---|---|`,
      );
      for (const s of threaded) {
        const t = s.providerHostThreadCpuSec!;
        const rest = Object.entries(t).filter(([k]) => !named.includes(k)).reduce((a, [, v]) => a + v, 0);
        lines.push(`| ${s.n} | ${s.program} | ${s.phase} | ${named.map((k) => fmt(t[k] ?? 0, 2)).join(" | ")} | ${fmt(rest, 2)} |`);
      }
    }
    lines.push(``, `### State after create (bytes)`, ``, `| N | program | checkpoint | per image | per resource by type |`, `|---|---|---|---|---|`);
    for (const s of r.stacks.filter((x) => x.state)) {
      const t = Object.entries(s.state!.bytesPerResourceByType).map(([k, v]) => `${k.replace(/^pulumi-nodejs:dynamic\//, "")}: ${v}`).join("; ");
      lines.push(`| ${s.n} | ${s.program} | ${s.state!.checkpointBytes} | ${s.state!.checkpointBytesPerImage} | ${t} |`);
    }
    const nMax = Math.max(...ns);
    lines.push(``, `### Peak RSS at N=${nMax} (MiB, VmHWM)`, ``, `| program | phase | program process | provider host | engine |`, `|---|---|---|---|---|`);
    for (const s of r.stacks.filter((x) => x.n === nMax)) {
      lines.push(`| ${s.program} | ${s.phase} | ${fmt(s.peakRssMiB.program, 0)} | ${fmt(s.peakRssMiB.providerHost, 0)} | ${fmt(s.peakRssMiB.engine, 0)} |`);
    }
    lines.push(``);
  }
  if (r.startup) {
    const st = r.startup.steps;
    const fixed = st.zod.median + st.handlers.median + st.addon.median + st.connect.median + Math.max(0, st.firstDelete.median - st.secondDelete.median);
    lines.push(
      `## A provider host's start-up: its first RbdImage delete, step by step (ms, ${r.startup.rounds} fresh processes, bench/startup.ts)`,
      ``,
      `What a fresh provider host does before and in its first delete, in its order. @pulumi/pulumi is loaded by the host before any of ours (the floor's host pays it too). Both deletes are of plain 1 GiB images through the RbdImage handler; the second is a warm delete, for scale.`,
      ``,
      `| step | median | p90 |`,
      `|---|---|---|`,
    );
    for (const s of STARTUP_STEPS) lines.push(`| ${s} | ${fmt(st[s].median, 1)} | ${fmt(st[s].p90, 1)} |`);
    lines.push(``, `Paid once per provider host by this project and not by the floor: about ${fmt(fixed, 0)} ms (zod, the handlers, the addon, connect, and the first delete's excess over the second).`, ``);
  }
  if (r.profiles?.length) {
    lines.push(`## Where the time goes: top self time (CPU profiles at N=${r.profiles[0].n ?? 200}: this project's create and destroy, and the floor's and this project's preview --refresh; idle time and the profiler's own inspector dispatch left out; "own code" is self time in this project's dist/provider, dist/native and dist/sdk)`, ``);
    lines.push(
      `The name these tables give native code is not the function that ran: the create's host has shown \`metadataList\` and \`imageCreate\` on top in different runs, and no handler calls \`metadataList\`. Read a native function's row as the addon's time on the JS thread: its calls' own work, and the JS thread preempted or blocked inside them (bench/results/NOTES.md, 2026-12-07, fifth session).`,
      ``,
    );
    for (const p of r.profiles) {
      lines.push(`### ${p.run ?? "ceph create"}: ${p.process} (${p.totalSampledMs} ms sampled${p.ownCodeMs !== undefined ? `, own code ${p.ownCodeMs} ms` : ""})`, ``, `| function | self ms | % |`, `|---|---|---|`);
      for (const t of p.top) lines.push(`| \`${t.function}\` | ${t.selfMs} | ${t.percent} |`);
      lines.push(``);
    }
  }
  return lines.join("\n") + "\n";
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
