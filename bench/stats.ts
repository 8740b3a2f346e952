// Summaries of timing samples, in milliseconds rounded to what the clock can tell.
export interface Stats {
  n: number;
  median: number;
  p90: number;
  mean: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** No samples (a client not run) gives NaN, which the report prints as "–". */
export function msStats(xs: number[]): Stats {
  if (xs.length === 0) return { n: 0, median: NaN, p90: NaN, mean: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => +x.toFixed(3);
  return { n: s.length, median: r(quantile(s, 0.5)), p90: r(quantile(s, 0.9)), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}
