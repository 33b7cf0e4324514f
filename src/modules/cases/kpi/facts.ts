/**
 * From a case (its row and its timeline) to its KPI fact: the case's contribution to every KPI
 * counter. The contribution is read off computeKpis (sla/kpi.ts) run on the one case, so the rollup
 * sums use exactly the definitions of docs/kpi-definitions.md: the KPIs are additive over cases
 * (every rate is a sum over cases divided by a sum over cases), percentiles excepted, which are
 * read from the facts' handling times or from the rollups' histogram.
 */
import { computeKpis, elapsedExcluding, localDateOf, regionAncestors, type Calendar, type CallbackResult, type CaseSummary, type Suspension } from '../sla/index.js';
import { bucketOf, emptyHist, HIST_BUCKETS } from './buckets.js';

/** What the fold reads of a case row. */
export interface FactCaseRow {
  city_code: string;
  id: number;
  state: string;
  channel: string;
  category_code: string;
  region_path: string;
  lead_department_id: number | null;
  reported_at: Date;
  accepted_at: Date | null;
  handled_at: Date | null;
  closed_at: Date | null;
  /** Set when the case ended cancelled / referred out (historical imports so far). */
  cancelled_at?: Date | null;
  referred_at?: Date | null;
  merged_into: number | null;
  /** The row's last callback result (for rows written without a callback event). */
  satisfaction?: string | null;
  evaluated_at?: Date | null;
  rework_count: number;
  reopen_count: number;
  sign_for_due_at: Date | null;
  handle_due_at: Date | null;
  verify_due_at: Date | null;
  updated_at: Date;
  data_quality: string[] | null;
}

/** What the fold reads of a case's timeline (one aggregate row per case). */
export interface FactEventAgg {
  case_id: number;
  first_handled_at: Date | null;
  first_handled_id: number | null;
  first_handled_due: string | null;
  last_reset_id: number | null;
  not_accepted_at: Date | null;
  callbacks: Array<{ at: string; r: string | null; t: string }> | null;
  suspensions: Array<{ t: string; at: string }> | null;
}

export interface Fact {
  city_code: string;
  case_id: number;
  region_path: string;
  day: string;
  reported_at: string;
  category_code: string;
  department_id: number | null;
  channel: string;
  intake: number;
  decided: number;
  accepted: number;
  due: number;
  disposed: number;
  on_time_num: number;
  on_time_den: number;
  closed: number;
  reworked: number;
  ever_closed: number;
  reopened: number;
  cb_satisfied: number;
  cb_basic: number;
  cb_dissatisfied: number;
  ht_excluded: number;
  ht_working_ms: number | null;
  ht_elapsed_ms: number | null;
  backlog: number;
  overdue: number;
  handled_deadline: string | null;
  as_of: string;
}

export const COUNTERS = [
  'intake', 'decided', 'accepted', 'due', 'disposed', 'on_time_num', 'on_time_den', 'closed', 'reworked', 'ever_closed', 'reopened',
  'cb_satisfied', 'cb_basic', 'cb_dissatisfied', 'ht_excluded', 'backlog', 'overdue',
] as const;
export type Counter = (typeof COUNTERS)[number];

const d = (v: Date | string | null | undefined): Date | null => (v == null ? null : new Date(v));

/** The deadline of the step the case is in now (sign-for while dispatched, handling, verification). */
function currentDeadline(k: FactCaseRow): Date | null {
  switch (k.state) {
    case 'dispatched':
      return d(k.sign_for_due_at) ?? d(k.handle_due_at);
    case 'signed':
    case 'in_progress':
      return d(k.handle_due_at);
    case 'handled':
      return d(k.verify_due_at);
    default:
      return null;
  }
}

/** Suspensions from the timeline: each 'suspended' until the next 'resumed' (open while suspended). */
function suspensionsOf(agg: FactEventAgg | undefined): Suspension[] {
  const out: Suspension[] = [];
  let open: Date | null = null;
  for (const e of agg?.suspensions ?? []) {
    if (e.t === 'suspended' && open === null) open = new Date(e.at);
    else if (e.t === 'resumed' && open !== null) {
      out.push({ from: open, to: new Date(e.at) });
      open = null;
    }
  }
  if (open !== null) out.push({ from: open, to: null });
  return out;
}

/**
 * The case summary of sla/kpi.ts for one case. `stickyDeadline` is the handling deadline a previous
 * fold recorded at the first 处置反馈 (kept because a rework or reopen replaces handle_due_at).
 */
export function caseSummaryOf(k: FactCaseRow, agg: FactEventAgg | undefined, cal: Calendar, stickyDeadline: Date | null = null): CaseSummary & { handleDeadlineKnown: Date | null } {
  const acceptedAt = d(k.accepted_at);
  const handledAt = d(agg?.first_handled_at) ?? d(k.handled_at);
  // The deadline in force at the first handling: recorded in the event when the command writes it,
  // else as a previous fold saw it, else the current one if no rework/reopen has replaced it since.
  let handleDeadline: Date | null;
  if (handledAt) {
    const resetSince = agg?.last_reset_id != null && agg.first_handled_id != null && agg.last_reset_id > agg.first_handled_id;
    handleDeadline = d(agg?.first_handled_due) ?? stickyDeadline ?? (resetSince ? null : d(k.handle_due_at));
  } else {
    handleDeadline = d(k.handle_due_at);
  }
  const callbacks: Array<{ at: Date; result: CallbackResult }> = [];
  for (const cb of agg?.callbacks ?? []) {
    const result = cb.t === 'reopened' ? 'dissatisfied' : cb.r;
    if (result === 'satisfied' || result === 'basically_satisfied' || result === 'dissatisfied') callbacks.push({ at: new Date(cb.at), result });
  }
  // A satisfaction on the row with no callback on the timeline: a row written outside the
  // workflow (another system's records). It counts once, at evaluated_at, or at the report time
  // when that is unknown (the workflow always writes the event, so live cases never get here).
  if (callbacks.length === 0 && (k.satisfaction === 'satisfied' || k.satisfaction === 'basically_satisfied' || k.satisfaction === 'dissatisfied')) {
    callbacks.push({ at: d(k.evaluated_at) ?? new Date(k.reported_at), result: k.satisfaction });
  }
  const suspensions = suspensionsOf(agg);
  let handlingWorkingMs: number | null = null;
  if (acceptedAt && handledAt) {
    handlingWorkingMs = handledAt >= acceptedAt ? elapsedExcluding(acceptedAt, handledAt, suspensions, cal, 'working') : -1;
  }
  return {
    id: String(k.id),
    reportedAt: new Date(k.reported_at),
    channel: k.channel,
    categoryCode: k.category_code,
    regionPath: k.region_path,
    departmentId: k.lead_department_id === null ? null : String(k.lead_department_id),
    acceptedAt,
    notAcceptedAt: k.state === 'not_accepted' ? (d(agg?.not_accepted_at) ?? new Date(k.updated_at)) : null,
    handledAt,
    handleDeadline,
    handleDeadlineKnown: handledAt ? handleDeadline : null,
    closedAt: d(k.closed_at),
    // The state decides (a re-import may move a record out of it); the column gives the instant.
    cancelledAt: k.state === 'cancelled' ? (d(k.cancelled_at) ?? new Date(k.updated_at)) : null,
    referredAt: k.state === 'referred' ? (d(k.referred_at) ?? new Date(k.updated_at)) : null,
    mergedIntoId: k.merged_into === null ? null : String(k.merged_into),
    reworkCount: k.rework_count,
    reopenCount: k.reopen_count,
    callbacks,
    handlingWorkingMs,
    handlingElapsedMs: acceptedAt && handledAt ? handledAt.getTime() - acceptedAt.getTime() : null,
    currentDeadline: currentDeadline(k),
    suspended: k.state === 'suspended',
    dataQuality: k.data_quality ?? [],
  };
}

/** The case's contribution to every counter, as of `asOf`, read off computeKpis on the one case. */
export function factOf(k: FactCaseRow, s: CaseSummary & { handleDeadlineKnown?: Date | null }, asOf: Date): Fact {
  const rep = s.reportedAt;
  const v = computeKpis([s], { from: rep, to: new Date(rep.getTime() + 1), asOf });
  const satisfied = v.satisfiedOnly.numerator;
  const basic = v.satisfaction.numerator - satisfied;
  return {
    city_code: k.city_code,
    case_id: Number(k.id),
    region_path: k.region_path,
    day: localDateOf(rep),
    reported_at: rep.toISOString(),
    category_code: k.category_code,
    department_id: k.lead_department_id === null ? null : Number(k.lead_department_id),
    channel: k.channel,
    intake: v.intake,
    decided: v.acceptance.denominator,
    accepted: v.acceptance.numerator,
    due: v.disposal.denominator,
    disposed: v.disposal.numerator,
    on_time_num: v.onTimeDisposal.numerator,
    on_time_den: v.onTimeDisposal.denominator,
    closed: v.closure.numerator,
    reworked: v.rework.numerator,
    ever_closed: v.reopen.denominator,
    reopened: v.reopen.numerator,
    cb_satisfied: satisfied,
    cb_basic: basic,
    cb_dissatisfied: v.satisfaction.denominator - satisfied - basic,
    ht_excluded: v.handlingTime.excluded,
    ht_working_ms: v.handlingTime.working.count > 0 ? v.handlingTime.working.medianMs : null,
    ht_elapsed_ms: v.handlingTime.elapsed.count > 0 ? v.handlingTime.elapsed.medianMs : null,
    backlog: v.backlog,
    overdue: v.overdue,
    handled_deadline: s.handleDeadlineKnown ? s.handleDeadlineKnown.toISOString() : null,
    as_of: asOf.toISOString(),
  };
}

/** Region depths that get rollup rows ('all'), and those that also get per-dimension rows. */
export const ROLLUP_MAX_DEPTH = 4;
export const DIM_MAX_DEPTH = 2;

export interface Cell {
  region_id: number;
  day: string;
  dim: 'all' | 'category' | 'department' | 'channel';
  key: string;
  c: Record<Counter, number>;
  ht_count: number;
  ht_working_sum_ms: number;
  ht_elapsed_count: number;
  ht_elapsed_sum_ms: number;
  hist: number[];
}

const zero = (): Record<Counter, number> => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;

/** Adds sign × the fact's contribution to every rollup cell it belongs to. */
export function addFactToCells(cells: Map<string, Cell>, f: Fact, sign: 1 | -1): void {
  const ids = regionAncestors(f.region_path).map((p) => Number(p.split('/').filter(Boolean).pop()));
  const keys: Array<[Cell['dim'], string]> = [['category', f.category_code], ['department', f.department_id === null ? '' : String(f.department_id)], ['channel', f.channel]];
  ids.forEach((regionId, i) => {
    const depth = i + 1;
    if (depth > ROLLUP_MAX_DEPTH) return;
    const targets: Array<[Cell['dim'], string]> = [['all', ''], ...(depth <= DIM_MAX_DEPTH ? keys : [])];
    for (const [dim, key] of targets) {
      const id = `${regionId}|${f.day}|${dim}|${key}`;
      let cell = cells.get(id);
      if (!cell) {
        cell = { region_id: regionId, day: f.day, dim, key, c: zero(), ht_count: 0, ht_working_sum_ms: 0, ht_elapsed_count: 0, ht_elapsed_sum_ms: 0, hist: emptyHist() };
        cells.set(id, cell);
      }
      for (const c of COUNTERS) cell.c[c] += sign * f[c];
      if (f.ht_working_ms !== null) {
        cell.ht_count += sign;
        cell.ht_working_sum_ms += sign * f.ht_working_ms;
        cell.hist[bucketOf(f.ht_working_ms)]! += sign;
      }
      if (f.ht_elapsed_ms !== null) {
        cell.ht_elapsed_count += sign;
        cell.ht_elapsed_sum_ms += sign * f.ht_elapsed_ms;
      }
    }
  });
}

export const isZeroCell = (c: Cell): boolean =>
  COUNTERS.every((k) => c.c[k] === 0) && c.ht_count === 0 && c.ht_elapsed_count === 0 && c.ht_working_sum_ms === 0 && c.hist.every((x) => x === 0);

export { HIST_BUCKETS };
