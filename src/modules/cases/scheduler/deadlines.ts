/**
 * Drop-in replacements for cases.deadlines.ts (computeDeadline, workingMsBetween, shiftDeadline)
 * backed by the working-day calendar of the SLA library: China's public holidays and make-up
 * working days, office hours 09:00–12:00 and 13:30–17:30 in Asia/Shanghai (docs/sla.md).
 *
 * The calendar is process-wide: the bundled 2025/2026 rows until `loadSlaCalendar(db)` runs at
 * onReady (and again every few minutes from the SLA background job, so an edit through the
 * calendar admin API reaches every server instance without a restart).
 */
import type { Sql } from '../../../platform/db.js';
import { addWorkingMs, defaultCalendar, deadlineFor, loadCalendar, workingMsBetween as slaWorkingMs, type Calendar, type SlaMode } from '../sla/index.js';

let current: Calendar = defaultCalendar();

/** The calendar every deadline of this process is computed on. */
export function slaCalendar(): Calendar {
  return current;
}

/** Replace the process-wide calendar (tests, or after an admin edit). */
export function setSlaCalendar(cal: Calendar): void {
  current = cal;
}

/** Load work_calendar into the process-wide calendar. Returns it. */
export async function loadSlaCalendar(db: Sql): Promise<Calendar> {
  current = await loadCalendar(db);
  return current;
}

/** start + hours, in calendar hours or in working hours on the calendar. */
export function computeDeadline(start: Date, hours: number, mode: SlaMode): Date {
  return deadlineFor(start, { hours, mode }, current);
}

/** Working (or elapsed) milliseconds between a and b; 0 when b is not after a. */
export function workingMsBetween(a: Date, b: Date, mode: SlaMode): number {
  if (b.getTime() <= a.getTime()) return 0;
  return mode === 'calendar' ? b.getTime() - a.getTime() : slaWorkingMs(a, b, current);
}

/**
 * A deadline moved on by a suspension from `from` to `to`: the clock time that passed while it was
 * stopped is added back (working time in working mode, so a suspension over a holiday costs nothing).
 */
export function shiftDeadline(due: Date, from: Date, to: Date, mode: SlaMode): Date {
  const ms = workingMsBetween(from, to, mode);
  return mode === 'calendar' ? new Date(due.getTime() + ms) : new Date(addWorkingMs(due.getTime(), ms, current));
}
