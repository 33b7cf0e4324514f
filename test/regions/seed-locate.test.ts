/**
 * The demo city (西山区 only, to keep it quick) and the locate index checked against PostGIS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLocateIndex, locatePoint, seedDemoSmall, type DemoStats } from '../../src/modules/regions/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { prng } from '../../src/modules/regions/voronoi.js';
import { parseWkb } from '../../src/modules/regions/geometry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { count } from './helpers.js';

let t: TestDatabase;
let stats: DemoStats | null;

beforeAll(async () => {
  t = await createTestDatabase();
  stats = await seedDemoSmall(t.db, cliCtx(systemActor('test')));
});
afterAll(async () => {
  await t?.close();
});

describe('demo seed (西山区)', () => {
  it('has Xishan\'s real density: 11 streets, 126 communities, 1,237 grids, 3,969 micro-grids', async () => {
    expect(stats?.units).toEqual({ city: 1, district: 1, street: 11, community: 126, grid: 1237, microgrid: 3969 });
    const { rows } = await t.db.query<{ level: string; n: number }>(`SELECT level, count(*)::int AS n FROM region GROUP BY level ORDER BY level`);
    expect(Object.fromEntries(rows.map((r) => [r.level, r.n]))).toEqual({ city: 1, district: 1, street: 11, community: 126, grid: 1237, microgrid: 3969 });
  });

  it('labels every boundary as generated, and every unit has one', async () => {
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region WHERE boundary_source IS DISTINCT FROM 'generated' OR geom IS NULL`)).toBe(0);
  });

  it('puts every child\'s centroid inside its parent', async () => {
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region c JOIN region p ON p.id = c.parent_id WHERE NOT ST_Covers(p.geom, c.centroid)`)).toBe(0);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region WHERE NOT ST_Covers(geom, centroid)`)).toBe(0);
  });

  it('uses GB/T 30428 codes for grids (community + 3 digits) and micro-grids (grid + 2)', async () => {
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region c JOIN region p ON p.id = c.parent_id WHERE c.level IN ('grid', 'microgrid') AND (substr(c.code, 1, length(p.code)) <> p.code OR length(c.code) <> length(p.code) + CASE c.level WHEN 'grid' THEN 3 ELSE 2 END)`)).toBe(0);
  });

  it('has plausible, rolled-up population and households, the same on every run', async () => {
    const { rows } = await t.db.query<{ pop: number; hh: number; sum: number }>(
      `SELECT d.population AS pop, d.households AS hh, (SELECT sum(population)::int FROM region WHERE level = 'microgrid') AS sum FROM region d WHERE d.code = '530112000000'`,
    );
    expect(rows[0]!.pop).toBe(rows[0]!.sum);
    expect(rows[0]!.pop).toBeGreaterThan(400_000);
    expect(rows[0]!.pop).toBeLessThan(1_200_000);
    expect(rows[0]!.pop / rows[0]!.hh).toBeGreaterThan(2);
    expect(rows[0]!.pop / rows[0]!.hh).toBeLessThan(3.2);
  });

  it('staffs every grid with a full-time worker and every community with a grid leader', async () => {
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region g WHERE g.level = 'grid' AND NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.region_id = g.id AND s.role = 'full_time')`)).toBe(0);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM grid_staff WHERE role = 'grid_leader'`)).toBe(126);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM grid_staff s JOIN region r ON r.id = s.region_id WHERE r.level NOT IN ('grid', 'microgrid')`)).toBe(0);
  });

  it('locates the district seat (马街) in 西山区', async () => {
    const r = await locatePoint(t.db, 102.638, 25.0319);
    expect(r?.chain.map((c) => c.level)).toEqual(['microgrid', 'grid', 'community', 'street', 'district', 'city']);
    expect(r?.chain[4]?.name).toBe('西山区');
  });
});

describe('the locate index agrees with PostGIS ST_Covers', () => {
  it('on 2,000 random points and 600 boundary vertices', async () => {
    const db = t.db;
    const index = await getLocateIndex(db);
    const { rows: ext } = await db.query<{ x0: number; y0: number; x1: number; y1: number }>(
      `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom)::geometry AS e FROM region WHERE level = 'district') s`,
    );
    const e = ext[0]!;
    const rand = prng(20240601);
    const xs: number[] = [];
    const ys: number[] = [];
    const pad = 0.02; // some points fall outside the district
    for (let i = 0; i < 2000; i++) {
      xs.push(e.x0 - pad + rand() * (e.x1 - e.x0 + 2 * pad));
      ys.push(e.y0 - pad + rand() * (e.y1 - e.y0 + 2 * pad));
    }
    // Vertices of micro-grids: exactly on shared boundaries between neighbours.
    const { rows: v } = await db.query<{ wkb: Uint8Array }>(`SELECT ST_AsBinary(geom) AS wkb FROM region WHERE level = 'microgrid' ORDER BY code LIMIT 200`);
    const boundary = new Set<number>();
    for (const r of v) {
      const ring = parseWkb(r.wkb)[0]![0]!;
      for (const c of ring.slice(0, 3)) {
        boundary.add(xs.length);
        xs.push(c[0]!);
        ys.push(c[1]!);
      }
    }
    expect(xs.length).toBeGreaterThanOrEqual(2600);
    const { rows } = await db.query<{ i: number; deepest: number | null; covering: number[] | null }>(
      `SELECT p.i::int AS i,
              (SELECT r.id FROM region r WHERE r.valid_to IS NULL AND ST_Covers(r.geom, p.g) ORDER BY r.depth DESC, r.id LIMIT 1) AS deepest,
              (SELECT array_agg(r.id) FROM region r WHERE r.valid_to IS NULL AND ST_Covers(r.geom, p.g)
                 AND r.depth = (SELECT max(depth) FROM region q WHERE q.valid_to IS NULL AND ST_Covers(q.geom, p.g))) AS covering
         FROM (SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS g FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(x, y, i)) p
        ORDER BY p.i`,
      [xs, ys],
    );
    let inside = 0;
    const mismatches: string[] = [];
    const onEdge: { k: number; id: number; depth: number }[] = [];
    for (const r of rows) {
      const k = r.i - 1;
      const mine = index.locate(xs[k]!, ys[k]!);
      if (r.deepest !== null) inside++;
      if ((mine === null) !== (r.deepest === null)) {
        mismatches.push(`point ${k} (${xs[k]}, ${ys[k]}): index ${mine?.regionId ?? 'none'}, PostGIS ${r.deepest ?? 'none'}`);
        continue;
      }
      if (!mine) continue;
      // Off the boundaries both answers are the one unit. On a shared boundary (a vertex where
      // three cells meet, each clipped separately) the unit may differ by a rounding of the last
      // bit: the index's unit must then be at PostGIS's deepest level and touch the point.
      const ids = (r.covering ?? []).map(Number);
      if (!boundary.has(k)) {
        if (mine.regionId !== Number(r.deepest)) mismatches.push(`point ${k} (${xs[k]}, ${ys[k]}): index ${mine.regionId}, PostGIS ${r.deepest}`);
      } else if (!ids.includes(mine.regionId)) {
        onEdge.push({ k, id: mine.regionId, depth: index.resultForId(ids[0]!)!.chain.length });
      }
    }
    for (const b of onEdge) {
      const { rows: d } = await db.query<{ dist: number; depth: number }>(
        `SELECT ST_Distance(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)) AS dist, depth FROM region WHERE id = $1`,
        [b.id, xs[b.k], ys[b.k]],
      );
      if (!(d[0]!.dist < 1e-12 && d[0]!.depth === b.depth)) mismatches.push(`boundary point ${b.k}: index unit ${b.id} is ${d[0]!.dist}° away at depth ${d[0]!.depth}`);
    }
    expect(mismatches).toEqual([]);
    expect(inside).toBeGreaterThan(1800);
  });
});
