import { describe, expect, it } from 'vitest';
import { IndexEngineError } from './errors.js';
import { compileFramework } from './framework.js';
import { runPipeline, stageColumn } from './pipeline.js';

const fw = compileFramework({
  indicators: [
    { code: 'crime', direction: -1, weight: 1, denominator: 'pop', parent: 'Safety' },
    { code: 'light', direction: 1, weight: 1, parent: 'Safety' },
  ],
  aggregates: [{ code: 'Safety', weight: 1 }],
});
const units = ['x', 'y', 'z'];

describe('runPipeline', () => {
  it('keeps every stage: denominate → impute → normalise → aggregate → rank → benchmark', () => {
    const r = runPipeline(
      fw,
      { units, indicators: { crime: [10, 40, 20], light: [1, NaN, 3] }, denominators: { pop: [10, 20, 10] } },
      { denominate: true, impute: { method: 'mean' }, benchmark: { unit: 'x' } },
    );
    // crime per head: 1, 2, 2 → min-max with direction −1: 100, 0, 0
    expect([...r.denominated[0]!]).toEqual([1, 2, 2]);
    expect([...r.normalised[0]!]).toEqual([100, 0, 0]);
    // light: y imputed with mean(1, 3) = 2 → 0, 50, 100
    expect(r.imputed[1]![1]).toBe(2);
    expect([...r.normalised[1]!]).toEqual([0, 50, 100]);
    expect([...stageColumn(r, 'aggregated', 'Safety')]).toEqual([50, 25, 50]);
    expect([...r.ranks[0]!]).toEqual([1, 3, 1]);
    expect([...r.benchmark!['Safety']!.difference]).toEqual([0, -25, 0]);
    expect([...stageColumn(r, 'raw', 'crime')]).toEqual([10, 40, 20]);
  });
  it('an indicator with no data throws indicator_no_data naming it', () => {
    try {
      runPipeline(fw, { units, indicators: { crime: [1, 2, 3], light: [NaN, NaN, NaN] } });
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(IndexEngineError);
      expect((e as IndexEngineError).code).toBe('indicator_no_data');
      expect((e as IndexEngineError).message).toMatch(/"light"/);
      expect((e as IndexEngineError).details).toEqual({ code: 'light' });
    }
  });
  it('a missing column, an infinite value and duplicate units are errors', () => {
    expect(() => runPipeline(fw, { units, indicators: { crime: [1, 2, 3] } })).toThrow(/"light"/);
    expect(() => runPipeline(fw, { units, indicators: { crime: [1, 2, Infinity], light: [1, 2, 3] } })).toThrow(IndexEngineError);
    expect(() => runPipeline(fw, { units: ['x', 'x', 'z'], indicators: { crime: [1, 2, 3], light: [1, 2, 3] } })).toThrow(/twice/);
  });
  it('outputs never contain a computed NaN: only missing inputs stay missing', () => {
    const r = runPipeline(fw, { units, indicators: { crime: [5, 5, 5], light: [1, NaN, 3] } }, { normalise: { method: 'zscore' } });
    expect([...r.normalised[0]!]).toEqual([0, 0, 0]);
    expect(r.aggregated[0]!.every((v) => !Number.isNaN(v))).toBe(true);
  });
});
