import { describe, expect, it } from 'vitest';
import { aggregate, compareWithBenchmark, rankScores, weightedMean } from './aggregate.js';
import { IndexEngineError } from './errors.js';
import { compileFramework } from './framework.js';

describe('weighted means', () => {
  it('arithmetic: (50·1 + 80·3)/4 = 72.5', () => {
    expect(weightedMean([50, 80], [1, 3])).toBe(72.5);
  });
  it('geometric: √(4·16) = 8; weights 1:3 → 4^¼ · 16^¾ = √2 · 8', () => {
    expect(weightedMean([4, 16], [1, 1], 'gmean')).toBeCloseTo(8, 12);
    expect(weightedMean([4, 16], [1, 3], 'gmean')).toBeCloseTo(8 * Math.SQRT2, 12);
  });
  it('harmonic: 2 / (1/2 + 1/6) = 3', () => {
    expect(weightedMean([2, 6], [1, 1], 'hmean')).toBeCloseTo(3, 12);
  });
  it('weights re-normalised over present values: [50, –, 80] w [1, 1, 2] → 210/3 = 70', () => {
    expect(weightedMean([50, NaN, 80], [1, 1, 2])).toBe(70);
  });
  it('a geometric mean over a non-positive value throws', () => {
    expect(() => weightedMean([0, 5], [1, 1], 'gmean')).toThrow(IndexEngineError);
  });
});

describe('aggregate over the tree', () => {
  // Index = mean(A, B); A = (1·a1 + 3·a2)/4; B = b1.
  const fw = compileFramework({
    indicators: [
      { code: 'a1', direction: 1, weight: 1, parent: 'A' },
      { code: 'a2', direction: 1, weight: 3, parent: 'A' },
      { code: 'b1', direction: 1, weight: 1, parent: 'B' },
    ],
    aggregates: [
      { code: 'A', weight: 1, parent: 'Index' },
      { code: 'B', weight: 1, parent: 'Index' },
      { code: 'Index', weight: 1 },
    ],
  });
  const units = ['u1', 'u2', 'u3'];
  const cols = [Float64Array.of(20, 100, 40), Float64Array.of(60, NaN, 40), Float64Array.of(10, 40, NaN)];
  it('arithmetic, bottom-up, with missing children', () => {
    const [a, b, index] = aggregate(fw, units, cols, fw.weights, 'amean');
    // u1: A = (20 + 180)/4 = 50, B = 10, Index = 30
    // u2: A = 100 (a2 missing), B = 40, Index = 70
    // u3: A = 40, B missing → Index = A = 40
    expect([...a!]).toEqual([50, 100, 40]);
    expect([...b!]).toEqual([10, 40, NaN]);
    expect([...index!]).toEqual([30, 70, 40]);
    expect([...rankScores(index!)]).toEqual([3, 1, 2]);
  });
  it('precomputed logs give the same geometric means as computing them', () => {
    const pos = [Float64Array.of(2, 3, 5), Float64Array.of(7, NaN, 11), Float64Array.of(13, 17, 19)];
    const logs = pos.map((c) => c.map((v) => Math.log(v)));
    expect(aggregate(fw, units, pos, fw.weights, 'gmean', logs)).toEqual(aggregate(fw, units, pos, fw.weights, 'gmean'));
    // u1: A = exp((ln 2 + 3 ln 7)/4) = 2^¼ · 7^¾
    expect(aggregate(fw, units, pos, fw.weights, 'gmean')[0]![0]).toBeCloseTo(2 ** 0.25 * 7 ** 0.75, 12);
  });
  it('a zero weight drops a child entirely', () => {
    const w = Float64Array.from(fw.weights);
    w[1] = 0;
    expect(aggregate(fw, units, cols, w)[0]![0]).toBe(20);
  });
  it('geometric over a zero throws geometric_nonpositive naming unit and indicator', () => {
    const z = [Float64Array.of(0, 1, 1), Float64Array.of(1, 1, 1), Float64Array.of(1, 1, 1)];
    try {
      aggregate(fw, units, z, fw.weights, 'gmean');
      throw new Error('no throw');
    } catch (e) {
      expect((e as IndexEngineError).code).toBe('geometric_nonpositive');
      expect((e as IndexEngineError).message).toMatch(/"a1".*"u1"/);
    }
    expect(() => aggregate(fw, units, z, fw.weights, 'hmean')).toThrow(/harmonic/);
  });
});

describe('rank and benchmark', () => {
  it('ties share the minimum rank: [70, 90, 70, 50] → 2, 1, 2, 4', () => {
    expect([...rankScores([70, 90, 70, 50])]).toEqual([2, 1, 2, 4]);
  });
  it('difference and ratio to a benchmark unit or value', () => {
    const c = compareWithBenchmark(['u1', 'u2', 'u3'], [60, 80, 40], { unit: 'u2' });
    expect([...c.difference]).toEqual([-20, 0, -40]);
    expect([...c.ratio]).toEqual([0.75, 1, 0.5]);
    expect([...compareWithBenchmark(['u1'], [60], { value: 50 }).ratio]).toEqual([1.2]);
    expect(() => compareWithBenchmark(['u1'], [60], { value: 0 })).toThrow(IndexEngineError);
    expect(() => compareWithBenchmark(['u1'], [60], { unit: 'zz' })).toThrow(/"zz"/);
  });
});
