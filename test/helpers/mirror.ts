// Two throwaway clusters side by side with Debian's rbd-mirror running on each
// (scripts/ceph-cluster.sh and scripts/rbd-mirror.sh), for the replication tests.
import { execFileSync } from "child_process";
import * as path from "path";
import { repoRoot, startCluster, type TestCluster } from "./cluster";

const script = path.join(repoRoot, "scripts", "rbd-mirror.sh");

export interface RbdMirrorDaemon {
  pid: number;
  /** The daemon's cephx user, e.g. client.rbd-mirror.a. */
  entity: string;
  stop(): void;
}

/** Starts rbd-mirror against `tc` as its own cephx user (mon 'profile rbd-mirror', osd 'profile rbd'). */
export function startRbdMirror(tc: TestCluster, name = "a"): RbdMirrorDaemon {
  const out = execFileSync("bash", [script, "start", tc.dir, name], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const pid = Number(/^RBD_MIRROR_PID=(\d+)$/m.exec(out)?.[1]);
  const entity = /^RBD_MIRROR_ENTITY=(\S+)$/m.exec(out)?.[1];
  if (!pid || !entity) throw new Error(`rbd-mirror.sh printed no pid:\n${out}`);
  let stopped = false;
  return {
    pid,
    entity,
    stop() {
      if (stopped) return;
      stopped = true;
      execFileSync("bash", [script, "stop", tc.dir], { stdio: "ignore" });
    },
  };
}

export interface MirroredClusters {
  a: TestCluster;
  b: TestCluster;
  mirrorA: RbdMirrorDaemon;
  mirrorB: RbdMirrorDaemon;
  stop(): void;
}

/** Clusters A and B, each with its rbd-mirror (both ways: failback needs a receiver on each side). */
export function startMirroredClusters(): MirroredClusters {
  const a = startCluster();
  let b: TestCluster | undefined;
  const daemons: RbdMirrorDaemon[] = [];
  try {
    b = startCluster();
    daemons.push(startRbdMirror(a, "a"), startRbdMirror(b, "b"));
  } catch (e) {
    for (const d of daemons) d.stop();
    b?.stop();
    a.stop();
    throw e;
  }
  return {
    a,
    b,
    mirrorA: daemons[0],
    mirrorB: daemons[1],
    stop() {
      for (const d of daemons) d.stop();
      b!.stop();
      a.stop();
    },
  };
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs` with `what`. */
export async function pollFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
