// Starts and stops a throwaway libvirt daemon (scripts/libvirtd.sh) for one test file, and runs
// virsh against it so tests can check or change secrets independently of the code under test.
import { execFile, execFileSync } from "child_process";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..", "..");
const script = path.join(repoRoot, "scripts", "libvirtd.sh");

export interface TestLibvirtd {
  /** e.g. "secret:///system?socket=/tmp/libvirtd-throwaway.XXXXXX/sock/libvirt-sock" */
  uri: string;
  /** The daemon's private directory (sockets, config, secrets store, log). */
  dir: string;
  pid: number;
  /** Runs `virsh --connect URI ARGS` and returns stdout. */
  virsh(args: string[]): Promise<string>;
  /** Kills the daemon and removes its directory; safe to call twice. */
  stop(): void;
}

export function startLibvirtd(): TestLibvirtd {
  // STOP_WITH_PID: if this process dies without stop() (a killed run), the script's watcher stops the daemon.
  const env = { ...process.env, STOP_WITH_PID: String(process.pid) };
  const out = execFileSync("bash", [script, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env });
  const vars: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^(LIBVIRT_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  const { LIBVIRT_URI: uri, LIBVIRT_DIR: dir, LIBVIRT_PID: pid } = vars;
  if (!uri || !dir || !pid) throw new Error(`libvirtd.sh printed no LIBVIRT_URI/DIR/PID:\n${out}`);
  let stopped = false;
  return {
    uri,
    dir,
    pid: Number(pid),
    virsh: (args) =>
      new Promise((resolve, reject) => {
        execFile(
          "virsh",
          ["--quiet", "--connect", uri, ...args],
          { encoding: "utf8", timeout: 30_000, env: { ...process.env, LC_ALL: "C" } },
          (err, stdout, stderr) => (err ? reject(new Error(`virsh ${args[0]}: ${stderr || err.message}`)) : resolve(stdout)),
        );
      }),
    stop() {
      if (stopped) return;
      stopped = true;
      execFileSync("bash", [script, "stop", dir], { stdio: "ignore" });
    },
  };
}
