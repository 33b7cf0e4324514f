import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { inTx, type Ctx } from '../../src/platform/context.js';
import { diff, recordAudit, sealPending, verifyChain } from '../../src/modules/audit/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
const ctx = (): Ctx => ({ actor: systemActor('test'), now: new Date('2026-11-29T08:00:00Z'), requestId: 'req-1', ip: '127.0.0.1' });

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

async function write(n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await inTx(t.db, ctx(), (c) => recordAudit(c, { action: 'test.write', targetType: 'thing', targetId: i, before: { v: i }, after: { v: i + 1, password: 'secret!' } }));
  }
}

beforeEach(async () => {
  await t.db.query('DELETE FROM audit_record');
  await write(12);
  expect(await sealPending(t.db)).toBe(12);
});

describe('audit trail', () => {
  it('records actor, action, target, diff, request id and ip, and redacts secrets', async () => {
    const { rows } = await t.db.query<Record<string, unknown>>(`SELECT * FROM audit_record WHERE target_id = '3'`);
    const r = rows[0]!;
    expect(r.actor_type).toBe('system');
    expect(r.actor_name).toBe('test');
    expect(r.action).toBe('test.write');
    expect(r.request_id).toBe('req-1');
    expect(r.ip).toBe('127.0.0.1');
    expect(r.after).toEqual({ v: 4, password: '[redacted]' });
  });

  it('a rolled-back command leaves no audit record', async () => {
    await expect(
      inTx(t.db, ctx(), async (c) => {
        await recordAudit(c, { action: 'test.fail', targetType: 'thing', targetId: 'x' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const r = await t.db.query(`SELECT 1 FROM audit_record WHERE action = 'test.fail'`);
    expect(r.rows).toHaveLength(0);
  });

  it('verifies an intact chain and reports its head', async () => {
    const v = await verifyChain(t.db);
    expect(v.ok).toBe(true);
    expect(v.sealed).toBe(12);
    expect(v.head?.seq).toBe(12);
    expect(v.head?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('seals records committed later after the existing chain', async () => {
    await write(3, 100);
    expect((await verifyChain(t.db)).pending).toBe(3);
    expect(await sealPending(t.db)).toBe(3);
    const v = await verifyChain(t.db);
    expect(v).toMatchObject({ ok: true, sealed: 15, pending: 0 });
  });

  it('catches an edited record', async () => {
    await t.db.query(`UPDATE audit_record SET after = '{"v": 999}' WHERE seq = 5`);
    const v = await verifyChain(t.db);
    expect(v.ok).toBe(false);
    expect(v.problem).toMatchObject({ seq: 5, kind: 'hash_mismatch' });
  });

  it('catches an edited actor even when the attacker recomputes nothing else', async () => {
    await t.db.query(`UPDATE audit_record SET actor_name = 'someone else' WHERE seq = 1`);
    expect((await verifyChain(t.db)).problem).toMatchObject({ seq: 1, kind: 'hash_mismatch' });
  });

  it('catches a deleted record', async () => {
    await t.db.query(`DELETE FROM audit_record WHERE seq = 7`);
    const v = await verifyChain(t.db);
    expect(v.ok).toBe(false);
    expect(v.problem).toMatchObject({ seq: 7, kind: 'missing_record' });
  });

  it('catches reordered records', async () => {
    // Swap the chain positions of records 3 and 4 (through a free value to keep seq unique).
    await t.db.tx(async (tx) => {
      await tx.query('UPDATE audit_record SET seq = -1 WHERE seq = 3');
      await tx.query('UPDATE audit_record SET seq = 3 WHERE seq = 4');
      await tx.query('UPDATE audit_record SET seq = 4 WHERE seq = -1');
    });
    const v = await verifyChain(t.db);
    expect(v.ok).toBe(false);
    expect(v.problem?.seq).toBe(3);
    expect(['prev_hash_mismatch', 'hash_mismatch']).toContain(v.problem?.kind);
  });

  it('catches removal of the newest records against a recorded head', async () => {
    const head = (await verifyChain(t.db)).head!;
    await t.db.query('DELETE FROM audit_record WHERE seq >= 11');
    expect((await verifyChain(t.db)).ok).toBe(true);
    const v = await verifyChain(t.db, { expectHead: head });
    expect(v.ok).toBe(false);
    expect(v.problem?.kind).toBe('missing_record');
  });

  it('diff keeps only changed keys', () => {
    expect(diff({ a: 1, b: 2, c: 3 }, { a: 1, b: 5, c: 3 })).toEqual({ before: { b: 2 }, after: { b: 5 } });
  });
});
