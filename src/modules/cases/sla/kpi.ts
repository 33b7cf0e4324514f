/**
 * The KPI formulas of docs/kpi-definitions.md, once, as pure functions over case summaries. The
 * cases module builds a CaseSummary per case from its timeline (and its SQL rollups must give the
 * same numbers: the tests here pin the definitions). Every rate carries its numerator and
 * denominator so a figure can be traced back to the cases behind it.
 */
import { addDays, formatIsoDate, instantOnDate, localDateOf, parseIsoDate, SHANGHAI, weekdayOf } from './zoned-time.js';

export type CallbackResult = 'satisfied' | 'basically_satisfied' | 'dissatisfied' | 'unreachable' | 'declined';

/** What the KPIs need to know about one case; times are instants, absent = did not happen. */
export interface CaseSummary {
  id: string;
  /** Intake (上报/受理): when the report reached the platform. */
  reportedAt: Date;
  channel?: string | null;
  categoryCode?: string | null;
  majorCategoryCode?: string | null;
  /** Ancestor path of the case's region, e.g. '/1/17/203/'; the case counts in every ancestor. */
  regionPath?: string | null;
  /** Lead department of the current dispatch; co-handlers are not credited. */
  departmentId?: string | null;
  /** 立案. */
  acceptedAt?: Date | null;
  /** 不予立案. */
  notAcceptedAt?: Date | null;
  /** First 处置反馈 (the department reports it handled). */
  handledAt?: Date | null;
  /** Handling deadline in force (extensions approved, suspensions taken off). */
  handleDeadline?: Date | null;
  /** 结案, of the current closure: null again while a reopened (发回重办) case is being re-handled. */
  closedAt?: Date | null;
  cancelledAt?: Date | null;
  /** Transferred out of the system (not ours to handle). */
  referredAt?: Date | null;
  /** Merged into another case as a duplicate: counted as intake only. */
  mergedIntoId?: string | null;
  /** Failed verifications (核查不通过 → 返工). */
  reworkCount?: number;
  /** Dissatisfied callbacks that reopened the case (发回重办). */
  reopenCount?: number;
  callbacks?: ReadonlyArray<{ at: Date; result: CallbackResult }>;
  /** Working time from 立案 to first 处置反馈, suspensions excluded (see calendar.ts). */
  handlingWorkingMs?: number | null;
  /** Elapsed time from 立案 to first 处置反馈; derived from the two instants when absent. */
  handlingElapsedMs?: number | null;
  /** Deadline of the step the case is in now (sign-for, handle or verify). */
  currentDeadline?: Date | null;
  /** The clock is stopped (挂起) right now. */
  suspended?: boolean;
  /** Import flags; those in HANDLING_TIME_EXCLUDING_FLAGS keep a case out of handling-time figures. */
  dataQuality?: readonly string[];
}

export interface Ratio {
  numerator: number;
  denominator: number;
  /** numerator / denominator, null when the denominator is 0 (shown as "—", never as 0 %). */
  rate: number | null;
}

export interface DurationStats {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface KpiValues {
  intake: number;
  acceptance: Ratio;
  disposal: Ratio;
  onTimeDisposal: Ratio;
  closure: Ratio;
  rework: Ratio;
  reopen: Ratio;
  /** (satisfied + weight × basically satisfied) / answered callbacks; weight 1 by default. */
  satisfaction: Ratio;
  /** satisfied / answered callbacks, shown beside the headline rate. */
  satisfiedOnly: Ratio;
  handlingTime: {
    /** Shown on dashboards. */
    working: DurationStats;
    elapsed: DurationStats;
    /** Disposed cases kept out by a data-quality flag. */
    excluded: number;
  };
  /** Snapshots at asOf (not limited to the window). */
  overdue: number;
  backlog: number;
}

export interface KpiOptions {
  /** Cohort window on reportedAt: from ≤ reportedAt < to. */
  from: Date;
  to: Date;
  /** The moment the figures are computed for: later events are ignored. */
  asOf: Date;
  /** How much a 基本满意 counts in `satisfaction` (default 1: fully). */
  basicSatisfiedWeight?: number;
}

const ratio = (numerator: number, denominator: number): Ratio => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : numerator / denominator,
});

/** Same as PostgreSQL percentile_cont (linear interpolation between closest ranks). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const a = sorted[lo]!;
  const b = sorted[Math.ceil(pos)]!;
  return a + (b - a) * (pos - lo);
}

const stats = (values: number[]): DurationStats => ({ count: values.length, medianMs: percentile(values, 0.5), p90Ms: percentile(values, 0.9) });

/** Flags that keep a disposed case out of handling-time figures (it still counts everywhere else). */
export const HANDLING_TIME_EXCLUDING_FLAGS: readonly string[] = ['negative_duration', 'zero_duration', 'missing_close_time'];

export function computeKpis(cases: readonly CaseSummary[], opts: KpiOptions): KpiValues {
  const asOf = opts.asOf.getTime();
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  const w = opts.basicSatisfiedWeight ?? 1;
  const by = (t: Date | null | undefined): boolean => t != null && t.getTime() <= asOf;

  let intake = 0;
  let decided = 0;
  let accepted = 0;
  let due = 0; // 应处置: accepted, not referred
  let disposed = 0;
  let onTimeDen = 0;
  let onTimeNum = 0;
  let closed = 0;
  let reworked = 0;
  let everClosed = 0;
  let reopened = 0;
  let answered = 0;
  let satisfied = 0;
  let basic = 0;
  let excluded = 0;
  const working: number[] = [];
  const elapsed: number[] = [];
  let backlog = 0;
  let overdue = 0;

  for (const c of cases) {
    const rep = c.reportedAt.getTime();
    if (rep > asOf) continue;
    const merged = c.mergedIntoId != null;

    // Snapshots: every case known at asOf, whatever the window.
    if (!merged) {
      const ended = by(c.notAcceptedAt) || by(c.closedAt) || by(c.cancelledAt) || by(c.referredAt);
      if (!ended) {
        backlog++;
        if (!c.suspended && c.currentDeadline != null && c.currentDeadline.getTime() < asOf) overdue++;
      }
    }

    if (rep < from || rep >= to) continue;
    intake++;
    if (merged) continue;

    const isAccepted = by(c.acceptedAt);
    if (isAccepted || by(c.notAcceptedAt)) decided++;
    if (isAccepted) accepted++;

    for (const cb of c.callbacks ?? []) {
      if (cb.at.getTime() > asOf) continue;
      if (cb.result === 'satisfied') satisfied++;
      else if (cb.result === 'basically_satisfied') basic++;
      else if (cb.result !== 'dissatisfied') continue;
      answered++;
    }

    if (!isAccepted || by(c.referredAt)) continue;
    due++;
    const cancelled = by(c.cancelledAt);
    const handled = by(c.handledAt) && !cancelled;
    if (handled) disposed++;
    if (by(c.closedAt) && !cancelled) closed++;
    if (handled && (c.reworkCount ?? 0) > 0) reworked++;
    if (by(c.closedAt) || (c.reopenCount ?? 0) > 0) {
      everClosed++;
      if ((c.reopenCount ?? 0) > 0) reopened++;
    }
    if (!cancelled && c.handleDeadline != null) {
      const dl = c.handleDeadline.getTime();
      if (handled) {
        onTimeDen++;
        if (c.handledAt!.getTime() <= dl) onTimeNum++;
      } else if (dl < asOf) {
        onTimeDen++;
      }
    }
    if (handled) {
      if (c.dataQuality?.some((f) => HANDLING_TIME_EXCLUDING_FLAGS.includes(f))) {
        excluded++;
      } else {
        if (c.handlingWorkingMs != null && c.handlingWorkingMs >= 0) working.push(c.handlingWorkingMs);
        const el = c.handlingElapsedMs ?? (c.acceptedAt && c.handledAt ? c.handledAt.getTime() - c.acceptedAt.getTime() : null);
        if (el != null && el >= 0) elapsed.push(el);
      }
    }
  }

  return {
    intake,
    acceptance: ratio(accepted, decided),
    disposal: ratio(disposed, due),
    onTimeDisposal: ratio(onTimeNum, onTimeDen),
    closure: ratio(closed, due),
    rework: ratio(reworked, disposed),
    reopen: ratio(reopened, everClosed),
    satisfaction: ratio(satisfied + w * basic, answered),
    satisfiedOnly: ratio(satisfied, answered),
    handlingTime: { working: stats(working), elapsed: stats(elapsed), excluded },
    overdue,
    backlog,
  };
}

export type TimeGrain = 'day' | 'week' | 'month';
export type KpiDimension = 'region' | 'department' | 'category' | 'majorCategory' | 'channel' | TimeGrain;

/** The reporting period an instant falls in, on Asia/Shanghai day boundaries; weeks are ISO (Monday). */
export function periodKey(at: Date, grain: TimeGrain, timeZone = SHANGHAI): string {
  const day = localDateOf(at, timeZone);
  if (grain === 'day') return day;
  if (grain === 'month') return day.slice(0, 7);
  // ISO week: the week's Thursday decides the year.
  const wd = (weekdayOf(day) + 6) % 7; // Monday = 0
  const thursday = addDays(day, 3 - wd);
  const year = Number(thursday.slice(0, 4));
  const jan4 = formatIsoDate(year, 1, 4);
  const week1Monday = addDays(jan4, -((weekdayOf(jan4) + 6) % 7));
  const weeks = Math.round((Date.parse(`${addDays(day, -wd)}T00:00:00Z`) - Date.parse(`${week1Monday}T00:00:00Z`)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(weeks).padStart(2, '0')}`;
}

/** [from, to) of a period key, as instants of local midnight in the zone. */
export function periodBounds(key: string, grain: TimeGrain, timeZone = SHANGHAI): { from: Date; to: Date } {
  let first: string;
  let next: string;
  if (grain === 'day') {
    if (!parseIsoDate(key)) throw new RangeError(`not a day: ${key}`);
    first = key;
    next = addDays(key, 1);
  } else if (grain === 'month') {
    const m = /^(\d{4})-(\d{2})$/.exec(key);
    if (!m || !parseIsoDate(`${key}-01`)) throw new RangeError(`not a month: ${key}`);
    first = `${key}-01`;
    const y = Number(m[1]);
    const mo = Number(m[2]);
    next = mo === 12 ? formatIsoDate(y + 1, 1, 1) : formatIsoDate(y, mo + 1, 1);
  } else {
    const m = /^(\d{4})-W(\d{2})$/.exec(key);
    if (!m) throw new RangeError(`not an ISO week: ${key}`);
    const jan4 = formatIsoDate(Number(m[1]), 1, 4);
    first = addDays(addDays(jan4, -((weekdayOf(jan4) + 6) % 7)), (Number(m[2]) - 1) * 7);
    next = addDays(first, 7);
  }
  return { from: new Date(instantOnDate(first, 0, timeZone)), to: new Date(instantOnDate(next, 0, timeZone)) };
}

/** Every ancestor path of a region path: '/1/17/203/' → ['/1/', '/1/17/', '/1/17/203/']. */
export function regionAncestors(path: string): string[] {
  const ids = path.split('/').filter((s) => s !== '');
  return ids.map((_, i) => `/${ids.slice(0, i + 1).join('/')}/`);
}

function keysOf(c: CaseSummary, dim: KpiDimension): Array<string | null> {
  switch (dim) {
    case 'region':
      return c.regionPath ? regionAncestors(c.regionPath) : [null];
    case 'department':
      return [c.departmentId ?? null];
    case 'category':
      return [c.categoryCode ?? null];
    case 'majorCategory':
      return [c.majorCategoryCode ?? null];
    case 'channel':
      return [c.channel ?? null];
    default:
      return [periodKey(c.reportedAt, dim)];
  }
}

export interface KpiGroup {
  /** The dimension's value; null for cases without one (no region, not yet dispatched, …). */
  key: string | null;
  kpis: KpiValues;
}

/**
 * KPIs per value of one dimension. Regions roll up: a case counts in its region and in every
 * ancestor. In a time grain, cases fall in the period of their reportedAt, so each group's
 * snapshot figures (backlog, overdue) describe the cases reported in that period.
 */
export function groupKpis(cases: readonly CaseSummary[], dim: KpiDimension, opts: KpiOptions): KpiGroup[] {
  const groups = new Map<string | null, CaseSummary[]>();
  for (const c of cases) {
    for (const k of keysOf(c, dim)) {
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(c);
    }
  }
  return [...groups.entries()]
    .map(([key, cs]) => ({ key, kpis: computeKpis(cs, opts) }))
    .sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
}
