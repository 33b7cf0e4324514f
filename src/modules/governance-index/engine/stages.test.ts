/** Denomination, imputation and outlier treatment, with hand-checked numbers. */
import { describe, expect, it } from 'vitest';
import { denominate } from './denominate.js';
import { IndexEngineError } from './errors.js';
import { compileFramework } from './framework.js';
import { impute } from './impute.js';
import { logTransform, passesSkewKurt, treat, winsoriseColumn } from './treat.js';

const units = ['u1', 'u2', 'u3', 'u4'];

describe('denominate', () => {
  const fw = compileFramework({
    indicators: [
      { code: 'cases', direction: -1, weight: 1, denominator: 'pop', parent: 'I' },
      { code: 'score', direction: 1, weight: 1, parent: 'I' },
    ],
    aggregates: [{ code: 'I', weight: 1 }],
  });
  it('divides by the named denominator; a missing value or denominator stays missing', () => {
    const out = denominate(fw, units, [Float64Array.of(10, 20, NaN, 30), Float64Array.of(1, 2, 3, 4)], { pop: [5, 4, 2, NaN] });
    expect([...out[0]!]).toEqual([2, 5, NaN, NaN]);
    expect([...out[1]!]).toEqual([1, 2, 3, 4]);
  });
  it('throws on a zero denominator (naming unit and indicator) and on a missing column', () => {
    expect(() => denominate(fw, units, [Float64Array.of(1, 1, 1, 1), Float64Array.of(1, 1, 1, 1)], { pop: [1, 0, 1, 1] })).toThrow(/u2.*cases/);
    expect(() => denominate(fw, units, [Float64Array.of(1, 1, 1, 1), Float64Array.of(1, 1, 1, 1)], {})).toThrow(IndexEngineError);
  });
});

describe('impute', () => {
  const x = [Float64Array.of(1, NaN, 3, 8)];
  it('none leaves gaps', () => {
    expect([...impute(['x'], units, x, { method: 'none' }).columns[0]!]).toEqual([1, NaN, 3, 8]);
  });
  it('mean: (1 + 3 + 8)/3 = 4; median of 1, 3, 8 = 3', () => {
    const m = impute(['x'], units, x, { method: 'mean' });
    expect([...m.columns[0]!]).toEqual([1, 4, 3, 8]);
    expect(m.imputed).toEqual([{ code: 'x', unit: 'u2', value: 4 }]);
    expect(impute(['x'], units, x, { method: 'median' }).columns[0]![1]).toBe(3);
  });
  it('group mean uses only the observed values of the same group', () => {
    // groups: u1 A, u2 A, u3 B, u4 A → u2 gets mean(1, 8) = 4.5 (not 3, which is in B)
    const r = impute(['x'], units, x, { method: 'groupMean', group: 'g' }, { g: ['A', 'A', 'B', 'A'] });
    expect(r.columns[0]![1]).toBe(4.5);
  });
  it('a group with no observed value leaves the cell missing and says so', () => {
    const r = impute(['x'], units, x, { method: 'groupMean', group: 'g' }, { g: ['A', 'C', 'B', 'A'] });
    expect(r.columns[0]![1]).toBeNaN();
    expect(r.stillMissing[0]).toMatchObject({ code: 'x', unit: 'u2' });
  });
  it('an unknown group column is an error', () => {
    expect(() => impute(['x'], units, x, { method: 'groupMean', group: 'nope' })).toThrow(/"nope"/);
  });
});

describe('treat', () => {
  const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
  // 1..20 and two tied outliers at 100: skewness 2.817 ≥ 2 and kurtosis 7.134 ≥ 3.5 → fails.
  const tied = [...oneToTwenty, 100, 100];
  it('the skew/kurtosis rule: pass if |skew| < 2 OR kurtosis < 3.5', () => {
    expect(passesSkewKurt(tied)).toBe(false);
    expect(passesSkewKurt(oneToTwenty)).toBe(true);
    // 1..10, 100, 100: skewness 2.03 ≥ 2 but kurtosis 2.58 < 3.5 → passes (OR, not AND).
    expect(passesSkewKurt([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 100])).toBe(true);
  });
  it('one iteration moves every value tied at the max to the next-highest distinct value', () => {
    const w = winsoriseColumn(tied);
    expect(w.iterations).toBe(1);
    expect(w.high).toEqual([20, 21]);
    expect([...w.column]).toEqual([...oneToTwenty, 20, 20]);
    expect(w.passed).toBe(true);
  });
  it('negative skew works at the minimum', () => {
    const w = winsoriseColumn(tied.map((v) => -v));
    expect(w.low).toEqual([20, 21]);
    expect(w.column[21]).toBe(-20);
  });
  it('stops after winmax iterations and reports still_failing', () => {
    // Three separate outliers: 1000, 500, 250 over 1..20 need more than one iteration.
    const x = Float64Array.from([...Array.from({ length: 20 }, (_, i) => i + 1), 250, 500, 1000]);
    const one = treat(['x'], Array.from({ length: 23 }, (_, i) => `u${i}`), [x], { method: 'winsorise', winmax: 1 });
    expect(one.log[0]!.iterations).toBe(1);
    expect(one.log[0]!.status).toBe('still_failing');
    expect(one.columns[0]![22]).toBe(500);
    const five = treat(['x'], Array.from({ length: 23 }, (_, i) => `u${i}`), [x], { method: 'winsorise' });
    expect(five.log[0]!.status).toBe('winsorised');
    expect(five.log[0]!.iterations).toBeGreaterThan(1);
  });
  it('log transforms: ln, and an error naming the indicator for a non-positive value', () => {
    expect([...logTransform('x', [1, Math.E, NaN], 'log')]).toEqual([0, 1, NaN]);
    // ctlog: ln(x − min + 0.01·(max − min)); [0, 100] → ln(1), ln(101)
    expect([...logTransform('x', [0, 100], 'ctlog')]).toEqual([0, Math.log(101)]);
    expect(() => logTransform('rate', [0, 1], 'log')).toThrow(/"rate"/);
  });
});
