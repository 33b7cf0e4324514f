/**
 * Stage 5: weights. Weights are relative within a set of siblings (the children of one
 * aggregate); aggregation divides by their sum over the children that have a value.
 */
import { IndexEngineError } from './errors.js';
import type { Framework } from './framework.js';
import { childrenOf } from './framework.js';

/** Saaty's random consistency index RI for n = 1..10. */
export const SAATY_RANDOM_INDEX: readonly number[] = [0, 0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49];

export interface AhpResult {
  weights: Float64Array;
  lambdaMax: number;
  consistencyIndex: number;
  /** CI / RI(n); 0 for n ≤ 2 (always consistent). */
  consistencyRatio: number;
  /** Set when CR > 0.1 (Saaty's threshold). */
  warning?: string;
}

/**
 * Principal eigenvector of a square non-negative matrix by power iteration, normalised to sum 1
 * (entries of a positive matrix are all positive by Perron–Frobenius). Stops when no entry moves
 * more than 1e-13, or after 10,000 iterations.
 */
export function principalEigenvector(a: readonly (readonly number[])[]): { vector: Float64Array; eigenvalue: number } {
  const n = a.length;
  let w = new Float64Array(n).fill(1 / n);
  let v = new Float64Array(n);
  for (let it = 0; it < 10000; it++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      const row = a[i]!;
      for (let j = 0; j < n; j++) acc += row[j]! * w[j]!;
      v[i] = acc;
      s += Math.abs(acc);
    }
    if (s === 0) break;
    let delta = 0;
    for (let i = 0; i < n; i++) {
      v[i] = v[i]! / s;
      delta = Math.max(delta, Math.abs(v[i]! - w[i]!));
    }
    [w, v] = [v, w];
    if (delta < 1e-13) break;
  }
  // Rayleigh-style estimate with a sum-normalised vector: λ = Σ(Aw)_i / Σ w_i.
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += a[i]![j]! * w[j]!;
    num += acc;
    den += w[i]!;
  }
  return { vector: w, eigenvalue: den === 0 ? 0 : num / den };
}

/**
 * AHP weights from a pairwise comparison matrix A (a_ij: how much more important i is than j).
 * A must be square, positive, with a_ii = 1 and a_ji = 1/a_ij (relative tolerance 1e-6).
 */
export function ahpWeights(matrix: readonly (readonly number[])[], labels?: readonly string[]): AhpResult {
  const n = matrix.length;
  const name = (i: number): string => labels?.[i] ?? String(i + 1);
  if (n === 0) throw new IndexEngineError('ahp_invalid', 'the AHP matrix is empty', {});
  if (n > SAATY_RANDOM_INDEX.length) {
    throw new IndexEngineError('ahp_invalid', `AHP supports at most ${SAATY_RANDOM_INDEX.length} criteria (Saaty's RI table), got ${n}`, { n });
  }
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (row.length !== n) throw new IndexEngineError('ahp_invalid', `the AHP matrix is not square: row ${name(i)} has ${row.length} entries, expected ${n}`, { row: name(i) });
    for (let j = 0; j < n; j++) {
      const x = row[j]!;
      if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
        throw new IndexEngineError('ahp_invalid', `AHP entry (${name(i)}, ${name(j)}) must be a positive number, got ${String(x)}`, { row: name(i), column: name(j), value: x });
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const p = matrix[i]![j]! * matrix[j]![i]!;
      if (Math.abs(p - 1) > 1e-6) {
        throw new IndexEngineError(
          'ahp_not_reciprocal',
          `the AHP matrix is not reciprocal: a(${name(i)}, ${name(j)}) = ${matrix[i]![j]} but a(${name(j)}, ${name(i)}) = ${matrix[j]![i]}`,
          { row: name(i), column: name(j), value: matrix[i]![j], mirror: matrix[j]![i] },
        );
      }
    }
  }
  const { vector, eigenvalue } = principalEigenvector(matrix);
  const ci = n <= 2 ? 0 : (eigenvalue - n) / (n - 1);
  const ri = SAATY_RANDOM_INDEX[n - 1]!;
  const cr = n <= 2 || ri === 0 ? 0 : Math.max(0, ci) / ri;
  const res: AhpResult = { weights: vector, lambdaMax: eigenvalue, consistencyIndex: ci, consistencyRatio: cr };
  if (cr > 0.1) res.warning = `AHP consistency ratio ${cr.toFixed(3)} is above 0.1: the pairwise judgements are inconsistent`;
  return res;
}

/**
 * Entropy weights over sibling columns (values must be ≥ 0, e.g. min-max normalised).
 * For column j over its n_j present values: p_i = x_i / Σx, e_j = −Σ p_i ln p_i / ln n_j,
 * d_j = 1 − e_j, w_j = d_j / Σd. Zero handling: a term with p_i = 0 contributes 0 (the limit
 * of p ln p); a column whose values sum to 0, or with fewer than 2 present values, carries no
 * information (d_j = 0). If every d_j is 0 the weights are equal.
 */
export function entropyWeights(columns: readonly ArrayLike<number>[], codes?: readonly string[]): Float64Array {
  const k = columns.length;
  const dvec = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const x = columns[j]!;
    let s = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (v !== v) continue;
      if (v < 0) {
        throw new IndexEngineError('weights_invalid', `entropy weights need values ≥ 0; indicator "${codes?.[j] ?? j}" has ${v}`, { code: codes?.[j], value: v });
      }
      s += v;
      n++;
    }
    if (s === 0 || n < 2) continue;
    let h = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (v !== v || v === 0) continue;
      const p = v / s;
      h -= p * Math.log(p);
    }
    dvec[j] = 1 - h / Math.log(n);
  }
  let total = 0;
  for (let j = 0; j < k; j++) total += dvec[j]!;
  const out = new Float64Array(k);
  for (let j = 0; j < k; j++) out[j] = total > 0 ? dvec[j]! / total : 1 / k;
  return out;
}

/**
 * PCA weights over sibling columns: the correlation matrix over complete cases, its first
 * principal component (power iteration), weights = loadings squared. The eigenvector has unit
 * length so the squares already sum to 1. A constant column has no correlation with anything
 * (its off-diagonal entries are 0). Needs at least 3 complete cases.
 */
export function pcaWeights(columns: readonly ArrayLike<number>[], codes?: readonly string[]): Float64Array {
  const k = columns.length;
  if (k === 1) return Float64Array.of(1);
  const n = columns[0]!.length;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let j = 0; j < k; j++) if (columns[j]![i]! !== columns[j]![i]!) ok = false;
    if (ok) rows.push(i);
  }
  if (rows.length < 3) {
    throw new IndexEngineError('weights_invalid', `PCA weights need at least 3 units with every indicator present (${codes?.join(', ') ?? ''}), found ${rows.length}`, {
      codes,
      completeCases: rows.length,
    });
  }
  const z = columns.map((x) => {
    let m = 0;
    for (const i of rows) m += x[i]!;
    m /= rows.length;
    let ss = 0;
    for (const i of rows) ss += (x[i]! - m) ** 2;
    const s = Math.sqrt(ss);
    return rows.map((i) => (s === 0 ? 0 : (x[i]! - m) / s));
  });
  const r: number[][] = [];
  for (let a = 0; a < k; a++) {
    r.push([]);
    for (let b = 0; b < k; b++) {
      let acc = 0;
      const za = z[a]!;
      const zb = z[b]!;
      for (let i = 0; i < rows.length; i++) acc += za[i]! * zb[i]!;
      r[a]!.push(a === b ? 1 : acc);
    }
  }
  // Power iteration on R + I: same eigenvectors, and the shift keeps every eigenvalue positive
  // (R is positive semi-definite), so the dominant one is the largest, never a negative twin.
  const shifted = r.map((row, a) => row.map((v, b) => (a === b ? v + 1 : v)));
  const { vector } = principalEigenvector(shifted);
  let norm = 0;
  for (let j = 0; j < k; j++) norm += vector[j]! ** 2;
  const out = new Float64Array(k);
  for (let j = 0; j < k; j++) out[j] = vector[j]! ** 2 / norm;
  return out;
}

export interface AhpBlock {
  /** The children of one aggregate, in the order of the matrix rows/columns. */
  codes: string[];
  matrix: number[][];
}

export type WeightSpec =
  | { method: 'framework' }
  | { method: 'equal' }
  | { method: 'manual'; weights: Readonly<Record<string, number>> }
  | { method: 'ahp'; blocks: AhpBlock[] }
  /** Data-driven weights for the indicators of each aggregate; aggregates keep framework weights. */
  | { method: 'entropy' }
  | { method: 'pca' };

export interface WeightResult {
  /** Per node index of the framework. */
  weights: Float64Array;
  ahp: ({ parent: string } & AhpResult)[];
  warnings: string[];
}

function checkWeight(code: string, w: unknown): void {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new IndexEngineError('weight_invalid', `weight of "${code}" must be a finite number ≥ 0, got ${String(w)}`, { code, field: 'weight', value: w });
  }
}

export function computeWeights(fw: Framework, spec: WeightSpec, normalised?: readonly Float64Array[]): WeightResult {
  const weights = Float64Array.from(fw.weights);
  const ahp: WeightResult['ahp'] = [];
  const warnings: string[] = [];
  const m = fw.indicatorCodes.length;
  switch (spec.method) {
    case 'framework':
      break;
    case 'equal':
      weights.fill(1);
      break;
    case 'manual':
      for (const [code, w] of Object.entries(spec.weights)) {
        const idx = fw.nodeIndex.get(code);
        if (idx === undefined) throw new IndexEngineError('weights_invalid', `manual weight for unknown code "${code}"`, { code });
        checkWeight(code, w);
        weights[idx] = w;
      }
      break;
    case 'ahp':
      for (const block of spec.blocks) {
        const parentIdx = block.codes.length ? fw.parentIdx[fw.nodeIndex.get(block.codes[0]!) ?? -1] : undefined;
        const parent = parentIdx !== undefined && parentIdx >= 0 ? fw.nodeCodes[parentIdx]! : undefined;
        const siblings = parent ? childrenOf(fw, parent) : [];
        const same = parent !== undefined && siblings.length === block.codes.length && block.codes.every((c) => siblings.includes(c));
        if (!same) {
          throw new IndexEngineError('ahp_invalid', `the AHP matrix codes (${block.codes.join(', ')}) must be exactly the children of one aggregate`, { codes: block.codes });
        }
        const res = ahpWeights(block.matrix, block.codes);
        block.codes.forEach((c, i) => {
          weights[fw.nodeIndex.get(c)!] = res.weights[i]!;
        });
        ahp.push({ parent: parent!, ...res });
        if (res.warning) warnings.push(`${parent}: ${res.warning}`);
      }
      break;
    case 'entropy':
    case 'pca': {
      if (!normalised) throw new IndexEngineError('weights_invalid', `${spec.method} weights need the normalised data`, {});
      for (let k = 0; k < fw.aggregateCodes.length; k++) {
        const kids: number[] = [];
        for (let p = fw.childStart[k]!; p < fw.childStart[k + 1]!; p++) {
          const c = fw.childIdx[p]!;
          if (c < m) kids.push(c);
        }
        if (kids.length === 0) continue;
        const cols = kids.map((c) => normalised[c]!);
        const codes = kids.map((c) => fw.nodeCodes[c]!);
        const w = spec.method === 'entropy' ? entropyWeights(cols, codes) : pcaWeights(cols, codes);
        kids.forEach((c, i) => {
          weights[c] = w[i]!;
        });
      }
      break;
    }
  }
  return { weights, ahp, warnings };
}
