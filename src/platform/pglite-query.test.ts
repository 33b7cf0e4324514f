import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, PREPARED, type Database } from './db.js';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({});
  await db.exec('CREATE TABLE q (v int)');
});
afterAll(async () => db?.close());

describe('statements on PGlite (pglite-query.ts)', () => {
  it('parses a PREPARED statement once, then binds it: the engine keeps it and plans it generically', async () => {
    const text = `${PREPARED}SELECT count(*) AS n FROM q WHERE v > $1`;
    for (let i = 0; i < 10; i++) await db.query(text, [i]);
    const r = await db.query<{ n: number; plans: number }>(
      `SELECT count(*)::int AS n, sum(generic_plans + custom_plans)::int AS plans FROM pg_prepared_statements WHERE statement = $1`,
      [text],
    );
    expect(r.rows[0]).toEqual({ n: 1, plans: 10 });
  });

  it('a plain statement leaves no prepared statement behind', async () => {
    await db.query('SELECT v FROM q WHERE v = $1', [1]);
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%WHERE v = $1%'`);
    expect(r.rows[0]!.n).toBe(0);
  });

  it('a query from outside waits for an open transaction instead of running inside it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inTx = new Promise<void>((r) => (entered = r));
    const tx = db
      .tx(async (t) => {
        await t.query('INSERT INTO q VALUES (100)');
        entered();
        await gate;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    await inTx;
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM q WHERE v = 100');
    await new Promise((r) => setTimeout(r, 30));
    release();
    expect(await tx).toBe('roll back');
    // Had it run inside the transaction, it would have seen the row the rollback removed.
    expect((await outside).rows[0]!.n).toBe(0);
  });
});
