/**
 * Indicators from the region hierarchy and its staff: population, density, grid staffing.
 *
 * Reads the regions module's tables (`region`, `grid_staff`, migrations 0003/0005) directly:
 * regions/index.ts does not export roll-ups yet. TODO(lead): switch to its public API when it does.
 *
 * Roll-up rule for population and households: a unit's own figure when it has one; otherwise the
 * sum over the nearest descendants that carry a figure (walking down only through units without
 * one), so a district whose figure is only known per community still gets its total, and a
 * figure is never counted twice at two levels.
 */
import type { Sql } from '../../../platform/db.js';
import { localDate } from '../periods.js';
import { rate, setValue, unitsByDepth, type IndicatorDef, type IndicatorProvider, type ProviderRequest, type ProviderValues, type UnitRef } from './types.js';

/** Roles that count as grid staff (网格长, 专职网格员, 兼职网格员); building heads and volunteers do not. */
export const GRID_STAFF_ROLES = ['grid_leader', 'full_time', 'part_time'] as const;

const CODES: readonly IndicatorDef[] = [
  {
    code: 'population',
    nameZh: '常住人口',
    nameEn: 'Resident population',
    unit: '人',
    direction: 1,
    definition: "region.population of the unit; if empty, the sum over the nearest descendants that have one",
  },
  {
    code: 'households',
    nameZh: '户数',
    nameEn: 'Households',
    unit: '户',
    direction: 1,
    definition: 'region.households of the unit, rolled up like population',
  },
  {
    code: 'population_density',
    nameZh: '人口密度',
    nameEn: 'Population density',
    unit: '人/平方公里',
    direction: 1,
    definition: 'population / area in km² (region.area_km2, else the PostGIS geodesic area of the boundary); missing without an area',
  },
  {
    code: 'grid_staff_per_1k_households',
    nameZh: '每千户网格员配备数',
    nameEn: 'Grid staff per 1,000 households',
    unit: '人/千户',
    direction: 1,
    definition:
      'grid staff (roles grid_leader, full_time, part_time) assigned anywhere in the unit\'s subtree and active at some time in the period (since < period end, until empty or ≥ period start) × 1000 / households; missing when households is unknown or 0',
  },
];

export interface UnitFigures {
  population: Map<number, number>;
  households: Map<number, number>;
}

/** Population and households per unit, by the roll-up rule above. */
export async function unitFigures(db: Sql, unitIds: readonly number[]): Promise<UnitFigures> {
  const population = new Map<number, number>();
  const households = new Map<number, number>();
  if (unitIds.length === 0) return { population, households };
  const walk = async (col: 'population' | 'households', into: Map<number, number>): Promise<void> => {
    const { rows } = await db.query<{ unit_id: number; total: number | string | null }>(
      `WITH RECURSIVE walk (unit_id, id, figure) AS (
         SELECT r.id, r.id, r.${col} FROM region r WHERE r.id = ANY ($1::bigint[])
         UNION ALL
         SELECT w.unit_id, c.id, c.${col}
           FROM walk w JOIN region c ON c.parent_id = w.id AND c.valid_to IS NULL
          WHERE w.figure IS NULL
       )
       SELECT unit_id, SUM(figure) AS total FROM walk WHERE figure IS NOT NULL GROUP BY unit_id`,
      [unitIds],
    );
    for (const r of rows) if (r.total !== null) into.set(Number(r.unit_id), Number(r.total));
  };
  await walk('population', population);
  await walk('households', households);
  return { population, households };
}

async function areas(db: Sql, unitIds: readonly number[]): Promise<Map<number, number>> {
  const { rows } = await db.query<{ id: number; km2: number | null }>(
    `SELECT id, COALESCE(area_km2, CASE WHEN geom IS NOT NULL THEN ST_Area(geom::geography) / 1e6 END) AS km2
       FROM region WHERE id = ANY ($1::bigint[])`,
    [unitIds],
  );
  return new Map(rows.filter((r) => r.km2 !== null && Number(r.km2) > 0).map((r) => [Number(r.id), Number(r.km2)]));
}

async function gridStaffCounts(db: Sql, units: readonly UnitRef[], req: ProviderRequest): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const [depth, group] of unitsByDepth(units)) {
    const ids = group.map((u) => String(u.id));
    const { rows } = await db.query<{ unit: string; n: number }>(
      `SELECT split_part(r.path, '/', $1::int + 1) AS unit, count(*)::int AS n
         FROM grid_staff s JOIN region r ON r.id = s.region_id
        WHERE split_part(r.path, '/', $1::int + 1) = ANY ($2::text[])
          AND s.role = ANY ($3::text[])
          AND s.since < $5::date
          AND (s.until IS NULL OR s.until >= $4::date)
        GROUP BY 1`,
      [depth, ids, GRID_STAFF_ROLES, localDate(req.period.from), localDate(req.period.to)],
    );
    for (const r of rows) out.set(Number(r.unit), Number(r.n));
  }
  return out;
}

export const regionsProvider: IndicatorProvider = {
  name: 'regions',
  codes: CODES,
  async compute(db, req): Promise<ProviderValues> {
    const out: ProviderValues = new Map();
    const ids = req.units.map((u) => u.id);
    const { population, households } = await unitFigures(db, ids);
    const area = await areas(db, ids);
    const staff = await gridStaffCounts(db, req.units, req);
    for (const u of req.units) {
      const pop = population.get(u.id);
      const hh = households.get(u.id);
      const km2 = area.get(u.id);
      setValue(out, u.id, 'population', pop);
      setValue(out, u.id, 'households', hh);
      if (pop !== undefined && km2 !== undefined) setValue(out, u.id, 'population_density', pop / km2);
      if (hh !== undefined) setValue(out, u.id, 'grid_staff_per_1k_households', rate(staff.get(u.id) ?? 0, hh, 1000));
    }
    return out;
  },
};
