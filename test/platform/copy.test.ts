/**
 * Database.copyFrom on both engines: hostile values come back exactly as sent, inside and outside a
 * transaction, and a failed COPY leaves nothing behind and the connection usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CopyValue } from '../../src/platform/db.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec('CREATE TABLE copy_t (id int PRIMARY KEY, s text, n bigint, b boolean, at timestamptz, j jsonb)');
});
afterAll(async () => t?.close());

const HOSTILE = ['', 'tab\there', 'line\nbreak', 'cr\rlf\r\n', 'back\\slash', '\\N', '\\.', '\\', '昆明市五华区', '🚲🏙️ emoji', '"quoted", \'single\'', ' lead and trail ', 'a\\tb'];

describe('copyFrom', () => {
  it('copies hostile text, NULL versus empty string, numbers, booleans, dates and JSON exactly', async () => {
    const at = new Date(Date.UTC(2026, 2, 8, 9, 30, 0, 123));
    const rows: CopyValue[][] = HOSTILE.map((s, i) => [i, s, i * 1_000_000_007, i % 2 === 0, at, JSON.stringify({ s, i })]);
    rows.push([100, null, null, null, null, null]);
    const n = await t.db.copyFrom(undefined, 'copy_t', ['id', 's', 'n', 'b', 'at', 'j'], rows);
    expect(n).toBe(rows.length);
    const { rows: got } = await t.db.query<{ id: number; s: string | null; n: number | null; b: boolean | null; at: Date | null; j: unknown }>('SELECT id, s, n, b, at, j FROM copy_t ORDER BY id');
    expect(got.map((r) => r.s)).toEqual([...HOSTILE, null]);
    expect(got.map((r) => r.j)).toEqual([...HOSTILE.map((s, i) => ({ s, i })), null]);
    expect(got[3]).toMatchObject({ n: 3_000_000_021, b: false });
    expect(new Date(got[0]!.at!).toISOString()).toBe(at.toISOString());
    expect(got.at(-1)).toEqual({ id: 100, s: null, n: null, b: null, at: null, j: null });
    expect((await t.db.query(`SELECT 1 FROM copy_t WHERE s = ''`)).rowCount).toBe(1);
    await t.db.exec('TRUNCATE copy_t');
  });

  it('inside a transaction: sees and is seen by its statements, and is rolled back with them', async () => {
    await expect(
      t.db.tx(async (tx) => {
        await tx.query(`CREATE TEMP TABLE copy_stage (k int, v text) ON COMMIT DROP`);
        async function* gen() {
          for (let i = 0; i < 3000; i++) yield [i, `第${i}行\t${'x'.repeat(i % 50)}`];
        }
        expect(await t.db.copyFrom(tx, 'copy_stage', ['k', 'v'], gen())).toBe(3000);
        await tx.query(`INSERT INTO copy_t (id, s) SELECT k + 1000, v FROM copy_stage`);
        expect((await tx.query(`SELECT 1 FROM copy_t WHERE id >= 1000`)).rowCount).toBe(3000);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await t.db.query('SELECT 1 FROM copy_t')).rowCount).toBe(0);

    await t.db.tx(async (tx) => {
      await t.db.copyFrom(tx, 'copy_t', ['id', 's'], [[1, 'kept']]);
    });
    expect((await t.db.query<{ s: string }>('SELECT s FROM copy_t')).rows).toEqual([{ s: 'kept' }]);
    await t.db.exec('TRUNCATE copy_t');
  });

  it('takes bytes already in the text format', async () => {
    const bytes = Buffer.from('1\ta\\tb\n2\t\\N\n3\t\n', 'utf8');
    expect(await t.db.copyFrom(t.db, 'copy_t', ['id', 's'], bytes)).toBe(3);
    expect((await t.db.query<{ s: string | null }>('SELECT s FROM copy_t ORDER BY id')).rows.map((r) => r.s)).toEqual(['a\tb', null, '']);
    await t.db.exec('TRUNCATE copy_t');
  });

  it('a row the server refuses fails the whole COPY, writes nothing, and the database stays usable', async () => {
    await expect(t.db.copyFrom(undefined, 'copy_t', ['id', 's'], [[1, 'a'], [1, 'duplicate key']])).rejects.toThrow(/duplicate|unique/i);
    await expect(t.db.copyFrom(undefined, 'copy_t', ['id', 'n'], [[2, 'not a number']])).rejects.toThrow(/bigint|invalid input/i);
    expect((await t.db.query('SELECT 1 FROM copy_t')).rowCount).toBe(0);
    await expect(
      t.db.tx(async (tx) => {
        await tx.query(`INSERT INTO copy_t (id) VALUES (50)`);
        await t.db.copyFrom(tx, 'copy_t', ['id', 's'], [[50, 'clash']]);
      }),
    ).rejects.toThrow(/duplicate|unique/i);
    expect((await t.db.query('SELECT 1 FROM copy_t')).rowCount).toBe(0);
    expect(await t.db.copyFrom(undefined, 'copy_t', ['id'], [[7]])).toBe(1);
    await t.db.exec('TRUNCATE copy_t');
  });

  it('a value that cannot be encoded fails before anything is written', async () => {
    await expect(t.db.copyFrom(undefined, 'copy_t', ['id', 's'], [[1, 'ok'], [2, 'nul\u0000']])).rejects.toThrow(/NUL/);
    await expect(
      t.db.tx(async (tx) => {
        await t.db.copyFrom(tx, 'copy_t', ['id', 's'], [[3, 'ok'], [4, 'nul\u0000']]);
      }),
    ).rejects.toThrow(/NUL/);
    expect((await t.db.query('SELECT 1 FROM copy_t')).rowCount).toBe(0);
    expect(await t.db.copyFrom(undefined, 'copy_t', ['id'], [[8]])).toBe(1);
    await t.db.exec('TRUNCATE copy_t');
  });

  it('refuses a handle that is not this database\'s', async () => {
    const foreign = { query: t.db.query.bind(t.db), exec: t.db.exec.bind(t.db) };
    await expect(t.db.copyFrom(foreign, 'copy_t', ['id'], [[1]])).rejects.toThrow(/not a handle/);
  });
});
