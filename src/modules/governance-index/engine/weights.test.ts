import { describe, expect, it } from 'vitest';
import { IndexEngineError } from './errors.js';
import { compileFramework } from './framework.js';
import { ahpWeights, computeWeights, entropyWeights, pcaWeights, principalEigenvector } from './weights.js';

describe('AHP', () => {
  it('2×2 [[1, 3], [1/3, 1]] → 0.75, 0.25, consistent', () => {
    const r = ahpWeights([
      [1, 3],
      [1 / 3, 1],
    ]);
    expect(r.weights[0]).toBeCloseTo(0.75, 12);
    expect(r.weights[1]).toBeCloseTo(0.25, 12);
    expect(r.consistencyRatio).toBe(0);
  });
  it('a consistent 3×3 (a_ij = w_i/w_j with w ∝ 4:2:1) → 4/7, 2/7, 1/7, λmax = 3, CR = 0', () => {
    const r = ahpWeights([
      [1, 2, 4],
      [0.5, 1, 2],
      [0.25, 0.5, 1],
    ]);
    expect(r.weights[0]).toBeCloseTo(4 / 7, 12);
    expect(r.weights[2]).toBeCloseTo(1 / 7, 12);
    expect(r.lambdaMax).toBeCloseTo(3, 10);
    expect(r.consistencyRatio).toBeCloseTo(0, 10);
    expect(r.warning).toBeUndefined();
  });
  it('a cyclic 3×3 (1 ≻ 2 ≻ 3 ≻ 1, each 9) → equal weights, λ = 1 + 9 + 1/9, CR = CI/0.58 > 0.1 warns', () => {
    const r = ahpWeights([
      [1, 9, 1 / 9],
      [1 / 9, 1, 9],
      [9, 1 / 9, 1],
    ]);
    const lambda = 1 + 9 + 1 / 9;
    expect(r.weights[0]).toBeCloseTo(1 / 3, 12);
    expect(r.lambdaMax).toBeCloseTo(lambda, 10);
    expect(r.consistencyRatio).toBeCloseTo((lambda - 3) / 2 / 0.58, 10);
    expect(r.warning).toMatch(/above 0.1/);
  });
  it('a matrix that is not reciprocal throws ahp_not_reciprocal naming the cell', () => {
    try {
      ahpWeights(
        [
          [1, 2],
          [2, 1],
        ],
        ['safety', 'speed'],
      );
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(IndexEngineError);
      expect((e as IndexEngineError).code).toBe('ahp_not_reciprocal');
      expect((e as IndexEngineError).message).toMatch(/safety.*speed/);
    }
    expect(() => ahpWeights([[1, 2, 3]])).toThrow(/not square/);
  });
});

describe('entropy weights', () => {
  it('uniform column carries nothing; p·ln p = 0 at p = 0', () => {
    // a = [1, 1]: e = 1, d = 0. b = [1, 0]: p = (1, 0) → e = 0, d = 1.
    // c = [1, 3]: p = (.25, .75), H = .562335, e = H/ln 2 = .811278, d = .188722.
    const d = 1 - (-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) / Math.log(2));
    const w = entropyWeights([
      [1, 1],
      [1, 0],
      [1, 3],
    ]);
    expect(w[0]).toBe(0);
    expect(w[1]).toBeCloseTo(1 / (1 + d), 12);
    expect(w[2]).toBeCloseTo(d / (1 + d), 12);
  });
  it('all-uniform columns fall back to equal weights; negatives are an error', () => {
    expect([...entropyWeights([[2, 2], [0, 0]])]).toEqual([0.5, 0.5]);
    expect(() => entropyWeights([[1, -1]], ['neg'])).toThrow(/"neg"/);
  });
});

describe('PCA weights', () => {
  it('two positively correlated columns → 0.5, 0.5 (PC1 = (1, 1)/√2)', () => {
    const w = pcaWeights([
      [1, 2, 3, 4],
      [1, 3, 2, 4],
    ]);
    expect(w[0]).toBeCloseTo(0.5, 12);
  });
  it('R = [[1, .8, 0], [.8, 1, 0], [0, 0, 1]] → PC1 (1, 1, 0)/√2 → 0.5, 0.5, 0', () => {
    // x = 1..4 and y = 1,3,2,4 have r = 4/5; z = 1,−1,−1,1 is orthogonal to both.
    const w = pcaWeights([
      [1, 2, 3, 4],
      [1, 3, 2, 4],
      [1, -1, -1, 1],
    ]);
    expect(w[0]).toBeCloseTo(0.5, 10);
    expect(w[1]).toBeCloseTo(0.5, 10);
    expect(w[2]).toBeCloseTo(0, 10);
  });
  it('power iteration finds the principal eigenvector', () => {
    const { vector, eigenvalue } = principalEigenvector([
      [2, 1],
      [1, 2],
    ]);
    expect(eigenvalue).toBeCloseTo(3, 12);
    expect(vector[0]).toBeCloseTo(0.5, 12);
  });
});

describe('computeWeights', () => {
  const fw = compileFramework({
    indicators: [
      { code: 'a', direction: 1, weight: 2, parent: 'P' },
      { code: 'b', direction: 1, weight: 1, parent: 'P' },
    ],
    aggregates: [{ code: 'P', weight: 1 }],
  });
  it('framework, equal, manual and AHP blocks', () => {
    expect([...computeWeights(fw, { method: 'framework' }).weights]).toEqual([2, 1, 1]);
    expect([...computeWeights(fw, { method: 'equal' }).weights]).toEqual([1, 1, 1]);
    expect([...computeWeights(fw, { method: 'manual', weights: { b: 5 } }).weights]).toEqual([2, 5, 1]);
    const ahp = computeWeights(fw, { method: 'ahp', blocks: [{ codes: ['b', 'a'], matrix: [[1, 3], [1 / 3, 1]] }] });
    expect(ahp.weights[1]).toBeCloseTo(0.75, 12);
    expect(ahp.ahp[0]!.parent).toBe('P');
  });
  it('a manual weight that is negative or not a number throws weight_invalid', () => {
    expect(() => computeWeights(fw, { method: 'manual', weights: { a: -1 } })).toThrow(/"a"/);
    expect(() => computeWeights(fw, { method: 'manual', weights: { a: Number.NaN } })).toThrow(IndexEngineError);
  });
});
