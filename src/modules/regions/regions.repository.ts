/**
 * All SQL of the regions module. Units are "current" while valid_to IS NULL; retired units keep
 * their rows (and ids) so that what was filed under them still resolves.
 */
import type { Actor, Role } from '../../platform/actor.js';
import { scopeSql } from '../../platform/actor.js';
import type { Sql } from '../../platform/db.js';
import type { Level } from './codes.js';
import type { IndexUnit } from './locate-index.js';

export interface RegionRow {
  id: number;
  code: string;
  name: string;
  level: Level;
  parentId: number | null;
  path: string;
  depth: number;
  subtype: string | null;
  population: number | null;
  households: number | null;
  areaKm2: number | null;
  boundarySource: 'imported' | 'generated' | null;
  hasBoundary: boolean;
  centroid: [number, number] | null;
  validFrom: string;
  validTo: string | null;
}

const COLS = `r.id, r.code, r.name, r.level, r.parent_id AS "parentId", r.path, r.depth, r.subtype, r.population, r.households,
  r.area_km2 AS "areaKm2", r.boundary_source AS "boundarySource", (r.geom IS NOT NULL) AS "hasBoundary",
  CASE WHEN r.centroid IS NULL THEN NULL ELSE json_build_array(ST_X(r.centroid), ST_Y(r.centroid)) END AS centroid,
  to_char(r.valid_from, 'YYYY-MM-DD') AS "validFrom", to_char(r.valid_to, 'YYYY-MM-DD') AS "validTo"`;

type Raw = Omit<RegionRow, 'centroid'> & { centroid: unknown };
const norm = (r: Raw): RegionRow => ({
  ...r,
  centroid: typeof r.centroid === 'string' ? (JSON.parse(r.centroid) as [number, number]) : (r.centroid as [number, number] | null),
});

export async function findCurrentByCode(sql: Sql, code: string): Promise<RegionRow | null> {
  const { rows } = await sql.query<Raw>(`SELECT ${COLS} FROM region r WHERE r.code = $1 AND r.valid_to IS NULL`, [code]);
  return rows[0] ? norm(rows[0]) : null;
}

export async function findById(sql: Sql, id: number): Promise<RegionRow | null> {
  const { rows } = await sql.query<Raw>(`SELECT ${COLS} FROM region r WHERE r.id = $1`, [id]);
  return rows[0] ? norm(rows[0]) : null;
}

export async function findCurrentByCodes(sql: Sql, codes: string[]): Promise<Map<string, RegionRow>> {
  const out = new Map<string, RegionRow>();
  if (codes.length === 0) return out;
  const { rows } = await sql.query<Raw>(`SELECT ${COLS} FROM region r WHERE r.code = ANY($1::text[]) AND r.valid_to IS NULL`, [codes]);
  for (const r of rows) out.set(r.code, norm(r));
  return out;
}

/** History rows naming an old code, newest first. */
export async function historyOfCode(sql: Sql, code: string): Promise<{ regionId: number; newCode: string | null; change: string }[]> {
  const { rows } = await sql.query<{ regionId: number; newCode: string | null; change: string }>(
    `SELECT region_id AS "regionId", new_code AS "newCode", change FROM region_code_history WHERE old_code = $1 ORDER BY changed_at DESC, id DESC`,
    [code],
  );
  return rows;
}

export async function insertHistory(sql: Sql, h: { regionId: number; oldCode: string; newCode: string | null; change: string; note?: string | null; at: Date }): Promise<void> {
  await sql.query(`INSERT INTO region_code_history (region_id, old_code, new_code, change, note, changed_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    h.regionId,
    h.oldCode,
    h.newCode,
    h.change,
    h.note ?? null,
    h.at,
  ]);
}

/** Current children of a unit (or the roots), ordered by code, with their own child counts. */
export async function listChildren(sql: Sql, parentId: number | null, limit: number, offset: number): Promise<(RegionRow & { childCount: number })[]> {
  const { rows } = await sql.query<Raw & { childCount: number }>(
    `SELECT ${COLS}, (SELECT count(*)::int FROM region c WHERE c.parent_id = r.id AND c.valid_to IS NULL) AS "childCount"
       FROM region r
      WHERE ${parentId === null ? 'r.parent_id IS NULL' : 'r.parent_id = $3'} AND r.valid_to IS NULL
      ORDER BY r.code LIMIT $1 OFFSET $2`,
    parentId === null ? [limit, offset] : [limit, offset, parentId],
  );
  return rows.map((r) => ({ ...norm(r), childCount: r.childCount }));
}

/** The ancestors of a unit from the root down, itself excluded. */
export async function ancestors(sql: Sql, unit: { path: string; id: number }): Promise<RegionRow[]> {
  const ids = unit.path.split('/').filter(Boolean).map(Number).filter((i) => i !== unit.id);
  if (ids.length === 0) return [];
  const { rows } = await sql.query<Raw>(`SELECT ${COLS} FROM region r WHERE r.id = ANY($1::bigint[]) ORDER BY r.depth`, [ids]);
  return rows.map(norm);
}

/** Current descendants per level below a unit (itself excluded). */
export async function descendantCounts(sql: Sql, path: string): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ level: string; n: number }>(
    `SELECT level, count(*)::int AS n FROM region WHERE path LIKE $1 AND path <> $2 AND valid_to IS NULL GROUP BY level`,
    [`${path}%`, path],
  );
  return Object.fromEntries(rows.map((r) => [r.level, r.n]));
}

export async function childCount(sql: Sql, id: number): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM region WHERE parent_id = $1 AND valid_to IS NULL`, [id]);
  return rows[0]?.n ?? 0;
}

/** The subtree as one GeoJSON FeatureCollection (text, built by PostGIS). */
export async function subtreeGeoJson(sql: Sql, root: RegionRow, depth: number, simplify: number): Promise<{ count: number; json: string }> {
  const params = [`${root.path}%`, root.depth + depth, simplify];
  const c = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM region WHERE path LIKE $1 AND depth <= $2 AND valid_to IS NULL`, params.slice(0, 2));
  const { rows } = await sql.query<{ fc: string }>(
    `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(f ORDER BY depth, code), '[]'::json))::text AS fc
       FROM (SELECT r.depth, r.code, json_build_object(
                'type', 'Feature', 'id', r.code,
                'geometry', CASE WHEN r.geom IS NULL THEN NULL
                                 ELSE ST_AsGeoJSON(CASE WHEN $3::float8 > 0 THEN ST_SimplifyPreserveTopology(r.geom, $3::float8) ELSE r.geom END, 7)::json END,
                'properties', json_build_object('code', r.code, 'name', r.name, 'level', r.level,
                   'parent_code', p.code, 'population', r.population, 'households', r.households,
                   'area_km2', r.area_km2, 'boundary_source', r.boundary_source)) AS f
               FROM region r LEFT JOIN region p ON p.id = r.parent_id
              WHERE r.path LIKE $1 AND r.depth <= $2 AND r.valid_to IS NULL) s`,
    params,
  );
  return { count: c.rows[0]?.n ?? 0, json: rows[0]!.fc };
}

/** Every current unit with its boundary in exact binary form, for the locate index. */
export async function loadIndexUnits(sql: Sql): Promise<IndexUnit[]> {
  const { rows } = await sql.query<{ id: number; code: string; name: string; level: Level; parentId: number | null; path: string; depth: number; wkb: Uint8Array | null }>(
    `SELECT id, code, name, level, parent_id AS "parentId", path, depth, ST_AsBinary(ST_Force2D(geom)) AS wkb
       FROM region WHERE valid_to IS NULL`,
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    level: r.level,
    parentId: r.parentId,
    path: r.path,
    depth: r.depth,
    polygons: null,
    wkb: r.wkb,
  }));
}

export async function revision(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ rev: number | string }>(`SELECT rev FROM region_revision`);
  return Number(rows[0]?.rev ?? 0);
}

/** Ids for new units, allocated up front so that paths can be computed before inserting. */
export async function allocateIds(sql: Sql, n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await sql.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('region', 'id'))::bigint AS id FROM generate_series(1, $1)`, [n]);
  return rows.map((r) => Number(r.id));
}

export interface NewUnit {
  id: number;
  code: string;
  name: string;
  level: Level;
  parentId: number | null;
  path: string;
  depth: number;
  subtype: string | null;
  /** MULTIPOLYGON WKT in WGS-84, or null. */
  wkt: string | null;
  /** Run ST_MakeValid on the geometry first. */
  repair: boolean;
  boundarySource: 'imported' | 'generated' | null;
  population: number | null;
  households: number | null;
  validFrom: string | null;
  attrs?: Record<string, unknown>;
  /** The shape is convex (generated cells): its area centroid lies inside, no check needed. */
  convex?: boolean;
}

// The stored geometry: repaired if asked, always a MultiPolygon; the centroid is the area
// centroid when it lies inside, else a point on the surface (a label point for concave shapes).
const GEOM_EXPR = (g: string, repair: string) =>
  `CASE WHEN ${g} IS NULL THEN NULL WHEN ${repair} THEN ST_Multi(ST_CollectionExtract(ST_MakeValid(${g}), 3)) ELSE ST_Multi(${g}) END`;
const CENTROID_EXPR = (g: string) => `CASE WHEN ${g} IS NULL THEN NULL WHEN ST_Covers(${g}, ST_Centroid(${g})) THEN ST_Centroid(${g}) ELSE ST_PointOnSurface(${g}) END`;

/** Insert many units in chunks of multi-row statements (unnest of arrays). */
export async function insertUnits(sql: Sql, units: NewUnit[], chunk = 2000): Promise<void> {
  for (let i = 0; i < units.length; i += chunk) {
    const part = units.slice(i, i + chunk);
    const col = <K extends keyof NewUnit>(k: K) => part.map((u) => u[k] ?? null);
    await sql.query(
      `INSERT INTO region (id, code, name, level, parent_id, path, depth, subtype, geom, centroid, area_km2, boundary_source, population, households, valid_from, attrs)
       SELECT u.id, u.code, u.name, u.level, u.parent_id, u.path, u.depth, u.subtype, g.geom,
              CASE WHEN u.convex THEN ST_Centroid(g.geom) ELSE ${CENTROID_EXPR('g.geom')} END,
              CASE WHEN g.geom IS NULL THEN NULL ELSE ST_Area(g.geom::geography) / 1e6 END,
              u.source, u.population, u.households, COALESCE(u.valid_from, DATE '1900-01-01'), COALESCE(u.attrs, '{}'::jsonb)
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::smallint[], $8::text[], $9::text[],
                     $10::boolean[], $11::text[], $12::int[], $13::int[], $14::date[], $15::jsonb[], $16::boolean[])
              AS u(id, code, name, level, parent_id, path, depth, subtype, wkt, repair, source, population, households, valid_from, attrs, convex)
        CROSS JOIN LATERAL (SELECT (${GEOM_EXPR('ST_GeomFromText(u.wkt, 4326)', 'u.repair')})::geometry(MultiPolygon, 4326) AS geom) g`,
      [
        col('id'),
        col('code'),
        col('name'),
        col('level'),
        col('parentId'),
        col('path'),
        col('depth'),
        col('subtype'),
        col('wkt'),
        col('repair'),
        col('boundarySource'),
        col('population'),
        col('households'),
        col('validFrom'),
        part.map((u) => JSON.stringify(u.attrs ?? {})),
        part.map((u) => u.convex === true),
      ],
    );
  }
}

export interface UnitPatch {
  name?: string;
  wkt?: string;
  repair?: boolean;
  boundarySource?: 'imported' | 'generated';
  population?: number | null;
  households?: number | null;
  subtype?: string | null;
}

export async function updateUnit(sql: Sql, id: number, p: UnitPatch, now: Date): Promise<void> {
  const sets: string[] = ['updated_at = $2'];
  const params: unknown[] = [id, now];
  const add = (expr: (n: string) => string, v: unknown) => {
    params.push(v);
    sets.push(expr(`$${params.length}`));
  };
  if (p.name !== undefined) add((n) => `name = ${n}`, p.name);
  if (p.population !== undefined) add((n) => `population = ${n}`, p.population);
  if (p.households !== undefined) add((n) => `households = ${n}`, p.households);
  if (p.subtype !== undefined) add((n) => `subtype = ${n}`, p.subtype);
  if (p.boundarySource !== undefined) add((n) => `boundary_source = ${n}`, p.boundarySource);
  if (p.wkt !== undefined) {
    params.push(p.wkt, p.repair ?? false);
    const g = GEOM_EXPR(`ST_GeomFromText($${params.length - 1}::text, 4326)`, `$${params.length}::boolean`);
    sets.push(`geom = (${g})::geometry(MultiPolygon, 4326)`);
  }
  await sql.query(`UPDATE region SET ${sets.join(', ')} WHERE id = $1`, params);
  if (p.wkt !== undefined) {
    await sql.query(`UPDATE region SET centroid = ${CENTROID_EXPR('geom')}, area_km2 = ST_Area(geom::geography) / 1e6 WHERE id = $1`, [id]);
  }
}

/** Give a unit a new code (re-coding), keeping its id. */
export async function setCode(sql: Sql, id: number, code: string, now: Date): Promise<void> {
  await sql.query(`UPDATE region SET code = $2, updated_at = $3 WHERE id = $1`, [id, code, now]);
}

/** Move a unit (and its subtree) under a new parent: paths and depths follow. */
export async function moveSubtree(sql: Sql, unit: { id: number; path: string; depth: number }, parent: { id: number; path: string; depth: number }, now: Date): Promise<void> {
  const newPath = `${parent.path}${unit.id}/`;
  await sql.query(`UPDATE region SET parent_id = $2, updated_at = $3 WHERE id = $1`, [unit.id, parent.id, now]);
  await sql.query(
    `UPDATE region SET path = $2 || substr(path, length($1) + 1), depth = depth + $3 WHERE path LIKE $1 || '%'`,
    [unit.path, newPath, parent.depth + 1 - unit.depth],
  );
}

export async function retire(sql: Sql, id: number, on: string, now: Date): Promise<void> {
  await sql.query(`UPDATE region SET valid_to = $2, updated_at = $3 WHERE id = $1`, [id, on, now]);
}

/** Validity of many WKT geometries in one round trip (PostGIS decides, as it will when storing). */
export async function checkGeometries(sql: Sql, wkts: string[]): Promise<{ valid: boolean; reason: string; emptyAfterRepair: boolean }[]> {
  const out: { valid: boolean; reason: string; emptyAfterRepair: boolean }[] = [];
  for (let i = 0; i < wkts.length; i += 1000) {
    const part = wkts.slice(i, i + 1000);
    const { rows } = await sql.query<{ valid: boolean; reason: string; empty: boolean }>(
      `SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason,
              (NOT ST_IsValid(g) AND ST_IsEmpty(ST_CollectionExtract(ST_MakeValid(g), 3))) AS empty
         FROM unnest($1::text[]) WITH ORDINALITY AS t(wkt, i)
        CROSS JOIN LATERAL (SELECT ST_GeomFromText(t.wkt, 4326) AS g) x
        ORDER BY t.i`,
      [part],
    );
    for (const r of rows) out.push({ valid: r.valid, reason: r.reason, emptyAfterRepair: r.empty });
  }
  return out;
}

// ---------------------------------------------------------------------------------- grid staff

export const STAFF_ROLES = ['grid_leader', 'full_time', 'part_time', 'building_head', 'ten_household_head', 'alley_steward', 'red_armband'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffRow {
  id: number;
  regionId: number;
  regionCode: string;
  regionName: string;
  regionPath: string;
  userId: number | null;
  name: string;
  phone: string | null;
  role: StaffRole;
  since: string;
  until: string | null;
  note: string | null;
}

const STAFF_COLS = `s.id, s.region_id AS "regionId", r.code AS "regionCode", r.name AS "regionName", r.path AS "regionPath", s.user_id AS "userId",
  s.name, s.phone, s.role, to_char(s.since, 'YYYY-MM-DD') AS since, to_char(s.until, 'YYYY-MM-DD') AS until, s.note`;

/**
 * Staff in a subtree, restricted to the actor's scope for the roles given (a region-scoped query
 * root: nobody is handed the whole table).
 */
export async function listStaff(
  sql: Sql,
  actor: Actor,
  roles: readonly Role[],
  subtreePath: string,
  o: { role?: StaffRole; includeEnded: boolean; limit: number; offset: number; today: string },
): Promise<{ items: StaffRow[]; total: number }> {
  const scope = scopeSql(actor, roles, 'r.path', 2);
  const params: unknown[] = [`${subtreePath}%`, ...scope.params];
  const where = [`r.path LIKE $1`, scope.sql];
  if (!o.includeEnded) {
    params.push(o.today);
    where.push(`(s.until IS NULL OR s.until >= $${params.length}::date)`);
  }
  if (o.role) {
    params.push(o.role);
    where.push(`s.role = $${params.length}`);
  }
  const base = `FROM grid_staff s JOIN region r ON r.id = s.region_id WHERE ${where.join(' AND ')}`;
  const total = await sql.query<{ n: number }>(`SELECT count(*)::int AS n ${base}`, params);
  params.push(o.limit, o.offset);
  const { rows } = await sql.query<StaffRow>(
    `SELECT ${STAFF_COLS} ${base} ORDER BY r.code, s.role, s.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { items: rows, total: total.rows[0]?.n ?? 0 };
}

export async function insertStaff(
  sql: Sql,
  s: { regionId: number; userId: number | null; name: string; phone: string | null; role: StaffRole; since: string; until: string | null; note: string | null },
): Promise<number> {
  const { rows } = await sql.query<{ id: number }>(
    `INSERT INTO grid_staff (region_id, user_id, name, phone, role, since, until, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [s.regionId, s.userId, s.name, s.phone, s.role, s.since, s.until, s.note],
  );
  return rows[0]!.id;
}

export async function findStaff(sql: Sql, id: number): Promise<StaffRow | null> {
  const { rows } = await sql.query<StaffRow>(`SELECT ${STAFF_COLS} FROM grid_staff s JOIN region r ON r.id = s.region_id WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

/** Active staff counts by role in a subtree (rolled up). */
export async function staffCounts(sql: Sql, path: string, today: string): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ role: string; n: number }>(
    `SELECT s.role, count(*)::int AS n FROM grid_staff s JOIN region r ON r.id = s.region_id
      WHERE r.path LIKE $1 AND (s.until IS NULL OR s.until >= $2::date) GROUP BY s.role`,
    [`${path}%`, today],
  );
  return Object.fromEntries(rows.map((r) => [r.role, r.n]));
}

/** Active staff counts by role for each current child of a unit (each rolled up over its subtree). */
export async function staffCountsPerChild(sql: Sql, parentId: number, today: string): Promise<{ code: string; name: string; level: string; role: string | null; n: number }[]> {
  const { rows } = await sql.query<{ code: string; name: string; level: string; role: string | null; n: number }>(
    `SELECT c.code, c.name, c.level, s.role, count(s.id)::int AS n
       FROM region c
       LEFT JOIN region r ON r.path LIKE c.path || '%'
       LEFT JOIN grid_staff s ON s.region_id = r.id AND (s.until IS NULL OR s.until >= $2::date)
      WHERE c.parent_id = $1 AND c.valid_to IS NULL
      GROUP BY c.code, c.name, c.level, s.role
      ORDER BY c.code`,
    [parentId, today],
  );
  return rows;
}

/** Bulk insert for the demo seed. */
export async function insertStaffBulk(
  sql: Sql,
  rows: { regionId: number; name: string; phone: string; role: StaffRole; since: string }[],
  chunk = 5000,
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await sql.query(
      `INSERT INTO grid_staff (region_id, name, phone, role, since)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::date[])`,
      [part.map((r) => r.regionId), part.map((r) => r.name), part.map((r) => r.phone), part.map((r) => r.role), part.map((r) => r.since)],
    );
  }
}
