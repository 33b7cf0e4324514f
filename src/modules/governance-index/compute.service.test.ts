import { describe, expect, it } from 'vitest';
import { evaluate, pruneTree } from './compute.service.js';
import type { FrameworkTree } from './framework.service.js';
import { isAppError } from '../../platform/errors.js';

const tree: FrameworkTree = {
  aggregates: [
    { code: 'idx', weight: 1 },
    { code: 'a', weight: 1, parent: 'idx' },
    { code: 'b', weight: 3, parent: 'idx' },
  ],
  indicators: [
    { code: 'x', direction: 1, weight: 1, parent: 'a' },
    { code: 'y', direction: -1, weight: 1, parent: 'a' },
    { code: 'z', direction: 1, weight: 1, parent: 'b', optional: true },
  ],
};
const col = (...v: number[]) => Float64Array.from(v);

describe('pruneTree', () => {
  it('leaves out an optional indicator without data and the aggregate it empties', () => {
    const r = pruneTree(tree, new Map([['x', col(1, 2)], ['y', col(3, 4)], ['z', col(NaN, NaN)]]), false);
    expect(r.tree.indicators.map((i) => i.code)).toEqual(['x', 'y']);
    expect(r.tree.aggregates.map((a) => a.code)).toEqual(['idx', 'a']);
    expect(r.dropped.map((d) => [d.code, d.kind])).toEqual([['z', 'indicator'], ['b', 'aggregate']]);
  });

  it('refuses a required indicator without data, naming it; dropMissing leaves it out', () => {
    const cols = new Map([['x', col(NaN, NaN)], ['y', col(3, 4)], ['z', col(1, 2)]]);
    try {
      pruneTree(tree, cols, false);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('index_compute_invalid');
      expect((e as Error).message).toContain('"x"');
    }
    expect(pruneTree(tree, cols, true).tree.indicators.map((i) => i.code)).toEqual(['y', 'z']);
  });
});

describe('evaluate', () => {
  it('computes by hand: min-max, direction, weights re-normalised over present dimensions', () => {
    // x: 1, 3 → 0, 100; y (−1): 10, 30 → 100, 0; a = (0+100)/2 = 50 for both; z: 5, 7 → 0, 100.
    // index = (1·a + 3·b)/4: u1 (50 + 0)/4 = 12.5, u2 (50 + 300)/4 = 87.5.
    const ev = evaluate({
      tree,
      units: ['u1', 'u2'],
      columns: new Map([['x', col(1, 3)], ['y', col(10, 30)], ['z', col(5, 7)]]),
      options: { treat: { method: 'none' }, uncertainty: { replications: 50, seed: 1 } },
    });
    const k = ev.framework.aggregateCodes.indexOf('idx');
    expect(Array.from(ev.result.aggregated[k]!)).toEqual([12.5, 87.5]);
    expect(Array.from(ev.result.ranks[k]!)).toEqual([2, 1]);
    expect(ev.uncertainty?.replications).toBe(50);
    expect(ev.alpha['a']).toBeDefined();
  });

  it('is reproducible: the same seed gives the same rank intervals', () => {
    const input = {
      tree,
      units: ['u1', 'u2', 'u3', 'u4'],
      columns: new Map([['x', col(1, 3, 2, 8)], ['y', col(10, 30, 5, 1)], ['z', col(5, 7, 1, 2)]]),
      options: { uncertainty: { replications: 100, seed: 7 } },
    };
    const a = evaluate(input).uncertainty!;
    const b = evaluate(input).uncertainty!;
    expect(Array.from(a.p95Rank)).toEqual(Array.from(b.p95Rank));
  });
});
