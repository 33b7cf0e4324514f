/**
 * Reading snapshots, always through the reader's scope: the ranking table (with Monte Carlo rank
 * intervals and every dimension), one region against a benchmark (radar-chart data), trends over
 * periods, and the choropleth GeoJSON. A snapshot or region the reader may not see answers 404
 * exactly like a missing one.
 */
import type { Actor } from '../../platform/actor.js';
import type { Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import type { FrameworkTree, IndicatorNode } from './framework.service.js';
import * as repo from './governance-index.repository.js';
import { authorize, scopeFor } from './governance-index.policy.js';
import { comparePeriods, parsePeriod, type PeriodGrain } from './periods.js';
import type { IndexLevel } from './providers/types.js';

type Col = (number | null)[];

export interface SnapshotOutputs {
  root: string;
  units: { id: number; code: string; name: string; parentCode: string | null }[];
  indicators: (IndicatorNode & { weightUsed: number; source?: { provider: string | null; computed: number; imported: number; stored: number } })[];
  aggregates: { code: string; nameZh?: string; nameEn?: string; weight: number; parent?: string; weightUsed: number; level: number }[];
  dropped: { code: string; kind: string; reason: string }[];
  stages: Record<string, Record<string, Col> | string>;
  scores: Record<string, Col>;
  ranks: Record<string, Col>;
  analysis: {
    uncertainty: { target: string; replications: number; medianRank: Col; p05Rank: Col; p95Rank: Col; meanAbsShift: Col; sensitivity: unknown[] } | null;
    correlations: { codes: string[]; matrix: (number | null)[][] };
    parentCorrelations: { code: string; parent: string; r: number | null }[];
    cronbachAlpha: Record<string, number | null>;
  };
  logs: Record<string, unknown>;
  warnings: string[];
}

export interface SnapshotInputs {
  units: string[];
  indicators: Record<string, Col>;
  denominators: Record<string, Col>;
  sources: Record<string, unknown>;
}

export const STAGE_NAMES = ['raw', 'denominated', 'imputed', 'treated', 'normalised'] as const;
export type StageKey = (typeof STAGE_NAMES)[number];

/** The indicator columns of a stage, following "=previous" references. */
export function stageColumns(out: SnapshotOutputs, inputs: SnapshotInputs | null, stage: StageKey): Record<string, Col> {
  if (stage === 'raw') {
    if (!inputs) throw new Error('raw stage needs the snapshot inputs');
    return inputs.indicators;
  }
  const v = out.stages[stage];
  if (typeof v === 'string') return stageColumns(out, inputs, v.slice(1) as StageKey);
  if (!v) throw new Error(`snapshot has no stage ${stage}`);
  return v;
}

const mean = (xs: Col): number | null => {
  let s = 0;
  let n = 0;
  for (const x of xs) {
    if (x === null) continue;
    s += x;
    n++;
  }
  return n ? s / n : null;
};

async function loadVisible(db: Sql, actor: Actor, id: number, withInputs = false): Promise<{ head: repo.SnapshotFull; out: SnapshotOutputs; inputs: SnapshotInputs | null; scope: string[] | null }> {
  authorize(actor, 'index.read');
  const scope = scopeFor(actor, 'index.read');
  const head = await repo.getSnapshot(db, id, scope, { withInputs });
  if (!head) throw new AppError('index_snapshot_not_found', `No index snapshot ${id}.`);
  return { head, out: head.outputs as unknown as SnapshotOutputs, inputs: withInputs ? (head.inputs as unknown as SnapshotInputs) : null, scope };
}

function headJson(h: repo.SnapshotHead) {
  return {
    id: h.id,
    framework: { code: h.frameworkCode, version: h.frameworkVersion },
    period: h.period,
    level: h.level,
    unitCount: h.unitCount,
    createdAt: h.createdAt.toISOString(),
    createdBy: h.createdByName,
  };
}

export async function listSnapshotsFor(db: Sql, actor: Actor, f: { framework?: string; period?: string; level?: string; before?: number; limit?: number }) {
  authorize(actor, 'index.read');
  const rows = await repo.listSnapshots(db, scopeFor(actor, 'index.read'), { ...f, limit: f.limit ?? 50 });
  return { items: rows.map(headJson) };
}

function dimensionsMeta(out: SnapshotOutputs) {
  return out.aggregates.map((a) => ({ code: a.code, nameZh: a.nameZh ?? a.code, nameEn: a.nameEn ?? a.code, parent: a.parent ?? null, level: a.level, weight: a.weightUsed }));
}

function rowJson(r: repo.SnapshotRow, root: string) {
  return {
    regionCode: r.regionCode,
    regionName: r.regionName,
    score: r.score,
    rank: r.rank,
    medianRank: r.medianRank,
    rankInterval: r.rankP05 === null || r.rankP95 === null ? null : [r.rankP05, r.rankP95],
    dimensions: Object.fromEntries(Object.entries(r.aggregates).filter(([c]) => c !== root).map(([c, v]) => [c, { score: v, rank: r.ranks[c] ?? null }])),
  };
}

/** The ranking table: one row per unit in the reader's scope, best first. */
export async function snapshotView(db: Sql, actor: Actor, id: number) {
  const { head, out, scope } = await loadVisible(db, actor, id);
  const rows = await repo.snapshotRows(db, id, scope);
  return {
    ...headJson(head),
    parameters: head.parameters,
    index: { code: out.root, nameZh: out.aggregates.find((a) => a.code === out.root)?.nameZh ?? out.root },
    dimensions: dimensionsMeta(out).filter((d) => d.code !== out.root),
    indicators: out.indicators.map((i) => ({ code: i.code, nameZh: i.nameZh ?? i.code, nameEn: i.nameEn ?? i.code, unit: i.unit ?? null, direction: i.direction, parent: i.parent, weight: i.weightUsed })),
    dropped: out.dropped,
    uncertainty: out.analysis.uncertainty ? { replications: out.analysis.uncertainty.replications, interval: '5th–95th percentile of the rank' } : null,
    cronbachAlpha: out.analysis.cronbachAlpha,
    warnings: out.warnings,
    rows: rows.map((r) => rowJson(r, out.root)),
  };
}

/**
 * One region against a benchmark: every dimension and indicator (normalised) of the region and
 * of the benchmark, which is the mean over all the snapshot's units ('mean', the city mean) or
 * another unit of the snapshot that the reader may see.
 */
export async function regionView(db: Sql, actor: Actor, id: number, code: string, benchmark: string = 'mean') {
  const { head, out, inputs, scope } = await loadVisible(db, actor, id, true);
  const [row] = await repo.snapshotRows(db, id, scope, code);
  if (!row) throw new AppError('region_not_found', `Region ${code} is not in snapshot ${id}.`);
  const i = out.units.findIndex((u) => u.code === code);
  let b: number | null = null;
  let bench: { kind: 'mean' | 'unit'; regionCode: string | null; regionName: string | null };
  if (benchmark === 'mean') {
    bench = { kind: 'mean', regionCode: null, regionName: null };
  } else {
    const [other] = await repo.snapshotRows(db, id, scope, benchmark);
    if (!other) throw invalid('benchmark', `region ${benchmark} is not a unit of this snapshot in your scope`);
    b = out.units.findIndex((u) => u.code === benchmark);
    bench = { kind: 'unit', regionCode: other.regionCode, regionName: other.regionName };
  }
  const at = (c: Col | undefined, k: number): number | null => (c ? (c[k] ?? null) : null);
  const benchOf = (c: Col | undefined): number | null => (c === undefined ? null : b === null ? mean(c) : at(c, b));
  const normalised = stageColumns(out, inputs, 'normalised');
  const raw = stageColumns(out, inputs, 'raw');
  const dims = dimensionsMeta(out).map((d) => {
    const v = at(out.scores[d.code], i);
    const bv = benchOf(out.scores[d.code]);
    return { ...d, score: v, rank: at(out.ranks[d.code], i), benchmark: bv, difference: v !== null && bv !== null ? v - bv : null };
  });
  return {
    snapshot: headJson(head),
    region: { code: row.regionCode, name: row.regionName },
    score: row.score,
    rank: row.rank,
    medianRank: row.medianRank,
    rankInterval: row.rankP05 === null || row.rankP95 === null ? null : [row.rankP05, row.rankP95],
    benchmark: { ...bench, score: benchOf(out.scores[out.root]) },
    // Radar chart: the dimensions directly under the index.
    radar: dims.filter((d) => d.parent === out.root),
    dimensions: dims.filter((d) => d.code !== out.root),
    indicators: out.indicators.map((ind) => {
      const v = at(normalised[ind.code], i);
      const bv = benchOf(normalised[ind.code]);
      return {
        code: ind.code,
        nameZh: ind.nameZh ?? ind.code,
        parent: ind.parent,
        unit: ind.unit ?? null,
        raw: at(raw[ind.code], i),
        normalised: v,
        benchmark: bv,
        difference: v !== null && bv !== null ? v - bv : null,
      };
    }),
  };
}

export async function trendView(db: Sql, actor: Actor, q: { framework: string; region: string; level?: IndexLevel | undefined; grain?: PeriodGrain | undefined }) {
  authorize(actor, 'index.read');
  const scope = scopeFor(actor, 'index.read');
  const region = await repo.regionByCode(db, q.region, scope);
  if (!region) throw new AppError('region_not_found', `No region ${q.region}.`);
  const level = q.level ?? (region.level as IndexLevel);
  const points = (await repo.trend(db, { framework: q.framework, level, regionId: region.id }, scope))
    .filter((p) => !q.grain || parsePeriod(p.period)?.grain === q.grain)
    .sort((a, b) => comparePeriods(a.period, b.period));
  return {
    framework: q.framework,
    level,
    region: { code: region.code, name: region.name },
    points: points.map((p) => ({
      period: p.period,
      snapshotId: p.snapshotId,
      frameworkVersion: p.frameworkVersion,
      score: p.score,
      rank: p.rank,
      unitCount: p.unitCount,
      rankInterval: p.rankP05 === null || p.rankP95 === null ? null : [p.rankP05, p.rankP95],
      dimensions: p.aggregates,
    })),
  };
}

/** Choropleth: simplified boundaries with the index and every dimension as properties. */
export async function geojsonView(db: Sql, actor: Actor, id: number, tolerance: number) {
  const { head, out, scope } = await loadVisible(db, actor, id);
  const rows = await repo.snapshotRows(db, id, scope);
  const geoms = await repo.snapshotGeometries(db, id, scope, tolerance);
  return {
    type: 'FeatureCollection' as const,
    snapshot: headJson(head),
    index: out.root,
    dimensions: dimensionsMeta(out),
    features: rows.map((r) => {
      const g = geoms.get(r.regionId);
      return {
        type: 'Feature' as const,
        id: r.regionCode,
        geometry: g ? (JSON.parse(g) as unknown) : null,
        properties: {
          code: r.regionCode,
          name: r.regionName,
          index: r.score,
          rank: r.rank,
          medianRank: r.medianRank,
          rankP05: r.rankP05,
          rankP95: r.rankP95,
          ...Object.fromEntries(Object.entries(r.aggregates).filter(([c]) => c !== out.root)),
        },
      };
    }),
  };
}

export interface ReportData {
  head: repo.SnapshotFull;
  out: SnapshotOutputs;
  inputs: SnapshotInputs;
  rows: repo.SnapshotRow[];
  frameworkName: string;
  tree: FrameworkTree;
}

/** Everything the report needs, inside the reader's scope. */
export async function reportData(db: Sql, actor: Actor, id: number): Promise<ReportData> {
  const { head, out, inputs, scope } = await loadVisible(db, actor, id, true);
  const rows = await repo.snapshotRows(db, id, scope);
  const fw = await repo.getFrameworkById(db, head.frameworkId);
  return { head, out, inputs: inputs!, rows, frameworkName: fw?.nameZh ?? head.frameworkCode, tree: (head.parameters['tree'] as FrameworkTree | undefined) ?? fw!.tree };
}
