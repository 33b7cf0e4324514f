/**
 * What must be the same on both engines, and the session that migrations run in: the code above
 * the db client must never learn which engine it has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, PREPARED } from '../../src/platform/db.js';
import { listMigrations, migrate } from '../../src/platform/migrate.js';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/db.js';
import { withDb } from '../helpers/global-setup.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec('CREATE TABLE rc (v int)');
});
afterAll(async () => t?.close());

describe('database client: one behaviour on both engines', () => {
  it('rowCount: rows returned by a SELECT, rows affected by INSERT/UPDATE/DELETE', async () => {
    expect((await t.db.query('INSERT INTO rc VALUES (1), (2), (3)')).rowCount).toBe(3);
    expect((await t.db.query('SELECT v FROM rc WHERE v > 1')).rowCount).toBe(2);
    expect((await t.db.query('SELECT v FROM rc WHERE v > 10')).rowCount).toBe(0);
    expect((await t.db.query('UPDATE rc SET v = v + 10 WHERE v >= 2')).rowCount).toBe(2);
    expect((await t.db.query('UPDATE rc SET v = 0 WHERE v > 1000')).rowCount).toBe(0);
    expect((await t.db.query('DELETE FROM rc WHERE v = 1 RETURNING v')).rowCount).toBe(1);
    await t.db.tx(async (tx) => {
      expect((await tx.query('SELECT v FROM rc')).rowCount).toBe(2);
      expect((await tx.query('DELETE FROM rc')).rowCount).toBe(2);
    });
  });

  it('bigint and count(*) come back as numbers; numeric stays a string', async () => {
    const r = await t.db.query<{ n: unknown; b: unknown; d: unknown }>(`SELECT (SELECT count(*) FROM rc WHERE false) AS n, 9007199254740991::bigint AS b, 1.50::numeric AS d`);
    expect(r.rows[0]).toEqual({ n: 0, b: 9007199254740991, d: '1.50' });
  });

  it('session: statements run on one connection, and nothing from outside runs in between', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inSession = new Promise<void>((r) => (entered = r));
    const session = t.db.session(async (s) => {
      const a = await s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      order.push('session start');
      entered();
      await gate;
      const b = await s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      order.push('session end');
      return [a.rows[0]!.pid, b.rows[0]!.pid];
    });
    await inSession;
    const outside = t.db.query('SELECT 1').then(() => order.push('outside'));
    // On PGlite the outside query waits for the session; on PostgreSQL it runs on another connection.
    await new Promise((r) => setTimeout(r, 50));
    release();
    const [pidA, pidB] = await session;
    await outside;
    expect(pidA).toBe(pidB);
    if (testEngine() === 'pglite') expect(order).toEqual(['session start', 'session end', 'outside']);
  });

  it('session: an error leaves no transaction open behind it', async () => {
    await expect(
      t.db.session(async (s) => {
        await s.exec('BEGIN');
        await s.query('INSERT INTO rc VALUES (42)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const r = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM rc WHERE v = 42');
    expect(r.rows[0]!.n).toBe(0);
    // And the database is usable afterwards, in and out of transactions.
    await t.db.tx((tx) => tx.query('INSERT INTO rc VALUES (43)'));
    expect((await t.db.query('SELECT v FROM rc WHERE v = 43')).rowCount).toBe(1);
  });

  it('parameters go in as node-postgres sends them and come back the same on both engines', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    const r = await t.db.query<Record<string, unknown>>(
      `SELECT $1::text AS s, $2::int AS i, $3::float8 AS f, $4::boolean AS b, $5::timestamptz AS at, $6::jsonb AS j,
              $7::text[] AS arr, $8::int[] AS ints, $9::text AS nul, $10::bytea AS bytes, $11::bigint AS big, $12 AS untyped`,
      ['a\tb\n"c\' 共治 🙂', 42, 1.5, false, at, JSON.stringify({ k: [1, 'x'] }), ['x', 'y z', 'q"uote', null], [1, 2], null, Buffer.from([0, 1, 255]), 12345678901, 'plain'],
    );
    const row = r.rows[0]!;
    expect(row).toMatchObject({ s: 'a\tb\n"c\' 共治 🙂', i: 42, f: 1.5, b: false, j: { k: [1, 'x'] }, arr: ['x', 'y z', 'q"uote', null], ints: [1, 2], nul: null, big: 12345678901, untyped: 'plain' });
    expect((row.at as Date).toISOString()).toBe(at.toISOString());
    expect([...(row.bytes as Uint8Array)]).toEqual([0, 1, 255]);
    // A JS object or array bound to json goes in as JSON text; a Date to text as an ISO instant.
    const obj = await t.db.query<{ j: unknown }>('SELECT $1::jsonb AS j', [{ a: 1 }]);
    expect(obj.rows[0]!.j).toEqual({ a: 1 });
  });

  it('a failing statement throws with its SQLSTATE, also a prepared one, and the next one runs', async () => {
    await expect(t.db.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    await expect(t.db.query(`${PREPARED}SELECT * FROM no_such_table_here`)).rejects.toMatchObject({ code: '42P01' });
    await t.db.exec('CREATE TABLE no_such_table_here (v int)');
    // The statement that failed to parse was not remembered as prepared: it is parsed again now.
    expect((await t.db.query(`${PREPARED}SELECT * FROM no_such_table_here`)).rowCount).toBe(0);
    await expect(t.db.tx((tx) => tx.query('INSERT INTO rc VALUES ($1)', ['not a number']))).rejects.toMatchObject({ code: '22P02' });
    expect((await t.db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a prepared statement whose first run fails (after parsing) runs on the next call', async () => {
    const text = `${PREPARED}SELECT 10 / $1::int AS q`;
    await expect(t.db.query(text, [0])).rejects.toMatchObject({ code: '22012' });
    expect((await t.db.query<{ q: number }>(text, [5])).rows[0]!.q).toBe(2);
    expect((await t.db.query<{ q: number }>(text, [2])).rows[0]!.q).toBe(5);
  });

  it('a prepared statement runs many times with new parameters, in and out of transactions', async () => {
    const text = `${PREPARED}SELECT $1::int * 2 AS twice`;
    for (let i = 0; i < 8; i++) expect((await t.db.query<{ twice: number }>(text, [i])).rows[0]!.twice).toBe(i * 2);
    await t.db.tx(async (tx) => {
      expect((await tx.query<{ twice: number }>(text, [21])).rows[0]!.twice).toBe(42);
    });
  });

  it('migrate holds no advisory lock once it returns', async () => {
    await migrate(t.db);
    const r = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`);
    expect(r.rows[0]!.n).toBe(0);
  });
});

describe.runIf(testEngine() === 'pg')('migrations under the advisory lock (PostgreSQL)', () => {
  it('two servers migrating one empty database at once: every migration is applied exactly once', async () => {
    const base = process.env.DATABASE_URL!;
    const name = `gongzhi_mig_${process.pid}`;
    const admin = await openDatabase({ databaseUrl: base, poolMax: 1 });
    await admin.exec(`DROP DATABASE IF EXISTS ${name}`);
    await admin.exec(`CREATE DATABASE ${name}`);
    const a = await openDatabase({ databaseUrl: withDb(base, name), poolMax: 3 });
    const b = await openDatabase({ databaseUrl: withDb(base, name), poolMax: 3 });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = listMigrations().map((m) => m.file);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(all);
      expect(ra.applied.length === 0 || rb.applied.length === 0).toBe(true);
      const rows = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migration');
      expect(rows.rows[0]!.n).toBe(all.length);
    } finally {
      await a.close();
      await b.close();
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    }
  });
});
