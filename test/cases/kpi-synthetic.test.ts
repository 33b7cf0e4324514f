/**
 * The benchmark's synthetic data: the dashboard from rollups gives the same answer as the naive
 * aggregate over the case table, and the facts the generator writes in SQL are the ones the fold
 * computes from the generated rows and timelines (working handling time aside: approximated).
 * The bulk mode restores exactly the indexes and foreign keys it drops, also when interrupted, and
 * its two-stage rollup rebuild writes the rows rebuildRollups writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTaxonomy } from '../../src/modules/cases/index.js';
import { generateSyntheticCases, generateSyntheticRegions, kpiDashboardFast, kpiDashboardNaive, refoldAllCases } from '../../src/modules/cases/kpi/index.js';
import { rebuildRollups } from '../../src/modules/cases/kpi/kpi.repository.js';
import { rebuildRollupsBulk } from '../../src/modules/cases/kpi/synthetic.js';
import { clockCandidates } from '../../src/modules/cases/scheduler/scheduler.repository.js';
import { defaultCalendar } from '../../src/modules/cases/sla/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestDepartment } from '../helpers/identity.js';

let t: TestDatabase;
let tree: Awaited<ReturnType<typeof generateSyntheticRegions>>;
const now = new Date('2025-06-30T04:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  await seedTaxonomy(t.db);
  tree = await generateSyntheticRegions(t.db, { cityPrefix: '5314', districts: 2, streetsPerDistrict: 2, communitiesPerStreet: 2, gridsPerCommunity: 2 });
  await createTestDepartment(t.db, { code: 'SYN-D1', regionCode: tree.cityCode });
  await createTestDepartment(t.db, { code: 'SYN-D2', regionCode: tree.cityCode });
}, 300_000);

afterAll(async () => {
  await t?.close();
});

describe('generateSyntheticCases', () => {
  it('builds a region tree and cases, events, facts and rollups', async () => {
    expect(tree.regions).toBe(1 + 2 + 4 + 8 + 16);
    const g = await generateSyntheticCases(t.db, { count: 600, cityPath: tree.cityPath, from: new Date('2025-05-01T00:00:00+08:00'), to: new Date('2025-06-23T12:00:00+08:00'), now, seed: 3, chunk: 250 });
    expect(g.lastId - g.firstId + 1).toBeGreaterThanOrEqual(600);
    expect(g.events).toBeGreaterThan(600 * 3);
    const n = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_kpi_fact');
    expect(n.rows[0]!.n).toBe(600);
    // The bulk load leaves nothing for the fold to do.
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kpi_dirty_case')).rows[0]!.n).toBe(0);
    // Nor for the SLA scan: every running clock already past its deadline carries its marks.
    for (const step of ['sign_for', 'handle', 'verify'] as const) {
      expect(await clockCandidates(t.db, step, now, 0, 10), step).toEqual([]);
    }
    const marked = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM case_file WHERE handle_overdue_at IS NOT NULL AND handle_overdue_at = handle_due_at AND handle_warned_at = handle_due_at`);
    expect(marked.rows[0]!.n).toBeGreaterThan(0);
  });

  it('the dashboard from rollups equals the naive aggregate over the case table', async () => {
    for (const [fromDay, toDay] of [['2025-06-01', '2025-06-30'], ['2025-05-01', '2025-06-30'], ['2025-06-20', '2025-06-20']]) {
      const fast = await kpiDashboardFast(t.db, { regionCode: tree.cityCode, fromDay: fromDay!, toDay: toDay!, now });
      const naive = await kpiDashboardNaive(t.db, { regionPath: tree.cityPath, fromDay: fromDay!, toDay: toDay!, today: '2025-06-30', now });
      expect(fast).toEqual(naive);
      expect(fast.intake).toBeGreaterThan(0);
    }
  });

  it('the facts written in SQL equal the ones the fold computes from the rows and timelines (counters)', async () => {
    const counters = `case_id, day, intake, decided, accepted, due, disposed, on_time_num, on_time_den, closed, reworked, ever_closed, reopened,
      cb_satisfied, cb_basic, cb_dissatisfied, ht_excluded, ht_elapsed_ms, backlog, overdue, handled_deadline`;
    const before = (await t.db.query(`SELECT ${counters} FROM case_kpi_fact ORDER BY case_id`)).rows;
    const r = await refoldAllCases(t.db, now, defaultCalendar());
    expect(r.cases).toBe(600);
    const after = (await t.db.query(`SELECT ${counters} FROM case_kpi_fact ORDER BY case_id`)).rows;
    expect(after).toEqual(before);
  });

  const schema = async () =>
    (
      await t.db.query(
        `SELECT 'i' AS k, indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename IN ('case_file', 'case_kpi_fact', 'case_event', 'case_kpi_rollup')
         UNION ALL
         SELECT 'c', conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN ('case_file'::regclass, 'case_kpi_fact'::regclass, 'case_event'::regclass, 'case_kpi_rollup'::regclass)
         ORDER BY 1, 2`,
      )
    ).rows;
  const count = async (table: string) => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  const rollupRows = async () => (await t.db.query('SELECT * FROM case_kpi_rollup ORDER BY region_id, dim, key, day')).rows;

  it('bulk mode restores exactly the indexes and foreign keys it dropped, and leaves facts and rollups consistent', async () => {
    const before = await schema();
    expect(before.filter((x) => x.k === 'i').length).toBeGreaterThan(20);
    const lines: string[] = [];
    const g = await generateSyntheticCases(t.db, {
      count: 500, cityPath: tree.cityPath, from: new Date('2025-05-01T00:00:00+08:00'), to: new Date('2025-06-23T12:00:00+08:00'), now, seed: 4, chunk: 200, bulk: true, log: (m) => lines.push(m),
    });
    expect(g.lastId - g.firstId + 1).toBeGreaterThanOrEqual(500);
    expect(g.events).toBeGreaterThan(500 * 3);
    expect(await schema()).toEqual(before);
    expect(lines.some((l) => /^dropped for the load: \d+ indexes and 6 foreign keys of case_file, case_kpi_fact, case_event$/.test(l))).toBe(true);
    expect(lines.filter((l) => / of 500 cases/.test(l))).toHaveLength(3);
    expect(await count('case_kpi_fact')).toBe(1100);
    expect(await count('kpi_dirty_case')).toBe(0);
    const fast = await kpiDashboardFast(t.db, { regionCode: tree.cityCode, fromDay: '2025-05-01', toDay: '2025-06-30', now });
    const naive = await kpiDashboardNaive(t.db, { regionPath: tree.cityPath, fromDay: '2025-05-01', toDay: '2025-06-30', today: '2025-06-30', now });
    expect(fast).toEqual(naive);
    expect(fast.intake).toBe(1100);
  });

  it('the bulk rollup rebuild writes the same rows as rebuildRollups', async () => {
    await t.db.tx((tx) => rebuildRollupsBulk(tx));
    const bulk = await rollupRows();
    expect(bulk.length).toBeGreaterThan(100);
    await t.db.tx((tx) => rebuildRollups(tx));
    expect(await rollupRows()).toEqual(bulk);
  });

  it('an interrupted bulk load leaves the tables, indexes and foreign keys as they were', async () => {
    const before = await schema();
    const cases = await count('case_file');
    const rollups = await rollupRows();
    await expect(
      generateSyntheticCases(t.db, {
        count: 300, cityPath: tree.cityPath, from: new Date('2025-05-01T00:00:00+08:00'), to: new Date('2025-06-23T12:00:00+08:00'), now, seed: 5, chunk: 100, bulk: true,
        log: (m) => {
          if (m.startsWith('200 of 300')) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(await schema()).toEqual(before);
    expect(await count('case_file')).toBe(cases);
    expect(await rollupRows()).toEqual(rollups);
  });
});
