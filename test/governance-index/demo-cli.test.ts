/**
 * The demo seed (framework, labelled demo surveys, a first snapshot per level, idempotent) and
 * `gongzhi index compute` end to end on a small city.
 */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest } from '../../src/modules/governance-index/index.js';
import type { CliHelpers } from '../../src/modules/types.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { AS_OF, createIndexCity, type IndexCity } from './fixture.js';

let t: TestDatabase;
let city: IndexCity;

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createIndexCity(t.db, '5394');
});
afterAll(async () => t?.close());

const ctx = () => ({ ...cliCtx(systemActor('seed')), now: AS_OF });

describe('manifest.seedDemo', () => {
  it('defines the default framework, imports labelled demo surveys and computes district, street and community snapshots', async () => {
    const log: string[] = [];
    await manifest.seedDemo!(t.db, ctx(), (m) => log.push(m));
    const { rows } = await t.db.query<{ level: string; unit_count: number; framework_code: string; period: string }>(
      'SELECT level, unit_count, framework_code, period FROM index_snapshot ORDER BY id',
    );
    expect(rows).toEqual([
      { level: 'district', unit_count: 2, framework_code: 'gzi-default', period: '2026' },
      { level: 'street', unit_count: 2, framework_code: 'gzi-default', period: '2026' },
      { level: 'community', unit_count: 2, framework_code: 'gzi-default', period: '2026' },
    ]);
    const batch = await t.db.query<{ note: string; value_count: number }>('SELECT note, value_count FROM index_import_batch');
    expect(batch.rows[0]!.note).toMatch(/演示数据/);
    expect(batch.rows[0]!.value_count).toBe(8); // 2 districts + 2 streets × 2 surveys
    const scores = await t.db.query<{ score: number | null }>('SELECT score FROM index_snapshot_row');
    expect(scores.rows.every((r) => r.score !== null)).toBe(true);
    expect(log.join('\n')).toMatch(/index 2026 district: snapshot/);
  });

  it('is idempotent', async () => {
    await manifest.seedDemo!(t.db, ctx(), () => {});
    expect((await t.db.query('SELECT id FROM index_snapshot')).rows).toHaveLength(3);
    expect((await t.db.query('SELECT id FROM index_framework')).rows).toHaveLength(1);
  });
});

describe('gongzhi index compute', () => {
  function program(out: unknown[]): Command {
    const helpers: CliHelpers = {
      withDb: (fn) => fn(t.db, {} as never),
      ctx,
      out: (v) => out.push(v),
    };
    const p = new Command().exitOverride();
    manifest.cli!(p, helpers);
    return p;
  }

  it('stores a snapshot and prints its summary', async () => {
    const out: unknown[] = [];
    await program(out).parseAsync(['node', 'gongzhi', 'index', 'compute', '--framework', 'gzi-default', '--period', '2026-Q1', '--level', 'district', '--scope', city.city.code]);
    expect(out[0]).toMatchObject({ framework: { code: 'gzi-default', version: 1 }, period: '2026-Q1', level: 'district', unitCount: 2 });
  });

  it('rejects bad options naming them', async () => {
    await expect(program([]).parseAsync(['node', 'gongzhi', 'index', 'compute', '--framework', 'gzi-default', '--period', '2026', '--level', 'province'])).rejects.toThrow(/--level/);
    await expect(
      program([]).parseAsync(['node', 'gongzhi', 'index', 'compute', '--framework', 'gzi-default', '--period', '2026', '--level', 'district', '--options', '{"normalise":{"method":"cube"}}']),
    ).rejects.toThrow(/options\.normalise/);
    await expect(program([]).parseAsync(['node', 'gongzhi', 'index', 'compute', '--framework', 'gzi-default', '--period', '26', '--level', 'district'])).rejects.toThrow(/period/);
  });
});
