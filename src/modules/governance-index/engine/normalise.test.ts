import { describe, expect, it } from 'vitest';
import { IndexEngineError } from './errors.js';
import { normaliseColumn } from './normalise.js';
import type { NormaliseSpec } from './normalise.js';

const x = [2, 4, 6, 10];
const units = ['u1', 'u2', 'u3', 'u4'];
const run = (spec: NormaliseSpec, dir = 1, extra: { target?: number; goalposts?: { lower: number; upper: number } } = {}): number[] => [
  ...normaliseColumn('x', x, dir, spec, { units, ...extra }),
];
const close = (a: number[], b: number[]): void => {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
};

describe('normalise', () => {
  it('minmax [0, 100]: (x − 2)/8 · 100; direction −1 flips', () => {
    close(run({ method: 'minmax' }), [0, 25, 50, 100]);
    close(run({ method: 'minmax' }, -1), [100, 75, 50, 0]);
    close(run({ method: 'minmax', lo: 1, hi: 11 }), [1, 3.5, 6, 11]);
  });
  it('minmax of a constant column gives the middle of the range, never NaN', () => {
    const warn: string[] = [];
    expect([...normaliseColumn('k', [3, 3, NaN], 1, { method: 'minmax' }, { units, warn: (m) => warn.push(m) })]).toEqual([50, 50, NaN]);
    expect(warn[0]).toMatch(/"k"/);
  });
  it('z-score with sample sd: mean 5.5, sd √(35/3)', () => {
    const s = Math.sqrt(35 / 3); // deviations −3.5 −1.5 .5 4.5; squares sum 35
    close(run({ method: 'zscore' }), [-3.5 / s, -1.5 / s, 0.5 / s, 4.5 / s]);
    close(run({ method: 'zscore', mean: 100, sd: 10 }, -1), [100 + 35 / s, 100 + 15 / s, 100 - 5 / s, 100 - 45 / s]);
  });
  it('goalposts [0, 8], clamped: +1 (x − 0)/8; −1 (8 − x)/8', () => {
    const gp = { goalposts: { lower: 0, upper: 8 } };
    close(run({ method: 'goalposts' }, 1, gp), [25, 50, 75, 100]); // 10 → 125 clamped to 100
    close(run({ method: 'goalposts' }, -1, gp), [75, 50, 25, 0]); // 10 → −25 clamped to 0
    expect(() => run({ method: 'goalposts' })).toThrow(IndexEngineError);
  });
  it('fraction of max: +1 x/10; −1 min/x = 2/x', () => {
    close(run({ method: 'fracmax' }), [20, 40, 60, 100]);
    close(run({ method: 'fracmax' }, -1), [100, 50, 100 / 3, 20]);
    expect(() => normaliseColumn('neg', [0, 1], -1, { method: 'fracmax' }, { units })).toThrow(/"neg"/);
  });
  it('distance to target: +1 (x − min)/(t − min), −1 (max − x)/(max − t), capped at 1', () => {
    close(run({ method: 'dist2target' }, 1, { target: 8 }), [0, 100 / 3, 200 / 3, 100]); // 10 → 133 capped
    close(run({ method: 'dist2target' }, -1, { target: 3 }), [100, 600 / 7, 400 / 7, 0]); // 2 → 114 capped
    close(run({ method: 'dist2target', cap: false }, 1, { target: 8 }), [0, 100 / 3, 200 / 3, 400 / 3]);
  });
  it('distance to a reference unit or value: +1 x/ref, −1 ref/x (reference scores 100)', () => {
    close(run({ method: 'dist2ref', unit: 'u2' }), [50, 100, 150, 250]);
    close(run({ method: 'dist2ref', unit: 'u2' }, -1), [200, 100, 200 / 3, 40]);
    close(run({ method: 'dist2ref', value: 5, scale: 1 }), [0.4, 0.8, 1.2, 2]);
    try {
      run({ method: 'dist2ref', unit: 'zz' });
    } catch (e) {
      expect((e as IndexEngineError).code).toBe('reference_unknown');
    }
  });
  it('rank (ascending, average ties) and percentile rank 100·(r − 1)/(n − 1)', () => {
    const t = [2, 4, 4, 10];
    expect([...normaliseColumn('t', t, 1, { method: 'rank' }, { units })]).toEqual([1, 2.5, 2.5, 4]);
    expect([...normaliseColumn('t', t, -1, { method: 'rank' }, { units })]).toEqual([4, 2.5, 2.5, 1]);
    expect([...normaliseColumn('t', t, 1, { method: 'prank' }, { units })]).toEqual([0, 50, 50, 100]);
  });
  it('missing stays missing in every method', () => {
    for (const spec of [{ method: 'minmax' }, { method: 'zscore' }, { method: 'rank' }, { method: 'prank' }, { method: 'fracmax' }] as NormaliseSpec[]) {
      expect(normaliseColumn('m', [1, NaN, 3], 1, spec, { units })[1]).toBeNaN();
    }
  });
});
