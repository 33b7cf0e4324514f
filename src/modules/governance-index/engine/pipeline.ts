/**
 * The whole OECD/JRC pipeline: denominate → impute → treat → normalise → weight → aggregate →
 * rank (→ benchmark). Every stage's output is kept in the result so any figure can be traced
 * back through the stages to the raw value.
 */
import { AGGREGATION_METHODS, aggregate, compareWithBenchmark, rankScores } from './aggregate.js';
import type { AggregationMethod, Benchmark, BenchmarkComparison } from './aggregate.js';
import { denominate } from './denominate.js';
import { IndexEngineError } from './errors.js';
import type { Framework } from './framework.js';
import { impute } from './impute.js';
import type { ImputeResult, ImputeSpec } from './impute.js';
import { normalise } from './normalise.js';
import type { NormaliseResult, NormaliseSpec } from './normalise.js';
import { treat } from './treat.js';
import type { TreatLogEntry, TreatSpec } from './treat.js';
import { computeWeights } from './weights.js';
import type { WeightResult, WeightSpec } from './weights.js';

export interface IndexInput {
  units: readonly string[];
  /** Raw indicator values by indicator code; NaN means missing. */
  indicators: Readonly<Record<string, ArrayLike<number>>>;
  denominators?: Readonly<Record<string, ArrayLike<number>>>;
  groups?: Readonly<Record<string, readonly (string | undefined)[]>>;
}

export interface PipelineConfig {
  /** Divide by each indicator's denominator (default false). */
  denominate?: boolean;
  impute?: ImputeSpec;
  treat?: TreatSpec;
  /** Per-indicator overrides of the treatment. */
  treatPerIndicator?: Readonly<Record<string, TreatSpec>>;
  normalise?: NormaliseSpec;
  weights?: WeightSpec;
  aggregate?: AggregationMethod | Readonly<Record<string, AggregationMethod>>;
  benchmark?: Benchmark;
}

export const DEFAULT_CONFIG = {
  denominate: false,
  impute: { method: 'none' } as ImputeSpec,
  treat: { method: 'none' } as TreatSpec,
  normalise: { method: 'minmax', lo: 0, hi: 100 } as NormaliseSpec,
  weights: { method: 'framework' } as WeightSpec,
  aggregate: 'amean' as AggregationMethod,
};

export type StageName = 'raw' | 'denominated' | 'imputed' | 'treated' | 'normalised' | 'aggregated';
export const STAGES: readonly StageName[] = ['raw', 'denominated', 'imputed', 'treated', 'normalised', 'aggregated'];

export interface PipelineResult {
  framework: Framework;
  config: PipelineConfig;
  units: readonly string[];
  indicatorCodes: readonly string[];
  /** Children before parents; root last. */
  aggregateCodes: readonly string[];
  /** Indicator columns (framework order) after each stage. */
  raw: Float64Array[];
  denominated: Float64Array[];
  imputed: Float64Array[];
  treated: Float64Array[];
  normalised: Float64Array[];
  /** Weight per framework node index, as used by the aggregation. */
  weights: Float64Array;
  /** Aggregate columns in aggregateCodes order. */
  aggregated: Float64Array[];
  /** Rank per aggregate (1 = best, ties share the minimum rank). */
  ranks: Float64Array[];
  benchmark?: Record<string, BenchmarkComparison>;
  logs: {
    impute: Pick<ImputeResult, 'imputed' | 'stillMissing'>;
    treat: TreatLogEntry[];
    normalise: NormaliseResult['warnings'];
    weights: Pick<WeightResult, 'ahp' | 'warnings'>;
  };
}

/** Check the input against the framework and return raw columns in framework order. */
export function prepareInput(fw: Framework, input: IndexInput): Float64Array[] {
  const n = input.units.length;
  if (n === 0) throw new IndexEngineError('data_invalid', 'the data has no units', {});
  const seen = new Set<string>();
  for (const u of input.units) {
    if (seen.has(u)) throw new IndexEngineError('data_invalid', `unit "${u}" appears twice in the data`, { unit: u });
    seen.add(u);
  }
  return fw.indicators.map((ind) => {
    const src = input.indicators[ind.code];
    if (!src) {
      throw new IndexEngineError('indicator_missing_column', `indicator "${ind.code}" has no column in the data`, { code: ind.code });
    }
    if (src.length !== n) {
      throw new IndexEngineError('data_invalid', `indicator "${ind.code}" has ${src.length} values for ${n} units`, { code: ind.code });
    }
    const col = Float64Array.from(src);
    let present = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      if (v !== v) continue;
      if (!Number.isFinite(v)) {
        throw new IndexEngineError('data_invalid', `indicator "${ind.code}" is ${v} for unit "${input.units[i]}"`, { code: ind.code, unit: input.units[i], value: v });
      }
      present++;
    }
    if (present === 0) throw new IndexEngineError('indicator_no_data', `indicator "${ind.code}" has no data for any unit`, { code: ind.code });
    return col;
  });
}

export function runPipeline(fw: Framework, input: IndexInput, config: PipelineConfig = {}): PipelineResult {
  const units = input.units;
  const raw = prepareInput(fw, input);
  const codes = fw.indicatorCodes;

  const denominated = config.denominate ? denominate(fw, units, raw, input.denominators ?? {}) : raw.map((c) => Float64Array.from(c));
  const imp = impute(codes, units, denominated, config.impute ?? DEFAULT_CONFIG.impute, input.groups ?? {});
  const tr = treat(codes, units, imp.columns, config.treat ?? DEFAULT_CONFIG.treat, config.treatPerIndicator ?? {});
  const norm = normalise(fw, units, tr.columns, config.normalise ?? DEFAULT_CONFIG.normalise);
  const w = computeWeights(fw, config.weights ?? DEFAULT_CONFIG.weights, norm.columns);
  const how = config.aggregate ?? DEFAULT_CONFIG.aggregate;
  if (typeof how === 'string' && !AGGREGATION_METHODS.includes(how)) {
    throw new IndexEngineError('option_invalid', `unknown aggregation method "${how}"`, { option: 'aggregate', value: how });
  }
  const aggregated = aggregate(fw, units, norm.columns, w.weights, how);
  const ranks = aggregated.map((c) => rankScores(c));
  const result: PipelineResult = {
    framework: fw,
    config,
    units,
    indicatorCodes: codes,
    aggregateCodes: fw.aggregateCodes,
    raw,
    denominated,
    imputed: imp.columns,
    treated: tr.columns,
    normalised: norm.columns,
    weights: w.weights,
    aggregated,
    ranks,
    logs: {
      impute: { imputed: imp.imputed, stillMissing: imp.stillMissing },
      treat: tr.log,
      normalise: norm.warnings,
      weights: { ahp: w.ahp, warnings: w.warnings },
    },
  };
  if (config.benchmark) {
    const bm = config.benchmark;
    result.benchmark = Object.fromEntries(fw.aggregateCodes.map((c, k) => [c, compareWithBenchmark(units, aggregated[k]!, bm)]));
  }
  return result;
}

/** The column of any indicator or aggregate code at a stage (aggregates only at 'aggregated'). */
export function stageColumn(result: PipelineResult, stage: StageName, code: string): Float64Array {
  const j = result.indicatorCodes.indexOf(code);
  if (j >= 0) {
    const cols = stage === 'aggregated' ? result.normalised : result[stage];
    return cols[j]!;
  }
  const k = result.aggregateCodes.indexOf(code);
  if (k >= 0 && stage === 'aggregated') return result.aggregated[k]!;
  throw new IndexEngineError('framework_invalid', `no column "${code}" at stage "${stage}"`, { code, stage });
}
