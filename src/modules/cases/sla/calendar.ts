/**
 * The working-day calendar and SLA clock arithmetic. Pure: a Calendar is built from rows (the
 * work_calendar table, or the bundled holidays-cn.json) and every function takes it explicitly.
 * All wall-clock reasoning happens in the calendar's zone (Asia/Shanghai) through zoned-time.ts,
 * so the process's TZ never changes a deadline.
 */
import { invalid } from '../../../platform/errors.js';
import holidayData from './holidays-cn.json' with { type: 'json' };
import { addDays, instantOnDate, isValidTimeZone, localDateOf, MS, parseIsoDate, SHANGHAI, weekdayOf } from './zoned-time.js';

export type CalendarDayKind = 'holiday' | 'workday';

/** One row of work_calendar: a public holiday, or a make-up working day (调休上班) on a weekend. */
export interface CalendarDay {
  day: string;
  kind: CalendarDayKind;
  name: string;
}

/** An office period in local wall time, 'HH:MM' (end exclusive). */
export interface WorkingPeriod {
  start: string;
  end: string;
}

/**
 * Default office hours: 09:00–12:00 and 13:30–17:30 (7 working hours a day), the pattern most
 * municipal government offices and service halls in China publish (Kunming's winter schedule
 * among them). Cities set their own through CalendarOptions.workingHours.
 */
export const DEFAULT_WORKING_HOURS: readonly WorkingPeriod[] = Object.freeze([
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '17:30' },
]);

export interface CalendarOptions {
  timeZone?: string;
  workingHours?: readonly WorkingPeriod[];
}

export type SlaMode = 'working' | 'calendar';

export interface DeadlineRule {
  hours: number;
  mode: SlaMode;
}

/** A stopped clock (挂起): from suspension to resumption; to = null while still suspended. */
export interface Suspension {
  from: Date;
  to: Date | null;
}

export interface DayInfo {
  day: string;
  working: boolean;
  /** weekday / weekend: ordinary days; holiday / makeup_workday: from the calendar rows. */
  kind: 'weekday' | 'weekend' | 'holiday' | 'makeup_workday';
  name: string | null;
}

interface Period {
  startMin: number;
  endMin: number;
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

function parsePeriods(periods: readonly WorkingPeriod[]): Period[] {
  if (periods.length === 0) throw invalid('workingHours', 'at least one period is required');
  const out: Period[] = [];
  for (const [i, p] of periods.entries()) {
    const s = HHMM.exec(p.start);
    const e = HHMM.exec(p.end);
    if (!s || !e) throw invalid(`workingHours[${i}]`, "times must be 'HH:MM'");
    const startMin = Number(s[1]) * 60 + Number(s[2]);
    const endMin = Number(e[1]) * 60 + Number(e[2]);
    if (endMin > 24 * 60 || startMin >= endMin) throw invalid(`workingHours[${i}]`, 'end must be after start, within the day');
    const prev = out[out.length - 1];
    if (prev && startMin < prev.endMin) throw invalid(`workingHours[${i}]`, 'periods must be in order and must not overlap');
    out.push({ startMin, endMin });
  }
  return out;
}

// Guards the day-by-day walks against a calendar with no working days at all.
const MAX_DAYS = 3_700;

export class Calendar {
  readonly timeZone: string;
  readonly workingHours: readonly WorkingPeriod[];
  readonly #periods: Period[];
  readonly #days: Map<string, CalendarDay>;

  constructor(rows: readonly CalendarDay[], options: CalendarOptions = {}) {
    this.timeZone = options.timeZone ?? SHANGHAI;
    if (!isValidTimeZone(this.timeZone)) throw invalid('timeZone', `unknown time zone ${this.timeZone}`);
    this.workingHours = Object.freeze([...(options.workingHours ?? DEFAULT_WORKING_HOURS)]);
    this.#periods = parsePeriods(this.workingHours);
    this.#days = new Map();
    for (const [i, r] of rows.entries()) {
      validateCalendarDay(r, i);
      this.#days.set(r.day, { day: r.day, kind: r.kind, name: r.name });
    }
  }

  /** The same holidays with other office hours (or zone). */
  with(options: CalendarOptions): Calendar {
    return new Calendar([...this.#days.values()], { timeZone: this.timeZone, workingHours: this.workingHours, ...options });
  }

  /** A Date is read as its local date in the calendar's zone; a string must be 'YYYY-MM-DD'. */
  dayInfo(date: Date | string): DayInfo {
    const day = typeof date === 'string' ? date : localDateOf(date, this.timeZone);
    const row = this.#days.get(day);
    if (row?.kind === 'holiday') return { day, working: false, kind: 'holiday', name: row.name };
    const wd = weekdayOf(day);
    const weekend = wd === 0 || wd === 6;
    if (row?.kind === 'workday') return { day, working: true, kind: weekend ? 'makeup_workday' : 'weekday', name: row.name };
    return { day, working: !weekend, kind: weekend ? 'weekend' : 'weekday', name: null };
  }

  isWorkingDay(date: Date | string): boolean {
    return this.dayInfo(date).working;
  }

  /** Years with at least one row: outside them only weekends are known, holidays are not. */
  years(): number[] {
    return [...new Set([...this.#days.keys()].map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b);
  }

  covers(date: Date | string): boolean {
    const day = typeof date === 'string' ? date : localDateOf(date, this.timeZone);
    return this.years().includes(Number(day.slice(0, 4)));
  }

  rows(): CalendarDay[] {
    return [...this.#days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  /** Working intervals of one local date as UTC ms, in order; empty on a non-working day. */
  intervalsOn(day: string, periods?: readonly WorkingPeriod[]): Array<[number, number]> {
    if (!this.isWorkingDay(day)) return [];
    const ps = periods ? parsePeriods(periods) : this.#periods;
    return ps.map((p) => [instantOnDate(day, p.startMin, this.timeZone), instantOnDate(day, p.endMin, this.timeZone)]);
  }
}

export function validateCalendarDay(r: CalendarDay, i = 0): void {
  if (!parseIsoDate(r.day)) throw invalid(`days[${i}].day`, "must be a date 'YYYY-MM-DD'");
  if (r.kind !== 'holiday' && r.kind !== 'workday') throw invalid(`days[${i}].kind`, "must be 'holiday' or 'workday'");
  if (typeof r.name !== 'string' || r.name.trim() === '') throw invalid(`days[${i}].name`, 'is required');
  const wd = weekdayOf(r.day);
  // A make-up working day only means something on a weekend; on a weekday it is a typo.
  if (r.kind === 'workday' && wd !== 0 && wd !== 6) throw invalid(`days[${i}].day`, 'a make-up working day must fall on a Saturday or Sunday');
}

interface HolidayFile {
  years: Array<{
    year: number;
    source: string;
    holidays: Array<{ name: string; from: string; to: string }>;
    workdays: Array<{ name: string; day: string }>;
  }>;
}

/** The bundled rows (holidays-cn.json), the same rows migration 0015 inserts. */
export function bundledCalendarDays(): CalendarDay[] {
  const out: CalendarDay[] = [];
  for (const y of (holidayData as HolidayFile).years) {
    for (const h of y.holidays) {
      for (let d = h.from; d <= h.to; d = addDays(d, 1)) out.push({ day: d, kind: 'holiday', name: h.name });
    }
    for (const w of y.workdays) out.push({ day: w.day, kind: 'workday', name: w.name });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** A calendar from the bundled data, for code that has no database (tests, imports, the CLI). */
export function defaultCalendar(options?: CalendarOptions): Calendar {
  return new Calendar(bundledCalendarDays(), options);
}

export interface ClockOptions {
  /** Other office hours for this one computation. */
  workingHours?: readonly WorkingPeriod[];
}

function assertDate(d: Date, field: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(t)) throw invalid(field, 'must be a valid date');
  return t;
}

function assertHours(hours: number): number {
  if (!Number.isFinite(hours) || hours < 0) throw invalid('hours', 'must be a non-negative number');
  return hours;
}

/**
 * The instant after `ms` working milliseconds from `startMs`. Work that ends exactly at the end of
 * a period ends there (17:30), not at the next opening; zero work returns the start unchanged.
 */
export function addWorkingMs(startMs: number, ms: number, cal: Calendar, opts: ClockOptions = {}): number {
  if (ms <= 0) return startMs;
  let remaining = ms;
  let day = localDateOf(startMs, cal.timeZone);
  for (let i = 0; i < MAX_DAYS; i++, day = addDays(day, 1)) {
    for (const [s, e] of cal.intervalsOn(day, opts.workingHours)) {
      if (e <= startMs) continue;
      const from = Math.max(s, startMs);
      const avail = e - from;
      if (remaining <= avail) return from + remaining;
      remaining -= avail;
    }
  }
  throw invalid('hours', `no deadline within ${MAX_DAYS} days: does the calendar have working days?`);
}

/** start + hours of working time on the calendar (in its zone and office hours). */
export function addWorkingHours(start: Date, hours: number, cal: Calendar, opts?: ClockOptions): Date {
  return new Date(addWorkingMs(assertDate(start, 'start'), assertHours(hours) * MS.HOUR, cal, opts));
}

/** start + hours of plain elapsed time (response level 1 runs on calendar hours). */
export function addCalendarHours(start: Date, hours: number): Date {
  return new Date(assertDate(start, 'start') + assertHours(hours) * MS.HOUR);
}

/** Working milliseconds between two instants; negative when b is before a. */
export function workingMsBetween(a: Date, b: Date, cal: Calendar, opts: ClockOptions = {}): number {
  const am = assertDate(a, 'a');
  const bm = assertDate(b, 'b');
  if (bm < am) return -workingMsBetween(b, a, cal, opts);
  let total = 0;
  const last = localDateOf(bm, cal.timeZone);
  let day = localDateOf(am, cal.timeZone);
  for (let i = 0; day <= last; i++, day = addDays(day, 1)) {
    if (i > 40_000) throw invalid('b', 'range too long');
    for (const [s, e] of cal.intervalsOn(day, opts.workingHours)) {
      const lo = Math.max(s, am);
      const hi = Math.min(e, bm);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/** The deadline of a step that starts at `start`, in working or calendar hours. */
export function deadlineFor(start: Date, rule: DeadlineRule, cal: Calendar, opts?: ClockOptions): Date {
  return rule.mode === 'calendar' ? addCalendarHours(start, rule.hours) : addWorkingHours(start, rule.hours, cal, opts);
}

/** Suspensions clipped to [lo, hi], sorted, overlaps merged; an open one runs to hi. */
export function normaliseSuspensions(suspensions: readonly Suspension[], lo: number, hi: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const [i, s] of suspensions.entries()) {
    const f = assertDate(s.from, `suspensions[${i}].from`);
    const t = s.to === null ? hi : assertDate(s.to, `suspensions[${i}].to`);
    if (t < f) throw invalid(`suspensions[${i}].to`, 'must not be before from');
    const a = Math.max(f, lo);
    const b = Math.min(t, hi);
    if (b > a) spans.push([a, b]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const s of spans) {
    const prev = merged[merged.length - 1];
    if (prev && s[0] <= prev[1]) prev[1] = Math.max(prev[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

function measure(a: number, b: number, mode: SlaMode, cal: Calendar | undefined, opts?: ClockOptions): number {
  if (b <= a) return 0;
  if (mode === 'calendar') return b - a;
  if (!cal) throw invalid('cal', 'a calendar is required in working mode');
  return workingMsBetween(new Date(a), new Date(b), cal, opts);
}

/**
 * Clock time used from start to now, the suspended spans excluded (ms). In working mode only
 * working time counts, both for the clock and for the suspensions taken off it.
 */
export function elapsedExcluding(
  start: Date,
  now: Date,
  suspensions: readonly Suspension[],
  cal?: Calendar,
  mode: SlaMode = cal ? 'working' : 'calendar',
  opts?: ClockOptions,
): number {
  const s = assertDate(start, 'start');
  const n = assertDate(now, 'now');
  if (n <= s) return 0;
  let total = measure(s, n, mode, cal, opts);
  for (const [a, b] of normaliseSuspensions(suspensions, s, n)) total -= measure(a, b, mode, cal, opts);
  return total;
}

/**
 * The deadline once suspensions are taken into account: the budget only runs outside them. Null
 * while a suspension is open and the budget was not used up before it began (the clock is stopped,
 * so there is no deadline until it resumes).
 */
export function deadlineExcluding(
  start: Date,
  rule: DeadlineRule,
  cal: Calendar,
  suspensions: readonly Suspension[],
  opts?: ClockOptions,
): Date | null {
  const s = assertDate(start, 'start');
  let remaining = assertHours(rule.hours) * MS.HOUR;
  const add = (from: number, ms: number): number =>
    rule.mode === 'calendar' ? from + ms : addWorkingMs(from, ms, cal, opts);
  let cursor = s;
  for (const [a, b] of normaliseSuspensions(
    suspensions.map((x) => ({ from: x.from, to: x.to ?? new Date(8.64e15) })),
    s,
    8.64e15,
  )) {
    const candidate = add(cursor, remaining);
    if (candidate <= a) return new Date(candidate);
    remaining -= measure(cursor, a, rule.mode, cal, opts);
    if (b >= 8.64e15) return null;
    cursor = Math.max(cursor, b);
  }
  return new Date(add(cursor, remaining));
}

/**
 * When the warning is due: `fraction` (default 75 %) of the clock between start and deadline,
 * measured in the same mode as the deadline (so a working-hours deadline warns in working time).
 */
export function warningAt(start: Date, deadline: Date, cal: Calendar, mode: SlaMode, opts: ClockOptions & { fraction?: number } = {}): Date {
  const fraction = opts.fraction ?? 0.75;
  if (!(fraction >= 0 && fraction <= 1)) throw invalid('fraction', 'must be between 0 and 1');
  const s = assertDate(start, 'start');
  const d = assertDate(deadline, 'deadline');
  if (d <= s) return new Date(d);
  if (mode === 'calendar') return new Date(s + Math.round((d - s) * fraction));
  const total = workingMsBetween(start, deadline, cal, opts);
  return new Date(addWorkingMs(s, Math.round(total * fraction), cal, opts));
}

export type ClockState = 'running' | 'warning' | 'overdue';

/** Where a clock stands at `now`: overdue strictly after the deadline, warning from warningAt. */
export function clockState(now: Date, warning: Date, deadline: Date): ClockState {
  const n = now.getTime();
  if (n > deadline.getTime()) return 'overdue';
  if (n >= warning.getTime()) return 'warning';
  return 'running';
}
