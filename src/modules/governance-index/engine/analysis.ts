/**
 * Analysis: correlations, internal consistency (Cronbach's alpha) and Monte Carlo
 * uncertainty / sensitivity of the ranks.
 */
import { aggregate } from './aggregate.js';
import type { AggregationMethod } from './aggregate.js';
import { IndexEngineError } from './errors.js';
import type { Framework } from './framework.js';
import { normalise } from './normalise.js';
import type { NormaliseSpec } from './normalise.js';
import type { PipelineResult } from './pipeline.js';
import { mulberry32, pearson, quantileSorted, rankDescendingMin } from './stats.js';

const orNull = (r: number): number | null => (r === r ? r : null);

export interface CorrelationMatrix {
  codes: string[];
  /** Pearson r over pairwise-complete units; null where undefined (a constant column, < 2 pairs). */
  matrix: (number | null)[][];
}

export function correlationMatrix(codes: readonly string[], columns: readonly ArrayLike<number>[]): CorrelationMatrix {
  const k = columns.length;
  const matrix: (number | null)[][] = [];
  for (let a = 0; a < k; a++) {
    const row: (number | null)[] = [];
    for (let b = 0; b < k; b++) row.push(a === b ? 1 : b < a ? matrix[b]![a]! : orNull(pearson(columns[a]!, columns[b]!)));
    matrix.push(row);
  }
  return { codes: [...codes], matrix };
}

/** Pearson correlation of every node (indicator or aggregate) with its parent aggregate. */
export function parentCorrelations(result: PipelineResult): { code: string; parent: string; r: number | null }[] {
  const fw = result.framework;
  const m = fw.indicatorCodes.length;
  const col = (node: number): Float64Array => (node < m ? result.normalised[node]! : result.aggregated[node - m]!);
  const out: { code: string; parent: string; r: number | null }[] = [];
  for (let node = 0; node < fw.nodeCodes.length; node++) {
    const p = fw.parentIdx[node]!;
    if (p < 0) continue;
    out.push({ code: fw.nodeCodes[node]!, parent: fw.nodeCodes[p]!, r: orNull(pearson(col(node), col(p))) });
  }
  return out;
}

/**
 * Cronbach's alpha on standardised indicators (the "standardised alpha"): over the units with
 * every column present, each column is z-scored (sample sd), and
 * α = k/(k − 1) · (1 − k / Var(Σ_j z_j)), since each z_j has variance 1.
 * Equals k·r̄ / (1 + (k − 1)·r̄) with r̄ the mean inter-item correlation.
 * Null when undefined (k < 2, fewer than 3 complete units, or a constant column).
 */
export function cronbachAlpha(columns: readonly ArrayLike<number>[]): number | null {
  const k = columns.length;
  if (k < 2) return null;
  const n = columns[0]!.length;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (columns.every((c) => c[i]! === c[i]!)) rows.push(i);
  if (rows.length < 3) return null;
  const total = new Float64Array(rows.length);
  for (const c of columns) {
    let m = 0;
    for (const i of rows) m += c[i]!;
    m /= rows.length;
    let ss = 0;
    for (const i of rows) ss += (c[i]! - m) ** 2;
    const s = Math.sqrt(ss / (rows.length - 1));
    if (s === 0) return null;
    rows.forEach((i, r) => {
      total[r] = total[r]! + (c[i]! - m) / s;
    });
  }
  let mt = 0;
  for (const t of total) mt += t;
  mt /= total.length;
  let vt = 0;
  for (const t of total) vt += (t - mt) ** 2;
  vt /= total.length - 1;
  if (vt === 0) return null;
  return (k / (k - 1)) * (1 - k / vt);
}

export interface UncertaintyOptions {
  replications: number;
  seed: number;
  /** Normalisations to draw from, uniformly (default: min-max [0, 100] only). */
  normalisations?: NormaliseSpec[];
  /** Each weight is multiplied by a uniform draw in [1 − p, 1 + p] (default 0.25; 0 = off). */
  weightPerturbation?: number;
  /** Aggregations to draw from, uniformly (default: arithmetic only). */
  aggregations?: AggregationMethod[];
  /**
   * Drop one indicator per replication: drawn uniformly from the m indicators and "none"
   * (m + 1 choices). Default false.
   */
  dropIndicator?: boolean;
  /** The aggregate whose ranks are analysed (default: the root index). */
  target?: string;
}

export interface UncertaintyResult {
  units: readonly string[];
  target: string;
  replications: number;
  /** Ranks of the nominal run (the PipelineResult given). */
  nominalRank: Float64Array;
  medianRank: Float64Array;
  /** 5th and 95th percentiles of the rank over replications (type 7 quantiles). */
  p05Rank: Float64Array;
  p95Rank: Float64Array;
  /** Mean over replications of |rank − nominal rank|, per unit. */
  meanAbsShift: Float64Array;
  /** What each replication drew, so sensitivity to each factor can be examined. */
  draws: { normalisation: Int32Array; aggregation: Int32Array; dropped: Int32Array };
  /** Sensitivity: mean |rank shift| over units and replications, by drawn level of each factor. */
  sensitivity: { factor: 'normalisation' | 'aggregation' | 'dropped'; level: string; meanAbsShift: number; replications: number }[];
}

/**
 * Monte Carlo uncertainty analysis over the modelling choices. Denomination, imputation and
 * treatment are kept as in the nominal run (their output, `result.treated`, is the starting point).
 * The PRNG is mulberry32 seeded with `seed`, and draws happen in a fixed order per replication
 * (normalisation, aggregation, dropped indicator, then the weights in node order), so a run is
 * reproducible bit for bit.
 */
export function uncertaintyAnalysis(result: PipelineResult, options: UncertaintyOptions): UncertaintyResult {
  const fw: Framework = result.framework;
  const { replications, seed } = options;
  if (!Number.isInteger(replications) || replications < 1) {
    throw new IndexEngineError('analysis_invalid', `replications must be a positive integer, got ${replications}`, { option: 'replications', value: replications });
  }
  if (!Number.isFinite(seed)) throw new IndexEngineError('analysis_invalid', `seed must be a number, got ${seed}`, { option: 'seed', value: seed });
  const p = options.weightPerturbation ?? 0.25;
  if (!(p >= 0 && p < 1)) throw new IndexEngineError('analysis_invalid', `weightPerturbation must be in [0, 1), got ${p}`, { option: 'weightPerturbation', value: p });
  const norms = options.normalisations ?? [{ method: 'minmax', lo: 0, hi: 100 }];
  const aggs = options.aggregations ?? ['amean'];
  if (norms.length === 0 || aggs.length === 0) throw new IndexEngineError('analysis_invalid', 'normalisations and aggregations need at least one choice', {});
  const target = options.target ?? fw.root;
  const tk = fw.aggregateCodes.indexOf(target);
  if (tk < 0) throw new IndexEngineError('analysis_invalid', `target "${target}" is not an aggregate`, { option: 'target', value: target });

  const units = result.units;
  const n = units.length;
  const m = fw.indicatorCodes.length;
  const nNodes = fw.nodeCodes.length;
  // Each normalisation is computed once; replications only re-weight and re-aggregate.
  const normalised = norms.map((spec) => normalise(fw, units, result.treated, spec).columns);
  // ln of each normalised column, only if a geometric mean can be drawn (non-positive values get
  // no log here: aggregate() checks the raw value first and throws geometric_nonpositive).
  const logs = aggs.includes('gmean') ? normalised.map((cols) => cols.map((c) => c.map((v) => (v > 0 ? Math.log(v) : NaN)))) : undefined;
  const rng = mulberry32(seed);
  const ranks = new Float64Array(n * replications); // unit-major: ranks of unit i at [i*R, (i+1)*R)
  const draws = { normalisation: new Int32Array(replications), aggregation: new Int32Array(replications), dropped: new Int32Array(replications) };
  const w = new Float64Array(nNodes);
  const shiftPerRep = new Float64Array(replications);
  const nominal = result.ranks[tk]!;
  for (let r = 0; r < replications; r++) {
    const ni = Math.floor(rng() * norms.length);
    const ai = Math.floor(rng() * aggs.length);
    const di = options.dropIndicator ? Math.floor(rng() * (m + 1)) - 1 : -1;
    draws.normalisation[r] = ni;
    draws.aggregation[r] = ai;
    draws.dropped[r] = di;
    for (let j = 0; j < nNodes; j++) w[j] = result.weights[j]! * (p > 0 ? 1 - p + 2 * p * rng() : 1);
    if (di >= 0) w[di] = 0;
    const agg = aggregate(fw, units, normalised[ni]!, w, aggs[ai]!, logs?.[ni]);
    const rk = rankDescendingMin(agg[tk]!);
    let shift = 0;
    for (let i = 0; i < n; i++) {
      ranks[i * replications + r] = rk[i]!;
      const d = rk[i]! - nominal[i]!;
      if (d === d) shift += Math.abs(d);
    }
    shiftPerRep[r] = shift / n;
  }
  const medianRank = new Float64Array(n);
  const p05Rank = new Float64Array(n);
  const p95Rank = new Float64Array(n);
  const meanAbsShift = new Float64Array(n);
  const buf = new Float64Array(replications);
  for (let i = 0; i < n; i++) {
    let k = 0;
    let s = 0;
    for (let r = 0; r < replications; r++) {
      const v = ranks[i * replications + r]!;
      if (v === v) {
        buf[k++] = v;
        const d = v - nominal[i]!;
        if (d === d) s += Math.abs(d);
      }
    }
    const sorted = buf.subarray(0, k).sort();
    medianRank[i] = quantileSorted(sorted, 0.5);
    p05Rank[i] = quantileSorted(sorted, 0.05);
    p95Rank[i] = quantileSorted(sorted, 0.95);
    meanAbsShift[i] = k ? s / k : NaN;
  }
  const sensitivity: UncertaintyResult['sensitivity'] = [];
  const byLevel = (factor: 'normalisation' | 'aggregation' | 'dropped', levels: Int32Array, name: (l: number) => string): void => {
    const acc = new Map<number, [number, number]>();
    for (let r = 0; r < replications; r++) {
      const a = acc.get(levels[r]!) ?? [0, 0];
      a[0] += shiftPerRep[r]!;
      a[1]++;
      acc.set(levels[r]!, a);
    }
    for (const [l, [s, c]] of [...acc].sort((x, y) => x[0] - y[0])) sensitivity.push({ factor, level: name(l), meanAbsShift: s / c, replications: c });
  };
  byLevel('normalisation', draws.normalisation, (l) => norms[l]!.method);
  byLevel('aggregation', draws.aggregation, (l) => aggs[l]!);
  if (options.dropIndicator) byLevel('dropped', draws.dropped, (l) => (l < 0 ? 'none' : fw.indicatorCodes[l]!));
  return { units, target, replications, nominalRank: Float64Array.from(nominal), medianRank, p05Rank, p95Rank, meanAbsShift, draws, sensitivity };
}
