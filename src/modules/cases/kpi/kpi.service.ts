/**
 * KPI queries (command-centre tiles, tables by dimension, rankings) and supervision tickets.
 *
 * Where the numbers come from: rollup rows for regions down to depth 4 (city, district, street,
 * community) by day, and per dimension (category, department, channel) down to depth 2 (city,
 * district); anything finer is summed from the per-case facts (small by construction). Both give the
 * same sums: rollups are sums of facts. Percentiles are exact (percentile_cont over the facts) when
 * the window holds at most EXACT_PERCENTILE_LIMIT handled cases, else read from the rollups'
 * histogram (error bound in buckets.ts).
 */
import type { Actor } from '../../../platform/actor.js';
import { inTx, type Ctx } from '../../../platform/context.js';
import type { Database, Sql } from '../../../platform/db.js';
import { AppError, invalid } from '../../../platform/errors.js';
import { recordAudit } from '../../audit/index.js';
import { publishEvent } from '../../notifications/index.js';
import { insertCaseEvent } from '../scheduler/scheduler.repository.js';
import type { KpiValues, Ratio } from '../sla/kpi.js';
import { localDateOf } from '../sla/zoned-time.js';
import { histPercentile } from './buckets.js';
import { DIM_MAX_DEPTH, ROLLUP_MAX_DEPTH } from './facts.js';
import { actorUserId, authorizeKpi, authorizeTicketClose, authorizeTicketList, defaultKpiRegionPath, mayViewKpisOf, mayViewTicket, ticketScope } from './kpi.policy.js';
import * as repo from './kpi.repository.js';
import { answeredCallbacks, ratesFromCounters, ratio } from './rates.js';
import type { GroupBy, RegionRow, Sums, TicketRow } from './kpi.repository.js';

export const EXACT_PERCENTILE_LIMIT = 20_000;
/** The tiles are read every few seconds by every screen: exact percentiles only for small windows. */
export const SUMMARY_EXACT_PERCENTILE_LIMIT = 2_000;
export const MAX_WINDOW_DAYS = 3_700;

export type { Ratio };

export interface Durations {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  meanMs: number | null;
}

/** The documented KPIs (sla/kpi.ts), with the callback breakdown and how percentiles were taken. */
export interface KpiFigures extends Omit<KpiValues, 'handlingTime'> {
  callbacks: { satisfied: number; basicallySatisfied: number; dissatisfied: number };
  handlingTime: { working: Durations; elapsed: Durations; excluded: number; percentiles: 'exact' | 'histogram' };
}

export interface KpiWindow {
  from: string;
  to: string;
}


const DATE = /^\d{4}-\d{2}-\d{2}$/;
function validDay(field: string, v: string): string {
  const t = Date.parse(`${v}T00:00:00Z`);
  if (!DATE.test(v) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v) throw invalid(field, "must be a date 'YYYY-MM-DD'");
  return v;
}

/** The window [from, to] in Shanghai days (both inclusive); default: this month to today. */
export function parseWindow(q: { from?: string | undefined; to?: string | undefined }, now: Date): KpiWindow {
  const today = localDateOf(now);
  const to = q.to !== undefined ? validDay('to', q.to) : today;
  const from = q.from !== undefined ? validDay('from', q.from) : `${to.slice(0, 7)}-01`;
  if (from > to) throw invalid('from', 'must not be after to');
  if (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) > MAX_WINDOW_DAYS * 86_400_000) throw invalid('from', `the window may span at most ${MAX_WINDOW_DAYS} days`);
  return { from, to };
}

/** The region a request is about, checked against the actor's KPI scope (404 when outside). */
export async function resolveRegion(sql: Sql, actor: Actor, code: string | undefined): Promise<RegionRow> {
  authorizeKpi(actor);
  let r: RegionRow | null;
  if (code === undefined) {
    const path = defaultKpiRegionPath(actor);
    if (path === null) throw invalid('region', 'is required: name the region (its 12-digit code)');
    r = await repo.regionByPath(sql, path);
  } else {
    r = await repo.regionByCode(sql, code);
  }
  if (!r || !mayViewKpisOf(actor, r.path)) throw new AppError('region_not_found', `region: no region ${code ?? ''} in your scope`.trim());
  return r;
}

function figures(win: Sums | undefined, snap: { backlog: number; overdue: number }, pct: { wMedian: number | null; wP90: number | null; eMedian: number | null; eP90: number | null } | null): KpiFigures {
  const c = win?.c;
  const g = (k: keyof Sums['c']) => c?.[k] ?? 0;
  const answered = answeredCallbacks(g);
  const htc = win?.ht_count ?? 0;
  const hec = win?.ht_elapsed_count ?? 0;
  let wMedian: number | null = null;
  let wP90: number | null = null;
  let method: 'exact' | 'histogram' = 'exact';
  if (pct) {
    wMedian = pct.wMedian;
    wP90 = pct.wP90;
  } else if (win?.hist) {
    method = 'histogram';
    wMedian = histPercentile(win.hist, 0.5);
    wP90 = histPercentile(win.hist, 0.9);
  }
  return {
    ...ratesFromCounters(g),
    satisfiedOnly: ratio(g('cb_satisfied'), answered),
    callbacks: { satisfied: g('cb_satisfied'), basicallySatisfied: g('cb_basic'), dissatisfied: g('cb_dissatisfied') },
    handlingTime: {
      working: { count: htc, medianMs: htc ? wMedian : null, p90Ms: htc ? wP90 : null, meanMs: htc ? (win!.ht_working_sum_ms / htc) : null },
      elapsed: { count: hec, medianMs: hec && pct ? pct.eMedian : null, p90Ms: hec && pct ? pct.eP90 : null, meanMs: hec ? win!.ht_elapsed_sum_ms / hec : null },
      excluded: g('ht_excluded'),
      percentiles: method,
    },
    backlog: snap.backlog,
    overdue: snap.overdue,
  };
}

export type KpiBy = 'region' | 'department' | 'category' | 'channel' | 'day' | 'week' | 'month';

export interface KpiRow {
  key: string;
  label: string;
  /** Region rows: the region's code and level. */
  code?: string;
  level?: string;
  kpis: KpiFigures;
}

export interface Freshness {
  /** When the rollups were last brought up to date. */
  foldedAt: string | null;
  /** Cases whose latest events are not in the figures yet. */
  pendingCases: number;
}

interface Plan {
  source: 'rollup' | 'facts';
  regionIds: number[];
  paths: string[];
}

const planFor = (region: RegionRow, group: GroupBy): Plan => {
  const dims = group === 'category' || group === 'department' || group === 'channel';
  const ok = region.depth <= (dims ? DIM_MAX_DEPTH : ROLLUP_MAX_DEPTH);
  return { source: ok ? 'rollup' : 'facts', regionIds: [region.id], paths: [region.path] };
};

async function sumsFor(sql: Sql, plan: Plan, group: GroupBy, fromDay: string | null, toDay: string | null): Promise<Sums[]> {
  return plan.source === 'rollup'
    ? repo.rollupQuery(sql, { regionIds: plan.regionIds, group, fromDay, toDay })
    : repo.factQuery(sql, { paths: plan.paths, group, fromDay, toDay });
}

/** Figures per group key for one region, one grouping, one window. */
async function grouped(sql: Sql, region: RegionRow, group: GroupBy, w: KpiWindow, exactLimit: number): Promise<Map<string, KpiFigures>> {
  const plan = planFor(region, group);
  const win = await sumsFor(sql, plan, group, w.from, w.to);
  const timeGroup = group === 'day' || group === 'week' || group === 'month';
  // Snapshots count every open case, whatever its reporting day; in a time grouping, those of the period.
  const snapRows = timeGroup ? win : await sumsFor(sql, plan, group, null, null);
  const snaps = new Map(snapRows.map((s) => [s.key, { backlog: s.c.backlog, overdue: s.c.overdue }]));
  const handled = win.reduce((a, s) => a + s.ht_count + s.ht_elapsed_count, 0);
  const pct = plan.source === 'facts' || handled <= exactLimit ? await repo.factPercentiles(sql, { paths: [region.path], group, fromDay: w.from, toDay: w.to }) : null;
  const keys = new Set([...win.map((s) => s.key), ...(timeGroup ? [] : [...snaps.entries()].filter(([, v]) => v.backlog > 0 || v.overdue > 0).map(([k]) => k))]);
  const byKey = new Map(win.map((s) => [s.key, s]));
  const out = new Map<string, KpiFigures>();
  for (const k of [...keys].sort()) {
    out.set(k, figures(byKey.get(k), snaps.get(k) ?? { backlog: 0, overdue: 0 }, pct ? (pct.get(k) ?? { wMedian: null, wP90: null, eMedian: null, eP90: null }) : null));
  }
  return out;
}

/** Figures for the sub-regions of a region (its children, or its units at `level`). */
async function byRegion(sql: Sql, region: RegionRow, level: string | null, w: KpiWindow, exactLimit: number): Promise<KpiRow[]> {
  const subs = await repo.subRegions(sql, region, level);
  if (subs.length === 0) return [];
  const viaRollup = subs.every((s) => s.depth <= ROLLUP_MAX_DEPTH);
  let win: Sums[];
  let snap: Sums[];
  let keyOf: (s: RegionRow) => string;
  if (viaRollup) {
    const ids = subs.map((s) => s.id);
    win = await repo.rollupQuery(sql, { regionIds: ids, group: 'region', fromDay: w.from, toDay: w.to });
    snap = await repo.rollupQuery(sql, { regionIds: ids, group: 'region', fromDay: null, toDay: null });
    keyOf = (s) => String(s.id);
  } else {
    const paths = subs.map((s) => s.path);
    win = await repo.factQuery(sql, { paths, group: 'region', fromDay: w.from, toDay: w.to });
    snap = await repo.factQuery(sql, { paths, group: 'region', fromDay: null, toDay: null });
    keyOf = (s) => s.path;
  }
  const handled = win.reduce((a, s) => a + s.ht_count + s.ht_elapsed_count, 0);
  const pct = !viaRollup || handled <= exactLimit ? await repo.factPercentiles(sql, { paths: subs.map((s) => s.path), group: 'region', fromDay: w.from, toDay: w.to }) : null;
  const wm = new Map(win.map((s) => [s.key, s]));
  const sm = new Map(snap.map((s) => [s.key, s]));
  return subs.map((s) => {
    const k = keyOf(s);
    const sn = sm.get(k);
    return {
      key: s.code,
      label: s.name,
      code: s.code,
      level: s.level,
      kpis: figures(wm.get(k), { backlog: sn?.c.backlog ?? 0, overdue: sn?.c.overdue ?? 0 }, pct ? (pct.get(s.path) ?? { wMedian: null, wP90: null, eMedian: null, eP90: null }) : null),
    };
  });
}

async function labelRows(sql: Sql, by: KpiBy, m: Map<string, KpiFigures>): Promise<KpiRow[]> {
  const keys = [...m.keys()];
  let label = (k: string) => k;
  if (by === 'department') {
    const names = await repo.departmentNames(sql, keys.filter((k) => k !== '').map(Number));
    label = (k) => (k === '' ? '（未派遣）' : (names.get(Number(k)) ?? k));
  } else if (by === 'category') {
    const names = await repo.categoryNames(sql, keys);
    label = (k) => names.get(k) ?? k;
  }
  return keys.map((k) => ({ key: k, label: label(k), kpis: m.get(k)! }));
}

export interface KpiQuery {
  region?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export async function freshness(sql: Sql): Promise<Freshness> {
  const s = await repo.foldState(sql);
  return { foldedAt: s.lastFoldAt ? new Date(s.lastFoldAt).toISOString() : null, pendingCases: s.pending };
}

const regionOut = (r: RegionRow) => ({ code: r.code, name: r.name, level: r.level });

/** The command-centre tiles. */
export async function kpiSummary(sql: Sql, actor: Actor, q: KpiQuery, now: Date, exactLimit = SUMMARY_EXACT_PERCENTILE_LIMIT) {
  const region = await resolveRegion(sql, actor, q.region);
  const w = parseWindow(q, now);
  const today = localDateOf(now);
  const all = (await grouped(sql, region, 'none', w, exactLimit)).get('') ?? figures(undefined, { backlog: 0, overdue: 0 }, null);
  const plan = planFor(region, 'none');
  const t = (await sumsFor(sql, plan, 'none', today, today))[0];
  return {
    region: regionOut(region),
    window: w,
    today,
    intakeToday: t?.c.intake ?? 0,
    intake: all.intake,
    disposalRate: all.disposal,
    onTimeRate: all.onTimeDisposal,
    closureRate: all.closure,
    satisfactionRate: all.satisfaction,
    open: all.backlog,
    overdue: all.overdue,
    kpis: all,
    source: plan.source,
    freshness: await freshness(sql),
  };
}

/** The KPI table: one row per value of `by`. */
export async function kpiTable(sql: Sql, actor: Actor, q: KpiQuery & { by: KpiBy; level?: string | undefined }, now: Date, exactLimit = EXACT_PERCENTILE_LIMIT) {
  const region = await resolveRegion(sql, actor, q.region);
  const w = parseWindow(q, now);
  const rows = q.by === 'region' ? await byRegion(sql, region, q.level ?? null, w, exactLimit) : await labelRows(sql, q.by, await grouped(sql, region, q.by, w, exactLimit));
  const total = (await grouped(sql, region, 'none', w, exactLimit)).get('') ?? figures(undefined, { backlog: 0, overdue: 0 }, null);
  return { region: regionOut(region), window: w, by: q.by, rows, total, source: planFor(region, q.by === 'region' ? 'none' : q.by).source, freshness: await freshness(sql) };
}

export const RANK_METRICS = ['onTime', 'disposal', 'closure', 'satisfaction', 'rework', 'intake', 'overdue'] as const;
export type RankMetric = (typeof RANK_METRICS)[number];

function metricOf(k: KpiFigures, m: RankMetric): { value: number | null; numerator: number | null; denominator: number | null } {
  const r = (x: Ratio) => ({ value: x.rate, numerator: x.numerator, denominator: x.denominator });
  switch (m) {
    case 'onTime':
      return r(k.onTimeDisposal);
    case 'disposal':
      return r(k.disposal);
    case 'closure':
      return r(k.closure);
    case 'satisfaction':
      return r(k.satisfaction);
    case 'rework':
      return r(k.rework);
    case 'intake':
      return { value: k.intake, numerator: null, denominator: null };
    case 'overdue':
      return { value: k.overdue, numerator: null, denominator: null };
  }
}

// Higher is better except for rework and overdue; a rate without cases ranks last, never first.
function rank<T extends { kpis: KpiFigures }>(rows: T[], m: RankMetric) {
  const lowerBetter = m === 'rework' || m === 'overdue';
  const scored = rows.map((r) => ({ r, ...metricOf(r.kpis, m) }));
  scored.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? 0 : 1) : -1;
    if (a.value !== b.value) return lowerBetter ? a.value - b.value : b.value - a.value;
    return b.r.kpis.intake - a.r.kpis.intake;
  });
  let last: number | null | undefined;
  let lastRank = 0;
  return scored.map((s, i) => {
    const rk = s.value !== null && s.value === last ? lastRank : i + 1;
    last = s.value;
    lastRank = rk;
    return { rank: s.value === null ? null : rk, value: s.value, numerator: s.numerator, denominator: s.denominator, row: s.r };
  });
}

export async function kpiRankings(
  sql: Sql,
  actor: Actor,
  q: KpiQuery & { level?: string | undefined; metric?: RankMetric | undefined },
  now: Date,
  exactLimit = EXACT_PERCENTILE_LIMIT,
) {
  const region = await resolveRegion(sql, actor, q.region);
  const w = parseWindow(q, now);
  const metric = q.metric ?? 'onTime';
  const regions = rank(await byRegion(sql, region, q.level ?? null, w, exactLimit), metric).map((x) => ({
    rank: x.rank, code: x.row.code!, name: x.row.label, level: x.row.level!, value: x.value, numerator: x.numerator, denominator: x.denominator, intake: x.row.kpis.intake,
  }));
  const depts = (await labelRows(sql, 'department', await grouped(sql, region, 'department', w, exactLimit))).filter((r) => r.key !== '');
  const departments = rank(depts, metric).map((x) => ({
    rank: x.rank, id: Number(x.row.key), name: x.row.label, value: x.value, numerator: x.numerator, denominator: x.denominator, intake: x.row.kpis.intake,
  }));
  return { region: regionOut(region), window: w, metric, regions, departments, freshness: await freshness(sql) };
}

// ---------------------------------------------------------------------------------------------
// supervision tickets

export const presentTicket = (t: TicketRow) => ({
  id: t.id,
  caseId: t.case_id,
  casePublicId: t.case_public_id,
  caseState: t.case_state,
  region: { code: t.region_code, name: t.region_name, level: t.level },
  kind: t.kind,
  reason: t.reason,
  openedAt: new Date(t.opened_at).toISOString(),
  openedBy: t.opened_by_type,
  open: t.closed_at === null,
  closedAt: t.closed_at ? new Date(t.closed_at).toISOString() : null,
  closedById: t.closed_by_id,
  closingNote: t.closing_note,
});

export async function listSupervisionTickets(sql: Sql, actor: Actor, q: { region?: string | undefined; open?: boolean | undefined; before?: number | undefined; limit?: number | undefined }) {
  authorizeTicketList(actor);
  let under: string | null = null;
  if (q.region !== undefined) {
    const r = await repo.regionByCode(sql, q.region);
    if (!r || !mayViewTicket(actor, r.path)) throw new AppError('region_not_found', `region: no region ${q.region} in your scope`);
    under = r.path;
  }
  const rows = await repo.listTickets(sql, { scope: ticketScope(actor), underPath: under, open: q.open ?? null, before: q.before ?? null, limit: q.limit ?? 100 });
  return { items: rows.map(presentTicket) };
}

/** 督办单 closed by the supervising centre or a supervisor, with a note; audited, on the case's timeline. */
export async function closeSupervisionTicket(db: Database, ctx: Ctx, id: number, note: string) {
  authorizeTicketList(ctx.actor);
  return inTx(db, ctx, async (c) => {
    const t = await repo.ticketForUpdate(c.tx, id);
    if (!t || !mayViewTicket(c.actor, t.region_path)) throw new AppError('not_found', `No supervision ticket ${id}.`);
    authorizeTicketClose(c.actor, t.region_path);
    if (t.closed_at !== null) throw new AppError('invalid_state', `Supervision ticket ${id} is already closed (at ${new Date(t.closed_at).toISOString()}).`, { state: 'closed' });
    await repo.closeTicket(c.tx, t, actorUserId(c.actor), note, c.now);
    await insertCaseEvent(c, { city_code: t.city_code, id: t.case_id, state: t.case_state }, { type: 'supervision_closed', data: { ticketId: t.id, kind: t.kind, note } });
    await recordAudit(c, { action: 'supervision_ticket.close', targetType: 'supervision_ticket', targetId: t.id, regionId: t.region_id, before: { closed_at: null }, after: { closed_at: c.now, closing_note: note } });
    await publishEvent(c.tx, 'case.supervision_closed', { caseId: t.case_id, ticketId: t.id, regionPath: t.region_path });
    return presentTicket({ ...t, closed_at: c.now, closed_by_id: actorUserId(c.actor), closing_note: note });
  });
}
