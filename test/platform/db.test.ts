import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARED } from '../../src/platform/db.js';
import { listMigrations, migrate, pendingMigrations } from '../../src/platform/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('database client', () => {
  it('a statement marked PREPARED runs with fresh parameters each time; on PostgreSQL it is prepared once per connection', async () => {
    const text = `${PREPARED}SELECT $1::int + $2::int AS n`;
    const answers = await t.db.session(async (s) => {
      const a = (await s.query<{ n: number }>(text, [1, 2])).rows[0]!.n;
      const b = (await s.query<{ n: number }>(text, [10, 20])).rows[0]!.n;
      const prepared = t.db.engine === 'pg' ? (await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [text])).rows[0]!.n : 1;
      return [a, b, prepared];
    });
    expect(answers).toEqual([3, 30, 1]);
  });

  it('commits a transaction that resolves', async () => {
    await t.db.exec('CREATE TABLE tx_ok (v int)');
    await t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_ok VALUES ($1)', [1]);
      await tx.query('INSERT INTO tx_ok VALUES ($1)', [2]);
    });
    const r = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tx_ok');
    expect(r.rows[0]!.n).toBe(2);
  });

  it('leaves nothing behind when a transaction throws', async () => {
    await t.db.exec('CREATE TABLE tx_fail (v int)');
    await expect(
      t.db.tx(async (tx) => {
        await tx.query('INSERT INTO tx_fail VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const r = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tx_fail');
    expect(r.rows[0]!.n).toBe(0);
  });

  it('does not let a query from outside see or join an open transaction', async () => {
    await t.db.exec('CREATE TABLE tx_iso (v int)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const txDone = t.db.tx(async (tx) => {
      await tx.query('INSERT INTO tx_iso VALUES (1)');
      await gate;
      throw new Error('rolled back');
    });
    // On PGlite this waits for the transaction; on PostgreSQL it runs on another connection.
    const outside = t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tx_iso');
    release();
    await expect(txDone).rejects.toThrow('rolled back');
    expect((await outside).rows[0]!.n).toBe(0);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tx_iso')).rows[0]!.n).toBe(0);
  });

  it('reads bigint counts and ids as numbers on both engines', async () => {
    const r = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migration');
    expect(typeof r.rows[0]!.n).toBe('number');
  });

  it('has PostGIS and pg_trgm', async () => {
    const r = await t.db.query<{ c: boolean; s: number }>(
      `SELECT ST_Covers(ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 1,0 0))', 4326), ST_SetSRID(ST_Point(1, 0.5), 4326)) AS c,
              similarity('昆明市五华区', '五华区') AS s`,
    );
    expect(r.rows[0]!.c).toBe(true);
    expect(r.rows[0]!.s).toBeGreaterThan(0);
  });
});

describe('migrations', () => {
  it('are all applied and recorded, and a second run applies nothing', async () => {
    expect(await pendingMigrations(t.db)).toEqual([]);
    const again = await migrate(t.db);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(listMigrations().length);
  });

  it('refuses a migration edited after it was applied', async () => {
    await t.db.query(`UPDATE schema_migration SET checksum = 'x' WHERE version = 1`);
    try {
      await expect(migrate(t.db)).rejects.toThrow(/was changed after it was applied/);
    } finally {
      const m = listMigrations()[0]!;
      await t.db.query('UPDATE schema_migration SET checksum = $1 WHERE version = 1', [m.checksum]);
    }
  });
});
