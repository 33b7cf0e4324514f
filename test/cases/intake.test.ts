import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorld, createCasesWorld, type CasesWorld, type Who } from './setup.js';
import { recordAuditPart } from '../../src/modules/audit/index.js';
import { insertReportedCase } from '../../src/modules/cases/cases.repository.js';
import { systemActor } from '../../src/platform/actor.js';
import { inTx } from '../../src/platform/context.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5382');
});
afterAll(() => closeWorld(w));

const post = (who: Who | null, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  w.app.inject({ method: 'POST', url: '/api/cases', headers: { ...(who?.headers ?? {}), ...headers }, payload });
const base = (extra: Record<string, unknown> = {}) => ({ channel: 'web', categoryCode: 'CITY.STREET_VENDING', description: '有人占道经营', location: w.inGrid, ...extra });
const caseCount = async () => (await w.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_file')).rows[0]!.n;

describe('POST /api/cases', () => {
  it('201: located in its region chain and grid; the reporter sees their own full phone', async () => {
    const r = await post(w.resident, base());
    expect(r.statusCode, r.body).toBe(201);
    const k = r.json().case;
    expect(k.regionIds).toEqual({ city: w.city.city.id, district: w.city.wuhua.id, street: w.city.wuhuaStreet.id, community: w.city.wuhuaCommunity.id, grid: w.city.wuhuaGrid.id });
    expect(k.outOfRegion).toBe(false);
    expect(k.reporter.phone).toMatch(/^1\d{10}$/);
    expect(k.actions).toEqual([]);
  });

  it('201: a GCJ-02 point is converted to WGS-84 before it is located', async () => {
    const r = await post(w.resident, base({ location: { lng: 102.05, lat: 24.05, crs: 'gcj02' } }));
    expect(r.statusCode).toBe(201);
    const k = r.json().case;
    expect(k.input).toEqual({ lng: 102.05, lat: 24.05, crs: 'gcj02' });
    expect(Math.abs(k.location.lng - 102.05)).toBeGreaterThan(0.001);
    expect(k.regionIds.grid).toBe(w.city.wuhuaGrid.id);
  });

  it('201: a point outside every region is kept at the city centre with outOfRegion', async () => {
    const r = await post(w.resident, base({ location: { lng: 110.5, lat: 30.5 } }));
    expect(r.statusCode, r.body).toBe(201);
    const k = r.json().case;
    expect(k.outOfRegion).toBe(true);
    expect(k.regionId).toBe(w.city.city.id);
    expect(k.centreRegionId).toBe(w.city.city.id);
    const list = (await w.app.inject({ method: 'GET', url: '/api/cases?state=reported', headers: w.cityOp.headers })).json();
    expect(list.items.map((i: { id: number }) => i.id)).toContain(k.id);
    // The city centre's "outside any region" tab lists it; the filter the other way does not.
    const outside = (await w.app.inject({ method: 'GET', url: '/api/cases?outOfRegion=true', headers: w.cityOp.headers })).json();
    expect(outside.items.map((i: { id: number }) => i.id)).toContain(k.id);
    expect(outside.items.every((i: { outOfRegion: boolean }) => i.outOfRegion)).toBe(true);
    const inside = (await w.app.inject({ method: 'GET', url: '/api/cases?outOfRegion=false', headers: w.cityOp.headers })).json();
    expect(inside.items.map((i: { id: number }) => i.id)).not.toContain(k.id);
    expect((await w.app.inject({ method: 'GET', url: '/api/cases?outOfRegion=maybe', headers: w.cityOp.headers })).statusCode).toBe(400);
  });

  it('201: a hotline call by an operator lands at the city centre; the caller\'s phone is masked for the department', async () => {
    const r = await post(w.cityOp, base({ channel: 'hotline', categoryCode: 'CONSULT.POLICY', reporterName: '张先生', reporterPhone: '13812341234', description: '咨询低保政策' }));
    expect(r.statusCode, r.body).toBe(201);
    const k = r.json().case;
    expect(k.centreRegionId).toBe(w.city.city.id);
    expect(k.reporter).toEqual({ anonymous: false, name: '张先生', phone: '13812341234' });
    // The street operator (not the centre) sees the phone masked.
    const asStreet = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.streetOp.headers })).json();
    expect(asStreet.reporter.phone).toBe('138****1234');
  });

  it('anonymous report without a login (web) is accepted; nobody but the centre sees a contact, and anonymous hides it from all', async () => {
    const r = await post(null, base({ anonymous: true, reporterPhone: '13912345678', reporterName: '匿名' }));
    expect(r.statusCode, r.body).toBe(201);
    const k = r.json().case;
    const asOp = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}`, headers: w.districtOp.headers })).json();
    expect(asOp.reporter).toEqual({ hidden: true, anonymous: true });
  });

  it('channel policy: a resident may not enter a hotline call (403); a grid worker may not patrol outside their grid (403)', async () => {
    const n = await caseCount();
    expect((await post(w.resident, base({ channel: 'hotline' }))).statusCode).toBe(403);
    const r = await post(w.grid, base({ channel: 'patrol', location: { lng: 103.1, lat: 24.1 } }));
    expect(r.statusCode).toBe(403);
    expect(await caseCount()).toBe(n);
    expect((await post(w.grid, base({ channel: 'patrol' }))).statusCode).toBe(201);
  });

  it('400 naming the field, writing nothing: missing category, unknown category, no location, bad attribute, bad crs', async () => {
    const n = await caseCount();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ channel: 'web', description: '没有分类', location: w.inGrid }, 'categoryCode'],
      [base({ categoryCode: 'NOPE.NOPE' }), 'categoryCode'],
      [base({ location: undefined }), 'location'],
      [base({ attributes: { blocking: 'sometimes' } }), 'attributes.blocking'],
      [base({ attributes: { colour: 'red' } }), 'attributes.colour'],
      [base({ location: { lng: 102, lat: 24, crs: 'mars' } }), 'location.crs'],
      [base({ categoryCode: 'SAFETY.GAS', description: '闻到燃气味' }), 'attributes.hazard'],
      [base({ description: 'x' }), 'description'],
    ];
    for (const [payload, field] of cases) {
      const r = await post(w.resident, payload);
      expect(r.statusCode, `${field}: ${r.body}`).toBe(400);
      expect(r.json().error.message).toContain(field);
    }
    expect(await caseCount()).toBe(n);
  });

  it('201 writes, in one transaction, the case, its reporter, the reported event, its audit record and the integrators\' event', async () => {
    const r = await post(w.resident, base({ description: '一次写入的检查' }));
    expect(r.statusCode, r.body).toBe(201);
    const k = r.json().case;
    expect(k.publicId).toMatch(/^[A-Z0-9]+-\d{8}-\d{6,}$/);
    const row = (await w.t.db.query<{ public_id: string; state: string }>('SELECT public_id, state FROM case_file WHERE id = $1', [k.id])).rows[0]!;
    expect(row).toEqual({ public_id: k.publicId, state: 'reported' });
    const reps = await w.t.db.query<{ user_id: number; source_case_id: number }>('SELECT user_id, source_case_id FROM case_reporter WHERE case_id = $1', [k.id]);
    expect(reps.rows).toEqual([{ user_id: w.resident.id, source_case_id: k.id }]);
    const ev = await w.t.db.query<{ type: string; to_state: string; actor_type: string; actor_id: number; public_text: string; data: Record<string, unknown> }>(
      'SELECT type, to_state, actor_type, actor_id, public_text, data FROM case_event WHERE case_id = $1', [k.id]);
    expect(ev.rows).toEqual([expect.objectContaining({ type: 'reported', to_state: 'reported', actor_type: 'user', actor_id: w.resident.id, public_text: '已上报' })]);
    expect(ev.rows[0]!.data).toMatchObject({ channel: 'web', outOfRegion: false, categoryCode: 'CITY.STREET_VENDING', locationSource: 'gps' });
    const audit = await w.t.db.query<{ action: string; target_type: string; target_id: string; region_id: number; after: Record<string, unknown>; request_id: string }>(
      `SELECT action, target_type, target_id, region_id, after, request_id FROM audit_record WHERE target_type = 'case' AND target_id = $1`, [String(k.id)]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ action: 'case.report', region_id: k.regionId, after: { publicId: k.publicId, channel: 'web', categoryCode: 'CITY.STREET_VENDING', outOfRegion: false, locationSource: 'gps' } });
    expect(audit.rows[0]!.request_id).toBe(r.headers['x-request-id']);
    const out = await w.t.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM outbox WHERE topic = 'event.case.reported' AND (payload->>'caseId')::bigint = $1`, [k.id]);
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]!.payload).toMatchObject({ caseId: k.id, publicId: k.publicId, action: 'report', fromState: null, state: 'reported', regionId: k.regionId, categoryCode: 'CITY.STREET_VENDING', outOfRegion: false });
    expect(out.rows[0]!.payload.lng).toBeCloseTo(w.inGrid.lng, 6);
    // A private category never carries its point out of the system.
    const p = await post(w.cityOp, base({ channel: 'hotline', categoryCode: 'CONSULT.POLICY', reporterName: '李女士', reporterPhone: '13812340000', description: '私密咨询' }));
    expect(p.statusCode, p.body).toBe(201);
    const pk = p.json().case;
    const pout = await w.t.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM outbox WHERE topic = 'event.case.reported' AND (payload->>'caseId')::bigint = $1`, [pk.id]);
    if ((await w.t.db.query<{ private: boolean }>('SELECT private FROM case_category WHERE code = $1', ['CONSULT.POLICY'])).rows[0]!.private) {
      expect(pout.rows[0]!.payload).toMatchObject({ lng: null, lat: null });
    }
  });

  it('the one statement is all or nothing: a failing part (here the outbox row) leaves no case, reporter, event or audit record', async () => {
    const count = async () => (await w.t.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM case_file) || '/' || (SELECT count(*) FROM case_reporter) || '/' || (SELECT count(*) FROM case_event) || '/' ||
              (SELECT count(*) FROM audit_record) || '/' || (SELECT count(*) FROM outbox) AS n`)).rows[0]!.n;
    const before = await count();
    const ctx = { actor: systemActor('test'), now: new Date(), requestId: 'atomic-1', ip: null };
    const failing = () => ({ sql: 'INSERT INTO outbox (topic, payload, available_at) SELECT NULL, NULL, now() FROM ins', params: [] });
    await expect(inTx(w.t.db, ctx, async (c) => {
      const city = (await c.tx.query<{ id: number; path: string; code: string }>('SELECT id, path, code FROM region WHERE id = $1', [w.city.city.id])).rows[0]!;
      return insertReportedCase(c, {
        publicIdPrefix: 'T', city_code: city.code, channel: 'web', category_code: 'CITY.STREET_VENDING', response_level: 3, title: null, description: 'x', attributes: {},
        private: false, lng: 102.05, lat: 24.05, input_lng: 102.05, input_lat: 24.05, input_crs: 'wgs84', address: null, out_of_region: false,
        region_id: city.id, region_path: city.path, city_id: city.id, district_id: null, street_id: null, community_id: null, grid_id: null,
        reporter_user_id: null, reporter_name: null, reporter_phone: null, anonymous: false, centre_region_id: city.id, centre_path: city.path,
        deadline_mode: 'working', reported_at: new Date(),
      }, { userId: null, name: null, phone: null, anonymous: false }, { data: {}, public: true, publicText: '已上报' }, null,
      [(first) => recordAuditPart(c, { action: 'case.report', targetType: 'case' }, first, { from: 'ins', targetIdSql: 'ins.id' }), failing]);
    })).rejects.toThrow();
    expect(await count()).toBe(before);
  });

  it('Idempotency-Key: a retry replays the same case; another body with the key is 409; keys are per reporter', async () => {
    const n = await caseCount();
    const key = { 'idempotency-key': 'retry-0001' };
    const a = await post(w.resident, base({ description: '重试测试' }), key);
    const b = await post(w.resident, base({ description: '重试测试' }), key);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json().case.id).toBe(a.json().case.id);
    expect(await caseCount()).toBe(n + 1);
    const c = await post(w.resident, base({ description: '另一个请求' }), key);
    expect(c.statusCode).toBe(409);
    expect(c.json().error.code).toBe('idempotency_key_reused');
    const d = await post(w.resident2, base({ description: '重试测试' }), key);
    expect(d.statusCode).toBe(201);
    expect(d.json().case.id).not.toBe(a.json().case.id);
    expect(await caseCount()).toBe(n + 2);
  });

  it('a failed intake leaves no Idempotency-Key behind: the corrected retry succeeds', async () => {
    const key = { 'idempotency-key': 'retry-0002' };
    expect((await post(w.resident, base({ categoryCode: 'NOPE.NOPE' }), key)).statusCode).toBe(400);
    // Same key, same (bad) body again: still evaluated, not replayed.
    expect((await post(w.resident, base({ categoryCode: 'NOPE.NOPE' }), key)).statusCode).toBe(400);
    expect((await post(w.resident, base(), key)).statusCode).toBe(201);
  });
});

describe('duplicates and merge', () => {
  it('a second report nearby is offered the first as a duplicate; merged, both reporters get the updates', async () => {
    const loc = { lng: 102.08, lat: 24.08 };
    const first = (await post(w.resident, base({ categoryCode: 'ROADS.POTHOLE', location: loc, description: '路面坑洞' }))).json();
    expect(first.duplicates).toEqual([]);
    const near = { lng: 102.0815, lat: 24.0805 }; // ~160 m away
    const second = await post(w.resident2, base({ categoryCode: 'ROADS.POTHOLE', location: near, description: '这里路坏了' }));
    const s = second.json();
    // Residents see only the public id of a non-private duplicate.
    expect(s.duplicates).toEqual([expect.objectContaining({ publicId: first.case.publicId, id: null, description: null })]);
    expect(s.duplicates[0].distanceM).toBeGreaterThan(100);
    expect(s.duplicates[0].distanceM).toBeLessThan(250);
    // Far away or another category: not a duplicate.
    const far = (await post(w.resident2, base({ categoryCode: 'ROADS.POTHOLE', location: { lng: 102.09, lat: 24.09 } }))).json();
    expect(far.duplicates.map((d: { publicId: string }) => d.publicId)).not.toContain(first.case.publicId);

    const dups = (await w.app.inject({ method: 'GET', url: `/api/cases/${s.case.id}/duplicates`, headers: w.streetOp.headers })).json();
    expect(dups.items.map((d: { id: number }) => d.id)).toContain(first.case.id);

    const m = await w.app.inject({ method: 'POST', url: `/api/cases/${s.case.id}/merge`, headers: w.streetOp.headers, payload: { into: first.case.id } });
    expect(m.statusCode, m.body).toBe(200);
    expect(m.json().state).toBe('merged');
    expect(m.json().mergedInto).toBe(first.case.id);

    const target = (await w.app.inject({ method: 'GET', url: `/api/cases/${first.case.id}`, headers: w.streetOp.headers })).json();
    expect(target.reporters.map((r: { userId: number }) => r.userId).sort()).toEqual([w.resident.id, w.resident2.id].sort());
    // The second reporter now follows the first case.
    expect((await w.app.inject({ method: 'GET', url: `/api/cases/${first.case.id}`, headers: w.resident2.headers })).statusCode).toBe(200);

    const acc = await w.app.inject({ method: 'POST', url: `/api/cases/${first.case.id}/accept`, headers: w.streetOp.headers, payload: {} });
    expect(acc.statusCode).toBe(200);
    // Every reporter of the merged cases is told that the case was accepted.
    const o = await w.t.db.query<{ payload: { userIds: number[] } }>(
      `SELECT payload FROM outbox WHERE topic = 'notification.send' AND payload->>'template' = 'case.accepted' AND payload->'params'->>'publicId' = $1`,
      [first.case.publicId],
    );
    expect(o.rows[0]!.payload.userIds.sort()).toEqual([w.resident.id, w.resident2.id].sort());
    const e = await w.t.db.query(`SELECT 1 FROM outbox WHERE topic = 'event.case.accepted' AND (payload->>'caseId')::bigint = $1`, [first.case.id]);
    expect(e.rows).toHaveLength(1);

    // A merged case cannot be merged again.
    const again = await w.app.inject({ method: 'POST', url: `/api/cases/${s.case.id}/merge`, headers: w.streetOp.headers, payload: { into: first.case.id } });
    expect(again.statusCode).toBe(409);
    // Nor into itself.
    const self = await w.app.inject({ method: 'POST', url: `/api/cases/${far.case.id}/merge`, headers: w.streetOp.headers, payload: { into: far.case.id } });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.message).toContain('into');
  });
});

describe('public view', () => {
  it('GET /api/public/cases/:publicId 200 with no names, phones or internal notes; private categories 404', async () => {
    const k = (await post(w.cityOp, base({ channel: 'hotline', reporterName: '李女士', reporterPhone: '13700001111', description: '门口占道经营，电话13700001111' }))).json().case;
    await w.app.inject({ method: 'POST', url: `/api/cases/${k.id}/accept`, headers: w.cityOp.headers, payload: { note: '内部备注：请尽快' } });
    const r = await w.app.inject({ method: 'GET', url: `/api/public/cases/${k.publicId}` });
    expect(r.statusCode).toBe(200);
    const body = r.body;
    expect(body).not.toContain('李女士');
    expect(body).not.toContain('13700001111');
    expect(r.json().description).toContain('137****1111');
    const tl = await w.app.inject({ method: 'GET', url: `/api/public/cases/${k.publicId}/timeline` });
    expect(tl.statusCode).toBe(200);
    expect(tl.json().items.map((e: { text: string }) => e.text)).toEqual(['已上报', '已立案']);
    expect(tl.body).not.toContain('内部备注');
    expect(tl.body).not.toContain('市中心');

    const priv = (await post(w.resident, base({ categoryCode: 'DISPUTE.NEIGHBOUR', description: '楼上邻居噪音纠纷' }))).json().case;
    expect(priv.private).toBe(true);
    expect((await w.app.inject({ method: 'GET', url: `/api/public/cases/${priv.publicId}` })).statusCode).toBe(404);
    expect((await w.app.inject({ method: 'GET', url: `/api/public/cases/${priv.publicId}/timeline` })).statusCode).toBe(404);
  });

  it('the reporter gets the public timeline of their case, staff the full one', async () => {
    const k = (await post(w.resident, base())).json().case;
    const mine = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}/timeline`, headers: w.resident.headers })).json();
    expect(mine.full).toBe(false);
    expect(mine.items[0]).toEqual({ at: expect.any(String), type: 'reported', state: 'reported', text: '已上报' });
    const staff = (await w.app.inject({ method: 'GET', url: `/api/cases/${k.id}/timeline`, headers: w.streetOp.headers })).json();
    expect(staff.full).toBe(true);
    expect(staff.items[0].actor.name).toBe('居民甲');
  });
});

describe('lists and map', () => {
  it('GET /api/cases: scoped, filtered, keyset-paginated', async () => {
    for (let i = 0; i < 5; i++) await post(w.grid, base({ channel: 'patrol', categoryCode: 'TRAFFIC.SHARED_BIKES', description: `共享单车乱停放 第${i}处` }));
    const p1 = await w.app.inject({ method: 'GET', url: '/api/cases?category=TRAFFIC&limit=2', headers: w.districtOp.headers });
    expect(p1.statusCode, p1.body).toBe(200);
    expect(p1.json().items).toHaveLength(2);
    const seen = new Set<number>(p1.json().items.map((i: { id: number }) => i.id));
    let cursor = p1.json().nextCursor as string | null;
    while (cursor) {
      const p = (await w.app.inject({ method: 'GET', url: `/api/cases?category=TRAFFIC&limit=2&cursor=${cursor}`, headers: w.districtOp.headers })).json();
      for (const i of p.items) {
        expect(seen.has(i.id)).toBe(false);
        seen.add(i.id);
      }
      cursor = p.nextCursor;
    }
    expect(seen.size).toBe(5);
    const q = (await w.app.inject({ method: 'GET', url: `/api/cases?q=${encodeURIComponent('第3处')}`, headers: w.districtOp.headers })).json();
    expect(q.items).toHaveLength(1);
    const ch = (await w.app.inject({ method: 'GET', url: `/api/cases?channel=patrol&regionCode=${w.city.wuhuaGrid.code}`, headers: w.districtOp.headers })).json();
    expect(ch.items.length).toBeGreaterThanOrEqual(5);
    // Another district sees none of them; a resident only their own.
    const pl = (await w.app.inject({ method: 'GET', url: '/api/cases?category=TRAFFIC', headers: w.panlongOp.headers })).json();
    expect(pl.items).toHaveLength(0);
    const res = (await w.app.inject({ method: 'GET', url: '/api/cases?limit=200', headers: w.resident2.headers })).json();
    expect(res.items.every((i: { channel: string }) => i.channel === 'web')).toBe(true);
    const bad = await w.app.inject({ method: 'GET', url: '/api/cases?cursor=nonsense', headers: w.districtOp.headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('cursor');
    expect((await w.app.inject({ method: 'GET', url: '/api/cases' })).statusCode).toBe(401);
  });

  it('GET /api/cases/map: points when zoomed in, clusters when zoomed out', async () => {
    const bbox = '102.0,24.0,102.2,24.2';
    const near = await w.app.inject({ method: 'GET', url: `/api/cases/map?bbox=${bbox}&zoom=16`, headers: w.districtOp.headers });
    expect(near.statusCode, near.body).toBe(200);
    const pts = near.json().features;
    expect(pts.length).toBeGreaterThan(3);
    expect(pts.every((f: { properties: { cluster: boolean } }) => !f.properties.cluster)).toBe(true);
    const far = (await w.app.inject({ method: 'GET', url: `/api/cases/map?bbox=${bbox}&zoom=5`, headers: w.districtOp.headers })).json().features;
    expect(far.length).toBeLessThan(pts.length);
    expect(far.reduce((s: number, f: { properties: { count: number } }) => s + f.properties.count, 0)).toBe(pts.length);
    const bad = await w.app.inject({ method: 'GET', url: '/api/cases/map?bbox=1,2,0,3&zoom=5', headers: w.districtOp.headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('bbox');
  });
});
