/**
 * The working-day calendar (work_calendar) over HTTP: staff read a year; admins add, change or
 * remove a holiday or make-up working day, or replace a whole year's list. Each change is one
 * command in one transaction with its audit record; after the commit this process's SLA calendar
 * is reloaded, so the next deadline computed here already uses it (other instances pick it up on
 * the scheduler's periodic reload).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { inTx, type Ctx } from '../../../platform/context.js';
import type { Database } from '../../../platform/db.js';
import { AppError, invalid } from '../../../platform/errors.js';
import { recordAudit } from '../../audit/index.js';
import type { AppDeps } from '../../types.js';
import { mayManageCalendar, mayReadCalendar } from '../cases.policy.js';
import { loadSlaCalendar, slaCalendar } from '../scheduler/deadlines.js';
import type { CalendarDay, CalendarDayKind } from './calendar.js';
import { deleteCalendarDays, deleteCalendarYear, listCalendarDays, upsertCalendarDays } from './calendar.repository.js';
import { localDateOf, parseIsoDate, weekdayOf } from './zoned-time.js';

const DayString = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: "a date 'YYYY-MM-DD' (Asia/Shanghai)" });
const Kind = Type.Union([Type.Literal('holiday'), Type.Literal('workday')], { description: 'holiday: no work; workday: a make-up working day (调休上班) on a weekend' });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const DayParams = Type.Object({ day: DayString });
const PutBody = Type.Object({ kind: Kind, name: Name }, { additionalProperties: false });
const YearQuery = Type.Object({ year: Type.Optional(Type.Integer({ minimum: 1990, maximum: 2200 })) }, { additionalProperties: false });
const ImportBody = Type.Object(
  {
    year: Type.Integer({ minimum: 1990, maximum: 2200 }),
    days: Type.Array(Type.Object({ day: DayString, kind: Kind, name: Name }, { additionalProperties: false }), { maxItems: 366 }),
  },
  { additionalProperties: false },
);

const present = (d: CalendarDay) => {
  const wd = weekdayOf(d.day);
  return { day: d.day, kind: d.kind, name: d.name, weekday: wd, weekend: wd === 0 || wd === 6 };
};

/** A real date, and a make-up working day only on a weekend (on a weekday it would change nothing: a typo). */
function checkDay(day: string, kind: CalendarDayKind, field: string, kindField: string): void {
  if (!parseIsoDate(day)) throw invalid(field, `${day} is not a date`);
  const wd = weekdayOf(day);
  if (kind === 'workday' && wd !== 0 && wd !== 6) throw invalid(kindField, `${day} is a weekday: a make-up working day must fall on a Saturday or Sunday`);
}

async function afterChange(db: Database): Promise<void> {
  await loadSlaCalendar(db);
}

/** Add or change one day. */
export async function setCalendarDay(db: Database, ctx: Ctx, day: string, body: { kind: CalendarDayKind; name: string }): Promise<CalendarDay> {
  mayManageCalendar(ctx.actor);
  checkDay(day, body.kind, 'day', 'kind');
  if (body.name.trim() === '') throw invalid('name', 'is required');
  const out = await inTx(db, ctx, async (c) => {
    const before = (await listCalendarDays(c.tx, { from: day, to: day }))[0] ?? null;
    const [row] = await upsertCalendarDays(c.tx, [{ day, kind: body.kind, name: body.name }]);
    await recordAudit(c, { action: before ? 'work_calendar.update' : 'work_calendar.create', targetType: 'work_calendar', targetId: day, before, after: row });
    return row!;
  });
  await afterChange(db);
  return out;
}

/** Remove one day: it becomes an ordinary weekday or weekend again. */
export async function removeCalendarDay(db: Database, ctx: Ctx, day: string): Promise<void> {
  mayManageCalendar(ctx.actor);
  if (!parseIsoDate(day)) throw invalid('day', `${day} is not a date`);
  await inTx(db, ctx, async (c) => {
    const [gone] = await deleteCalendarDays(c.tx, [day]);
    if (!gone) throw new AppError('not_found', `${day} is not in the calendar.`);
    await recordAudit(c, { action: 'work_calendar.delete', targetType: 'work_calendar', targetId: day, before: gone });
  });
  await afterChange(db);
}

/** Replace one year's list: every row checked first, then the year's old rows out and the new in, or nothing. */
export async function importCalendarYear(db: Database, ctx: Ctx, body: Static<typeof ImportBody>): Promise<{ year: number; removed: number; days: CalendarDay[] }> {
  mayManageCalendar(ctx.actor);
  const seen = new Set<string>();
  body.days.forEach((d, i) => {
    checkDay(d.day, d.kind, `days[${i}].day`, `days[${i}].kind`);
    if (Number(d.day.slice(0, 4)) !== body.year) throw invalid(`days[${i}].day`, `${d.day} is not in ${body.year}`);
    if (seen.has(d.day)) throw invalid(`days[${i}].day`, `${d.day} is listed twice`);
    if (d.name.trim() === '') throw invalid(`days[${i}].name`, 'is required');
    seen.add(d.day);
  });
  const out = await inTx(db, ctx, async (c) => {
    const removed = await deleteCalendarYear(c.tx, body.year);
    const days = await upsertCalendarDays(c.tx, body.days);
    await recordAudit(c, {
      action: 'work_calendar.import',
      targetType: 'work_calendar',
      targetId: String(body.year),
      before: { count: removed.length },
      after: { count: days.length, holidays: days.filter((d) => d.kind === 'holiday').length, workdays: days.filter((d) => d.kind === 'workday').length },
    });
    return { year: body.year, removed: removed.length, days };
  });
  await afterChange(db);
  return out;
}

export const CALENDAR_AUDIT_VERBS = ['work_calendar.create', 'work_calendar.update', 'work_calendar.delete', 'work_calendar.import'] as const;

export async function calendarRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  app.get(
    '/api/calendar',
    { config: { policy: 'cases.calendar.read' }, schema: { tags: ['calendar'], summary: "One year's holidays and make-up working days (default: this year)", querystring: YearQuery } },
    async (req) => {
      mayReadCalendar(req.actor);
      const q = req.query as Static<typeof YearQuery>;
      const year = q.year ?? Number(localDateOf(req.ctx().now).slice(0, 4));
      const days = await listCalendarDays(db, { from: `${year}-01-01`, to: `${year}-12-31` });
      const cal = slaCalendar();
      return { year, timeZone: cal.timeZone, workingHours: cal.workingHours, days: days.map(present) };
    },
  );
  app.put(
    '/api/calendar/:day',
    { config: { policy: 'cases.calendar.manage' }, schema: { tags: ['calendar'], summary: 'Add or change a holiday or make-up working day (admin)', params: DayParams, body: PutBody } },
    async (req) => {
      const { day } = req.params as Static<typeof DayParams>;
      return present(await setCalendarDay(db, req.ctx(), day, req.body as Static<typeof PutBody>));
    },
  );
  app.delete(
    '/api/calendar/:day',
    { config: { policy: 'cases.calendar.manage' }, schema: { tags: ['calendar'], summary: 'Remove a day from the calendar (admin)', params: DayParams } },
    async (req, reply) => {
      const { day } = req.params as Static<typeof DayParams>;
      await removeCalendarDay(db, req.ctx(), day);
      return reply.status(204).send();
    },
  );
  app.post(
    '/api/calendar/import',
    { config: { policy: 'cases.calendar.manage' }, schema: { tags: ['calendar'], summary: "Replace a year's list of holidays and make-up working days, all or nothing (admin)", body: ImportBody } },
    async (req) => {
      const r = await importCalendarYear(db, req.ctx(), req.body as Static<typeof ImportBody>);
      return { year: r.year, removed: r.removed, days: r.days.map(present) };
    },
  );
}
