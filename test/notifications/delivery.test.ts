import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify, publishEvent, sign } from '../../src/modules/notifications/index.js';
import { invalidateSubscriptions, outboxHandlers } from '../../src/modules/notifications/notifications.service.js';
import { relayOnce } from '../../src/platform/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';

let t: TestDatabase;
let city: MiniCity;
let userId: number;
let server: http.Server;
let url: string;
const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
let answer = 200;

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db);
  userId = (await t.db.query<{ id: number }>(`INSERT INTO app_user (name, phone, password_hash) VALUES ('张三', '13800001111', 'x') RETURNING id`)).rows[0]!.id;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server?.close();
  await t?.close();
});

const drain = async () => {
  const h = outboxHandlers(t.db);
  while ((await relayOnce(t.db, h, { backoffMs: 1 })) > 0);
};

describe('notification delivery', () => {
  it('makes an in-app notification and an SMS in the dev mailbox, once even if delivered twice', async () => {
    await t.db.tx((tx) => notify(tx, { userIds: [userId], phones: ['13800001111'], template: 'case.accepted', params: { publicId: 'KM-1' } }));
    await drain();
    const n = await t.db.query<{ title: string; body: string }>('SELECT title, body FROM notification WHERE user_id = $1', [userId]);
    expect(n.rows).toEqual([{ title: '您反映的问题已受理', body: '您反映的问题（编号 KM-1）已受理，我们将尽快处理。' }]);
    const sms = await t.db.query<{ channel: string; recipient: string; body: string }>('SELECT channel, recipient, body FROM dev_mailbox');
    expect(sms.rows).toEqual([{ channel: 'sms', recipient: '13800001111', body: '【共治】您反映的问题（编号 KM-1）已受理，我们将尽快处理。' }]);
    // Redelivery of the same outbox message (a crash after delivery, before marking) adds nothing.
    await t.db.query('UPDATE outbox SET delivered_at = NULL, available_at = now()');
    await drain();
    expect((await t.db.query('SELECT 1 FROM notification')).rows).toHaveLength(1);
    expect((await t.db.query('SELECT 1 FROM dev_mailbox')).rows).toHaveLength(1);
  });

  it('delivers an event to a matching webhook with a valid HMAC signature, and not to one out of region', async () => {
    await t.db.query(`INSERT INTO webhook_subscription (name, url, secret, topics, region_id) VALUES ('wuhua', $1, 'whsec_test', '{case.*}', $2), ('panlong', $1, 'whsec_other', '{case.*}', $3)`, [
      url,
      city.wuhua.id,
      city.panlong.id,
    ]);
    // Written behind the module's back: clear its short cache as its own routes do.
    invalidateSubscriptions();
    received.length = 0;
    await t.db.tx((tx) => publishEvent(tx, 'case.accepted', { caseId: 7, regionPath: city.wuhuaCommunity.path }));
    await drain();
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.headers['x-gongzhi-event']).toBe('case.accepted');
    const ts = String(r.headers['x-gongzhi-timestamp']);
    expect(r.headers['x-gongzhi-signature']).toBe(sign('whsec_test', ts, r.body));
    expect(JSON.parse(r.body)).toMatchObject({ event: 'case.accepted', data: { caseId: 7 } });
  });

  it('retries a webhook whose receiver fails, and records the failure', async () => {
    received.length = 0;
    answer = 500;
    await t.db.tx((tx) => publishEvent(tx, 'case.closed', { caseId: 8, regionPath: city.wuhuaCommunity.path }));
    const h = outboxHandlers(t.db);
    await relayOnce(t.db, h); // the event fans out to one delivery
    await relayOnce(t.db, h); // the delivery fails and is scheduled for later
    const s = await t.db.query<{ last_status: number; last_error: string }>(`SELECT last_status, last_error FROM webhook_subscription WHERE name = 'wuhua'`);
    expect(s.rows[0]).toMatchObject({ last_status: 500, last_error: 'receiver answered 500' });
    const pending = await t.db.query<{ attempts: number }>(`SELECT attempts FROM outbox WHERE topic = 'webhook.deliver' AND delivered_at IS NULL`);
    expect(pending.rows).toHaveLength(1);
    expect(received).toHaveLength(1);
    answer = 200;
    await t.db.query(`UPDATE outbox SET available_at = now() WHERE delivered_at IS NULL`);
    await drain();
    expect(received).toHaveLength(2);
    expect((await t.db.query(`SELECT 1 FROM outbox WHERE topic = 'webhook.deliver' AND delivered_at IS NULL`)).rows).toHaveLength(0);
  });

  it('subscriptions come from a short cache, but a delivery re-checks its subscription: one switched off gets nothing even while cached', async () => {
    received.length = 0;
    await t.db.query(`UPDATE webhook_subscription SET active = false WHERE name = 'wuhua'`);
    await t.db.tx((tx) => publishEvent(tx, 'case.closed', { caseId: 9, regionPath: city.wuhuaCommunity.path }));
    await drain();
    expect(received).toHaveLength(0);
    // A new one is seen once the cache is cleared (the webhook routes clear it on commit).
    await t.db.query(`INSERT INTO webhook_subscription (name, url, secret, topics, region_id) VALUES ('wuhua-2', $1, 'whsec_two', '{case.closed}', $2)`, [url, city.wuhua.id]);
    invalidateSubscriptions();
    await t.db.tx((tx) => publishEvent(tx, 'case.closed', { caseId: 10, regionPath: city.wuhuaCommunity.path }));
    await drain();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['x-gongzhi-signature']).toBe(sign('whsec_two', String(received[0]!.headers['x-gongzhi-timestamp']), received[0]!.body));
  });
});
