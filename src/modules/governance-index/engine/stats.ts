/**
 * Small numeric kernels over Float64Array columns.
 *
 * Convention for the whole engine: a column is a Float64Array with one slot per unit, and
 * NaN in a slot means "missing" (never a computed result: every computation that could make
 * a NaN either skips missing slots or throws an IndexEngineError first).
 */

export const isPresent = (x: number): boolean => x === x; // faster than !Number.isNaN

export function countPresent(x: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i]! === x[i]!) n++;
  return n;
}

export function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) s += v;
  }
  return s;
}

/** Mean over present values; NaN if none are present (callers check). */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/** Sample variance (denominator n − 1) over present values. */
export function variance(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += (v - m) * (v - m);
      n++;
    }
  }
  return n < 2 ? NaN : s / (n - 1);
}

/** Sample standard deviation (n − 1), as R's sd() and Excel's STDEV.S. */
export function sd(x: ArrayLike<number>): number {
  return Math.sqrt(variance(x));
}

export function minMax(x: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** Present values, sorted ascending, as a new Float64Array. */
export function sortedPresent(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(countPresent(x));
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) out[k++] = v;
  }
  return out.sort();
}

/**
 * Quantile by R's default "type 7" rule (linear interpolation between order statistics:
 * h = (n − 1)p), which is also Excel's PERCENTILE.INC. Median = quantile(x, 0.5).
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  return a + (h - lo) * (sorted[hi]! - a);
}

export function quantile(x: ArrayLike<number>, p: number): number {
  return quantileSorted(sortedPresent(x), p);
}

export function median(x: ArrayLike<number>): number {
  return quantile(x, 0.5);
}

/**
 * Sample skewness, "type 2" (e1071::skewness(type = 2), Excel SKEW):
 * G1 = g1 · √(n(n−1)) / (n − 2), with g1 = m3 / m2^{3/2} and m_k the k-th central moment
 * with denominator n. Needs n ≥ 3; a constant column has skewness 0 by convention here.
 */
export function skewness(x: ArrayLike<number>): number {
  const m = mean(x);
  let m2 = 0;
  let m3 = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      const d = v - m;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      n++;
    }
  }
  if (n < 3) return NaN;
  m2 /= n;
  m3 /= n;
  if (m2 === 0) return 0;
  const g1 = m3 / Math.pow(m2, 1.5);
  return (g1 * Math.sqrt(n * (n - 1))) / (n - 2);
}

/**
 * Sample excess kurtosis, "type 2" (e1071::kurtosis(type = 2), Excel KURT):
 * G2 = ((n + 1) g2 + 6)(n − 1) / ((n − 2)(n − 3)), g2 = m4 / m2² − 3. Needs n ≥ 4;
 * a constant column has kurtosis 0 by convention here.
 */
export function kurtosis(x: ArrayLike<number>): number {
  const m = mean(x);
  let m2 = 0;
  let m4 = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      const d2 = (v - m) * (v - m);
      m2 += d2;
      m4 += d2 * d2;
      n++;
    }
  }
  if (n < 4) return NaN;
  m2 /= n;
  m4 /= n;
  if (m2 === 0) return 0;
  const g2 = m4 / (m2 * m2) - 3;
  return (((n + 1) * g2 + 6) * (n - 1)) / ((n - 2) * (n - 3));
}

/** Pearson correlation over the units where both values are present (pairwise complete). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (a === a && b === b) {
      sx += a;
      sy += b;
      n++;
    }
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (a === a && b === b) {
      const dx = a - mx;
      const dy = b - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

function presentOrder(x: ArrayLike<number>): number[] {
  // A plain array sorts faster with a comparator than a typed array in V8.
  const idx: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i]! === x[i]!) idx.push(i);
  idx.sort((a, b) => x[a]! - x[b]!);
  return idx;
}

/**
 * Ascending ranks with ties given the AVERAGE of the ranks they span (R's rank() default):
 * [10, 20, 20, 30] → [1, 2.5, 2.5, 4]. Missing stays missing (NaN).
 */
export function rankAscendingAverage(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const order = presentOrder(x);
  let i = 0;
  while (i < order.length) {
    let j = i;
    const v = x[order[i]!]!;
    while (j + 1 < order.length && x[order[j + 1]!]! === v) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = r;
    i = j + 1;
  }
  return out;
}

/**
 * Descending ranks (highest value = rank 1) with ties given the MIN rank ("1224" or
 * "competition" ranking, R's ties.method = "min"): [90, 80, 80, 70] → [1, 2, 2, 4].
 * Missing stays missing (NaN).
 */
export function rankDescendingMin(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const order = presentOrder(x); // ascending
  const n = order.length;
  let i = n - 1;
  while (i >= 0) {
    let j = i;
    const v = x[order[i]!]!;
    while (j - 1 >= 0 && x[order[j - 1]!]! === v) j--;
    const r = n - i; // position counted from the top of the first (highest) tied value
    for (let k = j; k <= i; k++) out[order[k]!] = r;
    i = j - 1;
  }
  return out;
}

/** Seeded PRNG for reproducible Monte Carlo draws: the platform's one mulberry32. */
export { mulberry32 } from '../../../platform/prng.js';
