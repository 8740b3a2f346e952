// Stack scale: `pulumi up` (create), `up` (resize all), `preview --refresh`, `destroy` of N images
// with the real engine and a file backend, for three programs (bench/programs): a no-op dynamic
// provider (the engine's floor), this project's RbdImage, and a dynamic provider spawning the rbd
// CLI. Same engine, same --parallel, same cluster; the programs take turns within each phase.
import { execFile } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TestCluster } from "../test/helpers/cluster";
import { repoRoot } from "../test/helpers/cluster";

export const PROGRAMS = ["floor", "ceph", "cli"] as const;
export type Program = (typeof PROGRAMS)[number];
export const PHASES = ["create", "resize", "previewRefresh", "destroy"] as const;
export type Phase = (typeof PHASES)[number];

const execFileAsync = promisify(execFile);
const TICK = 100; // USER_HZ: /proc times are in 1/100 s

/** Which part of the process tree a process is, from its command line. */
function role(cmdline: string): string {
  if (cmdline.includes("cmd/dynamic-provider")) return "providerHost";
  if (cmdline.includes("@pulumi/pulumi/cmd/run") || cmdline.includes("cmd/run/index.js")) return "program";
  if (cmdline.includes("pulumi-language-nodejs")) return "languageHost";
  if (/(^|\/)pulumi\0/.test(cmdline)) return "engine";
  if (/(^|\/)rbd\0/.test(cmdline)) return "rbdCli";
  return "other";
}

interface ProcSample {
  role: string;
  cpuSec: number; // own utime+stime
  childCpuSec: number; // waited-for children (the CLI provider's rbd processes)
  peakRssMiB: number; // VmHWM
}

/** A /proc stat line (a process's or a thread's): its name, parent, and CPU seconds of its own and of its waited-for children. */
function parseStat(stat: string): { comm: string; ppid: number; cpu: number; childCpu: number } {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state): ppid 4, utime 14, stime 15, cutime 16, cstime 17.
  return {
    comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
    ppid: Number(f[1]),
    cpu: (Number(f[11]) + Number(f[12])) / TICK,
    childCpu: (Number(f[13]) + Number(f[14])) / TICK,
  };
}

export function readProc(pid: number): { ppid: number; cpu: number; childCpu: number; cmdline: string; hwmKiB: number } | undefined {
  try {
    const { ppid, cpu, childCpu } = parseStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const hwm = /VmHWM:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return { ppid, cpu, childCpu, cmdline, hwmKiB: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return undefined;
  }
}

/**
 * Which kind of thread of a provider host a thread is: its JS thread, Node's others (libuv's
 * threadpool, where the addon's blocking librbd calls run, and V8's helpers: all named "node"), or
 * a librados/librbd thread by its name without the instance number (msgr-worker-0 -> msgr-worker).
 */
function threadKind(pid: number, tid: number, comm: string): string {
  if (tid === pid) return "jsThread";
  if (comm === "node") return "otherNodeThreads";
  return comm.replace(/-\d+$/, "");
}

/** CPU seconds of each thread of `pid` ("tid comm" -> seconds). */
function readThreads(pid: number): Map<string, { kind: string; cpu: number }> {
  const out = new Map<string, { kind: string; cpu: number }>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const { comm, cpu } = parseStat(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"));
      out.set(`${tid} ${comm}`, { kind: threadKind(pid, Number(tid), comm), cpu });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * Samples the process tree under `root` every `everyMs`: the last values seen per pid (CPU is
 * cumulative, VmHWM a peak), and the provider hosts' CPU by kind of thread (threadKind).
 */
function sampleTree(root: number, everyMs: number): { stop(): { procs: Map<number, ProcSample>; hostThreads: Record<string, number> } } {
  const seen = new Map<number, ProcSample>();
  const hostThreads = new Map<string, { kind: string; cpu: number }>();
  const tick = () => {
    const parent = new Map<number, number>();
    const infos = new Map<number, NonNullable<ReturnType<typeof readProc>>>();
    for (const name of fs.readdirSync("/proc")) {
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      const info = readProc(pid);
      if (!info) continue;
      parent.set(pid, info.ppid);
      infos.set(pid, info);
    }
    for (const [pid, info] of infos) {
      let p: number | undefined = pid;
      while (p && p !== root && p !== 1) p = parent.get(p);
      if (p !== root) continue;
      // An exiting process shows an empty command line and no memory: keep what was seen before.
      const before = seen.get(pid);
      const r = role(info.cmdline);
      seen.set(pid, {
        role: before && r === "other" ? before.role : r,
        cpuSec: Math.max(before?.cpuSec ?? 0, info.cpu),
        childCpuSec: Math.max(before?.childCpuSec ?? 0, info.childCpu),
        peakRssMiB: Math.max(before?.peakRssMiB ?? 0, +(info.hwmKiB / 1024).toFixed(1)),
      });
      if (seen.get(pid)!.role !== "providerHost") continue;
      for (const [key, t] of readThreads(pid)) {
        const k = `${pid} ${key}`;
        hostThreads.set(k, { kind: t.kind, cpu: Math.max(hostThreads.get(k)?.cpu ?? 0, t.cpu) });
      }
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const byKind: Record<string, number> = {};
      for (const t of hostThreads.values()) byKind[t.kind] = +((byKind[t.kind] ?? 0) + t.cpu).toFixed(2);
      return { procs: seen, hostThreads: byKind };
    },
  };
}

function selfChildrenCpu(): number {
  return parseStat(fs.readFileSync("/proc/self/stat", "utf8")).childCpu;
}

function daemonCpu(cluster: TestCluster): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of ["mon.a", "mgr.x", "osd.0"] as const) {
    try {
      out[d] = readProc(cluster.daemonPid(d))?.cpu ?? 0;
    } catch {
      out[d] = 0;
    }
  }
  return out;
}

export interface PhaseResult {
  n: number;
  program: Program;
  phase: Phase;
  seconds: number;
  secondsPerResource: number;
  /** CPU seconds of the whole `pulumi` process tree (getrusage children of this process). */
  treeCpuSec: number;
  /** CPU seconds by process role, from sampling /proc (processes shorter than a sample are missed). */
  cpuByRole: Record<string, number>;
  /** The provider host's CPU seconds by kind of thread (threadKind; absent in results from before this was recorded). */
  providerHostThreadCpuSec?: Record<string, number>;
  cephDaemonCpuSec: Record<string, number>;
  peakRssMiB: Record<string, number>;
  /** previewRefresh: each round's seconds in the order run (the result is the median round's). */
  roundSeconds?: number[];
  /** After create: bytes of checkpoint per resource, and per resource of each type. */
  state?: {
    checkpointBytes: number;
    checkpointBytesPerImage: number;
    bytesPerResourceByType: Record<string, number>;
    /** One resource of each type: bytes of each field ("inputs.connection", "outputs.__provider", "urn"...). */
    fieldBytes?: Record<string, Record<string, number>>;
  };
}

interface Stack {
  program: Program;
  n: number;
  dir: string;
  env: NodeJS.ProcessEnv;
  name: string;
  backendDir: string;
}

function pulumi(stack: Stack, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ pid: number; done: Promise<string> }> {
  return new Promise((resolve) => {
    const child = execFile(
      path.join(repoRoot, ".tools", "bin", "pulumi"),
      [...args, "--stack", stack.name, "--non-interactive", "--color", "never"],
      // A bound that grows with N: the CLI program's create of 1,000 images takes tens of minutes on a loaded machine.
      { cwd: stack.dir, env: { ...stack.env, ...extraEnv }, maxBuffer: 256 * 2 ** 20, encoding: "utf8", timeout: Math.max(3_600_000, stack.n * 10_000) },
    );
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const done = new Promise<string>((res, rej) =>
      child.on("exit", (code) => (code === 0 ? res(out) : rej(new Error(`pulumi ${args.join(" ")} (${stack.program}) exited ${code}\n${out.slice(-4000)}`)))),
    );
    resolve({ pid: child.pid!, done });
  });
}

async function makeStack(program: Program, cluster: TestCluster, pool: string, n: number, workDir: string): Promise<Stack> {
  const dir = path.join(repoRoot, "bench", "programs", program);
  const backendDir = fs.mkdtempSync(path.join(workDir, `backend-${program}-`));
  const tmp = path.join(backendDir, "tmp");
  fs.mkdirSync(tmp);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(repoRoot, ".tools", "bin")}:${process.env.PATH}`,
    PULUMI_HOME: path.join(repoRoot, ".tools", "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
    TMPDIR: tmp,
  };
  delete env.PULUMI_SKIP_CHECKPOINTS;
  const stack: Stack = { program, n, dir, env, name: `bench-${program}-${n}-${process.pid}`, backendDir };
  await (await pulumi(stack, ["stack", "init"])).done;
  for (const [k, v] of Object.entries({ n: String(n), pool, conf: cluster.conf, sizeMiB: "1024" })) {
    await (await pulumi(stack, ["config", "set", k, v, "--plaintext"])).done;
  }
  return stack;
}

async function stateOf(stack: Stack, n: number): Promise<PhaseResult["state"]> {
  const exported = await (await pulumi(stack, ["stack", "export"])).done;
  const resources: Array<{ type: string } & Record<string, unknown>> = JSON.parse(exported.slice(exported.indexOf("{"))).deployment.resources ?? [];
  const byType: Record<string, { bytes: number; count: number }> = {};
  const fieldBytes: Record<string, Record<string, number>> = {};
  for (const r of resources) {
    const e = (byType[r.type] ??= { bytes: 0, count: 0 });
    e.bytes += JSON.stringify(r).length;
    e.count++;
    // Where one resource's bytes go: each top-level field, inputs and outputs property by property.
    if (fieldBytes[r.type]) continue;
    const f: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) {
      if ((k === "inputs" || k === "outputs") && v && typeof v === "object") {
        for (const [p, pv] of Object.entries(v)) f[`${k}.${p}`] = JSON.stringify(pv).length + p.length + 4;
      } else f[k] = JSON.stringify(v).length + k.length + 4;
    }
    fieldBytes[r.type] = f;
  }
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== "tmp" && e.name !== "backups" && e.name !== "history") walk(p);
      else if (e.isFile() && /\.json$/.test(e.name) && p.includes(`${path.sep}stacks${path.sep}`)) files.push(p);
    }
  };
  walk(stack.backendDir);
  const checkpointBytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);
  return {
    checkpointBytes,
    checkpointBytesPerImage: Math.round(checkpointBytes / n),
    bytesPerResourceByType: Object.fromEntries(Object.entries(byType).map(([t, e]) => [t, Math.round(e.bytes / e.count)])),
    fieldBytes,
  };
}

const PHASE_ARGS: Record<Phase, (parallel: number) => string[]> = {
  create: (p) => ["up", "--yes", "--skip-preview", "--parallel", String(p)],
  resize: (p) => ["up", "--yes", "--skip-preview", "--parallel", String(p)],
  previewRefresh: (p) => ["preview", "--refresh", "--parallel", String(p)],
  destroy: (p) => ["destroy", "--yes", "--skip-preview", "--parallel", String(p)],
};

async function timedPhase(stack: Stack, phase: Phase, n: number, parallel: number, cluster: TestCluster, extraEnv: NodeJS.ProcessEnv = {}): Promise<PhaseResult> {
  if (phase === "resize") await (await pulumi(stack, ["config", "set", "sizeMiB", "2048", "--plaintext"])).done;
  const daemons0 = daemonCpu(cluster);
  const tree0 = selfChildrenCpu();
  const t0 = process.hrtime.bigint();
  const { pid, done } = await pulumi(stack, PHASE_ARGS[phase](parallel), extraEnv);
  const sampler = sampleTree(pid, 250);
  try {
    await done;
  } finally {
    var { procs: seen, hostThreads } = sampler.stop(); // eslint-disable-line no-var
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const treeCpuSec = selfChildrenCpu() - tree0;
  const daemons1 = daemonCpu(cluster);
  const cpuByRole: Record<string, number> = {};
  const peakRssMiB: Record<string, number> = {};
  for (const s of seen.values()) {
    cpuByRole[s.role] = +((cpuByRole[s.role] ?? 0) + s.cpuSec).toFixed(2);
    if (s.role === "providerHost" && s.childCpuSec > 0) cpuByRole.providerHostChildren = +((cpuByRole.providerHostChildren ?? 0) + s.childCpuSec).toFixed(2);
    peakRssMiB[s.role] = Math.max(peakRssMiB[s.role] ?? 0, s.peakRssMiB);
  }
  const r: PhaseResult = {
    n,
    program: stack.program,
    phase,
    seconds: +seconds.toFixed(2),
    secondsPerResource: +(seconds / n).toFixed(4),
    treeCpuSec: +treeCpuSec.toFixed(2),
    cpuByRole,
    providerHostThreadCpuSec: hostThreads,
    cephDaemonCpuSec: Object.fromEntries(Object.keys(daemons1).map((d) => [d, +(daemons1[d] - daemons0[d]).toFixed(2)])),
    peakRssMiB,
  };
  if (phase === "create") r.state = await stateOf(stack, n);
  return r;
}

/**
 * librbd's own remove with nothing around it, for the destroy phase: a C program
 * (bench/c/rbdbench.c) creates N images of 1 GiB, then removes them with `parallel` in flight on
 * one connection, no engine. What any caller of rbd_remove pays, as Cinder's delete does.
 */
export interface BareRemovalResult {
  n: number;
  parallel: number;
  seconds: number;
  /** CPU seconds of the C program (all its threads) during the removes. */
  clientCpuSec: number;
  osdCpuSec: number;
}

async function bareRemoval(cluster: TestCluster, cBin: string, pool: string, n: number, parallel: number): Promise<BareRemovalResult> {
  const run = (...args: string[]) => execFileAsync(cBin, [cluster.conf, pool, ...args], { timeout: Math.max(600_000, n * 2_000), maxBuffer: 16 * 2 ** 20 });
  const prefix = `bare-${n}-`;
  await run("create", String(n), prefix);
  const osd0 = daemonCpu(cluster)["osd.0"];
  const { stdout } = await run("concurrent-remove", String(parallel), String(n), prefix);
  const osdCpuSec = daemonCpu(cluster)["osd.0"] - osd0;
  const [ms, cpuMs] = stdout.trim().split(" ").map(Number);
  return { n, parallel, seconds: +(ms / 1e3).toFixed(2), clientCpuSec: +(cpuMs / 1e3).toFixed(2), osdCpuSec: +osdCpuSec.toFixed(2) };
}

export interface StackBenchOptions {
  ns: number[];
  parallel: number;
  programs: Program[];
  /** Phases to run, in PHASES order (default all; create and destroy always run, the others need them). */
  phases?: Phase[];
  log: (s: string) => void;
  /** Called after each phase (to save partial results). */
  onResult?: (r: PhaseResult) => void;
  /** The C floor (bench/c/rbdbench.c): with it, each N ends with librbd's bare removal of N images. */
  cBin?: string;
  onBareRemoval?: (r: BareRemovalResult) => void;
}

/** Every phase at every N, the programs taking turns within a phase. */
export async function benchStacks(cluster: TestCluster, opts: StackBenchOptions): Promise<PhaseResult[]> {
  const pool = "scale";
  await cluster.ceph("osd", "pool", "create", pool, "32");
  await cluster.rbd("pool", "init", pool);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stacks-"));
  const results: PhaseResult[] = [];
  try {
    for (const n of opts.ns) {
      const stacks = await Promise.all(opts.programs.map((p) => makeStack(p, cluster, pool, n, workDir)));
      try {
        for (const phase of PHASES.filter((p) => p === "create" || p === "destroy" || !opts.phases || opts.phases.includes(p))) {
          if (phase === "previewRefresh") {
            for (const r of await repeatedRefresh(stacks, n, opts, cluster)) {
              results.push(r);
              opts.onResult?.(r);
            }
            continue;
          }
          for (const stack of stacks) {
            const r = await timedPhase(stack, phase, n, opts.parallel, cluster);
            opts.log(`stack N=${n} ${stack.program} ${phase}: ${r.seconds} s (${r.secondsPerResource} s/resource), tree CPU ${r.treeCpuSec} s`);
            results.push(r);
            opts.onResult?.(r);
          }
        }
        if (opts.cBin) {
          const r = await bareRemoval(cluster, opts.cBin, pool, n, opts.parallel);
          opts.log(`stack N=${n} rbd_remove from C alone, ${r.parallel} in flight: ${r.seconds} s, its CPU ${r.clientCpuSec} s, the OSD's ${r.osdCpuSec} s`);
          opts.onBareRemoval?.(r);
        }
      } finally {
        for (const s of stacks) await (await pulumi(s, ["stack", "rm", "--yes", "--force"])).done.catch(() => undefined);
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return results;
}

/**
 * `preview --refresh` changes nothing, so it is run refreshRounds(n) times, the programs taking
 * turns and each round starting with the next program (no program always first), and each
 * program's median round is its result. One round alone left the cost per resource to a single
 * draw: a 20 ms difference in a 4.5 s phase is 0.1 ms a resource at N=200.
 */
async function repeatedRefresh(stacks: Stack[], n: number, opts: StackBenchOptions, cluster: TestCluster): Promise<PhaseResult[]> {
  const rounds = new Map<Stack, PhaseResult[]>(stacks.map((s) => [s, []]));
  const total = refreshRounds(n);
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < stacks.length; k++) {
      const stack = stacks[(round + k) % stacks.length];
      const r = await timedPhase(stack, "previewRefresh", n, opts.parallel, cluster);
      opts.log(`stack N=${n} ${stack.program} previewRefresh, round ${round + 1} of ${total}: ${r.seconds} s, tree CPU ${r.treeCpuSec} s`);
      rounds.get(stack)!.push(r);
    }
  }
  return stacks.map((stack) => {
    const byTime = [...rounds.get(stack)!].sort((a, b) => a.seconds - b.seconds);
    return { ...byTime[Math.floor(byTime.length / 2)], roundSeconds: rounds.get(stack)!.map((r) => r.seconds) };
  });
}

/**
 * Rounds of `preview --refresh` at N images. A round's time wanders by about half a second
 * whatever N is (3 rounds spread 0.5-1.3 s at N=50, 200 and 1,000), so the same spread is 20 times
 * more per resource at N=50 than at N=1,000; rounds at small N are also the cheap ones (about 4 s
 * against 10-30 s at N=1,000). Odd counts, so the median is one round.
 */
export function refreshRounds(n: number): number {
  return n <= 50 ? 11 : n <= 200 ? 7 : 3;
}

export interface ProfileSummary {
  /** Which program and phase was profiled ("ceph create", "floor previewRefresh", ...). */
  run?: string;
  /** Images in the stack profiled (absent in results from before this was recorded: 200). */
  n?: number;
  process: string;
  totalSampledMs: number;
  top: Array<{ function: string; selfMs: number; percent: number }>;
  /** Self time of the functions whose file is this project's own code (dist/provider, dist/native, dist/sdk). */
  ownCodeMs?: number;
}

/**
 * Which runs profileStack profiles: this project's create and destroy (the phase still above the
 * floor at N=50), and the drift check of the floor and of this project.
 */
const PROFILED: Array<{ program: Program; phase: Phase }> = [
  { program: "ceph", phase: "create" },
  { program: "floor", phase: "previewRefresh" },
  { program: "ceph", phase: "previewRefresh" },
  { program: "ceph", phase: "destroy" },
];

/**
 * CPU-profiles the program and provider host (not timed): a create and a destroy of N images by
 * this project, and a `preview --refresh` of N images by the floor and by this project.
 */
export async function profileStack(cluster: TestCluster, n: number, parallel: number, log: (s: string) => void): Promise<ProfileSummary[]> {
  const pool = "scale";
  await cluster.ceph("osd", "pool", "create", pool, "32"); // succeeds if it exists
  await cluster.rbd("pool", "init", pool);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-profile-"));
  const out: ProfileSummary[] = [];
  try {
    for (const program of [...new Set(PROFILED.map((p) => p.program))]) {
      const stack = await makeStack(program, cluster, pool, n, workDir);
      try {
        for (const phase of ["create", "previewRefresh", "destroy"] as const) {
          const profDir = fs.mkdtempSync(path.join(workDir, `profiles-${program}-${phase}-`));
          const profiled = PROFILED.some((p) => p.program === program && p.phase === phase);
          const env = profiled ? { NODE_OPTIONS: `--require ${path.join(__dirname, "cpu-sampler.js")}`, CPU_PROFILE_DIR: profDir } : {};
          await (await pulumi(stack, PHASE_ARGS[phase](parallel), env)).done;
          if (!profiled) continue;
          for (const which of ["program", "providerHost"]) {
            const chunks = fs.readdirSync(profDir).filter((f) => f.startsWith(`${which}-`));
            if (!chunks.length) continue;
            const s = { run: `${program} ${phase}`, n, process: which, ...summarize(chunks.map((f) => JSON.parse(fs.readFileSync(path.join(profDir, f), "utf8")))) };
            log(`profile ${s.run} ${s.process} (N=${n}): ${s.totalSampledMs} ms, own code ${s.ownCodeMs} ms; ${s.top.slice(0, 5).map((t) => `${t.function} ${t.percent}%`).join(", ")}`);
            out.push(s);
          }
        }
      } finally {
        await (await pulumi(stack, ["stack", "rm", "--yes", "--force"])).done.catch(() => undefined);
      }
    }
    return out;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function summarize(profiles: any[]): { totalSampledMs: number; top: ProfileSummary["top"]; ownCodeMs: number } {
  const self = new Map<string, number>();
  let total = 0;
  let own = 0;
  for (const prof of profiles) {
    const byId = new Map<number, any>(prof.nodes.map((x: any) => [x.id, x]));
    prof.samples.forEach((id: number, i: number) => {
      const dt = (prof.timeDeltas[i] ?? 0) / 1000;
      const cf = byId.get(id).callFrame;
      if (cf.functionName === "(idle)") return; // waiting, not running
      if (cf.functionName === "dispatch" && !cf.url) return; // the inspector session: the sampler's own cost
      const where = cf.url ? `${cf.url.replace(/^.*node_modules\//, "").replace(repoRoot + "/", "").replace(/^file:\/\//, "")}:${cf.lineNumber + 1}` : "";
      const key = `${cf.functionName || "(anonymous)"} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
      if (/\/dist\/(provider|native|sdk)\//.test(cf.url) && !cf.url.includes("node_modules")) own += dt;
    });
  }
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, ms]) => ({ function: fn, selfMs: Math.round(ms), percent: +((100 * ms) / total).toFixed(1) }));
  return { totalSampledMs: Math.round(total), top, ownCodeMs: Math.round(own) };
}
