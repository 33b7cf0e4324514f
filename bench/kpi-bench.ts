/**
 * The command-centre KPI query for the whole city (kpiSummary, what GET /api/kpi/summary runs)
 * over N synthetic cases spread over the demo city's leaf units (micro-grids) and over a year,
 * against the same answer by a plain aggregate over case_file. The cases, their facts and the
 * rollups are generated in bulk by the cases module's own generator (kpi/synthetic.ts: INSERT …
 * SELECT generate_series, then its rollup rebuild). The two answers must be equal before any
 * timing; a mismatch is reported as a failure.
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
  // One call per district, cases in proportion to its leaf units: the generator picks each case's
  // leaf by subscripting a text[] of all leaf paths, which PostgreSQL walks element by element
  // (variable-length elements), so a call over the whole city's 54,748 leaves costs O(leaves) per
  // case and 200,000 cases took over 10 minutes; per district it is 14× less.
  const districts = await db.query<{ path: string; leaves: number }>(
    `SELECT d.path, (SELECT count(*)::int FROM region r WHERE r.path LIKE d.path || '%' AND r.valid_to IS NULL
                       AND NOT EXISTS (SELECT 1 FROM region c WHERE c.parent_id = r.id)) AS leaves
       FROM region d WHERE d.path LIKE $1 AND d.depth = 2 AND d.valid_to IS NULL ORDER BY d.path`,
    [`${cityPath}%`],
  );
  const parts = districts.rows.length > 0 ? districts.rows : [{ path: cityPath, leaves: 1 }];
  const allLeaves = parts.reduce((a, b) => a + b.leaves, 0);
  let left = count;
  for (const [i, part] of parts.entries()) {
    const n = i === parts.length - 1 ? left : Math.round((count * part.leaves) / allLeaves);
    left -= n;
    if (n > 0) await generateSyntheticCases(db, { count: n, cityPath: part.path, from: yearAgo, to: now, now, seed: 9 + i, events: false, chunk: 250_000 });
  }
  const generateMs = performance.now() - t0;
  await db.exec('ANALYZE case_file; ANALYZE case_kpi_rollup; ANALYZE case_kpi_fact');
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
