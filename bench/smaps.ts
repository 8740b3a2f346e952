// Where a process's anonymous memory sits, read from /proc/<pid>/smaps (the RSS bench's split).

/**
 * Anonymous memory in RSS, by the kind of mapping that holds it (MiB):
 * - mainArena: glibc's main arena, the brk heap ([heap]);
 * - threadArenas: glibc's other arenas, each a heap of its own in a 64 MiB reservation aligned to
 *   64 MiB (read-write where in use, the rest PROT_NONE);
 * - threadStacks: threads' stacks, each right above a PROT_NONE guard of at most 1 MiB and at least
 *   64 KiB long (glibc's pthread stacks: a guard page or a few, and 16 KiB at the very least), and
 *   the main thread's [stack]; a page committed inside a larger PROT_NONE reservation (V8's code
 *   range) is not one;
 * - v8HeapPages: V8's regular heap pages, each a read-write mapping of exactly 256 KiB aligned to
 *   256 KiB (a page is in RSS only as far as it has been written, so this can move while V8's own
 *   count of the space stays put);
 * - v8Code: anonymous executable memory, the code areas of V8's code range (JIT output);
 * - other: the rest (V8's large objects and page headers, Node's and the libraries' own mappings).
 */
export interface AnonByMapping {
  mainArena: number;
  threadArenas: number;
  threadStacks: number;
  v8HeapPages: number;
  v8Code: number;
  other: number;
}

const KINDS: ReadonlyArray<keyof AnonByMapping> = ["mainArena", "threadArenas", "threadStacks", "v8HeapPages", "v8Code", "other"];

const ARENA_HEAP = 64n * 1024n * 1024n; // glibc's HEAP_MAX_SIZE on 64-bit
const STACK_MIN = 64n * 1024n;
const GUARD_MAX = 1024n * 1024n;
const V8_PAGE = 256n * 1024n; // V8's kRegularPageSize (Node 20's V8 11.3)

/** Classifies /proc/<pid>/smaps' anonymous memory (see AnonByMapping). */
export function anonymousByMapping(smaps: string): AnonByMapping {
  interface Mapping { start: bigint; end: bigint; perms: string; path: string; anonKiB: number }
  const maps: Mapping[] = [];
  for (const line of smaps.split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      maps.push({ start: BigInt("0x" + head[1]), end: BigInt("0x" + head[2]), perms: head[3], path: head[4], anonKiB: 0 });
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon && maps.length) maps[maps.length - 1].anonKiB = Number(anon[1]);
  }
  const out: AnonByMapping = { mainArena: 0, threadArenas: 0, threadStacks: 0, v8HeapPages: 0, v8Code: 0, other: 0 };
  maps.forEach((m, i) => {
    if (m.anonKiB === 0) return;
    const prev = maps[i - 1];
    const next = maps[i + 1];
    let kind: keyof AnonByMapping = "other";
    if (m.path === "[heap]") kind = "mainArena";
    else if (m.path === "[stack]") kind = "threadStacks";
    else if (m.path === "" && m.start % ARENA_HEAP === 0n && (m.end - m.start === ARENA_HEAP || (next?.perms === "---p" && next.start === m.end && next.end === m.start + ARENA_HEAP))) {
      kind = "threadArenas";
    } else if (m.path === "" && m.perms === "rw-p" && m.end - m.start === V8_PAGE && m.start % V8_PAGE === 0n) {
      kind = "v8HeapPages";
    } else if (m.path === "" && m.perms[2] === "x") {
      kind = "v8Code";
    } else if (
      m.path === "" &&
      m.perms === "rw-p" &&
      m.end - m.start >= STACK_MIN &&
      prev?.perms === "---p" &&
      prev.path === "" &&
      prev.end === m.start &&
      prev.end - prev.start <= GUARD_MAX
    ) {
      kind = "threadStacks";
    }
    out[kind] += m.anonKiB / 1024;
  });
  for (const k of KINDS) out[k] = +out[k].toFixed(2);
  return out;
}

/** What grew between two classifications (MiB, each kind). */
export function anonGrowth(from: AnonByMapping, to: AnonByMapping): AnonByMapping {
  const out = {} as AnonByMapping;
  for (const k of KINDS) out[k] = +(to[k] - from[k]).toFixed(2);
  return out;
}
