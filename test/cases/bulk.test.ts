/** POST /api/cases/bulk: one step on many cases, each in its own transaction, one result per id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorld, createCasesWorld, type CasesWorld } from './setup.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5322');
});
afterAll(async () => {
  await closeWorld(w);
});

async function report(at: { lng: number; lat: number } = w.inGrid, categoryCode = 'CITY.MATERIAL_PILE'): Promise<number> {
  const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.resident.headers, payload: { channel: 'web', categoryCode, description: '批量测试案件', location: at } });
  expect(r.statusCode).toBe(201);
  return r.json().case.id as number;
}
const bulk = (payload: Record<string, unknown>, headers: Record<string, string> = w.streetOp.headers as unknown as Record<string, string>) => w.app.inject({ method: 'POST', url: '/api/cases/bulk', headers, payload });
const stateOf = async (id: number) => (await w.t.db.query<{ state: string; lead_department_id: string | null; response_level: number }>(`SELECT state, lead_department_id::text AS lead_department_id, response_level FROM case_file WHERE id = $1`, [id])).rows[0]!;
const auditCount = async (action: string, id: number) => Number((await w.t.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_record WHERE action = $1 AND target_id = $2`, [action, String(id)])).rows[0]!.n);

describe('POST /api/cases/bulk', () => {
  it('200: accepts several cases, each audited', async () => {
    const ids = [await report(), await report()];
    const r = await bulk({ action: 'accept', ids, body: { responseLevel: 2 } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ action: 'accept', done: 2, failed: 0 });
    for (const id of ids) {
      expect(await stateOf(id)).toMatchObject({ state: 'accepted', response_level: 2 });
      expect(await auditCount('case.accept', id)).toBe(1);
    }
  });

  it('200 with per-id errors: one case in the wrong state (409) does not undo the others', async () => {
    const done = await report();
    const fresh = await report();
    expect((await bulk({ action: 'accept', ids: [done] })).json().done).toBe(1);
    const r = await bulk({ action: 'accept', ids: [done, fresh] });
    expect(r.statusCode).toBe(200);
    const res = r.json().results;
    expect(res[0]).toMatchObject({ id: done, ok: false, error: { code: 'invalid_state', status: 409, details: { state: 'accepted' } } });
    expect(res[0].error.message).toBeTruthy();
    expect(res[1]).toMatchObject({ id: fresh, ok: true, state: 'accepted' });
    expect(await stateOf(fresh)).toMatchObject({ state: 'accepted' });
  });

  it('200: dispatches to a department', async () => {
    const ids = [await report(), await report()];
    await bulk({ action: 'accept', ids });
    const r = await bulk({ action: 'dispatch', ids, body: { leadDepartmentId: w.dept.cgj } });
    expect(r.json()).toMatchObject({ done: 2, failed: 0 });
    for (const id of ids) expect(await stateOf(id)).toMatchObject({ state: 'dispatched', lead_department_id: String(w.dept.cgj) });
  });

  it('200: classify sets the response level', async () => {
    const id = await report();
    const r = await bulk({ action: 'classify', ids: [id], body: { responseLevel: 1 } });
    expect(r.json().results[0]).toMatchObject({ ok: true });
    expect((await stateOf(id)).response_level).toBe(1);
  });

  it('a case outside the operator scope is a per-id 404, like a missing one', async () => {
    const mine = await report();
    const r = await bulk({ action: 'accept', ids: [mine, 99_999_999] }, w.panlongOp.headers);
    expect(r.statusCode).toBe(200);
    const res = r.json().results;
    expect(res[0]).toMatchObject({ ok: false, error: { status: 404 } });
    expect(res[1]).toMatchObject({ ok: false, error: { status: 404 } });
    expect(res[0].error.code).toBe(res[1].error.code);
    expect((await stateOf(mine)).state).toBe('reported');
  });

  it('403 for a handler and a resident; 401 for nobody', async () => {
    const id = await report();
    expect((await bulk({ action: 'accept', ids: [id] }, w.handler.headers)).statusCode).toBe(403);
    expect((await bulk({ action: 'accept', ids: [id] }, w.resident.headers)).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'POST', url: '/api/cases/bulk', payload: { action: 'accept', ids: [id] } })).statusCode).toBe(401);
    expect((await stateOf(id)).state).toBe('reported');
  });

  it('400 naming the field: unknown action, too many ids, a bad step body, a version; nothing written', async () => {
    const id = await report();
    const bad = [
      [{ action: 'close', ids: [id] }, 'action'],
      [{ action: 'accept', ids: Array.from({ length: 101 }, (_, i) => i + 1) }, 'ids'],
      [{ action: 'accept', ids: [] }, 'ids'],
      [{ action: 'classify', ids: [id], body: { responseLevel: 7 } }, 'body.responseLevel'],
      [{ action: 'dispatch', ids: [id], body: { leadDepartment: 1 } }, 'body'],
      [{ action: 'accept', ids: [id], body: { version: 1 } }, 'body.version'],
    ] as const;
    for (const [payload, field] of bad) {
      const r = await bulk(payload);
      expect(r.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(r.body).toContain(field);
    }
    expect((await stateOf(id)).state).toBe('reported');
  });
});

describe('GET /api/cases?hasDuplicates=true (the triage tab "duplicates suggested")', () => {
  it('200: lists the later report near an earlier open one of the same category, not the first', async () => {
    const spot = { lng: 102.0503, lat: 24.0503 };
    // A category no other test reports in, so the first report has nothing before it.
    const first = await report(spot, 'CITY.STREET_VENDING');
    const second = await report({ lng: 102.0504, lat: 24.0503 }, 'CITY.STREET_VENDING');
    const r = await w.app.inject({ method: 'GET', url: '/api/cases?hasDuplicates=true&state=reported&limit=200', headers: w.streetOp.headers });
    expect(r.statusCode).toBe(200);
    const ids = (r.json().items as Array<{ id: number }>).map((x) => x.id);
    expect(ids).toContain(second);
    expect(ids).not.toContain(first);
    const not = await w.app.inject({ method: 'GET', url: '/api/cases?hasDuplicates=false&limit=200', headers: w.streetOp.headers });
    expect((not.json().items as Array<{ id: number }>).map((x) => x.id)).not.toContain(second);
  });
  it('400 naming hasDuplicates for a bad value', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/api/cases?hasDuplicates=perhaps', headers: w.streetOp.headers });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('hasDuplicates');
  });
});
