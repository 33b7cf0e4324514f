import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorld, createCasesWorld, type CasesWorld, type Who } from './setup.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5381');
  const r = await w.app.inject({
    method: 'POST',
    url: '/api/routing-rules',
    headers: w.admin.headers,
    payload: { categoryCode: 'CITY', regionCode: w.city.wuhua.code, leadDepartmentId: w.dept.cgj },
  });
  expect(r.statusCode, r.body).toBe(201);
});
afterAll(() => closeWorld(w));

const report = async (who: Who, extra: Record<string, unknown> = {}) => {
  const r = await w.app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: who.headers,
    payload: { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: '路边乱堆物料', location: w.inGrid, ...extra },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().case as { id: number; publicId: string; state: string; version: number };
};
const step = (who: Who, id: number, action: string, payload: Record<string, unknown> = {}) =>
  w.app.inject({ method: 'POST', url: `/api/cases/${id}/${action}`, headers: who.headers, payload });
const counts = async (id: number) => {
  const q = async (sql: string) => (await w.t.db.query<{ n: number }>(sql, [id])).rows[0]!.n;
  return {
    events: await q('SELECT count(*)::int AS n FROM case_event WHERE case_id = $1'),
    outbox: await q(`SELECT count(*)::int AS n FROM outbox WHERE (payload->>'caseId')::bigint = $1`),
    audit: await q(`SELECT count(*)::int AS n FROM audit_record WHERE target_type = 'case' AND target_id = $1::text`),
    version: await q('SELECT version AS n FROM case_file WHERE id = $1'),
  };
};

describe('POST /api/cases in a category that dispatches itself', () => {
  it('201: accepted and dispatched by the system in the report\'s transaction, on the timeline, with one audit record per step', async () => {
    const r = await w.app.inject({
      method: 'POST', url: '/api/cases', headers: w.resident.headers,
      payload: { channel: 'web', categoryCode: 'CITY.EXPOSED_WASTE', description: '路边暴露垃圾', location: { lng: 102.052, lat: 24.052 }, attributes: {} },
    });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body.autoDispatched).toBe(true);
    expect(body.case.state).toBe('dispatched');
    expect(body.case.leadDepartmentId).toBe(w.dept.cgj);
    const ev = await w.t.db.query<{ type: string; actor_type: string }>('SELECT type, actor_type FROM case_event WHERE case_id = $1 ORDER BY id', [body.case.id]);
    expect(ev.rows.map((e) => e.type)).toEqual(['reported', 'accepted', 'dispatched']);
    const audit = await w.t.db.query<{ action: string }>(`SELECT action FROM audit_record WHERE target_type = 'case' AND target_id = $1 ORDER BY id`, [String(body.case.id)]);
    expect(audit.rows.map((a) => a.action)).toEqual(['case.report', 'case.accept', 'case.dispatch']);
    // A second report at the same spot has the first as a likely duplicate: it waits in triage.
    const again = (await w.app.inject({
      method: 'POST', url: '/api/cases', headers: w.resident2.headers,
      payload: { channel: 'web', categoryCode: 'CITY.EXPOSED_WASTE', description: '这里也有垃圾', location: { lng: 102.0521, lat: 24.0521 }, attributes: {} },
    })).json();
    expect(again.autoDispatched).toBe(false);
    expect(again.case.state).toBe('reported');
    expect(again.duplicates.map((d: { publicId: string }) => d.publicId)).toContain(body.case.publicId);
  });
});

describe('the closed loop', () => {
  it('report → accept → dispatch (by rule) → sign-for → start → handle → verify → close → callback: each step 200 with timeline, audit and outbox', async () => {
    const k = await report(w.resident);
    expect(k.publicId).toMatch(/^5381-\d{8}-\d{6}$/);
    expect(k.state).toBe('reported');

    const detail = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    expect(detail.actions).toEqual(expect.arrayContaining(['accept', 'reject', 'classify', 'escalate']));
    expect(detail.actions).not.toContain('sign-for');
    expect(detail.regionId).toBe(w.city.wuhuaGrid.id);
    expect(detail.centreRegionId).toBe(w.city.wuhuaStreet.id);

    let r = await step(w.streetOp, k.id, 'accept');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().state).toBe('accepted');

    const sug = await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}/routing-suggestion`, headers: w.streetOp.headers });
    expect(sug.statusCode).toBe(200);
    expect(sug.json().leadDepartmentId).toBe(w.dept.cgj);

    r = await step(w.streetOp, k.id, 'dispatch', { coDepartmentIds: [w.dept.other] });
    expect(r.statusCode, r.body).toBe(200);
    const d = r.json();
    expect(d.state).toBe('dispatched');
    expect(d.leadDepartmentId).toBe(w.dept.cgj);
    expect(d.coDepartmentIds).toEqual([w.dept.other]);
    expect(d.routingRuleId).toBe(sug.json().rule.id);
    expect(d.deadlines.signFor.dueAt).not.toBeNull();
    expect(d.deadlines.handle.dueAt).not.toBeNull();

    // The department sees the problem, not the reporter (this category needs no contact).
    const asHandler = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.handler.headers })).json();
    expect(asHandler.reporter).toEqual({ hidden: true, anonymous: false });
    expect(asHandler.actions).toEqual(expect.arrayContaining(['sign-for', 'return', 'suspend']));
    // A co-handler sees the case but may not act on it.
    const asCo = await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.otherHandler.headers });
    expect(asCo.statusCode).toBe(200);
    expect(asCo.json().actions).toEqual([]);

    for (const [who, action, body, state] of [
      [w.handler, 'sign-for', {}, 'signed'],
      [w.handler, 'start', {}, 'in_progress'],
      [w.handler, 'handle', { summary: '已清运垃圾' }, 'handled'],
      [w.grid, 'verify', { result: 'pass' }, 'verified'],
      [w.streetOp, 'close', {}, 'closed'],
      [w.resident, 'callback', { satisfaction: 'satisfied', comment: '很快' }, 'evaluated'],
    ] as const) {
      const before = await counts(k.id);
      const res = await step(who, k.id, action, body);
      expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
      expect(res.json().state ?? null).toBe(state);
      const after = await counts(k.id);
      expect(after.events).toBe(before.events + 1);
      expect(after.outbox).toBe(before.outbox + 1);
      expect(after.audit).toBe(before.audit + 1);
      expect(after.version).toBe(before.version + 1);
    }

    const tl = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}/timeline`, headers: w.streetOp.headers })).json();
    expect(tl.items.map((e: { type: string }) => e.type)).toEqual(['reported', 'accepted', 'dispatched', 'signed_for', 'started', 'handled', 'verified', 'closed', 'callback']);
    const told = async (template: string) =>
      (await w.t.db.query<{ payload: { userIds: number[] } }>(
        `SELECT payload FROM outbox WHERE topic = 'notification.send' AND payload->>'template' = $1 AND payload->'params'->>'publicId' = $2`,
        [template, k.publicId],
      )).rows.map((r) => r.payload.userIds);
    // The reporter hears of acceptance, dispatch and closure (with the callback request).
    expect(await told('case.accepted')).toEqual([[w.resident.id]]);
    expect(await told('case.dispatched')).toContainEqual([w.resident.id]);
    expect(await told('case.callback_requested')).toEqual([[w.resident.id]]);
    // The department's handlers hear of the dispatch.
    expect((await told('case.task_assigned')).flat()).toContain(w.handler.id);
    const events = await w.t.db.query<{ topic: string }>(`SELECT topic FROM outbox WHERE topic LIKE 'event.case.%' AND (payload->>'caseId')::bigint = $1 ORDER BY id`, [k.id]);
    expect(events.rows.map((r) => r.topic)).toContain('event.case.closed');
  });

  it('POST /api/cases/:id/sign-for 409 on a reported case (the guard runs before the policy), naming the state and the possible steps', async () => {
    const k = await report(w.resident);
    const r = await step(w.streetOp, k.id, 'sign-for');
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('invalid_state');
    expect(r.json().error.message).toContain('is reported');
    expect(r.json().error.message).toContain('Possible steps: accept, reject, classify');
  });

  it('illegal steps answer 409 and write nothing', async () => {
    const k = await report(w.resident);
    const before = await counts(k.id);
    for (const [who, action, body] of [
      [w.streetOp, 'close', {}],
      [w.streetOp, 'dispatch', {}],
      [w.grid, 'verify', { result: 'pass' }],
      [w.resident, 'callback', { satisfaction: 'satisfied' }],
      [w.streetOp, 'resume', {}],
    ] as const) {
      const r = await step(who, k.id, action, body);
      expect(r.statusCode, action).toBe(409);
      expect(r.json().error.message).toMatch(/is reported/);
    }
    expect(await counts(k.id)).toEqual(before);
  });

  it('POST /api/cases/:id/reject 400 without a reason, naming the field, and writes nothing; 200 with one, shown publicly', async () => {
    const k = await report(w.resident);
    const before = await counts(k.id);
    const bad = await step(w.streetOp, k.id, 'reject', {});
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('reason');
    expect(await counts(k.id)).toEqual(before);
    const ok = await step(w.streetOp, k.id, 'reject', { reason: '不属于受理范围' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().state).toBe('not_accepted');
    const pub = (await w.app.inject({ method: 'GET', url: `/api/public/cases/${k.publicId}` })).json();
    expect(pub.notAcceptedReason).toBe('不属于受理范围');
  });

  it('scope: another district\'s operator and another department\'s handler get 404, like a missing case', async () => {
    const k = await report(w.resident);
    for (const who of [w.panlongOp, w.otherHandler, w.resident2]) {
      const r = await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: who.headers });
      expect(r.statusCode).toBe(404);
    }
    const r = await step(w.panlongOp, k.id, 'accept');
    expect(r.statusCode).toBe(404);
    const missing = await w.app.inject({ method: 'GET', url: '/api/cases/99999999', headers: w.panlongOp.headers });
    expect(missing.json().error.code).toBe(r.json().error.code);
  });

  it('a resident may see but not accept their own report (403); the handler may not accept (403)', async () => {
    const k = await report(w.resident);
    expect((await step(w.resident, k.id, 'accept')).statusCode).toBe(403);
  });

  it('an auto-dispatch category with a routing rule skips triage: accepted and dispatched by the system', async () => {
    const k = await report(w.resident, { categoryCode: 'CITY.EXPOSED_WASTE', location: { lng: 102.07, lat: 24.07 } });
    expect(k.state).toBe('dispatched');
    const tl = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}/timeline`, headers: w.streetOp.headers })).json();
    expect(tl.items.map((e: { type: string; actor: { type: string } }) => `${e.type}:${e.actor.type}`)).toEqual(['reported:user', 'accepted:system', 'dispatched:system']);
  });

  it('concurrent sign-for: exactly one wins, the other gets 409', async () => {
    const k = await report(w.resident);
    await step(w.streetOp, k.id, 'accept');
    await step(w.streetOp, k.id, 'dispatch', { leadDepartmentId: w.dept.cgj });
    const rs = await Promise.all([step(w.handler, k.id, 'sign-for'), step(w.handler, k.id, 'sign-for')]);
    expect(rs.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const events = await w.t.db.query(`SELECT 1 FROM case_event WHERE case_id = $1 AND type = 'signed_for'`, [k.id]);
    expect(events.rows).toHaveLength(1);
  });

  it('a stale version is a 409 conflict', async () => {
    const k = await report(w.resident);
    const r = await step(w.streetOp, k.id, 'accept', { version: k.version + 5 });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('conflict');
  });

  it('return → back at the centre; redispatch counts a transfer; the third return escalates with a supervision ticket', async () => {
    const k = await report(w.resident);
    await step(w.streetOp, k.id, 'accept');
    for (let i = 1; i <= 3; i++) {
      const disp = await step(w.streetOp, k.id, 'dispatch', { leadDepartmentId: w.dept.cgj });
      expect(disp.statusCode, disp.body).toBe(200);
      const ret = await step(w.handler, k.id, 'return', { reason: '不属于本部门职责' });
      expect(ret.statusCode, ret.body).toBe(200);
      expect(ret.json().state).toBe('returned');
    }
    const after = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.districtOp.headers })).json();
    expect(after.counters.returns).toBe(3);
    expect(after.counters.transfers).toBe(2);
    // The third return escalated it street → district.
    expect(after.centreRegionId).toBe(w.city.wuhua.id);
    const t = await w.t.db.query<{ kind: string; region_id: number }>('SELECT kind, region_id FROM supervision_ticket WHERE case_id = $1', [k.id]);
    expect(t.rows[0]).toMatchObject({ kind: 'repeat_return', region_id: w.city.wuhua.id });
    // The street centre now only watches.
    const street = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    expect(street.actions).toEqual([]);
  });

  it('escalate (向上请办) and dispatch-down (向下派遣) move the dispatching centre', async () => {
    const k = await report(w.resident);
    let r = await step(w.streetOp, k.id, 'escalate', { reason: '需区级协调' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().centreRegionId).toBe(w.city.wuhua.id);
    expect((await step(w.streetOp, k.id, 'accept')).statusCode).toBe(403);
    r = await step(w.districtOp, k.id, 'dispatch-down', { centreRegionCode: w.city.wuhuaCommunity.code });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().centreRegionId).toBe(w.city.wuhuaCommunity.id);
    r = await step(w.districtOp, k.id, 'dispatch-down', { centreRegionCode: w.city.panlong.code });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('centreRegionCode');
  });

  it('verify fail → rework (返工); callback dissatisfied → reopened (发回重办) to the same department', async () => {
    const k = await report(w.resident);
    await step(w.streetOp, k.id, 'accept');
    await step(w.streetOp, k.id, 'dispatch', { leadDepartmentId: w.dept.cgj });
    await step(w.handler, k.id, 'sign-for');
    await step(w.handler, k.id, 'handle', { summary: '已处理' });
    let r = await step(w.grid, k.id, 'verify', { result: 'fail' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('comment');
    r = await step(w.grid, k.id, 'verify', { result: 'fail', comment: '垃圾仍在' });
    expect(r.statusCode).toBe(200);
    expect(r.json().state).toBe('in_progress');
    expect(r.json().counters.reworks).toBe(1);
    await step(w.handler, k.id, 'handle', { summary: '再次清运' });
    await step(w.resident, k.id, 'verify', { result: 'pass' });
    await step(w.streetOp, k.id, 'close');
    r = await step(w.streetOp, k.id, 'callback', { satisfaction: 'dissatisfied', comment: '又有了' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().state).toBe('dispatched');
    expect(r.json().counters.reopens).toBe(1);
    expect(r.json().leadDepartmentId).toBe(w.dept.cgj);
  });

  it('suspend stops the clock and resume moves the deadlines; extension asked, approved', async () => {
    let now = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 in Shanghai
    const { buildTestApp } = await import('../helpers/app.js');
    const app = await buildTestApp(w.t.db, { now: () => now, config: { dataDir: w.dataDir } });
    try {
      const post = (who: Who, url: string, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: who.headers, payload });
      const k = (await post(w.resident, '/api/cases', { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: '乱堆建材', location: w.inGrid })).json().case;
      await post(w.streetOp, `/api/cases/${k.id}/accept`, {});
      const d = (await post(w.streetOp, `/api/cases/${k.id}/dispatch`, { leadDepartmentId: w.dept.cgj })).json();
      // Level 3, working hours (7 a day: 09:00–12:00, 13:30–17:30): handle within 40 working
      // hours from Monday 10:00 = 6 h on Monday, 4 × 7 h Tue–Fri, 6 h the next Monday → 16:30.
      expect(d.deadlines.mode).toBe('working');
      expect(d.deadlines.handle.dueAt).toBe('2026-03-09T08:30:00.000Z');
      await post(w.handler, `/api/cases/${k.id}/sign-for`, {});
      now = new Date('2026-03-02T03:00:00Z');
      let r = await post(w.handler, `/api/cases/${k.id}/suspend`, {});
      expect(r.statusCode).toBe(400);
      r = await post(w.handler, `/api/cases/${k.id}/suspend`, { reason: '等待产权人到场' });
      expect(r.json().state).toBe('suspended');
      now = new Date('2026-03-03T03:00:00Z'); // one working day (7 working hours) later
      r = await post(w.handler, `/api/cases/${k.id}/resume`, {});
      expect(r.json().state).toBe('signed');
      // Moved by the 7 working hours suspended: 1 h on Monday 03-09, 6 h on Tuesday → 16:30.
      expect(r.json().deadlines.handle.dueAt).toBe('2026-03-10T08:30:00.000Z');
      expect(r.json().suspendedMs).toBe(86_400_000);
      r = await post(w.handler, `/api/cases/${k.id}/request-extension`, { hours: 8, reason: '需要采购材料' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().pendingExtension.hours).toBe(8);
      r = await post(w.handler, `/api/cases/${k.id}/request-extension`, { hours: 8, reason: '再次申请' });
      expect(r.statusCode).toBe(409);
      r = await post(w.streetOp, `/api/cases/${k.id}/decide-extension`, { approve: true });
      expect(r.statusCode, r.body).toBe(200);
      // 8 more working hours: 1 h on Tuesday, all 7 h of Wednesday → Wednesday 17:30.
      expect(r.json().deadlines.handle.dueAt).toBe('2026-03-11T09:30:00.000Z');
      expect(r.json().pendingExtension).toBeNull();
      now = new Date('2026-03-12T02:00:00Z');
      r = await post(w.handler, `/api/cases/${k.id}/request-extension`, { hours: 8, reason: '太晚了' });
      expect(r.statusCode).toBe(409);
      expect(r.json().error.code).toBe('extension_too_late');
    } finally {
      await app.close();
    }
  });
});
