/**
 * Locate: point → region chain. The regions module's in-memory index (getLocateIndex) against
 * PostGIS `ST_Covers` on the same polygons with the region table's GiST index, for the same
 * random points drawn uniformly inside the city's extent. PostGIS gets its best case: the points
 * go in batches of 1,000 through one LATERAL query (no round trip per point), and it answers the
 * deepest covering unit's id and path (the chain is the path); on a boundary shared by units of
 * one depth the lowest id, the index's rule. The two must agree on every point.
 */
import type { Database } from '../src/platform/db.js';
import { getLocateIndex } from '../src/modules/regions/index.js';
import { extentPoints } from './demo.js';

export interface LocateResultRow {
  memoryPerSecond: number;
  postgisPerSecond: number;
  points: number;
  postgisPoints: number;
  located: number;
  disagreements: number;
  units: number;
}

export async function benchLocate(db: Database, quick: boolean): Promise<LocateResultRow> {
  const index = await getLocateIndex(db);
  const n = quick ? 200_000 : 2_000_000;
  const xy = extentPoints(n, 42);
  // Warm-up, then the best of three passes over all points (the JIT and caches settle).
  let located = 0;
  for (let i = 0; i < Math.min(n, 50_000); i++) index.locate(xy[i * 2]!, xy[i * 2 + 1]!);
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    let hits = 0;
    for (let i = 0; i < n; i++) if (index.locate(xy[i * 2]!, xy[i * 2 + 1]!) !== null) hits++;
    best = Math.min(best, performance.now() - t0);
    located = hits;
  }
  const memoryPerSecond = n / (best / 1000);

  const m = quick ? 4_000 : 20_000;
  const batch = 1_000;
  const query = async (from: number, to: number) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = from; i < to; i++) {
      xs.push(xy[i * 2]!);
      ys.push(xy[i * 2 + 1]!);
    }
    return db.query<{ i: number; id: number | null }>(
      `SELECT p.i::int AS i, r.id
         FROM unnest($1::text::float8[], $2::text::float8[]) WITH ORDINALITY AS p(x, y, i)
         LEFT JOIN LATERAL (
           SELECT id, path FROM region
            WHERE valid_to IS NULL AND geom IS NOT NULL AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))
            ORDER BY depth DESC, id LIMIT 1) r ON true
        ORDER BY p.i`,
      // Array literals as text: PGlite serialises JS arrays element by element.
      [`{${xs.join(',')}}`, `{${ys.join(',')}}`],
    );
  };
  await query(0, Math.min(batch, m)); // warm-up: plan, index pages
  let disagreements = 0;
  const t0 = performance.now();
  const answers: Array<number | null> = [];
  for (let from = 0; from < m; from += batch) {
    const r = await query(from, Math.min(m, from + batch));
    for (const row of r.rows) answers.push(row.id === null ? null : Number(row.id));
  }
  const postgisMs = performance.now() - t0;
  for (let i = 0; i < m; i++) {
    const mem = index.locate(xy[i * 2]!, xy[i * 2 + 1]!);
    if ((mem?.regionId ?? null) === answers[i]) continue;
    // The first few in full, to look at with PostGIS.
    if (disagreements++ < 10) process.stderr.write(`    locate: point ${i} (${xy[i * 2]}, ${xy[i * 2 + 1]}): index ${mem?.regionId ?? 'none'}, PostGIS ${answers[i] ?? 'none'}\n`);
  }
  return { memoryPerSecond, postgisPerSecond: m / (postgisMs / 1000), points: n, postgisPoints: m, located, disagreements, units: index.size };
}
