/**
 * The working-day calendar API: GET /api/calendar (staff), PUT/DELETE /api/calendar/:day and
 * POST /api/calendar/import (admin), each audited; a change reaches the deadlines of this process
 * at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import type { TxCtx } from '../../src/platform/context.js';
import { intake, runActionInTx } from '../../src/modules/cases/index.js';
import { slaCalendar } from '../../src/modules/cases/scheduler/index.js';
import { closeWorld, createCasesWorld, type CasesWorld } from './setup.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5321');
});
afterAll(async () => {
  await closeWorld(w);
});

const sh = (s: string) => new Date(`${s}+08:00`);
const put = (day: string, payload: Record<string, unknown>, headers: Record<string, string> = w.admin.headers as unknown as Record<string, string>) => w.app.inject({ method: 'PUT', url: `/api/calendar/${day}`, headers, payload });
const rows = async (day: string) => (await w.t.db.query<{ kind: string; name: string }>(`SELECT kind, name FROM work_calendar WHERE day = $1::date`, [day])).rows;
const audits = async (action: string, target: string) =>
  Number((await w.t.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_record WHERE action = $1 AND target_id = $2`, [action, target])).rows[0]!.n);

/** A case dispatched at `at` (response level 3: working hours); its sign-for deadline. */
async function signForDueWhenDispatchedAt(at: Date): Promise<Date> {
  return w.t.db.tx(async (tx) => {
    const c: TxCtx = { actor: systemActor('test'), now: at, requestId: `cal-${at.getTime()}-${Math.random()}`, ip: null, tx };
    const r = await intake(c, { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: '日历测试', location: w.inGrid });
    await runActionInTx(c, r.case.id, 'accept', { responseLevel: 3 });
    const k = await runActionInTx(c, r.case.id, 'dispatch', { leadDepartmentId: w.dept.cgj });
    return k.sign_for_due_at!;
  });
}

describe('GET /api/calendar', () => {
  it('200 for staff: the year with its holidays and make-up working days', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/api/calendar?year=2026', headers: w.streetOp.headers });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.year).toBe(2026);
    expect(body.timeZone).toBe('Asia/Shanghai');
    expect(body.days.length).toBeGreaterThan(20);
    expect(body.days.every((d: { day: string }) => d.day.startsWith('2026-'))).toBe(true);
    expect(body.days.some((d: { kind: string; weekend: boolean }) => d.kind === 'workday' && d.weekend)).toBe(true);
  });
  it('403 for a resident, 401 for nobody', async () => {
    expect((await w.app.inject({ method: 'GET', url: '/api/calendar', headers: w.resident.headers })).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: '/api/calendar' })).statusCode).toBe(401);
  });
  it('400 naming year for a bad year', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/api/calendar?year=abc', headers: w.admin.headers });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('year');
  });
});

describe('PUT /api/calendar/:day', () => {
  it('200: adds a holiday, audited; a second PUT changes it', async () => {
    const r = await put('2031-06-03', { kind: 'holiday', name: '测试假日' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ day: '2031-06-03', kind: 'holiday', name: '测试假日', weekend: false });
    expect(await rows('2031-06-03')).toEqual([{ kind: 'holiday', name: '测试假日' }]);
    expect(await audits('work_calendar.create', '2031-06-03')).toBe(1);
    expect((await put('2031-06-03', { kind: 'holiday', name: '改名' })).statusCode).toBe(200);
    expect(await rows('2031-06-03')).toEqual([{ kind: 'holiday', name: '改名' }]);
    expect(await audits('work_calendar.update', '2031-06-03')).toBe(1);
  });
  it('200: a make-up working day on a Saturday', async () => {
    const r = await put('2031-06-07', { kind: 'workday', name: '调休上班' });
    expect(r.statusCode).toBe(200);
    expect(r.json().weekend).toBe(true);
    expect(slaCalendar().isWorkingDay('2031-06-07')).toBe(true);
  });
  it('400 naming kind for a make-up working day on a weekday; nothing written', async () => {
    const r = await put('2031-06-04', { kind: 'workday', name: '调休' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('validation_failed');
    expect(r.json().error.details[0].field).toBe('kind');
    expect(await rows('2031-06-04')).toEqual([]);
  });
  it('400 naming day for an impossible date or a malformed one; nothing written', async () => {
    const a = await put('2031-02-30', { kind: 'holiday', name: '不存在' });
    expect(a.statusCode).toBe(400);
    expect(a.json().error.details[0].field).toBe('day');
    const b = await put('2031-6-1', { kind: 'holiday', name: '格式' });
    expect(b.statusCode).toBe(400);
    expect(b.body).toContain('day');
    expect((await w.t.db.query(`SELECT 1 FROM work_calendar WHERE day BETWEEN '2031-02-28' AND '2031-03-02'`)).rows).toEqual([]);
  });
  it('400 naming kind or name for a bad body', async () => {
    const a = await put('2031-06-05', { kind: 'party', name: 'x' });
    expect(a.statusCode).toBe(400);
    expect(a.body).toContain('kind');
    const b = await put('2031-06-05', { kind: 'holiday', name: '' });
    expect(b.statusCode).toBe(400);
    expect(b.body).toContain('name');
    expect(await rows('2031-06-05')).toEqual([]);
  });
  it('403 for an operator; nothing written', async () => {
    expect((await put('2031-06-06', { kind: 'holiday', name: '越权' }, w.streetOp.headers)).statusCode).toBe(403);
    expect(await rows('2031-06-06')).toEqual([]);
  });
  it('a holiday added through the API moves a new deadline at once', async () => {
    // Thursday 16:00: 4 working hours run 1.5 h on Thursday and 2.5 h on Friday → Friday 11:30.
    const thursday = sh('2030-05-16T16:00:00');
    expect(await signForDueWhenDispatchedAt(thursday)).toEqual(sh('2030-05-17T11:30:00'));
    expect((await put('2030-05-17', { kind: 'holiday', name: '临时假日' })).statusCode).toBe(200);
    // Friday is off now: the rest runs on Monday.
    expect(await signForDueWhenDispatchedAt(thursday)).toEqual(sh('2030-05-20T11:30:00'));
    expect((await w.app.inject({ method: 'DELETE', url: '/api/calendar/2030-05-17', headers: w.admin.headers })).statusCode).toBe(204);
    expect(await signForDueWhenDispatchedAt(thursday)).toEqual(sh('2030-05-17T11:30:00'));
  });
});

describe('DELETE /api/calendar/:day', () => {
  it('204 and audited; 404 when the day is not in the calendar', async () => {
    await put('2031-07-01', { kind: 'holiday', name: '删除我' });
    const r = await w.app.inject({ method: 'DELETE', url: '/api/calendar/2031-07-01', headers: w.admin.headers });
    expect(r.statusCode).toBe(204);
    expect(await rows('2031-07-01')).toEqual([]);
    expect(await audits('work_calendar.delete', '2031-07-01')).toBe(1);
    expect((await w.app.inject({ method: 'DELETE', url: '/api/calendar/2031-07-01', headers: w.admin.headers })).statusCode).toBe(404);
  });
  it('403 for a handler', async () => {
    await put('2031-07-02', { kind: 'holiday', name: '保留' });
    expect((await w.app.inject({ method: 'DELETE', url: '/api/calendar/2031-07-02', headers: w.handler.headers })).statusCode).toBe(403);
    expect(await rows('2031-07-02')).toHaveLength(1);
  });
});

describe('POST /api/calendar/import', () => {
  const year = 2032;
  const list = [
    { day: '2032-01-01', kind: 'holiday', name: '元旦' },
    { day: '2032-02-11', kind: 'holiday', name: '春节' },
    { day: '2032-02-07', kind: 'workday', name: '春节调休' },
  ];
  it("200: replaces the year's list, audited once", async () => {
    await put('2032-03-03', { kind: 'holiday', name: '旧的' });
    const r = await w.app.inject({ method: 'POST', url: '/api/calendar/import', headers: w.admin.headers, payload: { year, days: list } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ year, removed: 1 });
    expect(r.json().days.map((d: { day: string }) => d.day)).toEqual(['2032-01-01', '2032-02-07', '2032-02-11']);
    expect(await rows('2032-03-03')).toEqual([]);
    expect(await audits('work_calendar.import', String(year))).toBe(1);
    expect(slaCalendar().isWorkingDay('2032-02-11')).toBe(false);
  });
  it('400 naming the bad row; nothing changed (all or nothing)', async () => {
    const bad = [...list.slice(0, 2), { day: '2032-02-10', kind: 'workday', name: '周二调休' }];
    const r = await w.app.inject({ method: 'POST', url: '/api/calendar/import', headers: w.admin.headers, payload: { year, days: bad } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0].field).toBe('days[2].kind');
    const other = await w.app.inject({ method: 'POST', url: '/api/calendar/import', headers: w.admin.headers, payload: { year, days: [{ day: '2033-01-01', kind: 'holiday', name: '元旦' }] } });
    expect(other.statusCode).toBe(400);
    expect(other.json().error.details[0].field).toBe('days[0].day');
    expect(await rows('2032-02-07')).toEqual([{ kind: 'workday', name: '春节调休' }]);
    expect(await rows('2033-01-01')).toEqual([]);
  });
  it('403 for an operator', async () => {
    const op = await w.app.inject({ method: 'POST', url: '/api/calendar/import', headers: w.streetOp.headers, payload: { year, days: [] } });
    expect(op.statusCode).toBe(403);
    expect(await rows('2032-01-01')).toHaveLength(1);
  });
});
