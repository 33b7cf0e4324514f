import { describe, expect, it } from 'vitest';
import { correlationMatrix, cronbachAlpha, parentCorrelations, uncertaintyAnalysis } from './analysis.js';
import { IndexEngineError } from './errors.js';
import { compileFramework } from './framework.js';
import { runPipeline } from './pipeline.js';

describe('correlations and Cronbach', () => {
  it('correlation matrix is symmetric with 1 on the diagonal; undefined is null', () => {
    const c = correlationMatrix(['x', 'y', 'k'], [[1, 2, 3], [1, 3, 2], [5, 5, 5]]);
    expect(c.matrix[0]![1]).toBeCloseTo(0.5, 14);
    expect(c.matrix[1]![0]).toBeCloseTo(0.5, 14);
    expect(c.matrix[2]![2]).toBe(1);
    expect(c.matrix[0]![2]).toBeNull();
  });
  it('standardised alpha: r = 0.5, k = 2 → 2·0.5/(1 + 0.5) = 2/3; perfectly correlated → 1', () => {
    // Var(z1 + z2) = 2 + 2r = 3 → α = 2 · (1 − 2/3) = 2/3
    expect(cronbachAlpha([[1, 2, 3], [1, 3, 2]])).toBeCloseTo(2 / 3, 12);
    expect(cronbachAlpha([[1, 2, 3, 4], [2, 4, 6, 8]])).toBeCloseTo(1, 12);
    expect(cronbachAlpha([[1, 2, 3]])).toBeNull();
  });
});

describe('Monte Carlo uncertainty', () => {
  const fw = compileFramework({
    indicators: [
      { code: 'a1', direction: 1, weight: 1, parent: 'A' },
      { code: 'a2', direction: -1, weight: 1, parent: 'A' },
      { code: 'b1', direction: 1, weight: 1, parent: 'B' },
      { code: 'b2', direction: 1, weight: 1, parent: 'B' },
    ],
    aggregates: [
      { code: 'A', weight: 1, parent: 'Index' },
      { code: 'B', weight: 1, parent: 'Index' },
      { code: 'Index', weight: 1 },
    ],
  });
  const units = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const result = runPipeline(fw, {
    units,
    indicators: { a1: [1, 2, 3, 4, 5, 6], a2: [6, 4, 5, 3, 1, 2], b1: [3, 1, 2, 6, 5, 4], b2: [2, 3, 1, 4, 6, 5] },
  });
  const parents = parentCorrelations(result);
  it('correlates each node with its parent', () => {
    expect(parents.map((p) => `${p.code}>${p.parent}`)).toEqual(['a1>A', 'a2>A', 'b1>B', 'b2>B', 'A>Index', 'B>Index']);
  });
  it('with no perturbation and one choice every replication reproduces the nominal ranks', () => {
    const u = uncertaintyAnalysis(result, { replications: 20, seed: 1, weightPerturbation: 0 });
    expect([...u.medianRank]).toEqual([...u.nominalRank]);
    expect([...u.p05Rank]).toEqual([...u.nominalRank]);
    expect([...u.p95Rank]).toEqual([...u.nominalRank]);
    expect(u.meanAbsShift.every((s) => s === 0)).toBe(true);
  });
  it('is reproducible for a seed, over normalisation, weights, aggregation and dropping an indicator', () => {
    const opts = {
      replications: 200,
      seed: 7,
      normalisations: [{ method: 'minmax' as const, lo: 1, hi: 100 }, { method: 'prank' as const }],
      aggregations: ['amean' as const, 'gmean' as const],
      weightPerturbation: 0.5,
      dropIndicator: true,
    };
    const u1 = uncertaintyAnalysis(result, { ...opts, normalisations: [{ method: 'minmax', lo: 1, hi: 100 }] });
    const u2 = uncertaintyAnalysis(result, { ...opts, normalisations: [{ method: 'minmax', lo: 1, hi: 100 }] });
    expect([...u1.medianRank]).toEqual([...u2.medianRank]);
    expect([...u1.draws.dropped]).toEqual([...u2.draws.dropped]);
    for (let i = 0; i < units.length; i++) {
      expect(u1.p05Rank[i]).toBeLessThanOrEqual(u1.medianRank[i]!);
      expect(u1.medianRank[i]).toBeLessThanOrEqual(u1.p95Rank[i]!);
      expect(u1.p05Rank[i]).toBeGreaterThanOrEqual(1);
      expect(u1.p95Rank[i]).toBeLessThanOrEqual(units.length);
    }
    expect(u1.sensitivity.some((s) => s.factor === 'dropped' && s.level === 'none')).toBe(true);
    const u3 = uncertaintyAnalysis(result, { ...opts, seed: 8, normalisations: [{ method: 'minmax', lo: 1, hi: 100 }] });
    expect([...u3.draws.dropped]).not.toEqual([...u1.draws.dropped]);
  });
  it('a geometric choice over zeros (min-max from 0) throws rather than giving NaN', () => {
    expect(() => uncertaintyAnalysis(result, { replications: 5, seed: 1, aggregations: ['gmean'] })).toThrow(IndexEngineError);
  });
  it('rejects bad options', () => {
    expect(() => uncertaintyAnalysis(result, { replications: 0, seed: 1 })).toThrow(/replications/);
    expect(() => uncertaintyAnalysis(result, { replications: 1, seed: 1, target: 'zz' })).toThrow(/"zz"/);
  });
});
