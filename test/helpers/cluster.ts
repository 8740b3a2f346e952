// Starts and stops a throwaway Ceph cluster (scripts/ceph-cluster.sh) for one test file,
// and runs the ceph/rbd CLIs against it so tests can check results independently of the addon.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const execFileAsync = promisify(execFile);
/** The directory holding package.json: test/helpers/.. /.. from source, also right from dist/test/helpers. */
export const repoRoot = (() => {
  for (let dir = path.resolve(__dirname, "..", ".."); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "..", "..");
  }
})();
const script = path.join(repoRoot, "scripts", "ceph-cluster.sh");

export interface TestCluster {
  /** Path of the cluster's ceph.conf (holds mon host and the admin keyring path). */
  conf: string;
  dir: string;
  /** e.g. "v2:127.0.0.1:40123" */
  monHost: string;
  fsid: string;
  /** client.admin's key, read from the cluster's keyring. */
  adminKey: string;
  /** Runs `ceph ARGS` against this cluster and returns stdout. */
  ceph(...args: string[]): Promise<string>;
  /** Runs `ceph ARGS --format json` and parses it. */
  cephJson(...args: string[]): Promise<any>;
  /** Runs `rbd ARGS` against this cluster and returns stdout. */
  rbd(...args: string[]): Promise<string>;
  /** Pid of one of the cluster's daemons ("mon.a", "mgr.x", "osd.0"), e.g. to SIGSTOP it in a timeout test. */
  daemonPid(name: "mon.a" | "mgr.x" | "osd.0"): number;
  /** Runs an admin-socket command on a daemon (`ceph daemon NAME ARGS`), parsed as JSON. */
  daemonCommand(name: "mon.a" | "mgr.x" | "osd.0", ...args: string[]): Promise<any>;
  stop(): void;
}

let uniqueCounter = 0;
/** A name unique within this process and across test files running in parallel (e.g. pool names). */
export function uniqueName(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${uniqueCounter}`;
}

/** `size`: CEPH_MONS (1 or 3) and CEPH_OSDS (1-9) for scripts/ceph-cluster.sh. */
export function startCluster(size: { mons?: 1 | 3; osds?: number } = {}): TestCluster {
  // STOP_WITH_PID: if this process dies without stop() (a killed run), the script's watcher stops the cluster.
  const env = { ...process.env, CEPH_MONS: String(size.mons ?? 1), CEPH_OSDS: String(size.osds ?? 1), STOP_WITH_PID: String(process.pid) };
  const out = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env });
  const vars: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^(CEPH_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  const conf = vars.CEPH_CONF;
  const dir = vars.CEPH_DIR;
  if (!conf || !dir) throw new Error(`ceph-cluster.sh printed no CEPH_CONF:\n${out}`);
  const keyring = fs.readFileSync(path.join(dir, "keys", "client.admin.keyring"), "utf8");
  const adminKey = /key\s*=\s*(\S+)/.exec(keyring)![1];
  const run = async (bin: string, args: string[]) =>
    (await execFileAsync(bin, ["-c", conf, ...args], { encoding: "utf8", timeout: 60_000 })).stdout;
  let stopped = false;
  return {
    conf,
    dir,
    monHost: vars.CEPH_MON_HOST,
    fsid: vars.CEPH_FSID,
    adminKey,
    ceph: (...args) => run("ceph", args),
    cephJson: async (...args) => JSON.parse(await run("ceph", [...args, "--format", "json"])),
    rbd: (...args) => run("rbd", args),
    daemonCommand: async (name, ...args) =>
      JSON.parse(await run("ceph", ["--admin-daemon", path.join(dir, "run", `${name}.asok`), ...args])),
    daemonPid: (name) => Number(fs.readFileSync(path.join(dir, "run", `${name}.pid`), "utf8").trim()),
    stop() {
      if (stopped) return;
      stopped = true;
      execFileSync("bash", [script, "stop", dir], { stdio: "ignore" });
    },
  };
}
