/**
 * Wall time in an IANA time zone ↔ UTC instants, without the process's own zone (process.env.TZ
 * must never change a deadline or an imported duration). Offsets come from Intl.DateTimeFormat,
 * one formatter per zone, memoised per UTC day (see dayOffsets): a file of rows from a few zones
 * costs one Intl call per distinct day, not one per row.
 */

export const SHANGHAI = 'Asia/Shanghai';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: callers turn that into a row-level rejection.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (e.g. 'America/Los_Angeles'); false for typos. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function computeOffset(timeZone: string, utcMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  let y = 0;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      case 'era':
        bc = p.value === 'BC' || p.value === 'B';
        break;
    }
  }
  const wall = utcFromFields(bc ? 1 - y : y, mo, d, h, mi, s);
  const whole = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return wall - whole;
}

/**
 * One UTC day of a zone: the offset at its start and, when it changes during the day, the instant
 * of the change and the offset after it (found by bisection, to the second: only on the one or two
 * transition days a year). Assumes at most one transition per UTC day, true of every real zone.
 */
interface DayOffsets {
  start: number;
  changeAt: number;
  after: number;
}

const dayCache = new Map<string, Map<number, DayOffsets>>();

function dayOffsets(timeZone: string, cache: Map<number, DayOffsets>, dayIndex: number): DayOffsets {
  let d = cache.get(dayIndex);
  if (d) return d;
  const t0 = dayIndex * DAY;
  const t1 = t0 + DAY;
  const start = cache.get(dayIndex - 1)?.after ?? computeOffset(timeZone, t0);
  const end = computeOffset(timeZone, t1);
  if (start === end) {
    d = { start, changeAt: Infinity, after: end };
  } else {
    let lo = t0; // offset(lo) === start
    let hi = t1; // offset(hi) === end
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (computeOffset(timeZone, mid) === start) lo = mid;
      else hi = mid;
    }
    d = { start, changeAt: hi, after: end };
  }
  cache.set(dayIndex, d);
  return d;
}

/** The zone's UTC offset in ms at an instant (Asia/Shanghai: +8 h). */
export function offsetAt(timeZone: string, utcMs: number): number {
  let cache = dayCache.get(timeZone);
  if (!cache) {
    formatterFor(timeZone);
    cache = new Map();
    dayCache.set(timeZone, cache);
  }
  const d = dayOffsets(timeZone, cache, Math.floor(utcMs / DAY));
  return utcMs < d.changeAt ? d.start : d.after;
}

// Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
function utcFromFields(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  if (y >= 100) return Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const t = Date.UTC(2000, mo - 1, d, h, mi, s, ms);
  const dt = new Date(t);
  dt.setUTCFullYear(y);
  return dt.getTime();
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

/** How a wall time was resolved: DST gaps and overlaps are flagged, never silently absorbed. */
export type WallResolution = 'exact' | 'ambiguous' | 'nonexistent';

/**
 * The UTC instant of a wall time in a zone.
 * - Ambiguous (the repeated hour when clocks go back): the earlier instant, i.e. the offset in
 *   force before the transition (like Python's fold=0 and Temporal's 'compatible').
 * - Nonexistent (the skipped hour when clocks go forward): shifted forward by the gap, i.e.
 *   read with the offset in force before the transition (02:30 in a 02:00→03:00 gap → 03:30).
 * Assumes at most one transition within ±1 day, true of every real zone.
 */
export function zonedWallToUtc(w: WallTime, timeZone: string): { utcMs: number; resolution: WallResolution } {
  const t = utcFromFields(w.year, w.month, w.day, w.hour ?? 0, w.minute ?? 0, w.second ?? 0, w.millisecond ?? 0);
  const before = offsetAt(timeZone, t - DAY);
  const after = offsetAt(timeZone, t + DAY);
  if (before === after) {
    // The common case: no transition nearby, one lookup pair, no further work.
    const u = t - before;
    if (offsetAt(timeZone, u) === before) return { utcMs: u, resolution: 'exact' };
  }
  const u1 = t - before;
  const u2 = t - after;
  const ok1 = offsetAt(timeZone, u1) === before;
  const ok2 = offsetAt(timeZone, u2) === after;
  if (ok1 && ok2) return u1 === u2 ? { utcMs: u1, resolution: 'exact' } : { utcMs: Math.min(u1, u2), resolution: 'ambiguous' };
  if (ok1) return { utcMs: u1, resolution: 'exact' };
  if (ok2) return { utcMs: u2, resolution: 'exact' };
  return { utcMs: u1, resolution: 'nonexistent' };
}

/** Wall-clock fields of an instant in a zone. */
export function utcToZonedWall(utcMs: number, timeZone: string): Required<WallTime> & { weekday: number } {
  const local = utcMs + offsetAt(timeZone, utcMs);
  const d = new Date(local);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
  };
}

/** 'YYYY-MM-DD' of an instant in a zone (default Asia/Shanghai). */
export function localDateOf(at: Date | number, timeZone = SHANGHAI): string {
  const w = utcToZonedWall(typeof at === 'number' ? at : at.getTime(), timeZone);
  return formatIsoDate(w.year, w.month, w.day);
}

export function formatIsoDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse 'YYYY-MM-DD' strictly (2025-02-30 is rejected). */
export function parseIsoDate(s: string): { year: number; month: number; day: number } | null {
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const t = new Date(utcFromFields(year, month, day));
  if (t.getUTCMonth() + 1 !== month || t.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Day of week of a calendar date, 0 = Sunday … 6 = Saturday, independent of any zone. */
export function weekdayOf(isoDate: string): number {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`not a date: ${isoDate}`);
  return new Date(utcFromFields(p.year, p.month, p.day)).getUTCDay();
}

/** The calendar date n days after isoDate (n may be negative). */
export function addDays(isoDate: string, n: number): string {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`not a date: ${isoDate}`);
  const d = new Date(utcFromFields(p.year, p.month, p.day) + n * DAY);
  return formatIsoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** The UTC instant of a wall time on a calendar date in a zone; minutes since local midnight. */
export function instantOnDate(isoDate: string, minuteOfDay: number, timeZone = SHANGHAI): number {
  const p = parseIsoDate(isoDate);
  if (!p) throw new RangeError(`not a date: ${isoDate}`);
  return zonedWallToUtc({ ...p, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 }, timeZone).utcMs;
}

export const MS = { MINUTE, HOUR, DAY } as const;
