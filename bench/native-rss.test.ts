import { growthByHalf } from "./native-rss";

// Samples every 1,000 cycles up to 10,000, RSS given by a function of the cycle
const series = (rss: (i: number) => number) =>
  Array.from({ length: 10 }, (_, k) => ({ iteration: (k + 1) * 1000, rssMiB: rss((k + 1) * 1000), heapMiB: 0, mallocInUseMiB: 0, mallocFreeMiB: 0, mallocMappedMiB: 0, sec: 0 }));

test("a leak grows alike in both halves of the span after the warm-up", () => {
  const halves = growthByHalf(series((i) => 80 + i * 0.0001), 10_000)!;
  expect(halves.map((h) => [h.from, h.to])).toEqual([[1000, 5000], [5000, 10000]]);
  expect(halves[0].growthMiB).toBeCloseTo(0.4, 6);
  expect(halves[1].growthMiB).toBeCloseTo(0.5, 6);
});

test("a warm-up that outlasts the first 1,000 cycles grows in the first half only", () => {
  const halves = growthByHalf(series((i) => (i < 4000 ? 79 + i / 4000 : 80)), 10_000)!;
  expect(halves[0].growthMiB).toBeCloseTo(0.75, 6);
  expect(halves[1].growthMiB).toBe(0);
});

test("no halves without two samples after the warm-up", () => {
  expect(growthByHalf(series((i) => i).slice(0, 2), 2000)).toBeUndefined();
});
