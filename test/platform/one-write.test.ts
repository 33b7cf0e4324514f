import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { inOneWrite } from '../../src/platform/context.js';
import { PREPARED } from '../../src/platform/db.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec('CREATE TABLE one_write_probe (id serial PRIMARY KEY, v text NOT NULL)');
});
afterAll(() => t.close());

const ctx = () => ({ actor: systemActor('test'), now: new Date(), requestId: 'one-write', ip: null });
const rows = async () => (await t.db.query<{ v: string }>('SELECT v FROM one_write_probe ORDER BY id')).rows.map((r) => r.v);

describe('inOneWrite', () => {
  it('lets reads through and commits its one write statement without a transaction around it', async () => {
    const out = await inOneWrite(t.db, ctx(), async (c) => {
      const before = (await c.tx.query<{ n: number }>('SELECT count(*)::int AS n FROM one_write_probe')).rows[0]!.n;
      await c.tx.query(`WITH a AS (INSERT INTO one_write_probe (v) VALUES ($1) RETURNING id) INSERT INTO one_write_probe (v) SELECT $2 FROM a`, ['a', 'b']);
      const after = (await c.tx.query<{ n: number }>('  select count(*)::int AS n FROM one_write_probe')).rows[0]!.n;
      // A read behind a comment (a PREPARED mark) is still a read.
      await c.tx.query(`${PREPARED}SELECT count(*) FROM one_write_probe`);
      return after - before;
    });
    expect(out).toBe(2);
    expect(await rows()).toEqual(['a', 'b']);
  });

  it('refuses a second write before sending it, and exec', async () => {
    await expect(
      inOneWrite(t.db, ctx(), async (c) => {
        await c.tx.query('INSERT INTO one_write_probe (v) VALUES ($1)', ['c']);
        await c.tx.query('INSERT INTO one_write_probe (v) VALUES ($1)', ['d']);
      }),
    ).rejects.toThrow(/second write/);
    expect(await rows()).toEqual(['a', 'b', 'c']);
    await expect(inOneWrite(t.db, ctx(), (c) => c.tx.exec('DELETE FROM one_write_probe'))).rejects.toThrow(/exec needs inTx/);
    expect(await rows()).toEqual(['a', 'b', 'c']);
  });

  it('a failing write statement leaves nothing of itself', async () => {
    await expect(
      inOneWrite(t.db, ctx(), (c) => c.tx.query(`WITH a AS (INSERT INTO one_write_probe (v) VALUES ('e') RETURNING id) INSERT INTO one_write_probe (v) SELECT NULL FROM a`)),
    ).rejects.toThrow();
    expect(await rows()).toEqual(['a', 'b', 'c']);
  });
});
