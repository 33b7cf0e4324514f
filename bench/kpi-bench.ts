/**
 * The command-centre KPI query for the whole city (kpiSummary, what GET /api/kpi/summary runs)
 * over N synthetic cases spread over the demo city's leaf units (micro-grids) and over a year,
 * against the same answer by a plain aggregate over case_file. The cases, their facts and the
 * rollups are generated in bulk by the cases module's own generator (kpi/synthetic.ts in bulk
 * mode: INSERT … SELECT generate_series, its rollup rebuild, VACUUM ANALYZE). The two answers must be
 * equal before any timing; a mismatch is reported as a failure.
 */
import type { Database } from '../src/platform/db.js';
import { foldKpiRollups, generateSyntheticCases, kpiDashboardFast, kpiDashboardNaive } from '../src/modules/cases/index.js';
import { CITY_CODE } from '../src/modules/regions/index.js';
import { percentile } from './lib.js';

export interface KpiBenchResult {
  cases: number;
  generateMs: number;
  dashboardP95: number;
  naiveP95: number;
  equal: boolean;
  mismatch?: string;
  window: string;
}

const shanghaiDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

export async function benchKpi(db: Database, cityPath: string, count: number, quick: boolean): Promise<KpiBenchResult> {
  const now = new Date();
  // Cases the intake run left behind are folded first, so that their facts are in the rollups
  // the generator rebuilds (the naive aggregate sees every case).
  await foldKpiRollups(db, now, { maxBatches: 100_000 });
  const yearAgo = new Date(now.getTime() - 365 * 86_400_000);
  const t0 = performance.now();
  // One call over the whole city: the generator joins the leaf units as a table (no per-case walk
  // of a text[] of 54,748 paths any more), and its bulk mode drops the indexes and foreign keys of
  // case_file and case_kpi_fact for the load and restores them exactly (one transaction: an
  // interrupted load leaves the database as it was; this database is throwaway in any case).
  await generateSyntheticCases(db, {
    count,
    cityPath,
    from: yearAgo,
    to: now,
    now,
    seed: 9,
    events: false,
    bulk: true,
    chunk: 500_000,
    log: (m) => process.stderr.write(`    ${m}\n`),
  });
  const generateMs = performance.now() - t0;
  // The whole year: the widest window the screen offers over all the generated cases.
  const q = { fromDay: shanghaiDay(yearAgo), toDay: shanghaiDay(now) };
  const fast = await kpiDashboardFast(db, { regionCode: CITY_CODE, ...q, now });
  const naive = await kpiDashboardNaive(db, { regionPath: cityPath, ...q, today: q.toDay, now });
  const equal = JSON.stringify(fast) === JSON.stringify(naive);
  const runsFast: number[] = [];
  const runsNaive: number[] = [];
  const nFast = quick ? 10 : 30;
  const nNaive = quick ? 3 : 7;
  for (let i = 0; i < 2; i++) await kpiDashboardFast(db, { regionCode: CITY_CODE, ...q, now });
  for (let i = 0; i < nFast; i++) {
    const t = performance.now();
    await kpiDashboardFast(db, { regionCode: CITY_CODE, ...q, now });
    runsFast.push(performance.now() - t);
  }
  await kpiDashboardNaive(db, { regionPath: cityPath, ...q, today: q.toDay, now });
  for (let i = 0; i < nNaive; i++) {
    const t = performance.now();
    await kpiDashboardNaive(db, { regionPath: cityPath, ...q, today: q.toDay, now });
    runsNaive.push(performance.now() - t);
  }
  runsFast.sort((a, b) => a - b);
  runsNaive.sort((a, b) => a - b);
  const total = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_file')).rows[0]!.n;
  return {
    cases: total,
    generateMs,
    dashboardP95: percentile(runsFast, 95),
    naiveP95: percentile(runsNaive, 95),
    equal,
    ...(equal ? {} : { mismatch: `rollups ${JSON.stringify(fast)} vs naive ${JSON.stringify(naive)}` }),
    window: `${q.fromDay}..${q.toDay}`,
  };
}
