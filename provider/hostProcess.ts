// How the provider host process (Pulumi's dynamic-provider host running this package's handlers)
// sets itself up: process-wide settings, made by the handlers' entry (provider/index.ts) and the
// first connection, never on import. The RSS bench calls pinMallocThresholds itself, to measure
// with the host's setting.

/** True inside Pulumi's dynamic-provider host. */
export const IN_PROVIDER_HOST = /dynamic-provider[\\/]index\.js$/.test(process.argv[1] ?? "");

/** The host's settings made when the handlers load (provider/index.ts), before anything else runs. */
export function setUpProviderHost(): void {
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
 * glibc's own starting thresholds, pinned: requests of 128 KiB and more get mappings of their own,
 * and a heap gives back what is free at its top past 128 KiB. By default every free of a chunk
 * glibc had mapped raises the mmap threshold to that chunk's size and the trim threshold to twice
 * that; from then on buffers of that size come from the arenas of librados' and librbd's threads,
 * which keep them as free memory. Over 10,000 create/open/stat/close/remove cycles RSS grew
 * 5.4 MiB that way while the memory in use stayed flat (bench/results/NOTES.md).
 */
export const HOST_MALLOC_THRESHOLDS = { mmap: 128 * 1024, trim: 128 * 1024 } as const;

type Threshold = keyof typeof HOST_MALLOC_THRESHOLDS;
const ENV_NAMES: Record<Threshold, { variable: string; tunable: string }> = {
  mmap: { variable: "MALLOC_MMAP_THRESHOLD_", tunable: "glibc.malloc.mmap_threshold" },
  trim: { variable: "MALLOC_TRIM_THRESHOLD_", tunable: "glibc.malloc.trim_threshold" },
};

/** The thresholds to pin: those the environment does not already set (the user's choice wins). */
export function hostMallocThresholds(env: NodeJS.ProcessEnv = process.env): Partial<Record<Threshold, number>> {
  const out: Partial<Record<Threshold, number>> = {};
  for (const which of Object.keys(HOST_MALLOC_THRESHOLDS) as Threshold[]) {
    const { variable, tunable } = ENV_NAMES[which];
    if (env[variable] !== undefined) continue;
    if (new RegExp(`(^|:)${tunable.replace(/\./g, "\\.")}=`).test(env.GLIBC_TUNABLES ?? "")) continue;
    out[which] = HOST_MALLOC_THRESHOLDS[which];
  }
  return out;
}

let pinned: Threshold[] | undefined;

/** Pins glibc's thresholds for this process, once (see HOST_MALLOC_THRESHOLDS); returns the ones it pinned. */
export function pinMallocThresholds(env: NodeJS.ProcessEnv = process.env): Threshold[] {
  if (pinned) return pinned;
  const { addon }: typeof import("../native/binding") = require("../native/binding");
  pinned = Object.entries(hostMallocThresholds(env))
    .filter(([which, bytes]) => addon().setMallocThreshold(which as Threshold, bytes!))
    .map(([which]) => which as Threshold);
  return pinned;
}
