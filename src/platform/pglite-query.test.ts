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
});
