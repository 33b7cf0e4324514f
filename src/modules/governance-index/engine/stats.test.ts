import { describe, expect, it } from 'vitest';
import {
  kurtosis,
  mean,
  median,
  mulberry32,
  pearson,
  quantile,
  rankAscendingAverage,
  rankDescendingMin,
  sd,
  skewness,
} from './stats.js';

describe('stats', () => {
  it('mean and sample sd skip missing values', () => {
    expect(mean([1, 2, 3, NaN])).toBe(2);
    // Σ(x − 5)² = 9+1+1+1+0+0+4+16 = 32, / (8 − 1) → sd = √(32/7)
    expect(sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14);
  });

  it('skewness type 2 = Excel SKEW: [1, 2, 3, 10] → 1.763632…', () => {
    // mean 4; deviations −3 −2 −1 6; m2 = 50/4 = 12.5; m3 = (−27 −8 −1 +216)/4 = 45
    // g1 = 45 / 12.5^1.5 = 1.018233; G1 = g1 · √(4·3) / (4 − 2) = 1.763632
    expect(skewness([1, 2, 3, 10])).toBeCloseTo(1.7636326, 7);
  });

  it('kurtosis type 2 = Excel KURT: [1, 2, 3, 10] → 3.228', () => {
    // m4 = (81 + 16 + 1 + 1296)/4 = 348.5; g2 = 348.5 / 12.5² − 3 = −0.7696
    // G2 = ((5)(−0.7696) + 6)(3) / ((2)(1)) = 2.152 · 1.5 = 3.228
    expect(kurtosis([1, 2, 3, 10])).toBeCloseTo(3.228, 12);
  });

  it('quantiles are type 7 (linear between order statistics)', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.05)).toBeCloseTo(1.15, 14); // h = 3 · 0.05 = 0.15
    expect(quantile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 14);
  });

  it('pearson over pairwise-complete units: [1,2,3] vs [1,3,2] → 0.5', () => {
    // dx = −1 0 1, dy = −1 1 0 → Σdxdy = 1, Σdx² = Σdy² = 2 → r = 1/2
    expect(pearson([1, 2, 3, 99], [1, 3, 2, NaN])).toBeCloseTo(0.5, 14);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
  });

  it('ascending ranks share the average on ties; descending ranks share the minimum', () => {
    expect([...rankAscendingAverage([10, 20, 20, 30])]).toEqual([1, 2.5, 2.5, 4]);
    expect([...rankDescendingMin([90, 80, 80, 70, NaN])]).toEqual([1, 2, 2, 4, NaN]);
  });

  it('mulberry32 is reproducible and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });
});
