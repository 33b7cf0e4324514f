/**
 * All SQL of the KPIs: the fold's reads and writes, the rollup and fact queries, supervision
 * tickets. Queries take a region already checked against the actor's scope by the service, or a
 * list of scope paths (tickets): nobody gets the unfiltered tables.
 */
import type { Sql } from '../../../platform/db.js';
import { HIST_BUCKETS, HIST_EDGES_MS } from './buckets.js';
import { COUNTERS, type Cell, type Fact, type FactCaseRow, type FactEventAgg } from './facts.js';

// ---------------------------------------------------------------------------------------------
// the fold

/** One instance folds at a time (transaction-scoped, released at commit). */
export const FOLD_LOCK_KEY = 7_311_2011;

export async function tryFoldLock(tx: Sql): Promise<boolean> {
  const r = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [FOLD_LOCK_KEY]);
  return r.rows[0]?.ok === true;
}

/** Takes up to `limit` marks off the queue; marks a writer still holds are skipped. */
export async function claimDirty(tx: Sql, limit: number): Promise<Array<{ city_code: string; case_id: number }>> {
  const r = await tx.query<{ city_code: string; case_id: number }>(
    `DELETE FROM kpi_dirty_case d USING (
        SELECT city_code, case_id FROM kpi_dirty_case ORDER BY touched_at LIMIT $1 FOR UPDATE SKIP LOCKED) x
      WHERE d.city_code = x.city_code AND d.case_id = x.case_id
      RETURNING d.city_code, d.case_id`,
    [limit],
  );
  return r.rows.map((x) => ({ city_code: x.city_code, case_id: Number(x.case_id) }));
}

export async function markDirty(sql: Sql, keys: Array<{ city_code: string; case_id: number }>): Promise<void> {
  if (keys.length === 0) return;
  await sql.query(
    `INSERT INTO kpi_dirty_case (city_code, case_id) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (city_code, case_id) DO UPDATE SET touched_at = EXCLUDED.touched_at`,
    [keys.map((k) => k.city_code), keys.map((k) => k.case_id)],
  );
}

export async function dirtyCount(sql: Sql): Promise<number> {
  const r = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kpi_dirty_case');
  return r.rows[0]?.n ?? 0;
}

export async function loadFactCases(sql: Sql, ids: number[]): Promise<FactCaseRow[]> {
  // Data-quality flags: the import writes case_file.data_quality; attributes.dataQuality is the
  // older place (kept as a fallback).
  const r = await sql.query<FactCaseRow>(
    `SELECT city_code, id, state, channel, category_code, region_path, lead_department_id, reported_at, accepted_at, handled_at, closed_at,
            cancelled_at, referred_at, merged_into, satisfaction, evaluated_at, rework_count, reopen_count, sign_for_due_at, handle_due_at, verify_due_at, updated_at,
            CASE WHEN cardinality(data_quality) > 0 THEN data_quality
                 WHEN jsonb_typeof(attributes->'dataQuality') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(attributes->'dataQuality')) END AS data_quality
       FROM case_file WHERE id = ANY ($1::bigint[])`,
    [ids],
  );
  return r.rows.map((x) => ({ ...x, id: Number(x.id), lead_department_id: x.lead_department_id === null ? null : Number(x.lead_department_id) }));
}

export async function loadEventAggs(sql: Sql, ids: number[]): Promise<Map<number, FactEventAgg>> {
  const r = await sql.query<FactEventAgg>(
    `SELECT case_id,
            min(at) FILTER (WHERE type = 'handled') AS first_handled_at,
            min(id) FILTER (WHERE type = 'handled') AS first_handled_id,
            (array_agg(data->>'handleDueAt' ORDER BY id) FILTER (WHERE type = 'handled'))[1] AS first_handled_due,
            max(id) FILTER (WHERE type IN ('rework', 'reopened')) AS last_reset_id,
            min(at) FILTER (WHERE type = 'not_accepted') AS not_accepted_at,
            json_agg(json_build_object('at', at, 'r', data->>'satisfaction', 't', type) ORDER BY id) FILTER (WHERE type IN ('callback', 'reopened')) AS callbacks,
            json_agg(json_build_object('t', type, 'at', at) ORDER BY id) FILTER (WHERE type IN ('suspended', 'resumed')) AS suspensions
       FROM case_event WHERE case_id = ANY ($1::bigint[]) GROUP BY case_id`,
    [ids],
  );
  return new Map(
    r.rows.map((x) => [
      Number(x.case_id),
      { ...x, case_id: Number(x.case_id), first_handled_id: x.first_handled_id === null ? null : Number(x.first_handled_id), last_reset_id: x.last_reset_id === null ? null : Number(x.last_reset_id) },
    ]),
  );
}

const FACT_COLS = [
  'city_code', 'case_id', 'region_path', 'day', 'reported_at', 'category_code', 'department_id', 'channel', ...COUNTERS,
  'ht_working_ms', 'ht_elapsed_ms', 'handled_deadline', 'as_of',
] as const;
const FACT_TYPES: Record<string, string> = {
  city_code: 'text', case_id: 'bigint', region_path: 'text', day: 'date', reported_at: 'timestamptz', category_code: 'text', department_id: 'bigint',
  channel: 'text', ht_working_ms: 'bigint', ht_elapsed_ms: 'bigint', handled_deadline: 'timestamptz', as_of: 'timestamptz',
};
const factType = (c: string) => FACT_TYPES[c] ?? 'int';

export async function loadFacts(sql: Sql, ids: number[]): Promise<Map<number, Fact>> {
  const r = await sql.query<Fact>(
    `SELECT ${FACT_COLS.map((c) => (c === 'day' ? `to_char(day, 'YYYY-MM-DD') AS day` : c)).join(', ')} FROM case_kpi_fact WHERE case_id = ANY ($1::bigint[])`,
    [ids],
  );
  return new Map(
    r.rows.map((f) => [
      Number(f.case_id),
      {
        ...f,
        case_id: Number(f.case_id),
        department_id: f.department_id === null ? null : Number(f.department_id),
        ht_working_ms: f.ht_working_ms === null ? null : Number(f.ht_working_ms),
        ht_elapsed_ms: f.ht_elapsed_ms === null ? null : Number(f.ht_elapsed_ms),
        reported_at: new Date(f.reported_at).toISOString(),
        handled_deadline: f.handled_deadline === null ? null : new Date(f.handled_deadline).toISOString(),
        as_of: new Date(f.as_of).toISOString(),
      },
    ]),
  );
}

export async function upsertFacts(tx: Sql, facts: Fact[]): Promise<void> {
  if (facts.length === 0) return;
  const cols = FACT_COLS.join(', ');
  await tx.query(
    `INSERT INTO case_kpi_fact (${cols})
     SELECT ${cols} FROM jsonb_to_recordset($1::jsonb) AS t(${FACT_COLS.map((c) => `${c} ${factType(c)}`).join(', ')})
     ON CONFLICT (city_code, case_id) DO UPDATE SET ${FACT_COLS.filter((c) => c !== 'city_code' && c !== 'case_id').map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
    [JSON.stringify(facts)],
  );
}

const SUMS = [...COUNTERS, 'ht_count', 'ht_working_sum_ms', 'ht_elapsed_count', 'ht_elapsed_sum_ms'] as const;
const sumType = (c: string) => (c.endsWith('_ms') ? 'bigint' : 'int');

/** Adds the cells' deltas to the rollup rows (element-wise for the histogram). */
export async function applyCells(tx: Sql, cells: Cell[]): Promise<void> {
  if (cells.length === 0) return;
  const rows = cells.map((c) => ({
    region_id: c.region_id, day: c.day, dim: c.dim, key: c.key, ...c.c,
    ht_count: c.ht_count, ht_working_sum_ms: c.ht_working_sum_ms, ht_elapsed_count: c.ht_elapsed_count, ht_elapsed_sum_ms: c.ht_elapsed_sum_ms, ht_hist: c.hist,
  }));
  const cols = ['region_id', 'day', 'dim', 'key', ...SUMS, 'ht_hist'];
  const types: Record<string, string> = { region_id: 'bigint', day: 'date', dim: 'text', key: 'text', ht_hist: 'int[]' };
  await tx.query(
    `INSERT INTO case_kpi_rollup AS r (${cols.join(', ')})
     SELECT ${cols.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS t(${cols.map((c) => `${c} ${types[c] ?? sumType(c)}`).join(', ')})
     ON CONFLICT (region_id, dim, key, day) DO UPDATE SET
       ${SUMS.map((c) => `${c} = r.${c} + EXCLUDED.${c}`).join(', ')},
       ht_hist = ARRAY(SELECT a + b FROM unnest(r.ht_hist, EXCLUDED.ht_hist) WITH ORDINALITY AS u(a, b, i) ORDER BY i)`,
    [JSON.stringify(rows)],
  );
}

export async function noteFold(tx: Sql, now: Date, cases: number): Promise<void> {
  await tx.query('UPDATE kpi_fold_state SET last_fold_at = $1, folded_cases = folded_cases + $2', [now, cases]);
}

export async function foldState(sql: Sql): Promise<{ lastFoldAt: Date | null; pending: number }> {
  const r = await sql.query<{ last_fold_at: Date | null; pending: number }>(
    'SELECT last_fold_at, (SELECT count(*)::int FROM kpi_dirty_case) AS pending FROM kpi_fold_state',
  );
  return { lastFoldAt: r.rows[0]?.last_fold_at ?? null, pending: r.rows[0]?.pending ?? 0 };
}

const edgesSql = `ARRAY[${HIST_EDGES_MS.join(', ')}]::bigint[]`;
const histAgg = (expr: string) => `ARRAY[${Array.from({ length: HIST_BUCKETS }, (_, i) => `count(*) FILTER (WHERE ${expr} = ${i})`).join(', ')}]::int[]`;

/**
 * Rebuilds every rollup row from the facts: the naive GROUP BY the incremental fold must equal
 * (tests compare them), and the repair for a rollup table in doubt. In the caller's transaction.
 */
export async function rebuildRollups(tx: Sql): Promise<number> {
  await tx.query('DELETE FROM case_kpi_rollup');
  const sums = COUNTERS.map((c) => `sum(f.${c})::int`).join(', ');
  const r = await tx.query(
    `INSERT INTO case_kpi_rollup (region_id, day, dim, key, ${COUNTERS.join(', ')}, ht_count, ht_working_sum_ms, ht_elapsed_count, ht_elapsed_sum_ms, ht_hist)
     SELECT a.region_id, f.day, d.dim, d.key, ${sums},
            count(f.ht_working_ms)::int, COALESCE(sum(f.ht_working_ms), 0)::bigint, count(f.ht_elapsed_ms)::int, COALESCE(sum(f.ht_elapsed_ms), 0)::bigint,
            ${histAgg(`(CASE WHEN f.ht_working_ms IS NULL THEN -1 ELSE width_bucket(f.ht_working_ms, ${edgesSql}) END)`)}
       FROM case_kpi_fact f
      CROSS JOIN LATERAL (SELECT x::bigint AS region_id, ord FROM unnest(string_to_array(btrim(f.region_path, '/'), '/')) WITH ORDINALITY AS u(x, ord) WHERE ord <= 4) a
      CROSS JOIN LATERAL (VALUES ('all', ''), ('category', f.category_code), ('department', COALESCE(f.department_id::text, '')), ('channel', f.channel)) AS d(dim, key)
      WHERE d.dim = 'all' OR a.ord <= 2
      GROUP BY a.region_id, f.day, d.dim, d.key`,
  );
  return r.rowCount;
}

// ---------------------------------------------------------------------------------------------
// reads

export async function regionsByIds(sql: Sql, ids: number[]): Promise<RegionRow[]> {
  if (ids.length === 0) return [];
  const r = await sql.query<RegionRow>('SELECT id, code, name, level, path, depth FROM region WHERE id = ANY ($1::bigint[]) ORDER BY id', [ids]);
  return r.rows.map((x) => ({ ...x, id: Number(x.id), depth: Number(x.depth) }));
}

/** Per region path: cases of 应处置 (due = 1 in their fact) reported on [fromDay, toDay] with a supervision ticket opened by asOf. */
export async function supervisedDueByPath(sql: Sql, q: { paths: string[]; fromDay: string; toDay: string; asOf: Date }): Promise<Map<string, number>> {
  const r = await sql.query<{ path: string; n: number }>(
    `SELECT p.path, count(*)::int AS n
       FROM case_kpi_fact f JOIN unnest($1::text[]) AS p(path) ON f.region_path LIKE p.path || '%'
      WHERE f.day >= $2::date AND f.day <= $3::date AND f.due = 1
        AND EXISTS (SELECT 1 FROM supervision_ticket t WHERE t.city_code = f.city_code AND t.case_id = f.case_id AND t.opened_at <= $4)
      GROUP BY p.path`,
    [q.paths, q.fromDay, q.toDay, q.asOf],
  );
  return new Map(r.rows.map((x) => [x.path, Number(x.n)]));
}

/** Cases reported in [from, to) and by asOf under any of the paths (the timeline path of caseKpisByRegion). */
export async function cohortCaseIds(sql: Sql, q: { paths: string[]; from: Date; to: Date; asOf: Date }): Promise<number[]> {
  const r = await sql.query<{ id: number }>(
    `SELECT id FROM case_file WHERE region_path LIKE ANY ($1::text[]) AND reported_at >= $2 AND reported_at < $3 AND reported_at <= $4 ORDER BY id`,
    [q.paths.map((p) => `${p}%`), q.from, q.to, q.asOf],
  );
  return r.rows.map((x) => Number(x.id));
}

/** Of these cases, those with a supervision ticket opened by asOf. */
export async function supervisedCaseIds(sql: Sql, ids: number[], asOf: Date): Promise<Set<number>> {
  const r = await sql.query<{ case_id: number }>('SELECT DISTINCT case_id FROM supervision_ticket WHERE case_id = ANY ($1::bigint[]) AND opened_at <= $2', [ids, asOf]);
  return new Set(r.rows.map((x) => Number(x.case_id)));
}

export interface RegionRow {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
  depth: number;
}

export async function regionByCode(sql: Sql, code: string): Promise<RegionRow | null> {
  const r = await sql.query<RegionRow>('SELECT id, code, name, level, path, depth FROM region WHERE code = $1 AND valid_to IS NULL', [code]);
  return r.rows[0] ? { ...r.rows[0], id: Number(r.rows[0].id) } : null;
}

export async function regionByPath(sql: Sql, path: string): Promise<RegionRow | null> {
  const r = await sql.query<RegionRow>('SELECT id, code, name, level, path, depth FROM region WHERE path = $1', [path]);
  return r.rows[0] ? { ...r.rows[0], id: Number(r.rows[0].id) } : null;
}

/** The units below a region: its children, or its descendants at one level. */
export async function subRegions(sql: Sql, parent: RegionRow, level: string | null): Promise<RegionRow[]> {
  const r = level
    ? await sql.query<RegionRow>(
        `SELECT id, code, name, level, path, depth FROM region WHERE path LIKE $1 AND level = $2 AND valid_to IS NULL AND id <> $3 ORDER BY code`,
        [`${parent.path}%`, level, parent.id],
      )
    : await sql.query<RegionRow>('SELECT id, code, name, level, path, depth FROM region WHERE parent_id = $1 AND valid_to IS NULL ORDER BY code', [parent.id]);
  return r.rows.map((x) => ({ ...x, id: Number(x.id) }));
}

/** Summed counters of one group (rollup rows or facts). Histogram only from rollups. */
export interface Sums {
  key: string;
  c: Record<(typeof COUNTERS)[number], number>;
  ht_count: number;
  ht_working_sum_ms: number;
  ht_elapsed_count: number;
  ht_elapsed_sum_ms: number;
  hist: number[] | null;
}

const rollupSums = `${COUNTERS.map((c) => `COALESCE(sum(${c}), 0)::bigint AS ${c}`).join(', ')},
  COALESCE(sum(ht_count), 0)::bigint AS ht_count, COALESCE(sum(ht_working_sum_ms), 0)::bigint AS ht_working_sum_ms,
  COALESCE(sum(ht_elapsed_count), 0)::bigint AS ht_elapsed_count, COALESCE(sum(ht_elapsed_sum_ms), 0)::bigint AS ht_elapsed_sum_ms,
  ARRAY[${Array.from({ length: HIST_BUCKETS }, (_, i) => `COALESCE(sum(ht_hist[${i + 1}]), 0)`).join(', ')}]::bigint[] AS hist`;

const factSums = `${COUNTERS.map((c) => `COALESCE(sum(f.${c}), 0)::bigint AS ${c}`).join(', ')},
  count(f.ht_working_ms)::bigint AS ht_count, COALESCE(sum(f.ht_working_ms), 0)::bigint AS ht_working_sum_ms,
  count(f.ht_elapsed_ms)::bigint AS ht_elapsed_count, COALESCE(sum(f.ht_elapsed_ms), 0)::bigint AS ht_elapsed_sum_ms, NULL::bigint[] AS hist`;

function toSums(r: Record<string, unknown>): Sums {
  const c = Object.fromEntries(COUNTERS.map((k) => [k, Number(r[k] ?? 0)])) as Sums['c'];
  return {
    key: r.key === null || r.key === undefined ? '' : String(r.key),
    c,
    ht_count: Number(r.ht_count ?? 0),
    ht_working_sum_ms: Number(r.ht_working_sum_ms ?? 0),
    ht_elapsed_count: Number(r.ht_elapsed_count ?? 0),
    ht_elapsed_sum_ms: Number(r.ht_elapsed_sum_ms ?? 0),
    hist: Array.isArray(r.hist) ? (r.hist as unknown[]).map(Number) : null,
  };
}

export type GroupBy = 'none' | 'category' | 'department' | 'channel' | 'day' | 'week' | 'month' | 'region';

const timeKey = (g: GroupBy, col: string): string | null =>
  g === 'day' ? `to_char(${col}, 'YYYY-MM-DD')` : g === 'week' ? `to_char(${col}, 'IYYY-"W"IW')` : g === 'month' ? `to_char(${col}, 'YYYY-MM')` : null;

/**
 * Sums from the rollup rows of regions (depth ≤ 4): cohort counters over [fromDay, toDay], grouped
 * by a dimension, a period, or region id. `window: false` sums over every day (the snapshots).
 */
export async function rollupQuery(
  sql: Sql,
  q: { regionIds: number[]; group: GroupBy; fromDay: string | null; toDay: string | null },
): Promise<Sums[]> {
  const dim = q.group === 'category' || q.group === 'department' || q.group === 'channel' ? q.group : 'all';
  const tk = timeKey(q.group, 'day');
  const keyExpr = q.group === 'region' ? 'region_id::text' : tk ?? (dim === 'all' ? `''` : 'key');
  const params: unknown[] = [q.regionIds, dim];
  let where = `region_id = ANY ($1::bigint[]) AND dim = $2`;
  if (q.fromDay) {
    params.push(q.fromDay);
    where += ` AND day >= $${params.length}::date`;
  }
  if (q.toDay) {
    params.push(q.toDay);
    where += ` AND day <= $${params.length}::date`;
  }
  const r = await sql.query<Record<string, unknown>>(`SELECT ${keyExpr} AS key, ${rollupSums} FROM case_kpi_rollup WHERE ${where} GROUP BY 1 ORDER BY 1`, params);
  return r.rows.map(toSums);
}

/** The same sums computed case by case from the facts (regions deeper than the rollups, cross filters). */
export async function factQuery(
  sql: Sql,
  q: { paths: string[]; group: GroupBy; fromDay: string | null; toDay: string | null },
): Promise<Sums[]> {
  const params: unknown[] = [];
  const tk = timeKey(q.group, 'f.day');
  let keyExpr: string;
  let from = 'case_kpi_fact f';
  if (q.group === 'region') {
    params.push(q.paths);
    from = `case_kpi_fact f JOIN unnest($1::text[]) AS p(path) ON f.region_path LIKE p.path || '%'`;
    keyExpr = 'p.path';
  } else {
    params.push(q.paths.map((p) => `${p}%`));
    from = `case_kpi_fact f`;
    keyExpr = tk ?? (q.group === 'category' ? 'f.category_code' : q.group === 'department' ? `COALESCE(f.department_id::text, '')` : q.group === 'channel' ? 'f.channel' : `''`);
  }
  const where: string[] = [q.group === 'region' ? 'TRUE' : 'f.region_path LIKE ANY ($1::text[])'];
  if (q.fromDay) {
    params.push(q.fromDay);
    where.push(`f.day >= $${params.length}::date`);
  }
  if (q.toDay) {
    params.push(q.toDay);
    where.push(`f.day <= $${params.length}::date`);
  }
  const r = await sql.query<Record<string, unknown>>(`SELECT ${keyExpr} AS key, ${factSums} FROM ${from} WHERE ${where.join(' AND ')} GROUP BY 1 ORDER BY 1`, params);
  return r.rows.map(toSums);
}

/** Exact percentiles (percentile_cont) of handling time per group, from the facts. */
export async function factPercentiles(
  sql: Sql,
  q: { paths: string[]; group: GroupBy; fromDay: string | null; toDay: string | null },
): Promise<Map<string, { wMedian: number | null; wP90: number | null; eMedian: number | null; eP90: number | null }>> {
  const params: unknown[] = [];
  const tk = timeKey(q.group, 'f.day');
  let from: string;
  let keyExpr: string;
  const where: string[] = [];
  if (q.group === 'region') {
    params.push(q.paths);
    from = `case_kpi_fact f JOIN unnest($1::text[]) AS p(path) ON f.region_path LIKE p.path || '%'`;
    keyExpr = 'p.path';
  } else {
    params.push(q.paths.map((p) => `${p}%`));
    from = 'case_kpi_fact f';
    where.push('f.region_path LIKE ANY ($1::text[])');
    keyExpr = tk ?? (q.group === 'category' ? 'f.category_code' : q.group === 'department' ? `COALESCE(f.department_id::text, '')` : q.group === 'channel' ? 'f.channel' : `''`);
  }
  if (q.fromDay) {
    params.push(q.fromDay);
    where.push(`f.day >= $${params.length}::date`);
  }
  if (q.toDay) {
    params.push(q.toDay);
    where.push(`f.day <= $${params.length}::date`);
  }
  where.push('(f.ht_working_ms IS NOT NULL OR f.ht_elapsed_ms IS NOT NULL)');
  const r = await sql.query<{ key: string; wm: number | null; w90: number | null; em: number | null; e90: number | null }>(
    `SELECT ${keyExpr} AS key,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY f.ht_working_ms) AS wm, percentile_cont(0.9) WITHIN GROUP (ORDER BY f.ht_working_ms) AS w90,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY f.ht_elapsed_ms) AS em, percentile_cont(0.9) WITHIN GROUP (ORDER BY f.ht_elapsed_ms) AS e90
       FROM ${from} WHERE ${where.join(' AND ')} GROUP BY 1`,
    params,
  );
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return new Map(r.rows.map((x) => [String(x.key ?? ''), { wMedian: n(x.wm), wP90: n(x.w90), eMedian: n(x.em), eP90: n(x.e90) }]));
}

export async function departmentNames(sql: Sql, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const r = await sql.query<{ id: number; name: string }>('SELECT id, name FROM department WHERE id = ANY ($1::bigint[])', [ids]);
  return new Map(r.rows.map((x) => [Number(x.id), x.name]));
}

export async function categoryNames(sql: Sql, codes: string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const r = await sql.query<{ code: string; name_zh: string }>('SELECT code, name_zh FROM case_category WHERE code = ANY ($1::text[])', [codes]);
  return new Map(r.rows.map((x) => [x.code, x.name_zh]));
}

// ---------------------------------------------------------------------------------------------
// supervision tickets

export interface TicketRow {
  id: number;
  city_code: string;
  case_id: number;
  case_public_id: string;
  case_state: string;
  region_id: number;
  region_code: string;
  region_name: string;
  region_path: string;
  level: string;
  kind: string;
  reason: string;
  opened_at: Date;
  opened_by_type: string;
  opened_by_id: number | null;
  closed_at: Date | null;
  closed_by_id: number | null;
  closing_note: string | null;
}

const TICKET_SELECT = `SELECT t.id, t.city_code, t.case_id, c.public_id AS case_public_id, c.state AS case_state, t.region_id, r.code AS region_code,
    r.name AS region_name, t.region_path, t.level, t.kind, t.reason, t.opened_at, t.opened_by_type, t.opened_by_id, t.closed_at, t.closed_by_id, t.closing_note
  FROM supervision_ticket t JOIN case_file c ON c.city_code = t.city_code AND c.id = t.case_id JOIN region r ON r.id = t.region_id`;

const normTicket = (t: TicketRow): TicketRow => ({ ...t, id: Number(t.id), case_id: Number(t.case_id), region_id: Number(t.region_id) });

/** Tickets under `underPath` within the scope paths (null = unrestricted), newest first. */
export async function listTickets(
  sql: Sql,
  q: { scope: string[] | null; underPath: string | null; open: boolean | null; before: number | null; limit: number },
): Promise<TicketRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (q.scope !== null) {
    params.push(q.scope.map((p) => `${p}%`));
    where.push(`t.region_path LIKE ANY ($${params.length}::text[])`);
  }
  if (q.underPath) {
    params.push(`${q.underPath}%`);
    where.push(`t.region_path LIKE $${params.length}`);
  }
  if (q.open !== null) where.push(q.open ? 't.closed_at IS NULL' : 't.closed_at IS NOT NULL');
  if (q.before !== null) {
    params.push(q.before);
    where.push(`t.id < $${params.length}`);
  }
  params.push(q.limit);
  const r = await sql.query<TicketRow>(
    `${TICKET_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY t.id DESC LIMIT $${params.length}`,
    params,
  );
  return r.rows.map(normTicket);
}

export async function ticketForUpdate(tx: Sql, id: number): Promise<TicketRow | null> {
  const r = await tx.query<TicketRow>(`${TICKET_SELECT} WHERE t.id = $1 FOR UPDATE OF t`, [id]);
  return r.rows[0] ? normTicket(r.rows[0]) : null;
}

export async function closeTicket(tx: Sql, t: { city_code: string; id: number }, by: number | null, note: string, now: Date): Promise<void> {
  await tx.query('UPDATE supervision_ticket SET closed_at = $3, closed_by_id = $4, closing_note = $5 WHERE city_code = $1 AND id = $2', [t.city_code, t.id, now, by, note]);
}
