// How the provider host process (Pulumi's dynamic-provider host running this package's handlers)
// sets itself up: process-wide settings, made by the handlers' entry (provider/index.ts) and the
// first connection, never on import. The RSS bench calls pinMallocMmapThreshold itself, to measure
// with the host's setting.

/** True inside Pulumi's dynamic-provider host. */
export const IN_PROVIDER_HOST = /dynamic-provider[\\/]index\.js$/.test(process.argv[1] ?? "");

/** The host's settings made when the handlers load (provider/index.ts), before anything else runs. */
export function setUpProviderHost(): void {
  // Each librados/librbd call holds one libuv threadpool thread while it waits on the cluster (the
  // addon queues one worker per call), and libuv's default of 4 threads would cap the provider host
  // at 4 cluster operations at a time whatever --parallel asks for. libuv reads this when the pool
  // starts, on its first use, which is after the handlers load; a value the user set wins.
  process.env.UV_THREADPOOL_SIZE ??= "64";
  // The engine never tells its provider host that it died (a SIGKILLed `pulumi up`, a runner killed
  // by its CI): the host lived on, idle or spinning, holding its cluster connections and watches.
  // Inside the host (not in tests or tools that load these handlers), leave once the parent is gone.
  if (IN_PROVIDER_HOST) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) process.exit(1);
    }, 1000).unref();
  }
}

/**
 * glibc's own starting mmap threshold (128 KiB), pinned. By default every free of a chunk that
 * glibc had mapped on its own raises the threshold to that chunk's size; from then on buffers of
 * that size come from the arenas, and librados' and librbd's threads (16 arenas on 2 CPUs) each
 * keep a share of them as free memory: RSS grew 5.4 MiB over 10,000 create/remove cycles that way
 * while the memory in use stayed flat (bench/results/NOTES.md). Pinned, the large buffers go back
 * to the kernel when freed.
 */
export const HOST_MMAP_THRESHOLD = 128 * 1024;

/** The threshold to pin, or undefined when the environment already tunes it (the user's choice wins). */
export function hostMmapThreshold(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return undefined;
  if (/(^|:)glibc\.malloc\.mmap_threshold=/.test(env.GLIBC_TUNABLES ?? "")) return undefined;
  return HOST_MMAP_THRESHOLD;
}

let pinned = false;

/** Pins glibc's mmap threshold for this process, once (see HOST_MMAP_THRESHOLD); true if it is pinned now. */
export function pinMallocMmapThreshold(env: NodeJS.ProcessEnv = process.env): boolean {
  if (pinned) return true;
  const bytes = hostMmapThreshold(env);
  if (bytes === undefined) return false;
  const { addon }: typeof import("../native/binding") = require("../native/binding");
  pinned = addon().setMallocMmapThreshold(bytes);
  return pinned;
}
