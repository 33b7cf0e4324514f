import { describe, expect, it } from 'vitest';
import { IndexEngineError } from './errors.js';
import { childrenOf, compileFramework, indicatorsUnder } from './framework.js';
import type { FrameworkSpec } from './framework.js';

function smallSpec(): FrameworkSpec {
  return {
    indicators: [
      { code: 'a1', nameZh: '甲一', nameEn: 'A one', unit: '%', direction: 1, weight: 1, parent: 'A' },
      { code: 'a2', direction: -1, weight: 3, parent: 'A' },
      { code: 'b1', direction: 1, weight: 1, parent: 'B' },
    ],
    aggregates: [
      { code: 'A', weight: 1, parent: 'Index' },
      { code: 'B', weight: 1, parent: 'Index' },
      { code: 'Index', weight: 1 },
    ],
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexEngineError);
    return (e as IndexEngineError).code;
  }
  throw new Error('expected an IndexEngineError');
}

describe('compileFramework', () => {
  it('orders aggregates children-first and computes levels', () => {
    const fw = compileFramework(smallSpec());
    expect(fw.root).toBe('Index');
    expect(fw.aggregateCodes).toEqual(['A', 'B', 'Index']);
    expect(childrenOf(fw, 'A')).toEqual(['a1', 'a2']);
    expect(childrenOf(fw, 'Index')).toEqual(['A', 'B']);
    expect(indicatorsUnder(fw, 'Index')).toEqual([0, 1, 2]);
    expect(fw.levels[fw.nodeIndex.get('Index')!]).toBe(3);
    expect([...fw.directions]).toEqual([1, -1, 1]);
  });

  it('accepts mixed depth (an aggregate with an indicator and an aggregate child)', () => {
    const spec = smallSpec();
    spec.indicators.push({ code: 'x', direction: 1, weight: 1, parent: 'Index' });
    const fw = compileFramework(spec);
    expect(childrenOf(fw, 'Index')).toEqual(['x', 'A', 'B']);
  });

  it('rejects a cycle, naming it', () => {
    const spec = smallSpec();
    spec.aggregates = [
      { code: 'A', weight: 1, parent: 'B' },
      { code: 'B', weight: 1, parent: 'A' },
      { code: 'Index', weight: 1 },
    ];
    expect(codeOf(() => compileFramework(spec))).toBe('framework_cycle');
    expect(() => compileFramework(spec)).toThrow(/A → B → A|B → A → B/);
  });

  it('rejects a negative weight or one that is not a number, naming the code and field', () => {
    const neg = smallSpec();
    neg.indicators[1]!.weight = -1;
    expect(codeOf(() => compileFramework(neg))).toBe('weight_invalid');
    expect(() => compileFramework(neg)).toThrow(/"a2"/);
    const nan = smallSpec();
    nan.aggregates[0]!.weight = Number.NaN;
    expect(codeOf(() => compileFramework(nan))).toBe('weight_invalid');
    try {
      compileFramework(nan);
    } catch (e) {
      expect((e as IndexEngineError).details).toMatchObject({ code: 'A', field: 'weight' });
    }
  });

  it('rejects unknown parents, duplicate codes, bad directions, two roots, all-zero sibling weights', () => {
    const up = smallSpec();
    up.indicators[0]!.parent = 'Nope';
    expect(codeOf(() => compileFramework(up))).toBe('framework_unknown_parent');
    const dup = smallSpec();
    dup.indicators[2]!.code = 'a1';
    expect(codeOf(() => compileFramework(dup))).toBe('framework_duplicate_code');
    const dir = smallSpec();
    dir.indicators[0]!.direction = 0;
    expect(codeOf(() => compileFramework(dir))).toBe('direction_invalid');
    const roots = smallSpec();
    roots.aggregates[1]!.parent = undefined;
    expect(codeOf(() => compileFramework(roots))).toBe('framework_invalid');
    const zero = smallSpec();
    zero.indicators[0]!.weight = 0;
    zero.indicators[1]!.weight = 0;
    expect(codeOf(() => compileFramework(zero))).toBe('weight_invalid');
  });
});
