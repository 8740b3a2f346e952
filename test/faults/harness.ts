// What every fault test needs: a throwaway cluster, a stack of N images on it, the pulumi CLI run
// as a killable process group, the daemons' and the provider host's pids, and the two listings a
// test compares (what Ceph holds, what the stack's state holds).
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "../helpers/cluster";
import { createStack, type CliResult, type TestStack } from "../helpers/pulumi";
import { alive, sleep, waitFor } from "../helpers/wait";

export { alive, sleep, waitFor };

export const POOL = "faults";
export const program = path.join(repoRoot, "test", "programs", "ceph-resources");
const script = path.join(repoRoot, "scripts", "ceph-cluster.sh");

export interface FaultCluster extends TestCluster {
  /** Pid of any daemon the script started ("mon.b", "osd.1", ...), from DIR/run/<name>.pid. */
  pidOf(name: string): number;
  /** Starts a killed daemon again with its data (`ceph-cluster.sh restart DIR NAME`). */
  restart(name: string): void;
}

export function startFaultCluster(opts: { mons?: 1 | 3; osds?: number } = {}): FaultCluster {
  const c = startCluster(opts);
  return {
    ...c,
    pidOf: (name) => Number(fs.readFileSync(path.join(c.dir, "run", `${name}.pid`), "utf8").trim()),
    restart: (name) => void execFileSync("bash", [script, "restart", c.dir, name], { stdio: "ignore", timeout: 60_000 }),
  };
}

/** Kills a daemon at once (no clean shutdown) and waits until it is gone. */
export async function killDaemon(c: FaultCluster, name: string): Promise<void> {
  const pid = c.pidOf(name);
  process.kill(pid, "SIGKILL");
  await waitFor(`${name} gone`, 10_000, () => !alive(pid));
}

/** A stack of the spec-driven test program on this cluster: pool `faults` plus `count` images. */
export async function imageStack(c: TestCluster, prefix: string, extraConfig: Record<string, string> = {}): Promise<TestStack> {
  const stack = await createStack(program, prefix);
  await stack.setConfig("ceph:monHost", c.monHost);
  await setSecretConfig(stack, "ceph:key", c.adminKey);
  for (const [k, v] of Object.entries(extraConfig)) await stack.setConfig(k, v);
  return stack;
}

export function imagesSpec(count: number, opts: { prefix?: string; size?: string } = {}) {
  const images = Array.from({ length: count }, (_, i) => ({
    resource: `${opts.prefix ?? "img"}${i}`,
    pool: POOL,
    name: `${opts.prefix ?? "img"}${i}`,
    size: opts.size ?? "4MiB",
  }));
  return { pools: [{ resource: POOL, name: POOL, application: "rbd", forceDestroy: true }], images };
}

/** `pulumi config set --secret KEY` with the value on stdin: a key never goes on a command line. */
export function setSecretConfig(stack: TestStack, key: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", ["config", "set", "--secret", key, "--stack", stack.name, "--non-interactive"], {
      cwd: stack.programDir,
      env: stack.env,
      stdio: ["pipe", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi config set --secret ${key} exited ${code}: ${err}`))));
    child.stdin.end(value);
  });
}

export interface RunningCli {
  /** The CLI's pid, also its process group (the engine, language host and provider host are in it). */
  pid: number;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  done: Promise<CliResult & { ms: number }>;
  /** SIGKILLs the CLI and every process it started (plugins run in groups of their own), as a runner that times a job out does. */
  killGroup(): void;
  /** The pids killGroup killed (the CLI first). */
  killed: number[];
}

/** Starts `pulumi ARGS` on the stack as its own process group; bounded by `timeoutMs`. */
export function startCli(stack: TestStack, args: string[], timeoutMs = 300_000): RunningCli {
  const started = Date.now();
  const child = spawn("pulumi", [...args, "--stack", stack.name, "--non-interactive", "--color", "never"], {
    cwd: stack.programDir,
    env: stack.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let both = "";
  child.stdout!.on("data", (d) => ((stdout += d), (both += d)));
  child.stderr!.on("data", (d) => ((stderr += d), (both += d)));
  const pid = child.pid!;
  const killed: number[] = [];
  const killGroup = () => {
    killed.push(...new Set([pid, ...descendants(pid), ...groupMembers(pid)]));
    for (const p of killed) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const timer = setTimeout(killGroup, timeoutMs);
  const done = new Promise<CliResult & { ms: number }>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + 9 : 1), stdout, stderr, ms: Date.now() - started });
    });
  });
  return { pid, output: () => both, done, killGroup, killed };
}

/** Pids of every live process below `root` in the process tree. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()!) ?? []) (out.push(c), queue.push(c));
  return out;
}

/** Pids of the live processes in a process group. */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command (which may hold spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

/** The dynamic-provider host the CLI started (node .../@pulumi/pulumi/cmd/dynamic-provider). */
export function providerHostPid(cli: RunningCli): number | undefined {
  return descendants(cli.pid).find((p) => /cmd\/dynamic-provider/.test(cmdline(p)));
}

/** Image names in the pool, sorted; [] when the pool is not there. */
export async function poolImages(c: TestCluster, pool = POOL): Promise<string[]> {
  const pools: string[] = await c.cephJson("osd", "pool", "ls");
  if (!pools.includes(pool)) return [];
  const names: string[] = JSON.parse(await c.rbd("ls", "-p", pool, "--format", "json"));
  return names.sort();
}

/** Drops the stack's images from its state: what creates that never reached the checkpoint leave. */
export async function forgetImages(stack: TestStack): Promise<void> {
  for (const r of await stack.resources()) if (r.type.endsWith("ceph:RbdImage")) await stack.run(["state", "delete", r.urn, "--yes"]);
}

/** Image names the stack's state holds (resources, not pending operations), sorted. */
export async function stateImages(stack: TestStack): Promise<string[]> {
  return (await stack.resources())
    .filter((r) => r.type.endsWith("ceph:RbdImage"))
    .map((r) => r.outputs.name as string)
    .sort();
}

/** The raw deployment (with pending operations) from `stack export`. */
export async function deployment(stack: TestStack): Promise<{ resources?: unknown[]; pending_operations?: unknown[] }> {
  return JSON.parse((await stack.run(["stack", "export"])).stdout).deployment;
}

/** The lines the engine printed that say what failed (errors), for the report. */
export function errorLines(text: string, max = 4): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /error|failed|refused|timed out|ETIMEDOUT|EACCES|EPERM/i.test(l));
  return [...new Set(lines)].slice(0, max).join("\n");
}

/** The stack's Ceph resources as state holds them (the stack's own outputs and provider config left out). */
export async function cephResources(stack: TestStack): Promise<unknown[]> {
  return (await stack.resources()).filter((r) => /dynamic\/ceph:/.test(r.type)).sort((a, b) => a.urn.localeCompare(b.urn));
}
