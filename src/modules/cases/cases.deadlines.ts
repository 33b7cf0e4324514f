/**
 * Every deadline of a case is computed here, so that switching to the SLA library
 * (src/modules/cases/sla: addWorkingHours / workingMsBetween on the holiday calendar) is a change
 * to this file only.
 *
 * TODO(lead): switch computeDeadline / workingMsBetween to the SLA library's calendar. Until
 * then "working" time is Monday–Friday 09:00–17:00 Asia/Shanghai (UTC+8, no DST), with no
 * public holidays or make-up days.
 */
import type { DeadlineMode } from './cases.types.js';

const HOUR = 3_600_000;
const SH_OFFSET = 8 * HOUR;
const DAY = 24 * HOUR;
const START = 9 * HOUR;
const END = 17 * HOUR;

const isWorkday = (localMs: number): boolean => {
  const dow = new Date(localMs).getUTCDay();
  return dow !== 0 && dow !== 6;
};

/** start + hours, in calendar time or in working time. */
export function computeDeadline(start: Date, hours: number, mode: DeadlineMode): Date {
  if (mode === 'calendar') return new Date(start.getTime() + hours * HOUR);
  let remaining = Math.round(hours * HOUR);
  let t = start.getTime() + SH_OFFSET; // Shanghai wall-clock as epoch ms
  for (let guard = 0; guard < 100_000; guard++) {
    const dayStart = Math.floor(t / DAY) * DAY;
    const open = dayStart + START;
    const close = dayStart + END;
    if (!isWorkday(dayStart) || t >= close) {
      t = dayStart + DAY + START;
      continue;
    }
    if (t < open) t = open;
    const avail = close - t;
    if (remaining <= avail) return new Date(t + remaining - SH_OFFSET);
    remaining -= avail;
    t = dayStart + DAY + START;
  }
  throw new Error('computeDeadline: too far in the future');
}

/** Working (or elapsed) milliseconds between a and b. */
export function workingMsBetween(a: Date, b: Date, mode: DeadlineMode): number {
  if (b <= a) return 0;
  if (mode === 'calendar') return b.getTime() - a.getTime();
  let total = 0;
  let t = a.getTime() + SH_OFFSET;
  const end = b.getTime() + SH_OFFSET;
  while (t < end) {
    const dayStart = Math.floor(t / DAY) * DAY;
    if (isWorkday(dayStart)) {
      const from = Math.max(t, dayStart + START);
      const to = Math.min(end, dayStart + END);
      if (to > from) total += to - from;
    }
    t = dayStart + DAY;
  }
  return total;
}

/** A deadline moved on by a suspension from `from` to `to` (the clock stopped meanwhile). */
export function shiftDeadline(due: Date, from: Date, to: Date, mode: DeadlineMode): Date {
  const ms = workingMsBetween(from, to, mode);
  return mode === 'calendar' ? new Date(due.getTime() + ms) : computeDeadline(due, ms / HOUR, mode);
}
