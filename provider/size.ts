// Byte sizes given as a number of bytes or a string with a binary unit ("10GiB", "512M").
// Ceph's own tools read K/M/G/T/P as powers of 1024, so those are binary here too;
// "GB"-style decimal units are refused because they would mean different things to different readers.

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 2 ** 10, kib: 2 ** 10,
  m: 2 ** 20, mib: 2 ** 20,
  g: 2 ** 30, gib: 2 ** 30,
  t: 2 ** 40, tib: 2 ** 40,
  p: 2 ** 50, pib: 2 ** 50,
};

export type SizeInput = number | string;

/** Parses a size into bytes; throws an Error whose message says what is accepted. */
export function parseSize(value: SizeInput): number {
  let bytes: number;
  if (typeof value === "number") {
    bytes = value;
  } else if (typeof value === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    if (!m) throw new Error(`"${value}" is not a size: use bytes or a number with a unit (KiB, MiB, GiB, TiB)`);
    const unit = m[2].toLowerCase();
    if (/^[kmgtp]b$/.test(unit)) {
      throw new Error(`"${value}" is ambiguous: use binary units (${m[2][0].toUpperCase()}iB), as Ceph does`);
    }
    const factor = UNITS[unit];
    if (factor === undefined) throw new Error(`"${value}" has an unknown unit "${m[2]}": use KiB, MiB, GiB, TiB or PiB`);
    bytes = Number(m[1]) * factor;
  } else {
    throw new Error(`a size must be a number of bytes or a string like "10GiB"`);
  }
  if (!Number.isSafeInteger(bytes)) throw new Error(`size ${String(value)} is not a whole number of bytes`);
  if (bytes <= 0) throw new Error(`size must be greater than zero`);
  return bytes;
}

/** A short human form for messages: 1073741824 -> "1 GiB". */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [["PiB", 2 ** 50], ["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} bytes`;
}
