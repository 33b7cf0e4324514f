import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify, publishEvent } from '../../src/modules/notifications/index.js';
import { outboxHandlers } from '../../src/modules/notifications/notifications.service.js';
import { relayOnce } from '../../src/platform/outbox.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { actAs, type SessionHeaders } from '../helpers/identity.js';

let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let resident: { user: { id: number }; headers: SessionHeaders };
let operator: { user: { id: number }; headers: SessionHeaders };
let admin: { user: { id: number }; headers: SessionHeaders };
let districtAdmin: { user: { id: number }; headers: SessionHeaders };

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db);
  app = await buildTestApp(t.db, { config: { demo: true } });
  resident = await actAs(t.db, { role: 'resident', regionCode: city.city.code });
  operator = await actAs(t.db, { role: 'operator', regionCode: city.wuhua.code });
  admin = await actAs(t.db, { role: 'admin', regionCode: city.city.code });
  districtAdmin = await actAs(t.db, { role: 'admin', regionCode: city.wuhua.code });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const drain = async () => {
  while ((await relayOnce(t.db, outboxHandlers(t.db))) > 0);
};

describe('GET /api/notifications', () => {
  it('401 for nobody', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/notifications' })).statusCode).toBe(401);
  });

  it('200 lists my notifications only, with the unread count; read marks it', async () => {
    await t.db.tx((tx) => notify(tx, { userIds: [resident.user.id], template: 'case.accepted', params: { publicId: 'KM-7' } }));
    await t.db.tx((tx) => notify(tx, { userIds: [operator.user.id], template: 'case.task_assigned', params: { publicId: 'KM-8', step: 'dispatched' } }));
    await drain();
    const r = await app.inject({ method: 'GET', url: '/api/notifications', headers: resident.headers });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.unread).toBe(1);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ template: 'case.accepted', title: '您反映的问题已受理' });
    const id = body.items[0].id;
    // Somebody else's notification answers like a missing one.
    expect((await app.inject({ method: 'POST', url: `/api/notifications/${id}/read`, headers: operator.headers })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/api/notifications/${id}/read`, headers: resident.headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/notifications?unread=true', headers: resident.headers })).json()).toMatchObject({ unread: 0, items: [] });
  });

  it('400 names a bad query field', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/notifications?limit=0', headers: resident.headers });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/^limit/);
  });
});

describe('GET /api/dev/mailbox', () => {
  it('200 for an admin in demo mode, 403 for others', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/dev/mailbox', headers: admin.headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/dev/mailbox', headers: operator.headers })).statusCode).toBe(403);
  });

  it('404 outside demo mode', async () => {
    const plain = await buildTestApp(t.db);
    try {
      expect((await plain.inject({ method: 'GET', url: '/api/dev/mailbox', headers: admin.headers })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('webhooks', () => {
  it('POST 201 shows the signing secret once; GET never shows it', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/webhooks', headers: districtAdmin.headers, payload: { name: 'gis', url: 'https://gis.example.cn/hook', topics: ['case.*'], regionCode: city.wuhua.code } });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().secret).toMatch(/^whsec_/);
    const list = await app.inject({ method: 'GET', url: '/api/webhooks', headers: districtAdmin.headers });
    expect(list.json().items.map((w: { name: string }) => w.name)).toContain('gis');
    expect(JSON.stringify(list.json())).not.toContain('whsec_');
    const audit = await t.db.query(`SELECT 1 FROM audit_record WHERE action = 'webhook.create'`);
    expect(audit.rows.length).toBeGreaterThan(0);
  });

  it('400 names a bad url, and writes nothing', async () => {
    const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_subscription')).rows[0]!.n;
    const r = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { name: 'x', url: 'ftp://files.example.cn/x', topics: ['case.*'] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/^url:/);
    const bad = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { name: 'x', url: 'https://a.example.cn', topics: ['DROP TABLE'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^topics/);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_subscription')).rows[0]!.n).toBe(before);
  });

  it('a district admin cannot subscribe another district (404) nor the whole city (400)', async () => {
    const other = await app.inject({ method: 'POST', url: '/api/webhooks', headers: districtAdmin.headers, payload: { name: 'x', url: 'https://a.example.cn', topics: ['case.*'], regionCode: city.panlong.code } });
    expect(other.statusCode).toBe(404);
    const all = await app.inject({ method: 'POST', url: '/api/webhooks', headers: districtAdmin.headers, payload: { name: 'x', url: 'https://a.example.cn', topics: ['case.*'] } });
    expect(all.statusCode).toBe(400);
    expect(all.json().error.message).toMatch(/^regionCode/);
  });

  it('DELETE 204 stops a subscription; another district admin gets 404', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { name: 'city', url: 'https://a.example.cn', topics: ['*'] } });
    const id = r.json().id;
    expect((await app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: districtAdmin.headers })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: admin.headers })).statusCode).toBe(204);
    const w = await t.db.query<{ active: boolean }>('SELECT active FROM webhook_subscription WHERE id = $1', [id]);
    expect(w.rows[0]!.active).toBe(false);
  });
});

describe('GET /api/events', () => {
  it('streams the events of my region only, resuming after Last-Event-ID', async () => {
    const start = (await t.db.query<{ id: number | null }>('SELECT max(id) AS id FROM outbox')).rows[0]!.id ?? 0;
    await t.db.tx(async (tx) => {
      await publishEvent(tx, 'case.accepted', { caseId: 1, publicId: 'KM-IN', regionPath: city.wuhuaCommunity.path });
      await publishEvent(tx, 'case.accepted', { caseId: 2, publicId: 'KM-OUT', regionPath: city.panlongCommunity.path });
    });
    const r = await app.inject({ method: 'GET', url: '/api/events?maxSeconds=0', headers: { ...operator.headers, 'last-event-id': String(start) } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/event-stream');
    expect(r.body).toContain('"publicId":"KM-IN"');
    expect(r.body).toContain('"event":"case.accepted"');
    expect(r.body).not.toContain('KM-OUT');
  });

  it('403 for a resident, 401 for nobody', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/events?maxSeconds=0', headers: resident.headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/events?maxSeconds=0' })).statusCode).toBe(401);
  });
});
