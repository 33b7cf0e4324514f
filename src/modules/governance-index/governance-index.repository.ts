/**
 * All SQL of the governance-index module (providers excepted: each reads its source in its own
 * file). Reads that depend on who asks take the reader's scope paths (null = unrestricted) and
 * filter in SQL, so no caller is handed rows outside the reader's regions.
 *
 * The region table belongs to the regions module; it is read here directly until
 * regions/index.ts exports look-ups (TODO(lead)).
 */
import type { Sql } from '../../platform/db.js';
import type { FrameworkTree } from './framework.service.js';
import type { IndexLevel, UnitRef } from './providers/types.js';

// ------------------------------------------------------------------ scope helpers

/** SQL: a path column inside one of the scope paths ($n is a text[] of prefixes + '%'). */
function pathIn(column: string, scope: string[] | null, params: unknown[]): string {
  if (scope === null) return 'TRUE';
  if (scope.length === 0) return 'FALSE';
  params.push(scope.map((p) => `${p}%`));
  return `${column} LIKE ANY ($${params.length}::text[])`;
}

/** SQL: a snapshot whose scope overlaps the reader's (one path a prefix of the other). */
function snapshotVisible(alias: string, scope: string[] | null, params: unknown[]): string {
  if (scope === null) return 'TRUE';
  if (scope.length === 0) return 'FALSE';
  params.push(scope);
  const p = `$${params.length}::text[]`;
  return `EXISTS (SELECT 1 FROM unnest(${alias}.scope_paths) sp, unnest(${p}) ap WHERE sp LIKE ap || '%' OR ap LIKE sp || '%')`;
}

// ------------------------------------------------------------------ frameworks

export interface FrameworkRow {
  id: number;
  code: string;
  version: number;
  nameZh: string;
  nameEn: string;
  description: string | null;
  tree: FrameworkTree;
  builtin: boolean;
  createdByName: string;
  createdAt: Date;
}

const FW_COLS = `f.id, f.code, f.version, f.name_zh AS "nameZh", f.name_en AS "nameEn", f.description, f.tree, f.builtin,
                 f.created_by_name AS "createdByName", f.created_at AS "createdAt"`;

const fwRow = (r: FrameworkRow): FrameworkRow => ({ ...r, id: Number(r.id), version: Number(r.version), createdAt: new Date(r.createdAt) });

export async function latestFrameworkVersion(sql: Sql, code: string): Promise<number> {
  const { rows } = await sql.query<{ v: number | null }>('SELECT max(version) AS v FROM index_framework WHERE code = $1', [code]);
  return Number(rows[0]?.v ?? 0);
}

export async function insertFramework(
  sql: Sql,
  f: {
    code: string;
    version: number;
    nameZh: string;
    nameEn: string;
    description: string | null;
    tree: FrameworkTree;
    builtin: boolean;
    createdByType: string;
    createdById: number | null;
    createdByName: string;
    createdAt: Date;
  },
): Promise<FrameworkRow> {
  const { rows } = await sql.query<FrameworkRow>(
    `INSERT INTO index_framework AS f (code, version, name_zh, name_en, description, tree, builtin, created_by_type, created_by_id, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${FW_COLS}`,
    [f.code, f.version, f.nameZh, f.nameEn, f.description, JSON.stringify(f.tree), f.builtin, f.createdByType, f.createdById, f.createdByName, f.createdAt],
  );
  return fwRow(rows[0]!);
}

export async function getFramework(sql: Sql, code: string, version?: number): Promise<FrameworkRow | null> {
  const { rows } = await sql.query<FrameworkRow>(
    version === undefined
      ? `SELECT ${FW_COLS} FROM index_framework f WHERE f.code = $1 ORDER BY f.version DESC LIMIT 1`
      : `SELECT ${FW_COLS} FROM index_framework f WHERE f.code = $1 AND f.version = $2`,
    version === undefined ? [code] : [code, version],
  );
  return rows[0] ? fwRow(rows[0]) : null;
}

export async function getFrameworkById(sql: Sql, id: number): Promise<FrameworkRow | null> {
  const { rows } = await sql.query<FrameworkRow>(`SELECT ${FW_COLS} FROM index_framework f WHERE f.id = $1`, [id]);
  return rows[0] ? fwRow(rows[0]) : null;
}

/** The latest version of every framework, with how many versions it has. */
export async function listFrameworks(sql: Sql): Promise<(FrameworkRow & { versions: number })[]> {
  const { rows } = await sql.query<FrameworkRow & { versions: number }>(
    `SELECT DISTINCT ON (f.code) ${FW_COLS}, count(*) OVER (PARTITION BY f.code)::int AS versions
       FROM index_framework f ORDER BY f.code, f.version DESC`,
  );
  return rows.map((r) => ({ ...fwRow(r), versions: Number(r.versions) }));
}

// ------------------------------------------------------------------ regions (read-only)

export interface RegionRef {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
  depth: number;
}

const REGION_COLS = 'r.id, r.code, r.name, r.level, r.path, r.depth';
const regionRow = (r: RegionRef): RegionRef => ({ ...r, id: Number(r.id), depth: Number(r.depth) });

/** Current regions by code, restricted to the scope (codes outside it are simply not found). */
export async function regionsByCodes(sql: Sql, codes: readonly string[], scope: string[] | null): Promise<Map<string, RegionRef>> {
  const params: unknown[] = [codes];
  const where = pathIn('r.path', scope, params);
  const { rows } = await sql.query<RegionRef>(`SELECT ${REGION_COLS} FROM region r WHERE r.valid_to IS NULL AND r.code = ANY ($1::text[]) AND ${where}`, params);
  return new Map(rows.map((r) => [r.code, regionRow(r)]));
}

export async function regionByCode(sql: Sql, code: string, scope: string[] | null): Promise<RegionRef | null> {
  return (await regionsByCodes(sql, [code], scope)).get(code) ?? null;
}

/** Current units of a level inside the scope paths (null: everywhere), in code order. */
export async function unitsAtLevel(sql: Sql, level: IndexLevel, scope: string[] | null): Promise<UnitRef[]> {
  const params: unknown[] = [level];
  const where = pathIn('r.path', scope, params);
  const { rows } = await sql.query<UnitRef>(
    `SELECT r.id, r.code, r.name, r.level, r.path, r.depth, p.code AS "parentCode"
       FROM region r LEFT JOIN region p ON p.id = r.parent_id
      WHERE r.valid_to IS NULL AND r.level = $1 AND ${where}
      ORDER BY r.code`,
    params,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), depth: Number(r.depth) }));
}

// ------------------------------------------------------------------ indicator values

export interface ValueRow {
  indicatorCode: string;
  regionId: number;
  period: string;
  value: number;
  source: string;
}

export async function loadValues(sql: Sql, codes: readonly string[], regionIds: readonly number[], period: string): Promise<ValueRow[]> {
  if (codes.length === 0 || regionIds.length === 0) return [];
  const { rows } = await sql.query<ValueRow>(
    `SELECT indicator_code AS "indicatorCode", region_id AS "regionId", period, value, source
       FROM index_indicator_value
      WHERE period = $1 AND indicator_code = ANY ($2::text[]) AND region_id = ANY ($3::bigint[])`,
    [period, codes, regionIds],
  );
  return rows.map((r) => ({ ...r, regionId: Number(r.regionId), value: Number(r.value) }));
}

export async function insertImportBatch(
  sql: Sql,
  b: {
    fileName: string | null;
    format: 'csv' | 'xlsx';
    layout: 'long' | 'wide';
    rowCount: number;
    valueCount: number;
    indicatorCodes: string[];
    periods: string[];
    note: string | null;
    createdByType: string;
    createdById: number | null;
    createdByName: string;
    createdAt: Date;
  },
): Promise<number> {
  const { rows } = await sql.query<{ id: number }>(
    `INSERT INTO index_import_batch (file_name, format, layout, row_count, value_count, indicator_codes, periods, note, created_by_type, created_by_id, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [b.fileName, b.format, b.layout, b.rowCount, b.valueCount, b.indicatorCodes, b.periods, b.note, b.createdByType, b.createdById, b.createdByName, b.createdAt],
  );
  return Number(rows[0]!.id);
}

/** Imported values replace whatever was stored for the same (indicator, region, period). */
export async function upsertImportedValues(
  sql: Sql,
  batchId: number,
  values: readonly { indicatorCode: string; regionId: number; period: string; value: number }[],
  at: Date,
): Promise<void> {
  const CHUNK = 5_000;
  for (let i = 0; i < values.length; i += CHUNK) {
    const part = values.slice(i, i + CHUNK).map((v) => ({ c: v.indicatorCode, r: v.regionId, p: v.period, v: v.value }));
    await sql.query(
      `INSERT INTO index_indicator_value (indicator_code, region_id, period, value, source, batch_id, imported_at)
       SELECT x.c, x.r, x.p, x.v, $2, $3, $4 FROM jsonb_to_recordset($1::jsonb) AS x(c text, r bigint, p text, v double precision)
       ON CONFLICT (indicator_code, region_id, period)
       DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, batch_id = EXCLUDED.batch_id, imported_at = EXCLUDED.imported_at`,
      [JSON.stringify(part), `imported:${batchId}`, batchId, at],
    );
  }
}

/** Values computed from live data; an imported value for the same cell is never overwritten. */
export async function upsertComputedValues(
  sql: Sql,
  values: readonly { indicatorCode: string; regionId: number; period: string; value: number }[],
  at: Date,
): Promise<void> {
  const CHUNK = 5_000;
  for (let i = 0; i < values.length; i += CHUNK) {
    const part = values.slice(i, i + CHUNK).map((v) => ({ c: v.indicatorCode, r: v.regionId, p: v.period, v: v.value }));
    await sql.query(
      `INSERT INTO index_indicator_value (indicator_code, region_id, period, value, source, imported_at)
       SELECT x.c, x.r, x.p, x.v, 'computed', $2 FROM jsonb_to_recordset($1::jsonb) AS x(c text, r bigint, p text, v double precision)
       ON CONFLICT (indicator_code, region_id, period)
       DO UPDATE SET value = EXCLUDED.value, imported_at = EXCLUDED.imported_at
       WHERE index_indicator_value.source = 'computed'`,
      [JSON.stringify(part), at],
    );
  }
}

export async function countValuesOfBatch(sql: Sql, batchId: number): Promise<number> {
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM index_indicator_value WHERE batch_id = $1', [batchId]);
  return Number(rows[0]?.n ?? 0);
}

// ------------------------------------------------------------------ snapshots

export interface SnapshotInsert {
  frameworkId: number;
  frameworkCode: string;
  frameworkVersion: number;
  period: string;
  level: IndexLevel;
  scopePaths: string[];
  unitCount: number;
  parameters: unknown;
  inputs: unknown;
  outputs: unknown;
  createdByType: string;
  createdById: number | null;
  createdByName: string;
  createdAt: Date;
}

/** One unit of a snapshot: what is stored and what is read back. */
export interface SnapshotRow {
  regionId: number;
  regionCode: string;
  regionName: string;
  regionPath: string;
  score: number | null;
  rank: number | null;
  medianRank: number | null;
  rankP05: number | null;
  rankP95: number | null;
  aggregates: Record<string, number | null>;
  ranks: Record<string, number | null>;
}

const ROW_COLS = `r.region_id AS "regionId", r.region_code AS "regionCode", r.region_name AS "regionName", r.region_path AS "regionPath", r.score, r.rank,
                  r.median_rank AS "medianRank", r.rank_p05 AS "rankP05", r.rank_p95 AS "rankP95", r.aggregates, r.ranks`;

/** A snapshot row as written: the same shape as it is read back. */
export type SnapshotRowInsert = SnapshotRow;

export async function insertSnapshot(sql: Sql, s: SnapshotInsert, rows: readonly SnapshotRowInsert[]): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO index_snapshot (framework_id, framework_code, framework_version, period, level, scope_paths, unit_count, parameters, inputs, outputs,
                                 created_by_type, created_by_id, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [
      s.frameworkId,
      s.frameworkCode,
      s.frameworkVersion,
      s.period,
      s.level,
      s.scopePaths,
      s.unitCount,
      JSON.stringify(s.parameters),
      JSON.stringify(s.inputs),
      JSON.stringify(s.outputs),
      s.createdByType,
      s.createdById,
      s.createdByName,
      s.createdAt,
    ],
  );
  const id = Number(r.rows[0]!.id);
  const CHUNK = 2_000;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK).map((x) => ({
      region_id: x.regionId,
      region_code: x.regionCode,
      region_name: x.regionName,
      region_path: x.regionPath,
      score: x.score,
      rank: x.rank,
      median_rank: x.medianRank,
      rank_p05: x.rankP05,
      rank_p95: x.rankP95,
      aggregates: x.aggregates,
      ranks: x.ranks,
    }));
    await sql.query(
      `INSERT INTO index_snapshot_row (snapshot_id, region_id, region_code, region_name, region_path, score, rank, median_rank, rank_p05, rank_p95, aggregates, ranks)
       SELECT $1, x.region_id, x.region_code, x.region_name, x.region_path, x.score, x.rank, x.median_rank, x.rank_p05, x.rank_p95, x.aggregates, x.ranks
         FROM jsonb_to_recordset($2::jsonb) AS x(region_id bigint, region_code text, region_name text, region_path text, score double precision, rank integer,
              median_rank double precision, rank_p05 double precision, rank_p95 double precision, aggregates jsonb, ranks jsonb)`,
      [id, JSON.stringify(part)],
    );
  }
  return id;
}

export interface SnapshotHead {
  id: number;
  frameworkId: number;
  frameworkCode: string;
  frameworkVersion: number;
  period: string;
  level: IndexLevel;
  scopePaths: string[];
  unitCount: number;
  createdByName: string;
  createdAt: Date;
}

const HEAD_COLS = `s.id, s.framework_id AS "frameworkId", s.framework_code AS "frameworkCode", s.framework_version AS "frameworkVersion", s.period, s.level,
                   s.scope_paths AS "scopePaths", s.unit_count AS "unitCount", s.created_by_name AS "createdByName", s.created_at AS "createdAt"`;

const headRow = (r: SnapshotHead): SnapshotHead => ({
  ...r,
  id: Number(r.id),
  frameworkId: Number(r.frameworkId),
  frameworkVersion: Number(r.frameworkVersion),
  unitCount: Number(r.unitCount),
  createdAt: new Date(r.createdAt),
});

export async function listSnapshots(
  sql: Sql,
  scope: string[] | null,
  f: { framework?: string | undefined; period?: string | undefined; level?: string | undefined; before?: number | undefined; limit: number },
): Promise<SnapshotHead[]> {
  const params: unknown[] = [];
  const where = [snapshotVisible('s', scope, params)];
  for (const [col, v] of [['s.framework_code', f.framework], ['s.period', f.period], ['s.level', f.level]] as const) {
    if (v !== undefined) {
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
  }
  if (f.before !== undefined) {
    params.push(f.before);
    where.push(`s.id < $${params.length}`);
  }
  params.push(f.limit);
  const { rows } = await sql.query<SnapshotHead>(`SELECT ${HEAD_COLS} FROM index_snapshot s WHERE ${where.join(' AND ')} ORDER BY s.id DESC LIMIT $${params.length}`, params);
  return rows.map(headRow);
}

export interface SnapshotFull extends SnapshotHead {
  parameters: Record<string, unknown>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** A snapshot the reader may see (its scope overlaps theirs), with its stored JSON; null otherwise. */
export async function getSnapshot(sql: Sql, id: number, scope: string[] | null, opts: { withInputs?: boolean } = {}): Promise<SnapshotFull | null> {
  const params: unknown[] = [id];
  const vis = snapshotVisible('s', scope, params);
  const { rows } = await sql.query<SnapshotFull>(
    `SELECT ${HEAD_COLS}, s.parameters, ${opts.withInputs ? 's.inputs' : `'{}'::jsonb AS inputs`}, s.outputs FROM index_snapshot s WHERE s.id = $1 AND ${vis}`,
    params,
  );
  const r = rows[0];
  return r ? { ...headRow(r), parameters: r.parameters, inputs: r.inputs, outputs: r.outputs } : null;
}

const snapRow = (r: SnapshotRow): SnapshotRow => ({
  ...r,
  regionId: Number(r.regionId),
  score: r.score === null ? null : Number(r.score),
  rank: r.rank === null ? null : Number(r.rank),
  medianRank: r.medianRank === null ? null : Number(r.medianRank),
  rankP05: r.rankP05 === null ? null : Number(r.rankP05),
  rankP95: r.rankP95 === null ? null : Number(r.rankP95),
});

/** Rows of a snapshot inside the reader's scope, best rank first (unranked last). */
export async function snapshotRows(sql: Sql, snapshotId: number, scope: string[] | null, regionCode?: string): Promise<SnapshotRow[]> {
  const params: unknown[] = [snapshotId];
  const where = [`r.snapshot_id = $1`, pathIn('r.region_path', scope, params)];
  if (regionCode !== undefined) {
    params.push(regionCode);
    where.push(`r.region_code = $${params.length}`);
  }
  const { rows } = await sql.query<SnapshotRow>(
    `SELECT ${ROW_COLS} FROM index_snapshot_row r WHERE ${where.join(' AND ')} ORDER BY r.rank NULLS LAST, r.region_code`,
    params,
  );
  return rows.map(snapRow);
}

export interface TrendPoint extends SnapshotRow {
  snapshotId: number;
  period: string;
  frameworkVersion: number;
  unitCount: number;
  createdAt: Date;
}

/** The region's row in the newest snapshot of each period (framework, level), inside the scope. */
export async function trend(sql: Sql, f: { framework: string; level: string; regionId: number }, scope: string[] | null): Promise<TrendPoint[]> {
  const params: unknown[] = [f.framework, f.level, f.regionId];
  const where = pathIn('r.region_path', scope, params);
  const { rows } = await sql.query<TrendPoint>(
    `SELECT DISTINCT ON (s.period) ${ROW_COLS}, s.id AS "snapshotId", s.period, s.framework_version AS "frameworkVersion", s.unit_count AS "unitCount", s.created_at AS "createdAt"
       FROM index_snapshot s JOIN index_snapshot_row r ON r.snapshot_id = s.id
      WHERE s.framework_code = $1 AND s.level = $2 AND r.region_id = $3 AND ${where}
      ORDER BY s.period, s.created_at DESC, s.id DESC`,
    params,
  );
  return rows.map((r) => ({
    ...snapRow(r),
    snapshotId: Number(r.snapshotId),
    period: r.period,
    frameworkVersion: Number(r.frameworkVersion),
    unitCount: Number(r.unitCount),
    createdAt: new Date(r.createdAt),
  }));
}

/** Simplified boundaries (GeoJSON text, 6 decimals) of the snapshot's units inside the scope. */
export async function snapshotGeometries(sql: Sql, snapshotId: number, scope: string[] | null, tolerance: number): Promise<Map<number, string | null>> {
  const params: unknown[] = [snapshotId, tolerance];
  const where = pathIn('r.region_path', scope, params);
  const { rows } = await sql.query<{ id: number; geojson: string | null }>(
    `SELECT r.region_id AS id,
            CASE WHEN g.geom IS NULL THEN NULL
                 ELSE ST_AsGeoJSON(CASE WHEN $2::float8 > 0 THEN ST_SimplifyPreserveTopology(g.geom, $2::float8) ELSE g.geom END, 6) END AS geojson
       FROM index_snapshot_row r JOIN region g ON g.id = r.region_id
      WHERE r.snapshot_id = $1 AND ${where}`,
    params,
  );
  return new Map(rows.map((r) => [Number(r.id), r.geojson]));
}

/** The period of the newest snapshot (demo seed idempotence). */
export async function hasSnapshot(sql: Sql, framework: string, period: string, level: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM index_snapshot WHERE framework_code = $1 AND period = $2 AND level = $3 LIMIT 1', [framework, period, level]);
  return rows.length > 0;
}
