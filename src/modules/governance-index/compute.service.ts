/**
 * Computing an index snapshot for (framework, period, level):
 *   1. gather: the units of the level in scope; each indicator's values from its provider (live
 *      data), overridden by imported values for the same cell (surveys, corrected figures);
 *   2. evaluate (pure, no I/O; what the benchmark times): leave out optional indicators without
 *      any value, run the engine's pipeline, then the analysis (correlations, Cronbach's alpha,
 *      Monte Carlo rank intervals);
 *   3. store: the snapshot (parameters, the raw input matrix, every stage's output), one row per
 *      unit, the computed values, and the audit record, in one transaction. Snapshots are never
 *      updated: recomputing makes a new one.
 * The slow parts (reading live data, the engine) run outside the transaction.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { actorLabel } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import type { AggregationMethod } from './engine/aggregate.js';
import { correlationMatrix, cronbachAlpha, parentCorrelations, uncertaintyAnalysis, type UncertaintyResult } from './engine/analysis.js';
import { isIndexEngineError } from './engine/errors.js';
import { compileFramework, type Framework } from './engine/framework.js';
import type { ImputeSpec } from './engine/impute.js';
import type { NormaliseSpec } from './engine/normalise.js';
import { runPipeline, type PipelineConfig, type PipelineResult } from './engine/pipeline.js';
import type { TreatSpec } from './engine/treat.js';
import type { WeightSpec } from './engine/weights.js';
import { getFramework, treeToSpec, type FrameworkTree } from './framework.service.js';
import * as repo from './governance-index.repository.js';
import { authorize, coversRegion, scopeFor } from './governance-index.policy.js';
import { parsePeriod, type Period } from './periods.js';
import { PROVIDERS } from './providers/index.js';
import type { IndexLevel, UnitRef } from './providers/types.js';

// ------------------------------------------------------------------ options

const Num = Type.Number();
const Lit = <T extends string>(s: T) => Type.Literal(s);

export const ComputeOptionsSchema = Type.Object(
  {
    denominate: Type.Optional(Type.Boolean({ description: "divide each indicator by its framework denominator (e.g. 'population')" })),
    impute: Type.Optional(
      Type.Union([
        Type.Object({ method: Lit('none') }, { additionalProperties: false }),
        Type.Object({ method: Lit('mean') }, { additionalProperties: false }),
        Type.Object({ method: Lit('median') }, { additionalProperties: false }),
        Type.Object({ method: Type.Union([Lit('groupMean'), Lit('groupMedian')]), group: Lit('parent') }, { additionalProperties: false }),
      ]),
    ),
    treat: Type.Optional(
      Type.Union([
        Type.Object({ method: Lit('none') }, { additionalProperties: false }),
        Type.Object(
          {
            method: Lit('winsorise'),
            winmax: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
            skewThreshold: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            kurtThreshold: Type.Optional(Type.Number()),
            fallbackLog: Type.Optional(Type.Union([Lit('log'), Lit('log1p'), Lit('ctlog')])),
          },
          { additionalProperties: false },
        ),
        Type.Object({ method: Lit('log'), variant: Type.Optional(Type.Union([Lit('log'), Lit('log1p'), Lit('ctlog')])) }, { additionalProperties: false }),
      ]),
    ),
    normalise: Type.Optional(
      Type.Union([
        Type.Object({ method: Lit('none') }, { additionalProperties: false }),
        Type.Object({ method: Lit('minmax'), lo: Type.Optional(Num), hi: Type.Optional(Num) }, { additionalProperties: false }),
        Type.Object({ method: Lit('zscore'), mean: Type.Optional(Num), sd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) }, { additionalProperties: false }),
        Type.Object({ method: Lit('goalposts'), scale: Type.Optional(Num) }, { additionalProperties: false }),
        Type.Object({ method: Lit('fracmax'), scale: Type.Optional(Num) }, { additionalProperties: false }),
        Type.Object({ method: Lit('dist2target'), scale: Type.Optional(Num), cap: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        Type.Object({ method: Lit('dist2ref'), unit: Type.String({ pattern: '^[0-9]{12,17}$', description: 'region code of the reference unit' }), scale: Type.Optional(Num) }, { additionalProperties: false }),
        Type.Object({ method: Lit('rank') }, { additionalProperties: false }),
        Type.Object({ method: Lit('prank') }, { additionalProperties: false }),
      ]),
    ),
    weights: Type.Optional(
      Type.Union([
        Type.Object({ method: Lit('framework') }, { additionalProperties: false }),
        Type.Object({ method: Lit('equal') }, { additionalProperties: false }),
        Type.Object({ method: Lit('manual'), weights: Type.Record(Type.String(), Num) }, { additionalProperties: false }),
        Type.Object(
          { method: Lit('ahp'), blocks: Type.Array(Type.Object({ codes: Type.Array(Type.String(), { minItems: 1, maxItems: 10 }), matrix: Type.Array(Type.Array(Num)) }, { additionalProperties: false }), { minItems: 1 }) },
          { additionalProperties: false },
        ),
        Type.Object({ method: Lit('entropy') }, { additionalProperties: false }),
        Type.Object({ method: Lit('pca') }, { additionalProperties: false }),
      ]),
    ),
    aggregate: Type.Optional(Type.Union([Lit('amean'), Lit('gmean'), Lit('hmean')])),
    uncertainty: Type.Optional(
      Type.Object(
        {
          replications: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000, description: '0: no Monte Carlo analysis' })),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
          weightPerturbation: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9 })),
        },
        { additionalProperties: false },
      ),
    ),
    dropMissing: Type.Optional(Type.Boolean({ description: 'leave out ANY indicator without values (default: only those marked optional)' })),
  },
  { additionalProperties: false },
);
export type ComputeOptions = Static<typeof ComputeOptionsSchema>;

/** Defaults: no denomination or imputation, COINr's winsorisation, min-max 0–100, framework weights, arithmetic mean. */
export const DEFAULT_COMPUTE = {
  denominate: false,
  impute: { method: 'none' } as ImputeSpec,
  treat: { method: 'winsorise', winmax: 5, skewThreshold: 2, kurtThreshold: 3.5 } as TreatSpec,
  normalise: { method: 'minmax', lo: 0, hi: 100 } as NormaliseSpec,
  weights: { method: 'framework' } as WeightSpec,
  aggregate: 'amean' as AggregationMethod,
  uncertainty: { replications: 200, seed: 20_240_601, weightPerturbation: 0.25 },
};

// ------------------------------------------------------------------ evaluation (pure)

export interface EvaluationInput {
  tree: FrameworkTree;
  /** Unit codes (region codes), in order. */
  units: readonly string[];
  /** Parent region code per unit (the group of groupMean imputation). */
  parents?: readonly (string | undefined)[];
  /** Values per indicator or denominator code, NaN = missing. */
  columns: ReadonlyMap<string, Float64Array>;
  options: ComputeOptions;
}

export interface Evaluation {
  framework: Framework;
  /** The tree actually computed (left-out indicators and emptied aggregates removed). */
  tree: FrameworkTree;
  dropped: { code: string; kind: 'indicator' | 'aggregate'; reason: string }[];
  config: PipelineConfig;
  result: PipelineResult;
  uncertainty: UncertaintyResult | null;
  correlations: ReturnType<typeof correlationMatrix>;
  parentCorrelations: ReturnType<typeof parentCorrelations>;
  alpha: Record<string, number | null>;
  warnings: string[];
}

const present = (c: Float64Array | undefined): boolean => c !== undefined && c.some((v) => v === v);

/** Remove the indicators without data (optional ones, or all with dropMissing) and aggregates left empty. */
export function pruneTree(tree: FrameworkTree, columns: ReadonlyMap<string, Float64Array>, dropMissing: boolean): { tree: FrameworkTree; dropped: Evaluation['dropped'] } {
  const dropped: Evaluation['dropped'] = [];
  const indicators = tree.indicators.filter((ind) => {
    if (present(columns.get(ind.code))) return true;
    if (ind.optional || dropMissing) {
      dropped.push({ code: ind.code, kind: 'indicator', reason: 'no unit has a value for this period' });
      return false;
    }
    throw new AppError('index_compute_invalid', `indicator "${ind.code}" has no value for any unit in this period (import values, or mark it optional in the framework)`, [
      { field: 'framework', code: ind.code, engineCode: 'indicator_no_data', problem: 'has no data' },
    ]);
  });
  let aggregates = tree.aggregates;
  for (;;) {
    const used = new Set<string>([...indicators.map((i) => i.parent), ...aggregates.filter((a) => a.parent).map((a) => a.parent!)]);
    const keep = aggregates.filter((a) => used.has(a.code));
    if (keep.length === aggregates.length) break;
    for (const a of aggregates) if (!used.has(a.code)) dropped.push({ code: a.code, kind: 'aggregate', reason: 'all of its indicators were left out' });
    aggregates = keep;
  }
  if (indicators.length === 0 || aggregates.length === 0) {
    throw new AppError('index_compute_invalid', 'no indicator of the framework has any value for this period and level', [{ field: 'period', problem: 'no data', dropped: dropped.map((d) => d.code) }]);
  }
  return { tree: { aggregates, indicators }, dropped };
}

/** Which option an engine error is about, so the 400 names the field to change. */
const OPTION_OF: Partial<Record<string, string>> = {
  geometric_nonpositive: 'aggregate',
  harmonic_nonpositive: 'aggregate',
  normalise_invalid: 'normalise',
  reference_unknown: 'normalise',
  ahp_not_reciprocal: 'weights',
  ahp_invalid: 'weights',
  weights_invalid: 'weights',
  weight_invalid: 'weights',
  log_nonpositive: 'treat',
  group_missing: 'impute',
  denominator_missing: 'denominate',
  denominator_invalid: 'denominate',
};

function engineError(e: unknown): never {
  if (isIndexEngineError(e)) {
    const option = typeof e.details['option'] === 'string' ? e.details['option'] : OPTION_OF[e.code];
    throw new AppError('index_compute_invalid', e.message, [{ ...e.details, field: option ? `options.${option}` : 'options', engineCode: e.code, problem: e.message }]);
  }
  throw e;
}

export function evaluate(input: EvaluationInput): Evaluation {
  const o = input.options;
  const { tree, dropped } = pruneTree(input.tree, input.columns, o.dropMissing ?? false);
  let framework: Framework;
  try {
    framework = compileFramework(treeToSpec(tree));
  } catch (e) {
    engineError(e);
  }
  const n = input.units.length;
  const missing = (): Float64Array => new Float64Array(n).fill(NaN);
  const indicators: Record<string, Float64Array> = {};
  for (const ind of tree.indicators) indicators[ind.code] = input.columns.get(ind.code) ?? missing();
  const denominators: Record<string, Float64Array> = {};
  if (o.denominate) for (const ind of tree.indicators) if (ind.denominator) denominators[ind.denominator] = input.columns.get(ind.denominator) ?? missing();
  const config: PipelineConfig = {
    denominate: o.denominate ?? DEFAULT_COMPUTE.denominate,
    impute: (o.impute as ImputeSpec | undefined) ?? DEFAULT_COMPUTE.impute,
    treat: (o.treat as TreatSpec | undefined) ?? DEFAULT_COMPUTE.treat,
    normalise: (o.normalise as NormaliseSpec | undefined) ?? DEFAULT_COMPUTE.normalise,
    weights: (o.weights as WeightSpec | undefined) ?? DEFAULT_COMPUTE.weights,
    aggregate: o.aggregate ?? DEFAULT_COMPUTE.aggregate,
  };
  let result: PipelineResult;
  try {
    result = runPipeline(framework, { units: input.units, indicators, denominators, groups: { parent: input.parents ?? [] } }, config);
  } catch (e) {
    engineError(e);
  }
  const warnings = [...result.logs.normalise.map((w) => w.message), ...result.logs.weights.warnings];
  const u = { ...DEFAULT_COMPUTE.uncertainty, ...(o.uncertainty ?? {}) };
  let uncertainty: UncertaintyResult | null = null;
  const m = framework.indicatorCodes.length;
  if (u.replications > 0 && n >= 2) {
    try {
      // Normalisations and aggregations that keep every value positive, so the geometric mean is
      // always defined: min-max to [1, 100], and ranks (1..n).
      uncertainty = uncertaintyAnalysis(result, {
        replications: u.replications,
        seed: u.seed,
        weightPerturbation: u.weightPerturbation,
        normalisations: [{ method: 'minmax', lo: 1, hi: 100 }, { method: 'rank' }],
        aggregations: ['amean', 'gmean'],
        dropIndicator: m >= 2,
      });
    } catch (e) {
      if (!isIndexEngineError(e)) throw e;
      warnings.push(`uncertainty analysis skipped: ${e.message}`);
    }
  }
  const alpha: Record<string, number | null> = {};
  for (let k = 0; k < framework.aggregateCodes.length; k++) {
    const kids: Float64Array[] = [];
    for (let p = framework.childStart[k]!; p < framework.childStart[k + 1]!; p++) {
      const c = framework.childIdx[p]!;
      if (c < m) kids.push(result.normalised[c]!);
    }
    if (kids.length >= 2) alpha[framework.aggregateCodes[k]!] = cronbachAlpha(kids);
  }
  return {
    framework,
    tree,
    dropped,
    config,
    result,
    uncertainty,
    correlations: correlationMatrix(framework.indicatorCodes, result.normalised),
    parentCorrelations: parentCorrelations(result),
    alpha,
    warnings,
  };
}

// ------------------------------------------------------------------ gathering

export interface GatheredInputs {
  units: UnitRef[];
  columns: Map<string, Float64Array>;
  /** Per code: where its values came from. */
  sources: Record<string, { provider: string | null; computed: number; imported: number; stored: number }>;
}

/** Values of the codes for the units: providers first, imported values override them cell by cell. */
export async function gatherInputs(db: Sql, codes: readonly string[], units: UnitRef[], period: Period, level: IndexLevel, asOf: Date): Promise<GatheredInputs> {
  const n = units.length;
  const pos = new Map(units.map((u, i) => [u.id, i]));
  const columns = new Map<string, Float64Array>();
  const sources: GatheredInputs['sources'] = {};
  for (const c of codes) {
    columns.set(c, new Float64Array(n).fill(NaN));
    sources[c] = { provider: null, computed: 0, imported: 0, stored: 0 };
  }
  const wanted = new Set(codes);
  const req = { level, period, regionIds: units.map((u) => u.id), units, asOf };
  for (const p of PROVIDERS) {
    const mine = p.codes.filter((c) => wanted.has(c.code)).map((c) => c.code);
    if (mine.length === 0) continue;
    for (const c of mine) sources[c]!.provider = p.name;
    const values = await p.compute(db, req);
    for (const [regionId, byCode] of values) {
      const i = pos.get(regionId);
      if (i === undefined) continue;
      for (const c of mine) {
        const v = byCode.get(c);
        if (v === undefined) continue;
        columns.get(c)![i] = v;
        sources[c]!.computed++;
      }
    }
  }
  const stored = await repo.loadValues(db, codes, req.regionIds, period.key);
  for (const r of stored) {
    const i = pos.get(r.regionId);
    if (i === undefined) continue;
    const col = columns.get(r.indicatorCode)!;
    const s = sources[r.indicatorCode]!;
    if (r.source.startsWith('imported:')) {
      if (col[i] === col[i] && s.provider) s.computed--;
      col[i] = r.value;
      s.imported++;
    } else if (!s.provider && col[i] !== col[i]) {
      // A value computed earlier by a provider that is no longer registered.
      col[i] = r.value;
      s.stored++;
    }
  }
  return { units, columns, sources };
}

// ------------------------------------------------------------------ the command

export interface ComputeRequest {
  framework: string;
  version?: number | undefined;
  period: string;
  level: IndexLevel;
  /** Region code whose subtree the units are drawn from (default: the actor's whole scope). */
  scope?: string | undefined;
  options?: ComputeOptions | undefined;
}

const arr = (c: ArrayLike<number>): (number | null)[] => Array.from(c, (v) => (v === v ? v : null));

function columnsJson(codes: readonly string[], cols: readonly Float64Array[]): Record<string, (number | null)[]> {
  return Object.fromEntries(codes.map((c, j) => [c, arr(cols[j]!)]));
}

const sameColumns = (a: readonly Float64Array[], b: readonly Float64Array[]): boolean =>
  a.length === b.length && a.every((c, j) => c.length === b[j]!.length && c.every((v, i) => Object.is(v, b[j]![i]!)));

export interface SnapshotSummary {
  id: number;
  framework: { code: string; version: number };
  period: string;
  level: IndexLevel;
  unitCount: number;
  dropped: string[];
  warnings: string[];
}

export async function computeSnapshot(db: Database, ctx: Ctx, r: ComputeRequest): Promise<SnapshotSummary> {
  authorize(ctx.actor, 'index.compute');
  const period = parsePeriod(r.period);
  if (!period) throw invalid('period', "must be a year '2026', a quarter '2026-Q3' or a month '2026-11'");
  const options = r.options ?? {};
  // The API validates options by schema already; the CLI and other callers get the same check.
  const bad = Value.Errors(ComputeOptionsSchema, options).First();
  if (bad) throw invalid(`options${bad.path.replace(/\//g, '.')}`, bad.message);
  const fw = await getFramework(db, r.framework, r.version);
  let scope = scopeFor(ctx.actor, 'index.compute');
  let scopeRegionId: number | null = null;
  if (r.scope !== undefined) {
    const region = await repo.regionByCode(db, r.scope, null);
    if (!region || !coversRegion(ctx.actor, 'index.compute', region.path)) throw new AppError('region_not_found', `No region ${r.scope} in your scope.`, [{ field: 'scope' }]);
    scope = [region.path];
    scopeRegionId = region.id;
  }
  const units = await repo.unitsAtLevel(db, r.level, scope);
  if (units.length === 0) throw new AppError('index_compute_invalid', `there is no ${r.level} in scope to compute an index for`, [{ field: 'level', problem: 'no units' }]);
  const tree = fw.tree;
  const codes = [...new Set([...tree.indicators.map((i) => i.code), ...tree.indicators.flatMap((i) => (i.denominator ? [i.denominator] : []))])];
  const asOf = ctx.now;
  const gathered = await gatherInputs(db, codes, units, period, r.level, asOf);
  const ev = evaluate({ tree, units: units.map((u) => u.code), parents: units.map((u) => u.parentCode ?? undefined), columns: gathered.columns, options });
  const res = ev.result;
  const fwc = ev.framework;
  const unc = ev.uncertainty;

  const scopePathsStored = scope === null ? ['/'] : scope;
  const stageOrder = ['denominated', 'imputed', 'treated', 'normalised'] as const;
  const stages: Record<string, Record<string, (number | null)[]> | string> = {};
  let prev: { name: string; cols: Float64Array[] } = { name: 'raw', cols: res.raw };
  for (const s of stageOrder) {
    const cols = res[s];
    // A stage that changed nothing refers to the previous one instead of repeating it.
    stages[s] = sameColumns(cols, prev.cols) ? `=${prev.name}` : columnsJson(res.indicatorCodes, cols);
    if (typeof stages[s] !== 'string') prev = { name: s, cols };
  }
  const weightOf = (code: string): number => res.weights[fwc.nodeIndex.get(code)!]!;
  const outputs = {
    root: fwc.root,
    units: units.map((u) => ({ id: u.id, code: u.code, name: u.name, parentCode: u.parentCode })),
    indicators: ev.tree.indicators.map((i) => ({ ...i, weightUsed: weightOf(i.code), source: gathered.sources[i.code] })),
    aggregates: fwc.aggregateCodes.map((code) => {
      const a = ev.tree.aggregates.find((x) => x.code === code)!;
      return { ...a, weightUsed: weightOf(code), level: fwc.levels[fwc.nodeIndex.get(code)!]! };
    }),
    dropped: ev.dropped,
    stages,
    scores: columnsJson(fwc.aggregateCodes, res.aggregated),
    ranks: columnsJson(fwc.aggregateCodes, res.ranks),
    analysis: {
      uncertainty: unc
        ? {
            target: unc.target,
            replications: unc.replications,
            medianRank: arr(unc.medianRank),
            p05Rank: arr(unc.p05Rank),
            p95Rank: arr(unc.p95Rank),
            meanAbsShift: arr(unc.meanAbsShift),
            sensitivity: unc.sensitivity,
          }
        : null,
      correlations: ev.correlations,
      parentCorrelations: ev.parentCorrelations,
      cronbachAlpha: ev.alpha,
    },
    logs: { impute: res.logs.impute, treat: res.logs.treat, weights: res.logs.weights },
    warnings: ev.warnings,
  };
  const inputs = {
    units: units.map((u) => u.code),
    indicators: Object.fromEntries(ev.tree.indicators.map((i) => [i.code, arr(gathered.columns.get(i.code)!)])),
    denominators: Object.fromEntries(
      [...new Set(ev.tree.indicators.flatMap((i) => (i.denominator ? [i.denominator] : [])))].map((c) => [c, arr(gathered.columns.get(c) ?? new Float64Array(units.length).fill(NaN))]),
    ),
    sources: gathered.sources,
  };
  const parameters = {
    framework: { code: fw.code, version: fw.version, id: fw.id },
    period: period.key,
    periodBounds: { from: period.from.toISOString(), to: period.to.toISOString() },
    level: r.level,
    scope: r.scope ?? null,
    asOf: asOf.toISOString(),
    options,
    pipeline: ev.config,
    uncertainty: unc ? { ...DEFAULT_COMPUTE.uncertainty, ...(options.uncertainty ?? {}), normalisations: ['minmax 1..100', 'rank'], aggregations: ['amean', 'gmean'], dropIndicator: fwc.indicatorCodes.length >= 2 } : null,
    tree: ev.tree,
  };
  const rows: repo.SnapshotRowInsert[] = units.map((u, i) => {
    const aggregates: Record<string, number | null> = {};
    const ranks: Record<string, number | null> = {};
    fwc.aggregateCodes.forEach((code, k) => {
      const v = res.aggregated[k]![i]!;
      const rk = res.ranks[k]![i]!;
      aggregates[code] = v === v ? v : null;
      ranks[code] = rk === rk ? rk : null;
    });
    const num = (x: number | undefined): number | null => (x !== undefined && x === x ? x : null);
    return {
      regionId: u.id,
      regionCode: u.code,
      regionName: u.name,
      regionPath: u.path,
      score: aggregates[fwc.root] ?? null,
      rank: ranks[fwc.root] ?? null,
      medianRank: num(unc?.medianRank[i]),
      rankP05: num(unc?.p05Rank[i]),
      rankP95: num(unc?.p95Rank[i]),
      aggregates,
      ranks,
    };
  });
  const computed: { indicatorCode: string; regionId: number; period: string; value: number }[] = [];
  for (const [code, s] of Object.entries(gathered.sources)) {
    if (!s.provider) continue;
    const col = gathered.columns.get(code)!;
    units.forEach((u, i) => {
      const v = col[i]!;
      if (v === v) computed.push({ indicatorCode: code, regionId: u.id, period: period.key, value: v });
    });
  }
  const who = actorLabel(ctx.actor);
  const id = await inTx(db, ctx, async (c) => {
    const snapshotId = await repo.insertSnapshot(
      c.tx,
      {
        frameworkId: fw.id,
        frameworkCode: fw.code,
        frameworkVersion: fw.version,
        period: period.key,
        level: r.level,
        scopePaths: scopePathsStored,
        unitCount: units.length,
        parameters,
        inputs,
        outputs,
        createdByType: who.type,
        createdById: who.id,
        createdByName: who.name,
        createdAt: c.now,
      },
      rows,
    );
    // Imported values win over computed ones: the upsert leaves imported cells alone.
    await repo.upsertComputedValues(c.tx, computed, c.now);
    await recordAudit(c, {
      action: 'index.snapshot.create',
      targetType: 'index_snapshot',
      targetId: snapshotId,
      regionId: scopeRegionId,
      before: null,
      after: { framework: fw.code, version: fw.version, period: period.key, level: r.level, units: units.length, dropped: ev.dropped.map((d) => d.code) },
    });
    return snapshotId;
  });
  return {
    id,
    framework: { code: fw.code, version: fw.version },
    period: period.key,
    level: r.level,
    unitCount: units.length,
    dropped: ev.dropped.map((d) => d.code),
    warnings: ev.warnings,
  };
}

