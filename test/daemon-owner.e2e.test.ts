// The throwaway daemons the test helpers and the bench start (a Ceph cluster, a Kubernetes control
// plane, a libvirt daemon) are stopped by their script's watcher once the process named in
// STOP_WITH_PID is gone, however it died: a test run killed mid-way (a CI job cancelled, SIGKILL)
// leaves nothing running on a machine that is used again. Each script is started here for an
// owner that is a child `sleep`, so the test can kill the owner without killing itself.
import { execFileSync, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./helpers/cluster";
import { alive, sleep, waitFor } from "./helpers/wait";

jest.setTimeout(300_000);

interface Started {
  dir: string;
  /** Every daemon the start left running. */
  pids: number[];
}

interface Script {
  name: string;
  /** What a start prints that names its directory. */
  dirVar: string;
  /** The daemons a start left running, read from what it printed and from its directory. */
  daemons(dir: string, vars: Record<string, string>): number[];
}

const runPidFiles = (dir: string) =>
  fs.readdirSync(path.join(dir, "run")).filter((f) => f.endsWith(".pid")).map((f) => Number(fs.readFileSync(path.join(dir, "run", f), "utf8").trim()));

const SCRIPTS: Script[] = [
  { name: "ceph-cluster.sh", dirVar: "CEPH_DIR", daemons: (dir) => runPidFiles(dir) },
  { name: "kube-cluster.sh", dirVar: "KUBE_DIR", daemons: (dir) => runPidFiles(dir) },
  { name: "libvirtd.sh", dirVar: "LIBVIRT_DIR", daemons: (_dir, vars) => [Number(vars.LIBVIRT_PID)] },
];

/**
 * Pids of the watchers of DIR (`SCRIPT watch-owner DIR ...`, each the leader of a session of its
 * own). A child the watcher has just forked (its `sleep 1`) shows the same command line until it
 * execs, but is no session leader.
 */
function watchers(dir: string): number[] {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const argv = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      const at = argv.indexOf("watch-owner");
      const session = fs.readFileSync(`/proc/${p}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[3];
      return at > 0 && argv[at + 1] === dir && session === p;
    } catch {
      return false;
    }
  }).map(Number);
}

function start(script: Script, env: NodeJS.ProcessEnv, dir?: string): Started {
  const out = execFileSync("bash", [path.join(repoRoot, "scripts", script.name), "start", ...(dir ? [dir] : [])], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
  const vars: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  const started = vars[script.dirVar];
  if (!started) throw new Error(`${script.name} printed no ${script.dirVar}:\n${out}`);
  return { dir: started, pids: script.daemons(started, vars) };
}

function stop(script: Script, dir: string): void {
  execFileSync("bash", [path.join(repoRoot, "scripts", script.name), "stop", dir], { stdio: "ignore", timeout: 60_000 });
}

const owners: ChildProcess[] = [];
const leftovers: Array<[Script, string]> = [];
function owner(): ChildProcess {
  const p = spawn("sleep", ["600"], { stdio: "ignore" });
  owners.push(p);
  return p;
}

// What a failed test left: stopped before the owners go, so no watcher stops it at the same time.
afterAll(() => {
  for (const [script, dir] of leftovers) if (fs.existsSync(dir)) stop(script, dir);
  for (const o of owners) o.kill("SIGKILL");
});

describe.each(SCRIPTS)("$name", (script) => {
  test("its daemons are stopped and its directory removed once the owner is killed with SIGKILL", async () => {
    const o = owner();
    const s = start(script, { STOP_WITH_PID: String(o.pid) });
    leftovers.push([script, s.dir]);
    expect(s.pids.length).toBeGreaterThan(0);
    expect(s.pids.filter(alive)).toEqual(s.pids);
    // The start returns as its watcher starts, in the background.
    await waitFor("one watcher", 5_000, () => watchers(s.dir).length === 1, 50);
    o.kill("SIGKILL");
    await waitFor(`${script.name}'s daemons gone after their owner was killed`, 30_000, () => s.pids.filter(alive).length === 0 && !fs.existsSync(s.dir), 200);
    await waitFor("the watcher gone", 5_000, () => watchers(s.dir).length === 0, 200);
  });

  test("a normal stop ends the watcher; the daemons of a live owner stay until then", async () => {
    const o = owner();
    const s = start(script, { STOP_WITH_PID: String(o.pid) });
    leftovers.push([script, s.dir]);
    await waitFor("one watcher", 5_000, () => watchers(s.dir).length === 1, 50);
    const [watcher] = watchers(s.dir);
    await sleep(2_500); // two of the watcher's checks of a live owner
    expect(s.pids.filter(alive)).toEqual(s.pids);
    stop(script, s.dir);
    expect(s.pids.filter(alive)).toEqual([]);
    await waitFor("the watcher gone after a normal stop", 5_000, () => !alive(watcher), 200);
  });
});

describe("STOP_WITH_PID", () => {
  test("a start killed with its whole process group while it starts daemons leaves none running once the owner is gone", async () => {
    const o = owner();
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "owner-mid-start-")), "cluster");
    leftovers.push([SCRIPTS[0], dir]);
    const starting = spawn("bash", [path.join(repoRoot, "scripts", "ceph-cluster.sh"), "start", dir], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, STOP_WITH_PID: String(o.pid) },
    });
    const mon = path.join(dir, "run", "mon.a.pid");
    await waitFor("the mon started", 60_000, () => fs.existsSync(mon) && fs.readFileSync(mon, "utf8").trim() !== "", 20);
    const pid = Number(fs.readFileSync(mon, "utf8").trim());
    process.kill(-starting.pid!, "SIGKILL");
    o.kill("SIGKILL");
    await waitFor("the mon gone and the directory removed", 30_000, () => !alive(pid) && !fs.existsSync(dir), 200);
    await waitFor("the watcher gone", 5_000, () => watchers(dir).length === 0, 200);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  test("naming no live process, the start fails before it starts anything", () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "owner-check-")), "cluster");
    try {
      // A pid above the kernel's pid_max cannot be a process.
      const max = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8"));
      let err: any;
      try {
        start(SCRIPTS[0], { STOP_WITH_PID: String(max + 1) }, dir);
      } catch (e) {
        err = e;
      }
      expect(err?.stderr).toContain(`ceph-cluster: STOP_WITH_PID=${max + 1} is not a live process`);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  test("empty or not set (the demo), no watcher runs", async () => {
    const s = start(SCRIPTS[0], { STOP_WITH_PID: "" });
    leftovers.push([SCRIPTS[0], s.dir]);
    try {
      await sleep(1_000); // as long as a watcher would take to show
      expect(watchers(s.dir)).toEqual([]);
    } finally {
      stop(SCRIPTS[0], s.dir);
    }
  });
});
