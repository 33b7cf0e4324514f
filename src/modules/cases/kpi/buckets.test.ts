import { describe, expect, it } from 'vitest';
import { percentile } from '../sla/index.js';
import { bucketOf, bucketWidthMs, emptyHist, HIST_BUCKETS, HIST_EDGES_MS, histPercentile } from './buckets.js';

const H = 3_600_000;

describe('handling-time histogram', () => {
  it('counts a value in the bucket width_bucket would (edges belong to the bucket above)', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.5 * H - 1)).toBe(0);
    expect(bucketOf(0.5 * H)).toBe(1);
    expect(bucketOf(700 * H)).toBe(HIST_BUCKETS - 1);
    expect(bucketOf(10_000 * H)).toBe(HIST_BUCKETS - 1);
    expect(HIST_EDGES_MS.every((e, i) => i === 0 || e > HIST_EDGES_MS[i - 1]!)).toBe(true);
  });

  it('gives null without values', () => {
    expect(histPercentile(emptyHist(), 0.5)).toBeNull();
  });

  it('estimates median and P90 of a dense sample within one bucket width of percentile_cont', () => {
    // A deterministic spread of 5,000 handling times between 10 minutes and 300 working hours.
    let x = 12345;
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const u = x / 2 ** 31;
      values.push(Math.round((10 / 60) * H * Math.exp(u * Math.log(1800))));
    }
    const hist = emptyHist();
    for (const v of values) hist[bucketOf(v)]! += 1;
    for (const p of [0.5, 0.9]) {
      const exact = percentile(values, p)!;
      expect(Math.abs(histPercentile(hist, p)! - exact)).toBeLessThanOrEqual(bucketWidthMs(exact));
    }
  });
});
