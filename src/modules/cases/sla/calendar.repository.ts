/**
 * All SQL of the working-day calendar. The table holds only exceptions to the Monday–Friday week:
 * public holidays and make-up working days (调休上班).
 */
import type { Sql } from '../../../platform/db.js';
import { Calendar, validateCalendarDay, type CalendarDay, type CalendarOptions } from './calendar.js';

export async function listCalendarDays(db: Sql, range?: { from?: string; to?: string }): Promise<CalendarDay[]> {
  const { rows } = await db.query<CalendarDay>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, name
       FROM work_calendar
      WHERE ($1::date IS NULL OR day >= $1::date) AND ($2::date IS NULL OR day <= $2::date)
      ORDER BY day`,
    [range?.from ?? null, range?.to ?? null],
  );
  return rows;
}

/** The whole table as an in-memory Calendar (a few dozen rows a year: cheap to reload). */
export async function loadCalendar(db: Sql, options?: CalendarOptions): Promise<Calendar> {
  return new Calendar(await listCalendarDays(db), options);
}

/**
 * Insert or replace days (one statement, so a batch is all-or-nothing inside the caller's
 * transaction). Rows are validated first: a bad row throws validation_failed naming it.
 * Returns the rows as stored.
 */
export async function upsertCalendarDays(tx: Sql, rows: readonly CalendarDay[]): Promise<CalendarDay[]> {
  if (rows.length === 0) return [];
  rows.forEach((r, i) => validateCalendarDay(r, i));
  const { rows: out } = await tx.query<CalendarDay>(
    `INSERT INTO work_calendar (day, kind, name)
     SELECT d::date, k, n FROM unnest($1::text[], $2::text[], $3::text[]) AS t(d, k, n)
     ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, updated_at = now()
     RETURNING to_char(day, 'YYYY-MM-DD') AS day, kind, name`,
    [rows.map((r) => r.day), rows.map((r) => r.kind), rows.map((r) => r.name.trim())],
  );
  return out.sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** Remove days (they become ordinary days again). Returns the rows that existed. */
export async function deleteCalendarDays(tx: Sql, days: readonly string[]): Promise<CalendarDay[]> {
  if (days.length === 0) return [];
  const { rows } = await tx.query<CalendarDay>(
    `DELETE FROM work_calendar WHERE day = ANY($1::date[])
     RETURNING to_char(day, 'YYYY-MM-DD') AS day, kind, name`,
    [days],
  );
  return rows.sort((a, b) => (a.day < b.day ? -1 : 1));
}

/** Remove every row of one year (an import replaces the year's list). Returns the rows removed. */
export async function deleteCalendarYear(tx: Sql, year: number): Promise<CalendarDay[]> {
  const { rows } = await tx.query<CalendarDay>(
    `DELETE FROM work_calendar WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1)
     RETURNING to_char(day, 'YYYY-MM-DD') AS day, kind, name`,
    [year],
  );
  return rows.sort((a, b) => (a.day < b.day ? -1 : 1));
}
