/**
 * Stage 6: aggregate children into parents, bottom-up, and stage 7: rank and benchmark.
 *
 * Each aggregate is a weighted mean of its children over the units where a child is present:
 * the weights are re-normalised over the present children (a missing child neither counts as
 * zero nor drags the score down). A child with weight 0 is skipped entirely. If no child of an
 * aggregate is present for a unit, the aggregate is missing for that unit.
 */
import { IndexEngineError } from './errors.js';
import type { Framework } from './framework.js';
import { rankDescendingMin } from './stats.js';

export type AggregationMethod = 'amean' | 'gmean' | 'hmean';

export const AGGREGATION_METHODS: readonly AggregationMethod[] = ['amean', 'gmean', 'hmean'];

/**
 * Aggregate normalised indicator columns through the tree. Returns one column per aggregate in
 * fw.aggregateCodes order (children before parents, root last).
 *
 * `method` may be one method for every aggregate, or a map code → method (default amean).
 */
export function aggregate(
  fw: Framework,
  units: readonly string[],
  indicators: readonly Float64Array[],
  weights: Float64Array,
  method: AggregationMethod | Readonly<Record<string, AggregationMethod>> = 'amean',
  /**
   * Optional ln() of each indicator column, precomputed by a caller that aggregates the same
   * columns many times with geometric means (the Monte Carlo analysis): saves the logarithms.
   */
  logIndicators?: readonly Float64Array[],
): Float64Array[] {
  const m = fw.indicatorCodes.length;
  const n = units.length;
  const nodes: Float64Array[] = indicators.slice(0, m);
  const out: Float64Array[] = [];
  const acc = new Float64Array(n);
  const wsum = new Float64Array(n);
  for (let k = 0; k < fw.aggregateCodes.length; k++) {
    const code = fw.aggregateCodes[k]!;
    const how: AggregationMethod = typeof method === 'string' ? method : (method[code] ?? 'amean');
    acc.fill(0);
    wsum.fill(0);
    for (let p = fw.childStart[k]!; p < fw.childStart[k + 1]!; p++) {
      const c = fw.childIdx[p]!;
      const w = weights[c]!;
      if (w === 0) continue;
      if (!(w > 0) || !Number.isFinite(w)) {
        throw new IndexEngineError('weight_invalid', `weight of "${fw.nodeCodes[c]}" must be a finite number ≥ 0, got ${w}`, { code: fw.nodeCodes[c], field: 'weight', value: w });
      }
      const col = nodes[c]!;
      const logs = how === 'gmean' && c < m ? logIndicators?.[c] : undefined;
      if (how === 'amean') {
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          if (v === v) {
            acc[i] = acc[i]! + w * v;
            wsum[i] = wsum[i]! + w;
          }
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          if (v !== v) continue;
          if (v <= 0) {
            const kind = how === 'gmean' ? 'geometric' : 'harmonic';
            throw new IndexEngineError(
              how === 'gmean' ? 'geometric_nonpositive' : 'harmonic_nonpositive',
              `the ${kind} mean for "${code}" needs positive values, but "${fw.nodeCodes[c]}" is ${v} for unit "${units[i]}" (normalise to a range above 0, e.g. minmax [1, 100])`,
              { code: fw.nodeCodes[c], aggregate: code, unit: units[i], value: v },
            );
          }
          acc[i] = acc[i]! + (how === 'gmean' ? w * (logs ? logs[i]! : Math.log(v)) : w / v);
          wsum[i] = wsum[i]! + w;
        }
      }
    }
    const res = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ws = wsum[i]!;
      if (ws === 0) res[i] = NaN;
      else if (how === 'amean') res[i] = acc[i]! / ws;
      else if (how === 'gmean') res[i] = Math.exp(acc[i]! / ws);
      else res[i] = ws / acc[i]!;
    }
    nodes[m + k] = res;
    out.push(res);
  }
  return out;
}

/** Weighted mean of one row of values (a convenience for callers and tests). */
export function weightedMean(values: readonly number[], weights: readonly number[], method: AggregationMethod = 'amean'): number {
  let acc = 0;
  let ws = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    const w = weights[j]!;
    if (v !== v || w === 0) continue;
    if (!(w > 0) || !Number.isFinite(w)) throw new IndexEngineError('weight_invalid', `weight ${j + 1} must be a finite number ≥ 0, got ${w}`, { index: j, value: w });
    if (method !== 'amean' && v <= 0) {
      throw new IndexEngineError(method === 'gmean' ? 'geometric_nonpositive' : 'harmonic_nonpositive', `value ${j + 1} is ${v}; the ${method === 'gmean' ? 'geometric' : 'harmonic'} mean needs positive values`, {
        index: j,
        value: v,
      });
    }
    acc += method === 'amean' ? w * v : method === 'gmean' ? w * Math.log(v) : w / v;
    ws += w;
  }
  if (ws === 0) return NaN;
  return method === 'amean' ? acc / ws : method === 'gmean' ? Math.exp(acc / ws) : ws / acc;
}

/** Ranks, highest score = 1, ties share the minimum rank ("competition ranking" 1, 2, 2, 4). */
export function rankScores(scores: ArrayLike<number>): Float64Array {
  return rankDescendingMin(scores);
}

export type Benchmark = { unit: string } | { value: number };

export interface BenchmarkComparison {
  benchmark: number;
  /** score − benchmark */
  difference: Float64Array;
  /** score / benchmark */
  ratio: Float64Array;
}

export function compareWithBenchmark(units: readonly string[], scores: ArrayLike<number>, benchmark: Benchmark): BenchmarkComparison {
  let b: number;
  if ('unit' in benchmark) {
    const k = units.indexOf(benchmark.unit);
    if (k < 0) throw new IndexEngineError('reference_unknown', `benchmark unit "${benchmark.unit}" is not in the data`, { unit: benchmark.unit });
    b = scores[k]!;
    if (b !== b) throw new IndexEngineError('benchmark_invalid', `benchmark unit "${benchmark.unit}" has no score`, { unit: benchmark.unit });
  } else {
    b = benchmark.value;
    if (!Number.isFinite(b)) throw new IndexEngineError('benchmark_invalid', `benchmark value must be a finite number, got ${b}`, { value: b });
  }
  if (b === 0) throw new IndexEngineError('benchmark_invalid', 'benchmark score is 0: a ratio to it is undefined', { value: b });
  const n = scores.length;
  const difference = new Float64Array(n);
  const ratio = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    difference[i] = v - b;
    ratio[i] = v / b;
  }
  return { benchmark: b, difference, ratio };
}
