import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueue, handlersFor, relayOnce, startRelay, type OutboxMessage } from '../../src/platform/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.db.query('DELETE FROM outbox');
});

describe('outbox', () => {
  it('the relay loop runs one pass at a time: a slow delivery is not overtaken by a second pass', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const slow = async (m: OutboxMessage) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 250));
      running -= 1;
      done.push(m.payload.n as number);
    };
    await t.db.tx((tx) => enqueue(tx, 'slow.job', { n: 1 }));
    const stop = startRelay(t.db, { 'slow.*': [slow] }, () => {}, 10);
    // Arrives while the first delivery is still running: a second pass would take it at once.
    await new Promise((r) => setTimeout(r, 60));
    await t.db.tx((tx) => enqueue(tx, 'slow.job', { n: 2 }));
    const deadline = Date.now() + 10_000;
    while (done.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(done).toEqual([1, 2]);
    expect(most).toBe(1);
  });

  it('a message enqueued in a rolled-back transaction is never delivered', async () => {
    await expect(
      t.db.tx(async (tx) => {
        await enqueue(tx, 'case.accepted', { caseId: 1 });
        throw new Error('boom');
      }),
    ).rejects.toThrow();
    const seen: OutboxMessage[] = [];
    expect(await relayOnce(t.db, { 'case.*': [async (m) => void seen.push(m)] })).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('delivers committed messages in order, once, to every matching handler', async () => {
    await t.db.tx(async (tx) => {
      await enqueue(tx, 'case.accepted', { caseId: 1 });
      await enqueue(tx, 'case.closed', { caseId: 1 });
      await enqueue(tx, 'user.created', { userId: 9 });
    });
    const a: string[] = [];
    const b: string[] = [];
    const n = await relayOnce(t.db, { 'case.*': [async (m) => void a.push(m.topic)], 'case.closed': [async (m) => void b.push(m.topic)] });
    expect(n).toBe(3);
    expect(a).toEqual(['case.accepted', 'case.closed']);
    expect(b).toEqual(['case.closed']);
    expect(await relayOnce(t.db, { 'case.*': [async (m) => void a.push(m.topic)] })).toBe(0);
    const left = await t.db.query('SELECT 1 FROM outbox WHERE delivered_at IS NULL');
    expect(left.rows).toHaveLength(0);
  });

  it('retries a failed delivery later with the error recorded', async () => {
    await t.db.tx((tx) => enqueue(tx, 'webhook.send', { url: 'x' }));
    let calls = 0;
    const failing = { 'webhook.send': [async () => { calls++; throw new Error('receiver down'); }] };
    expect(await relayOnce(t.db, failing, { backoffMs: 1 })).toBe(1);
    const r = await t.db.query<{ attempts: number; last_error: string; delivered_at: Date | null }>('SELECT attempts, last_error, delivered_at FROM outbox');
    expect(r.rows[0]).toMatchObject({ attempts: 1, last_error: 'receiver down', delivered_at: null });
    await new Promise((res) => setTimeout(res, 20));
    let ok = 0;
    expect(await relayOnce(t.db, { 'webhook.send': [async () => void ok++] })).toBe(1);
    expect(calls).toBe(1);
    expect(ok).toBe(1);
  });

  it('in a batch where one delivery fails, the others are marked delivered and only the failed one is retried', async () => {
    await t.db.tx(async (tx) => {
      for (const n of [1, 2, 3]) await enqueue(tx, 'mixed.job', { n });
    });
    const seen: number[] = [];
    const h = { 'mixed.*': [async (m: OutboxMessage) => {
      seen.push(m.payload.n as number);
      if (m.payload.n === 2) throw new Error('second fails');
    }] };
    expect(await relayOnce(t.db, h, { backoffMs: 1 })).toBe(3);
    const r = await t.db.query<{ n: number; delivered: boolean; last_error: string | null }>(
      `SELECT (payload->>'n')::int AS n, delivered_at IS NOT NULL AS delivered, last_error FROM outbox ORDER BY id`);
    expect(r.rows).toEqual([{ n: 1, delivered: true, last_error: null }, { n: 2, delivered: false, last_error: 'second fails' }, { n: 3, delivered: true, last_error: null }]);
    await new Promise((res) => setTimeout(res, 20));
    expect(await relayOnce(t.db, h, { backoffMs: 1 })).toBe(1);
    expect(seen).toEqual([1, 2, 3, 2]);
  });

  it('two relays never claim the same message', async () => {
    await t.db.tx(async (tx) => {
      for (let i = 0; i < 40; i++) await enqueue(tx, 'n', { i });
    });
    const seen: number[] = [];
    const h = { n: [async (m: OutboxMessage) => void seen.push(m.payload.i as number)] };
    await Promise.all([relayOnce(t.db, h, { batch: 25 }), relayOnce(t.db, h, { batch: 25 })]);
    await relayOnce(t.db, h, { batch: 25 });
    expect(seen.sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
  });

  it('matches topic patterns', () => {
    const f = async () => {};
    expect(handlersFor({ 'case.*': [f], 'case.accepted': [f], other: [f] }, 'case.accepted')).toHaveLength(2);
  });
});
