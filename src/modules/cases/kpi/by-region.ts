/**
 * Case KPIs per region over a window, for other modules (the governance index): the figures of
 * docs/kpi-definitions.md with their numerators and denominators, plus the share of cases under
 * supervision (督办).
 *
 * Source: the rollups (regions at depth ≤ 4) or the facts (deeper regions), summed over the
 * Asia/Shanghai days of the window — `from` is taken at its day, `to` is exclusive (a period
 * [2026-01-01 00:00, 2026-04-01 00:00) Shanghai time is exactly the days 2026-01-01 … 2026-03-31).
 * The rollups hold each case as of the last fold; when `asOf` lies before the last fold (a figure
 * "as it stood then"), they may hold later events, so the figures are computed case by case from
 * the timeline instead (`source: 'timeline'`), with computeKpis' own `asOf` rule.
 */
import type { Sql } from '../../../platform/db.js';
import { computeKpis, localDateOf, type Ratio } from '../sla/index.js';
import { slaCalendar } from '../scheduler/deadlines.js';
import { ROLLUP_MAX_DEPTH, caseSummaryOf } from './facts.js';
import * as repo from './kpi.repository.js';
import { ratesFromCounters, ratio, type CounterRates } from './rates.js';

export interface CaseKpisQuery {
  /** The regions to report on (any level; a case counts in every ancestor of its region). */
  regionIds: readonly number[];
  /** Cohort window on the reporting time: from ≤ reportedAt < to. */
  from: Date;
  to: Date;
  /** Evaluate as of this instant (default: the rollups as they stand). */
  asOf?: Date | undefined;
}

/** intake (merged duplicates included) and the rates of docs/kpi-definitions.md, plus what the index needs. */
export interface RegionCaseKpis extends CounterRates {
  regionId: number;
  /** Cases of 应处置 with a supervision ticket (督办单) opened by asOf / 应处置. */
  supervised: Ratio;
  /** Snapshots of the window's cases (still open; open and past their deadline). */
  backlog: number;
  overdue: number;
  source: 'rollup' | 'facts' | 'timeline';
}


/** Per region id; regions that do not exist are left out. */
export async function caseKpisByRegion(sql: Sql, q: CaseKpisQuery): Promise<Map<number, RegionCaseKpis>> {
  const out = new Map<number, RegionCaseKpis>();
  const regions = await repo.regionsByIds(sql, [...new Set(q.regionIds)]);
  if (regions.length === 0 || q.to.getTime() <= q.from.getTime()) return out;
  const asOf = q.asOf ?? null;
  const fold = await repo.foldState(sql);
  // Never folded, or folded after asOf: only the timeline knows the figures as they stood then.
  if (asOf !== null && (fold.lastFoldAt === null || asOf.getTime() < new Date(fold.lastFoldAt).getTime())) return fromTimeline(sql, regions, q, asOf);

  const fromDay = localDateOf(q.from);
  const toDay = localDateOf(new Date(q.to.getTime() - 1));
  const shallow = regions.filter((r) => r.depth <= ROLLUP_MAX_DEPTH);
  const deep = regions.filter((r) => r.depth > ROLLUP_MAX_DEPTH);
  const sums = new Map<number, repo.Sums>();
  if (shallow.length) for (const s of await repo.rollupQuery(sql, { regionIds: shallow.map((r) => r.id), group: 'region', fromDay, toDay })) sums.set(Number(s.key), s);
  if (deep.length) {
    const byPath = new Map(deep.map((r) => [r.path, r.id]));
    for (const s of await repo.factQuery(sql, { paths: deep.map((r) => r.path), group: 'region', fromDay, toDay })) sums.set(byPath.get(s.key)!, s);
  }
  const supervised = await repo.supervisedDueByPath(sql, { paths: regions.map((r) => r.path), fromDay, toDay, asOf: asOf ?? new Date() });
  for (const r of regions) {
    const s = sums.get(r.id);
    const g = (k: keyof repo.Sums['c']) => s?.c[k] ?? 0;
    out.set(r.id, {
      regionId: r.id,
      ...ratesFromCounters(g),
      supervised: ratio(supervised.get(r.path) ?? 0, g('due')),
      backlog: g('backlog'),
      overdue: g('overdue'),
      source: r.depth <= ROLLUP_MAX_DEPTH ? 'rollup' : 'facts',
    });
  }
  return out;
}

/** Case by case from rows and timelines, as of `asOf` (the same summaries the fold builds). */
async function fromTimeline(sql: Sql, regions: repo.RegionRow[], q: CaseKpisQuery, asOf: Date): Promise<Map<number, RegionCaseKpis>> {
  const ids = await repo.cohortCaseIds(sql, { paths: regions.map((r) => r.path), from: q.from, to: q.to, asOf });
  const [rows, aggs, facts, tickets] = ids.length
    ? [await repo.loadFactCases(sql, ids), await repo.loadEventAggs(sql, ids), await repo.loadFacts(sql, ids), await repo.supervisedCaseIds(sql, ids, asOf)]
    : [[], new Map(), new Map(), new Set<number>()];
  const cal = slaCalendar();
  const summaries = rows.map((k) => {
    const prev = facts.get(k.id);
    return { k, s: caseSummaryOf(k, aggs.get(k.id), cal, prev?.handled_deadline ? new Date(prev.handled_deadline) : null) };
  });
  const out = new Map<number, RegionCaseKpis>();
  for (const r of regions) {
    const mine = summaries.filter((x) => x.k.region_path.startsWith(r.path));
    const v = computeKpis(mine.map((x) => x.s), { from: q.from, to: q.to, asOf });
    // 应处置 as computeKpis counts it: accepted by asOf, not merged, not referred out by asOf.
    const due = mine.filter((x) => computeKpis([x.s], { from: q.from, to: q.to, asOf }).disposal.denominator === 1);
    out.set(r.id, {
      regionId: r.id,
      intake: v.intake,
      acceptance: v.acceptance,
      disposal: v.disposal,
      onTimeDisposal: v.onTimeDisposal,
      closure: v.closure,
      rework: v.rework,
      reopen: v.reopen,
      satisfaction: v.satisfaction,
      supervised: ratio(due.filter((x) => tickets.has(x.k.id)).length, v.disposal.denominator),
      backlog: v.backlog,
      overdue: v.overdue,
      source: 'timeline',
    });
  }
  return out;
}
