/**
 * The fixed histogram of working handling time kept in every rollup row, for the median and P90 of
 * windows too large to read case by case. Edges in working hours; bucket i holds
 * [EDGE[i-1], EDGE[i]) (bucket 0 from 0, the last from 700 h up). The same edges are used by SQL
 * (width_bucket) and by JS (bucketOf), so both count a value in the same bucket.
 *
 * Error bound of a percentile read from it: at most the width of the bucket it falls in —
 * 0.5 h below 2 h, 1 h to 8 h, 2 h to 16 h, 4 h to 28 h, 7–14 h to 84 h, 21–35 h to 210 h,
 * 70–210 h to 700 h; above 700 working hours (100 working days) the figure is only a lower bound.
 */
export const HIST_EDGES_H: readonly number[] = [
  0.5, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 35, 42, 56, 70, 84, 105, 140, 175, 210, 280, 350, 490, 700,
];
export const HIST_EDGES_MS: readonly number[] = HIST_EDGES_H.map((h) => Math.round(h * 3_600_000));
export const HIST_BUCKETS = HIST_EDGES_MS.length + 1;

/** Bucket index (0-based) of a value, as PostgreSQL's width_bucket(v, edges) counts it. */
export function bucketOf(ms: number): number {
  let lo = 0;
  let hi = HIST_EDGES_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (HIST_EDGES_MS[mid]! <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const emptyHist = (): number[] => new Array<number>(HIST_BUCKETS).fill(0);

/**
 * percentile_cont read from a histogram: the rank p·(n−1) is located in its bucket and the
 * values of that bucket are taken as evenly spread across it.
 */
export function histPercentile(hist: readonly number[], p: number): number | null {
  const n = hist.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const pos = p * (n - 1);
  let before = 0;
  for (let i = 0; i < hist.length; i++) {
    const c = hist[i]!;
    if (c > 0 && pos < before + c) {
      const lo = i === 0 ? 0 : HIST_EDGES_MS[i - 1]!;
      const hi = i < HIST_EDGES_MS.length ? HIST_EDGES_MS[i]! : lo * 2;
      return lo + ((hi - lo) * (pos - before + 0.5)) / c;
    }
    before += c;
  }
  return HIST_EDGES_MS[HIST_EDGES_MS.length - 1]!;
}

/** The width of the bucket a value falls in: the error bound of a histogram percentile there. */
export function bucketWidthMs(ms: number): number {
  const i = bucketOf(ms);
  const lo = i === 0 ? 0 : HIST_EDGES_MS[i - 1]!;
  const hi = i < HIST_EDGES_MS.length ? HIST_EDGES_MS[i]! : Infinity;
  return hi - lo;
}
