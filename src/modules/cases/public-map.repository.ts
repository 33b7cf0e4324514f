/**
 * SQL of the public map. Only what anyone may see: cases neither marked private nor in a private
 * category, past the centre's first look (a raw report may hold anything until it is accepted or
 * rejected) and not folded into another case. Columns are the public ones only: no reporter, no
 * notes, no department.
 */
import type { Sql } from '../../platform/db.js';

/** States shown on the public map: accepted onwards, closed ones included (what the city did). */
export const PUBLIC_MAP_STATES = ['accepted', 'dispatched', 'signed', 'in_progress', 'handled', 'verified', 'returned', 'suspended', 'closed', 'evaluated'] as const;

export interface PublicMapPoint {
  public_id: string | null;
  state: string | null;
  category_code: string | null;
  name_zh: string | null;
  name_en: string | null;
  description: string | null;
  reported_at: Date | null;
  lng: number;
  lat: number;
  count: number;
}

const PUBLIC_WHERE = `c.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)
  AND NOT c.private AND NOT cat.private
  AND c.state = ANY ($5::text[])`;

/** Single points when `cellDeg` is null (zoomed in), else grid clusters (ST_SnapToGrid). */
export async function publicMapCases(
  sql: Sql,
  bbox: [number, number, number, number],
  cellDeg: number | null,
  f: { category?: string | undefined },
): Promise<PublicMapPoint[]> {
  const params: unknown[] = [...bbox, [...PUBLIC_MAP_STATES]];
  let where = PUBLIC_WHERE;
  if (f.category) {
    params.push(f.category);
    where += ` AND (c.category_code = $${params.length} OR cat.parent_code = $${params.length})`;
  }
  if (cellDeg === null) {
    const r = await sql.query<PublicMapPoint>(
      `SELECT c.public_id, c.state, c.category_code, cat.name_zh, cat.name_en, c.description, c.reported_at,
              ST_X(c.geom) AS lng, ST_Y(c.geom) AS lat, 1 AS count
         FROM case_file c JOIN case_category cat ON cat.code = c.category_code
        WHERE ${where} ORDER BY c.reported_at DESC, c.id DESC LIMIT 2000`,
      params,
    );
    return r.rows;
  }
  params.push(cellDeg);
  const r = await sql.query<PublicMapPoint>(
    `SELECT CASE WHEN count(*) = 1 THEN min(c.public_id) END AS public_id, CASE WHEN count(*) = 1 THEN min(c.state) END AS state,
            CASE WHEN count(*) = 1 THEN min(c.category_code) END AS category_code,
            CASE WHEN count(*) = 1 THEN min(cat.name_zh) END AS name_zh, CASE WHEN count(*) = 1 THEN min(cat.name_en) END AS name_en,
            NULL::text AS description, CASE WHEN count(*) = 1 THEN min(c.reported_at) END AS reported_at,
            ST_X(ST_Centroid(ST_Collect(c.geom))) AS lng, ST_Y(ST_Centroid(ST_Collect(c.geom))) AS lat, count(*)::int AS count
       FROM case_file c JOIN case_category cat ON cat.code = c.category_code
      WHERE ${where}
      GROUP BY ST_SnapToGrid(c.geom, $${params.length}::float8) LIMIT 5000`,
    params,
  );
  return r.rows;
}
