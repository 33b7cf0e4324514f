/** All SQL of the gazetteer (region names for the in-memory index, gazetteer entries). */
import type { Sql } from '../../platform/db.js';
import type { GazetteerHit, NameUnit } from './gazetteer.js';

/** Current units without geometry: what the name index needs. */
export async function loadNameUnits(sql: Sql): Promise<NameUnit[]> {
  const { rows } = await sql.query<NameUnit>(
    `SELECT id, code, name, level, parent_id AS "parentId", path, depth FROM region WHERE valid_to IS NULL ORDER BY depth, id`,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), parentId: r.parentId === null ? null : Number(r.parentId), depth: Number(r.depth) }));
}

/** Entries one of whose names is among `names` (exact: the GIN index on names). */
export async function entriesByNames(sql: Sql, names: string[], cityId: number | null, limit = 200): Promise<GazetteerHit[]> {
  if (names.length === 0) return [];
  const { rows } = await sql.query<GazetteerHit>(
    `SELECT e.id, e.name, e.kind, e.region_id AS "regionId", r.path AS "regionPath", ST_X(e.geom) AS lng, ST_Y(e.geom) AS lat, e.names
       FROM gazetteer_entry e JOIN region r ON r.id = e.region_id
      WHERE e.names && $1::text[] AND ($2::bigint IS NULL OR e.city_id = $2::bigint)
      ORDER BY length(e.name_norm) DESC, e.id LIMIT $3`,
    [names, cityId, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), regionId: Number(r.regionId), lng: Number(r.lng), lat: Number(r.lat) }));
}

export interface Suggestion {
  id: number;
  name: string;
  kind: GazetteerHit['kind'];
  regionId: number;
  lng: number;
  lat: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Entries whose name contains the text (the trigram index), shortest first. */
export async function suggestEntries(sql: Sql, text: string, cityId: number | null, limit: number): Promise<Suggestion[]> {
  const { rows } = await sql.query<Suggestion>(
    `SELECT id, name, kind, region_id AS "regionId", ST_X(geom) AS lng, ST_Y(geom) AS lat
       FROM gazetteer_entry
      WHERE name_norm LIKE $1 AND ($2::bigint IS NULL OR city_id = $2::bigint)
      ORDER BY length(name_norm), name_norm, id LIMIT $3`,
    [`%${likeEscape(text)}%`, cityId, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), regionId: Number(r.regionId), lng: Number(r.lng), lat: Number(r.lat) }));
}

export interface NewEntry {
  name: string;
  kind: GazetteerHit['kind'];
  regionId: number;
  cityId: number;
  lng: number;
  lat: number;
  aliases: string[];
  names: string[];
  nameNorm: string;
}

/** Insert or replace (same normalised name, kind and region); returns [inserted, updated]. */
export async function upsertEntries(sql: Sql, rows: NewEntry[], now: Date): Promise<{ created: number; updated: number }> {
  let created = 0;
  let updated = 0;
  // Batches keep the statement's parameter count far below PostgreSQL's limit.
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const { rows: out } = await sql.query<{ inserted: boolean }>(
      `INSERT INTO gazetteer_entry (name, kind, region_id, city_id, geom, aliases, names, name_norm, created_at, updated_at)
       SELECT x.name, x.kind, x.region_id, x.city_id, ST_SetSRID(ST_MakePoint(x.lng, x.lat), 4326), x.aliases, x.names, x.name_norm, $2, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(name text, kind text, region_id bigint, city_id bigint, lng float8, lat float8, aliases text[], names text[], name_norm text)
       ON CONFLICT (name_norm, kind, region_id) DO UPDATE
         SET name = EXCLUDED.name, city_id = EXCLUDED.city_id, geom = EXCLUDED.geom, aliases = EXCLUDED.aliases, names = EXCLUDED.names, updated_at = EXCLUDED.updated_at
       RETURNING (xmax = 0) AS inserted`,
      [
        JSON.stringify(
          batch.map((r) => ({ name: r.name, kind: r.kind, region_id: r.regionId, city_id: r.cityId, lng: r.lng, lat: r.lat, aliases: r.aliases, names: r.names, name_norm: r.nameNorm })),
        ),
        now,
      ],
    );
    for (const r of out) if (r.inserted) created++;
    else updated++;
  }
  return { created, updated };
}

export async function countEntries(sql: Sql, cityId: number | null): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM gazetteer_entry WHERE ($1::bigint IS NULL OR city_id = $1::bigint)`, [cityId]);
  return rows[0]!.n;
}
