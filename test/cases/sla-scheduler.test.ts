/**
 * The SLA scheduler (runSlaScan): warnings at 75 % of a working-hours clock, overdue marks with a
 * supervision ticket at the centre above, the 12345 rule, idempotent and concurrent passes, the
 * timeline, audit, notifications and published events each action writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import type { TxCtx } from '../../src/platform/context.js';
import { intake, runActionInTx, seedTaxonomy, type CaseAction } from '../../src/modules/cases/index.js';
import { runSlaScan } from '../../src/modules/cases/scheduler/index.js';
import { defaultCalendar } from '../../src/modules/cases/sla/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { createTestDepartment, createUserWithGrants } from '../helpers/identity.js';

const sh = (s: string) => new Date(`${s}+08:00`);
const cal = defaultCalendar();

let t: TestDatabase;
let city: MiniCity;
let dept: number;
const users: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, '5311');
  await seedTaxonomy(t.db);
  dept = await createTestDepartment(t.db, { code: 'SLA-WH-CGJ', name: '五华区城管局', regionCode: city.wuhua.code });
  const mk = async (key: string, role: 'handler' | 'operator' | 'supervisor', regionCode: string, departmentCode?: string) => {
    users[key] = (await createUserWithGrants(t.db, { name: key, grants: [{ role, regionCode, ...(departmentCode ? { departmentCode } : {}) }] })).id;
  };
  await mk('handler', 'handler', city.wuhua.code, 'SLA-WH-CGJ');
  await mk('streetOp', 'operator', city.wuhuaStreet.code);
  await mk('districtOp', 'operator', city.wuhua.code);
  await mk('districtSup', 'supervisor', city.wuhua.code);
  await mk('cityOp', 'operator', city.city.code);
});

afterAll(async () => {
  await t?.close();
});

const ctxAt = (now: Date) => ({ actor: systemActor('test'), now, requestId: `t-${now.getTime()}`, ip: null });

/** A case reported in 五华区's grid (centre: the street) at `at`, taken through the steps. */
async function newCase(at: Date, steps: Array<[CaseAction, Record<string, unknown>]>): Promise<{ id: number; publicId: string }> {
  return t.db.tx(async (tx) => {
    const c: TxCtx = { ...ctxAt(at), tx };
    const r = await intake(c, { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: 'SLA 测试', location: { lng: 102.05, lat: 24.05 } });
    for (const [action, body] of steps) await runActionInTx(c, r.case.id, action, body);
    return { id: r.case.id, publicId: r.case.public_id };
  });
}
const dispatched = () => [['accept', {}], ['dispatch', { leadDepartmentId: dept }]] as Array<[CaseAction, Record<string, unknown>]>;

async function setCols(id: number, cols: Record<string, unknown>): Promise<void> {
  const keys = Object.keys(cols);
  await t.db.query(`UPDATE case_file SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...keys.map((k) => cols[k])]);
}
const events = async (id: number, type: string) =>
  (await t.db.query<{ type: string; data: Record<string, unknown>; actor_type: string; actor_name: string }>('SELECT type, data, actor_type, actor_name FROM case_event WHERE case_id = $1 AND type = $2 ORDER BY id', [id, type])).rows;
const row = async (id: number) => (await t.db.query<Record<string, unknown>>('SELECT * FROM case_file WHERE id = $1', [id])).rows[0]!;
const tickets = async (id: number) =>
  (await t.db.query<{ id: number; region_id: number; level: string; kind: string; closed_at: Date | null }>('SELECT id, region_id, level, kind, closed_at FROM supervision_ticket WHERE case_id = $1 ORDER BY id', [id])).rows;
const audits = async (id: number, action: string) =>
  (await t.db.query<{ actor_type: string; actor_name: string }>(`SELECT actor_type, actor_name FROM audit_record WHERE target_type = 'case' AND target_id = $1 AND action = $2`, [String(id), action])).rows;
const outbox = async (topic: string, publicId: string) =>
  (await t.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM outbox WHERE topic = $1 AND (payload->'params'->>'publicId' = $2 OR payload->>'publicId' = $2) ORDER BY id`, [topic, publicId])).rows;

describe('warnings and overdue (a 2-working-hour sign-for clock from Mon 09:00)', () => {
  let k: { id: number; publicId: string };
  beforeAll(async () => {
    k = await newCase(sh('2025-03-17T09:00:00'), dispatched());
    // 09:00 → 11:00 is 2 working hours; 75 % is reached at 10:30. Handling is due much later.
    await setCols(k.id, { sign_for_due_at: sh('2025-03-17T11:00:00'), handle_due_at: sh('2025-04-30T17:30:00'), deadline_mode: 'working' });
  });

  it('does not warn before 75 %', async () => {
    await runSlaScan(t.db, sh('2025-03-17T10:29:00'), cal);
    expect(await events(k.id, 'deadline_warning')).toHaveLength(0);
    expect((await row(k.id)).sign_for_warned_at).toBeNull();
  });

  it('warns at 75 %: marker, timeline event, audit, notification to the department, published event', async () => {
    const r = await runSlaScan(t.db, sh('2025-03-17T10:30:00'), cal);
    expect(r.warned).toBe(1);
    expect(new Date((await row(k.id)).sign_for_warned_at as Date)).toEqual(sh('2025-03-17T10:30:00'));
    const ev = await events(k.id, 'deadline_warning');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ actor_type: 'system', actor_name: 'sla-scheduler', data: { step: 'sign_for', dueAt: sh('2025-03-17T11:00:00').toISOString() } });
    expect(await audits(k.id, 'case.sla_warning')).toEqual([{ actor_type: 'system', actor_name: 'sla-scheduler' }]);
    const n = (await outbox('notification.send', k.publicId)).filter((x) => x.payload.template === 'case.deadline_warning');
    expect(n).toHaveLength(1);
    expect(n[0]!.payload).toMatchObject({ template: 'case.deadline_warning', userIds: [users.handler] });
    expect(n[0]!.payload.params).toMatchObject({ publicId: k.publicId, step: '签收', deadline: '2025-03-17 11:00' });
    expect(await outbox('event.case.deadline_warning', k.publicId)).toHaveLength(1);
  });

  it('a second pass does nothing', async () => {
    expect(await runSlaScan(t.db, sh('2025-03-17T10:45:00'), cal)).toEqual({ warned: 0, overdue: 0, escalated: 0, tickets: 0 });
  });

  it('is not overdue at the deadline itself, only strictly after', async () => {
    await runSlaScan(t.db, sh('2025-03-17T11:00:00'), cal);
    expect((await row(k.id)).sign_for_overdue_at).toBeNull();
  });

  it('marks overdue and opens a ticket at the centre above (street → district)', async () => {
    const r = await runSlaScan(t.db, sh('2025-03-17T11:01:00'), cal);
    expect(r).toMatchObject({ overdue: 1, tickets: 1 });
    expect(new Date((await row(k.id)).sign_for_overdue_at as Date)).toEqual(sh('2025-03-17T11:01:00'));
    const ts = await tickets(k.id);
    expect(ts).toHaveLength(1);
    expect(ts[0]).toMatchObject({ region_id: city.wuhua.id, level: 'district', kind: 'overdue', closed_at: null });
    const ev = await events(k.id, 'overdue');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.data).toMatchObject({ step: 'sign_for', ticketId: Number(ts[0]!.id), supervisingCentre: { id: city.wuhua.id, level: 'district' } });
    expect(await audits(k.id, 'case.sla_overdue')).toHaveLength(1);
    const n = (await outbox('notification.send', k.publicId)).filter((x) => x.payload.template === 'case.overdue');
    expect(n).toHaveLength(1);
    expect([...(n[0]!.payload.userIds as number[])].sort((a, b) => a - b)).toEqual([users.handler, users.streetOp, users.districtOp, users.districtSup].sort((a, b) => a! - b!));
    const pub = await outbox('event.case.overdue', k.publicId);
    expect(pub).toHaveLength(1);
    expect(pub[0]!.payload).toMatchObject({ caseId: k.id, regionPath: city.wuhuaGrid.path, step: 'sign_for', ticketRegionPath: city.wuhua.path });
  });

  it('re-scanning changes nothing', async () => {
    expect(await runSlaScan(t.db, sh('2025-03-17T12:00:00'), cal)).toEqual({ warned: 0, overdue: 0, escalated: 0, tickets: 0 });
    expect(await events(k.id, 'overdue')).toHaveLength(1);
    expect(await tickets(k.id)).toHaveLength(1);
  });
});

describe('working-day calendar in the warnings', () => {
  it('warns after the National Day holiday, at 75 % of working time (Tue 30 Sep 15:00 + 8 h → due Thu 9 Oct 16:00, warn 14:00)', async () => {
    const k = await newCase(sh('2025-09-30T15:00:00'), [...dispatched(), ['sign-for', {}]]);
    await setCols(k.id, { handle_due_at: sh('2025-10-09T16:00:00'), deadline_mode: 'working' });
    await runSlaScan(t.db, sh('2025-10-05T12:00:00'), cal);
    await runSlaScan(t.db, sh('2025-10-09T13:59:00'), cal);
    expect(await events(k.id, 'deadline_warning')).toHaveLength(0);
    await runSlaScan(t.db, sh('2025-10-09T14:00:00'), cal);
    const ev = await events(k.id, 'deadline_warning');
    expect(ev.map((e) => e.data.step)).toEqual(['handle']);
  });

  it('warns on a make-up working Sunday (Fri 26 Sep 16:00 + 8 h → due Sun 28 Sep 17:00, warn 15:00)', async () => {
    const k = await newCase(sh('2025-09-26T16:00:00'), [...dispatched(), ['sign-for', {}]]);
    await setCols(k.id, { handle_due_at: sh('2025-09-28T17:00:00'), deadline_mode: 'working' });
    // 1.5 h on Friday, then 09:00–12:00 and 13:30–15:00 on the make-up Sunday = 6 h.
    await runSlaScan(t.db, sh('2025-09-28T14:59:00'), cal);
    expect(await events(k.id, 'deadline_warning')).toHaveLength(0);
    await runSlaScan(t.db, sh('2025-09-28T15:00:00'), cal);
    expect(await events(k.id, 'deadline_warning')).toHaveLength(1);
  });

  it('never warns a suspended case (its clock is stopped)', async () => {
    const k = await newCase(sh('2025-03-17T09:00:00'), [...dispatched(), ['sign-for', {}], ['suspend', { reason: '等待第三方' }]]);
    await setCols(k.id, { handle_due_at: sh('2025-03-17T11:00:00') });
    await runSlaScan(t.db, sh('2025-03-18T12:00:00'), cal);
    expect(await events(k.id, 'deadline_warning')).toHaveLength(0);
    expect(await events(k.id, 'overdue')).toHaveLength(0);
  });
});

describe('the 12345 rule', () => {
  it('escalates a case returned 3 times to the centre above, once', async () => {
    const k = await newCase(sh('2025-03-20T09:00:00'), dispatched());
    // As an import or a direct data fix would leave it: three returns, no ticket yet.
    await setCols(k.id, { state: 'returned', return_count: 3, lead_department_id: null, sign_for_due_at: null, handle_due_at: null });
    const r = await runSlaScan(t.db, sh('2025-03-20T10:00:00'), cal);
    expect(r).toMatchObject({ escalated: 1, tickets: 1 });
    const after = await row(k.id);
    expect(Number(after.centre_region_id)).toBe(city.wuhua.id);
    expect(after.escalation_count).toBe(1);
    expect((await tickets(k.id)).map((x) => [x.kind, Number(x.region_id)])).toEqual([['repeat_return', city.wuhua.id]]);
    expect((await events(k.id, 'escalated'))[0]!.data).toMatchObject({ auto: true, rule: 'repeat_return', count: 3, toCentreId: city.wuhua.id });
    expect(await audits(k.id, 'case.escalate_auto')).toHaveLength(1);
    // A fourth return is not a new crossing.
    await setCols(k.id, { return_count: 4 });
    expect(await runSlaScan(t.db, sh('2025-03-20T11:00:00'), cal)).toEqual({ warned: 0, overdue: 0, escalated: 0, tickets: 0 });
    expect(await tickets(k.id)).toHaveLength(1);
  });

  it('escalates a case reopened 3 times', async () => {
    const k = await newCase(sh('2025-03-20T09:00:00'), dispatched());
    await setCols(k.id, { reopen_count: 3, sign_for_due_at: null, handle_due_at: null });
    const r = await runSlaScan(t.db, sh('2025-03-20T12:00:00'), cal);
    expect(r).toMatchObject({ escalated: 1, tickets: 1 });
    expect((await tickets(k.id)).map((x) => x.kind)).toEqual(['repeat_reopen']);
  });

  it('leaves alone a case the return command already escalated', async () => {
    const cycle: Array<[CaseAction, Record<string, unknown>]> = [['return', { reason: '不属于本部门' }], ['dispatch', { leadDepartmentId: dept }]];
    const k = await newCase(sh('2025-03-21T09:00:00'), [...dispatched(), ...cycle, ...cycle, ['return', { reason: '不属于本部门' }]]);
    const before = await tickets(k.id);
    const r = await runSlaScan(t.db, sh('2025-03-21T10:00:00'), cal);
    expect(r.escalated).toBe(0);
    expect(await tickets(k.id)).toEqual(before);
    expect(await events(k.id, 'escalated')).toHaveLength(0);
  });
});

describe('several instances', () => {
  it('two concurrent passes mark once and open one ticket', async () => {
    const ks = [];
    for (let i = 0; i < 3; i++) {
      const k = await newCase(sh('2025-03-24T09:00:00'), dispatched());
      await setCols(k.id, { sign_for_due_at: sh('2025-03-24T10:00:00'), handle_due_at: null });
      ks.push(k);
    }
    const now = sh('2025-03-24T10:05:00');
    const [a, b] = await Promise.all([runSlaScan(t.db, now, cal, { batch: 1 }), runSlaScan(t.db, now, cal, { batch: 1 })]);
    expect(a.overdue + b.overdue).toBe(3);
    expect(a.tickets + b.tickets).toBe(3);
    for (const k of ks) {
      expect(await events(k.id, 'overdue')).toHaveLength(1);
      expect(await tickets(k.id)).toHaveLength(1);
    }
    const z = await Promise.all([runSlaScan(t.db, now, cal), runSlaScan(t.db, now, cal)]);
    expect(z).toEqual([{ warned: 0, overdue: 0, escalated: 0, tickets: 0 }, { warned: 0, overdue: 0, escalated: 0, tickets: 0 }]);
  });
});
