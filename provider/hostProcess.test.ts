// The provider host's allocator setting: glibc's mmap threshold pinned, so a large buffer freed does
// not move later ones of its size into the arenas (where librados' threads kept them as free memory).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_MALLOC_THRESHOLDS, hostMallocThresholds } from "./hostProcess";

/**
 * In a fresh process (glibc's settings are process-wide and one-way): maps and frees an 8 MiB
 * buffer, then allocates 48 buffers of 1 MiB, and reports how many MiB of them glibc mapped on their own.
 */
function mappedAfterLargeFree(how: "none" | "pin" | "hostConnect", env: NodeJS.ProcessEnv = {}): { pinned: string[]; mappedMiB: number } {
  const script = `
    const { addon } = require(${JSON.stringify(path.join(__dirname, "..", "native", "binding"))});
    const host = require(${JSON.stringify(path.join(__dirname, "hostProcess"))});
    const connection = require(${JSON.stringify(path.join(__dirname, "connection"))});
    const pinned = ${JSON.stringify(how)} === "pin" ? host.pinMallocThresholds() : [];
    const mapped = () => addon().mallocStats().mmapped;
    (async () => {
      // The provider host's first connection (to no cluster: it fails, after the allocator is set).
      if (${JSON.stringify(how)} === "hostConnect") {
        await connection.getCluster({ monHost: "127.0.0.1:9", connectTimeoutSec: 1, retries: 0 }).catch(() => undefined);
      }
      const start = mapped();
      let big = Buffer.allocUnsafeSlow(8 << 20);
      big.fill(1);
      const withBig = mapped();
      big = undefined;
      // V8 frees an ArrayBuffer's memory after a GC, maybe on a helper thread: wait until it is
      // unmapped (if it was mapped: a threshold above 8 MiB puts it in an arena).
      const gone = () => withBig - start < (8 << 20) || mapped() <= withBig - (4 << 20);
      for (let i = 0; i < 100 && !gone(); i++) {
        global.gc();
        await new Promise((r) => setTimeout(r, 20));
      }
      if (!gone()) throw new Error("the 8 MiB buffer was never freed");
      // More than the arenas hold free (glibc maps a request above the threshold only when the
      // heap would have to grow for it), kept alive while measured.
      const before = mapped();
      const kept = Array.from({ length: 48 }, () => Buffer.allocUnsafeSlow(1 << 20).fill(1));
      console.log(JSON.stringify({ pinned, mappedMiB: Math.round((mapped() - before) / (1 << 20)), kept: kept.length }));
    })();`;
  // Run as a file named like the dynamic-provider host's entry, which is how the handlers know they are in it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-process-"));
  const file = path.join(dir, "dynamic-provider", "index.js");
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, script);
  const r = spawnSync(process.execPath, ["--expose-gc", "-r", "ts-node/register/transpile-only", file], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const unpinned = { pinned: [], mappedMiB: 0, kept: 48 };

test("glibc by default carves 1 MiB buffers from its arenas once an 8 MiB one was freed", () => {
  // The mechanism the pin is for: without it, the freed mapping raised the threshold past 1 MiB.
  expect(mappedAfterLargeFree("none")).toEqual(unpinned);
});

test("pinned, 1 MiB buffers get mappings of their own (returned to the kernel when freed)", () => {
  const r = mappedAfterLargeFree("pin");
  expect(r.pinned).toEqual(["mmap", "trim"]);
  // All but what the arenas already held free.
  expect(r.mappedMiB).toBeGreaterThanOrEqual(32);
});

test("a threshold the user set in the environment wins: that one is not pinned", () => {
  const { mmap, trim } = HOST_MALLOC_THRESHOLDS;
  expect(hostMallocThresholds({})).toEqual({ mmap, trim });
  expect(hostMallocThresholds({ MALLOC_MMAP_THRESHOLD_: "1048576" })).toEqual({ trim });
  expect(hostMallocThresholds({ MALLOC_TRIM_THRESHOLD_: "1048576" })).toEqual({ mmap });
  expect(hostMallocThresholds({ GLIBC_TUNABLES: "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536" })).toEqual({ trim });
  expect(hostMallocThresholds({ GLIBC_TUNABLES: "glibc.malloc.trim_threshold=65536" })).toEqual({ mmap });
  expect(hostMallocThresholds({ GLIBC_TUNABLES: "glibc.malloc.arena_max=2" })).toEqual({ mmap, trim });
  expect(mappedAfterLargeFree("pin", { MALLOC_MMAP_THRESHOLD_: "16777216" })).toEqual({ ...unpinned, pinned: ["trim"] });
});

test("the provider host pins it at its first connection", () => {
  const r = mappedAfterLargeFree("hostConnect");
  expect(r.mappedMiB).toBeGreaterThanOrEqual(32);
});
