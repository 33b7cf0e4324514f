/**
 * Synthetic data for the benchmark (`kpi.dashboard` vs `kpi.naive`): a region tree and N cases with
 * their timeline, facts and rollups, generated in bulk with INSERT … SELECT over generate_series
 * (no per-case round trip). The cases follow the simple path reported → accepted → dispatched →
 * handled → closed → callback, stopping early for a share of them, so they have no rework,
 * reopen or suspension; their facts are computed in SQL with the definitions of facts.ts for that
 * path, except working handling time, approximated as 7/24 of the elapsed time (refoldAllCases
 * recomputes it exactly on the calendar).
 *
 * Bench and tests only: nothing in the application (routes, CLI, background jobs, demo seed)
 * calls it. Its bulk mode (the bench's 5,000,000 cases) drops and restores indexes and foreign
 * keys and locks the case tables for the load: never point it at a live city's database.
 */
import { systemActor } from '../../../platform/actor.js';
import type { Database, Sql } from '../../../platform/db.js';
import { HIST_BUCKETS, HIST_EDGES_MS } from './buckets.js';
import { COUNTERS } from './facts.js';
import { kpiSummary } from './kpi.service.js';
import { rebuildRollups } from './kpi.repository.js';
import { asideCandidates, putBack, setAside, type AsideOptions } from '../bulk-load.js';

export interface SyntheticRegionOptions {
  /** 4-digit city prefix of the codes, e.g. '5301'. */
  cityPrefix: string;
  districts: number;
  streetsPerDistrict: number;
  communitiesPerStreet: number;
  gridsPerCommunity: number;
}

/** A city → district → street → community → grid tree (no boundaries). Returns the city's path. */
export async function generateSyntheticRegions(db: Database, o: SyntheticRegionOptions): Promise<{ cityId: number; cityPath: string; cityCode: string; regions: number }> {
  if (!/^[0-9]{4}$/.test(o.cityPrefix)) throw new Error('cityPrefix must be 4 digits');
  return db.tx(async (tx) => {
    const city = await tx.query<{ id: number }>(
      `INSERT INTO region (code, name, level, path, depth) VALUES ($1, $2, 'city', '', 1) RETURNING id`,
      [`${o.cityPrefix}00000000`, `合成市${o.cityPrefix}`],
    );
    const cityId = Number(city.rows[0]!.id);
    await tx.query(`UPDATE region SET path = '/' || id || '/' WHERE id = $1`, [cityId]);
    // Each level: one row per (parent, n); the code extends the parent's code in its own digits.
    const level = async (lvl: string, depth: number, per: number, code: string, name: string) => {
      await tx.query(
        `INSERT INTO region (code, name, level, parent_id, path, depth)
         SELECT ${code}, p.name || ${name}, $1, p.id, '', $2::smallint
           FROM region p CROSS JOIN generate_series(1, $3::int) AS n
          WHERE p.path LIKE $4 AND p.depth = $2::smallint - 1`,
        [lvl, depth, per, `/${cityId}/%`],
      );
      await tx.query(
        `UPDATE region r SET path = p.path || r.id || '/' FROM region p WHERE r.parent_id = p.id AND r.path = '' AND r.depth = $1::smallint`,
        [depth],
      );
    };
    await level('district', 2, o.districts, `substr(p.code, 1, 4) || lpad(n::text, 2, '0') || '000000'`, `'区' || n`);
    await level('street', 3, o.streetsPerDistrict, `substr(p.code, 1, 6) || lpad(n::text, 3, '0') || '000'`, `'街道' || n`);
    await level('community', 4, o.communitiesPerStreet, `substr(p.code, 1, 9) || lpad(n::text, 3, '0')`, `'社区' || n`);
    if (o.gridsPerCommunity > 0) await level('grid', 5, o.gridsPerCommunity, `p.code || lpad(n::text, 3, '0')`, `'网格' || n`);
    const n = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM region WHERE path LIKE $1`, [`/${cityId}/%`]);
    return { cityId, cityPath: `/${cityId}/`, cityCode: `${o.cityPrefix}00000000`, regions: n.rows[0]!.n };
  });
}

export interface SyntheticOptions {
  count: number;
  /** The city (region path) whose leaf units receive the cases. */
  cityPath: string;
  from: Date;
  to: Date;
  /** The moment the open cases' clocks are judged against (facts' asOf). */
  now?: Date;
  seed?: number;
  /** Write timeline events too (5–6 per case). Default true. */
  events?: boolean;
  /** Cases per INSERT statement (and per transaction without `bulk`). Default 100,000; 500,000 with `bulk`. */
  chunk?: number;
  /**
   * A bulk load for the benchmark's throwaway database: one transaction that drops the indexes
   * of case_file, case_kpi_fact (and case_event with events) except those backing constraints,
   * loads, recreates them exactly as they were, rebuilds the rollups; then VACUUM ANALYZE.
   */
  bulk?: boolean;
  /** Progress lines (chunks done, index and rollup times). */
  log?: (msg: string) => void;
}

const OPEN = `('reported', 'accepted', 'dispatched', 'returned', 'signed', 'in_progress', 'handled', 'verified', 'suspended')`;

async function ensureCategory(tx: Sql): Promise<string[]> {
  const r = await tx.query<{ code: string }>(`SELECT code FROM case_category WHERE level = 2 AND active ORDER BY code`);
  if (r.rows.length > 0) return r.rows.map((x) => x.code);
  const deadlines = JSON.stringify({ '1': { mode: 'calendar', sign_for: 1, handle: 8, verify: 4 }, '2': { mode: 'working', sign_for: 2, handle: 24, verify: 8 }, '3': { mode: 'working', sign_for: 4, handle: 48, verify: 16 } });
  await tx.query(
    `INSERT INTO case_category (code, parent_code, level, name_zh, name_en, deadlines) VALUES ('SYN', NULL, 1, '合成', 'Synthetic', $1), ('SYN.GENERIC', 'SYN', 2, '合成事件', 'Synthetic case', $1)
     ON CONFLICT (code) DO NOTHING`,
    [deadlines],
  );
  return ['SYN.GENERIC'];
}

/**
 * What the bulk load sets aside (bulk-load.ts): the tables' foreign keys (each would fire a
 * trigger and a look-up per row; re-adding one validates the whole table in one join) and every
 * index that backs no constraint (primary keys and unique constraints stay, with their checks).
 */
const SYNTHETIC_ASIDE: AsideOptions = { indexes: 'all' };

/**
 * The rollups rebuilt from all facts, row for row what rebuildRollups writes (the test compares
 * them), in two stages so that 5,000,000 facts take minutes, not most of an hour.
 * rebuildRollups expands every fact into 10 rows (4 ancestor regions for 'all', 2 × 3 dimensions)
 * and its histogram evaluates width_bucket once per bucket (31 times) per row. Here each fact is
 * read as 1 row for 'all' grouped by its community (path cut to 4 levels) and 3 rows for the
 * dimensions grouped by its district; the bucket is computed once per fact; streets, districts
 * and the city then add up the groups of the level below (a few hundred thousand rows). In the
 * caller's transaction.
 */
export async function rebuildRollupsBulk(tx: Sql): Promise<number> {
  const edges = `ARRAY[${HIST_EDGES_MS.join(', ')}]::bigint[]`;
  const H = Array.from({ length: HIST_BUCKETS }, (_, i) => `h${i}`);
  // The OFFSET 0 keeps the subquery from being flattened, which would copy the bucket expression
  // into each of the 31 FILTERs again.
  const facts = (cut: number) =>
    `(SELECT substring(region_path from '^/(?:[^/]+/){1,${cut}}') AS p, day, category_code, department_id, channel, ${COUNTERS.join(', ')}, ht_working_ms, ht_elapsed_ms,
             CASE WHEN ht_working_ms IS NULL THEN -1 ELSE width_bucket(ht_working_ms, ${edges}) END AS hb
        FROM case_kpi_fact OFFSET 0) f`;
  const first = [
    ...COUNTERS.map((c) => `sum(${c})::int AS ${c}`),
    'count(ht_working_ms)::int AS ht_count', 'COALESCE(sum(ht_working_ms), 0)::bigint AS ht_working_sum_ms',
    'count(ht_elapsed_ms)::int AS ht_elapsed_count', 'COALESCE(sum(ht_elapsed_ms), 0)::bigint AS ht_elapsed_sum_ms',
    ...H.map((h, i) => `count(*) FILTER (WHERE hb = ${i})::int AS ${h}`),
  ].join(', ');
  const cols = [...COUNTERS, 'ht_count', 'ht_working_sum_ms', 'ht_elapsed_count', 'ht_elapsed_sum_ms'];
  const again = [...cols.map((c) => `sum(${c})::${c.endsWith('_ms') ? 'bigint' : 'int'} AS ${c}`), ...H.map((h) => `sum(${h})::int AS ${h}`)].join(', ');
  const up = (from: string, cut: number, dims: boolean) =>
    `SELECT substring(p from '^/(?:[^/]+/){1,${cut}}') AS p, day${dims ? ', dim, key' : ''}, ${again} FROM ${from} GROUP BY 1, 2${dims ? ', 3, 4' : ''}`;
  // A group's region: the last id of its path, when the path has exactly that many levels (a
  // shorter one belongs to a shallower region and is counted there, one level up).
  const out = (from: string, depth: number, dims: boolean) =>
    `SELECT substring(p from '([0-9]+)/$')::bigint, day, ${dims ? 'dim, key' : `'all', ''`}, ${cols.join(', ')}, ARRAY[${H.join(', ')}]::int[]
       FROM ${from} WHERE p ~ '^/(?:[^/]+/){${depth}}$'`;
  // TRUNCATE, not DELETE: each new row's primary-key check would otherwise visit the deleted
  // row of the same key (a third of the insert's time). It locks the table until commit.
  await tx.query('TRUNCATE case_kpi_rollup');
  const r = await tx.query(
    `WITH l4 AS (SELECT p, day, ${first} FROM ${facts(4)} GROUP BY 1, 2),
          l3 AS (${up('l4', 3, false)}), l2 AS (${up('l3', 2, false)}), l1 AS (${up('l2', 1, false)}),
          d2 AS (SELECT p, day, d.dim, d.key, ${first} FROM ${facts(2)}
                  CROSS JOIN LATERAL (VALUES ('category', f.category_code), ('department', COALESCE(f.department_id::text, '')), ('channel', f.channel)) AS d(dim, key)
                  GROUP BY 1, 2, 3, 4),
          d1 AS (${up('d2', 1, true)})
     INSERT INTO case_kpi_rollup (region_id, day, dim, key, ${cols.join(', ')}, ht_hist)
     ${out('l4', 4, false)} UNION ALL ${out('l3', 3, false)} UNION ALL ${out('l2', 2, false)} UNION ALL ${out('l1', 1, false)}
     UNION ALL ${out('d2', 2, true)} UNION ALL ${out('d1', 1, true)}`,
  );
  return r.rowCount;
}

interface ChunkParams {
  start: number;
  n: number;
  seed: number;
  tag: string;
  leafIds: number[];
  leafPaths: string[];
  cityCode: string;
  from: Date;
  span: number;
  cats: string[];
  depts: number[];
  now: Date;
  events: boolean;
}

/** One chunk of cases with their events and facts, in the caller's transaction. */
async function insertChunk(tx: Sql, p: ChunkParams): Promise<{ lo: number; hi: number; events: number }> {
  // The facts are built below: the per-event dirty marks would only redo that work.
  // No JIT: the INSERT below is estimated at millions of rows (the join on the leaves' position is
  // a guess), and compiling it with optimisation took ~4 s per statement on PostgreSQL.
  await tx.query(`SELECT set_config('gongzhi.kpi_bulk', 'on', true), set_config('statement_timeout', '0', true), set_config('jit', 'off', true)`);
  await tx.query('SELECT setseed($1)', [((p.seed + p.start) % 997) / 997]);
  const r = await tx.query<{ lo: number; hi: number }>(
    `WITH g AS (
       SELECT s, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6
         FROM generate_series($1::int, $1::int + $2::int - 1) AS s
     ), lv AS (
       -- The leaves as a table, joined by position: subscripting a text[] parameter walks it
       -- element by element, so over a whole city's 54,748 paths that lookup dominated.
       -- Their ancestors and centre are computed here once per leaf, not once per case.
       SELECT u.id, u.path, u.i,
              split_part(u.path, '/', 2)::bigint AS city_id, NULLIF(split_part(u.path, '/', 3), '')::bigint AS district_id,
              NULLIF(split_part(u.path, '/', 4), '')::bigint AS street_id, NULLIF(split_part(u.path, '/', 5), '')::bigint AS community_id,
              NULLIF(split_part(u.path, '/', 6), '')::bigint AS grid_id,
              COALESCE(NULLIF(split_part(u.path, '/', 4), '')::bigint, split_part(u.path, '/', 2)::bigint) AS centre_region_id,
              CASE WHEN split_part(u.path, '/', 4) <> '' THEN '/' || split_part(u.path, '/', 2) || '/' || split_part(u.path, '/', 3) || '/' || split_part(u.path, '/', 4) || '/'
                   ELSE '/' || split_part(u.path, '/', 2) || '/' END AS centre_path
         FROM unnest($3::bigint[], $4::text[]) WITH ORDINALITY AS u(id, path, i)
     ), leaf AS (
       SELECT g.*, lv.id AS region_id, lv.path AS region_path, lv.city_id, lv.district_id, lv.street_id, lv.community_id, lv.grid_id,
              lv.centre_region_id, lv.centre_path,
              $6::timestamptz + round(g.r2 * $7::float8) * interval '1 millisecond' AS reported_at,
              CASE WHEN g.r3 < 0.02 THEN 'reported' WHEN g.r3 < 0.04 THEN 'not_accepted' WHEN g.r3 < 0.07 THEN 'dispatched'
                   WHEN g.r3 < 0.10 THEN 'in_progress' WHEN g.r3 < 0.12 THEN 'handled' WHEN g.r3 < 0.30 THEN 'closed' ELSE 'evaluated' END AS state
         FROM g JOIN lv ON lv.i = 1 + (g.r1 * 1e9)::bigint % $10::bigint
     ), t AS (
       SELECT leaf.*,
              CASE WHEN state NOT IN ('reported', 'not_accepted') THEN reported_at + round((0.2 + r4) * 3600000) * interval '1 millisecond' END AS accepted_at,
              round(r5 * 96 * 3600) / 3600.0 AS handle_hours
         FROM leaf
     ), ins AS (
     INSERT INTO case_file (city_code, public_id, state, channel, category_code, response_level, description, region_id, region_path,
         city_id, district_id, street_id, community_id, grid_id, centre_region_id, centre_path, lead_department_id, deadline_mode,
         sign_for_due_at, handle_due_at, verify_due_at, satisfaction, reported_at, accepted_at, dispatched_at, signed_at, started_at, handled_at,
         verified_at, closed_at, evaluated_at, created_at, updated_at,
         sign_for_warned_at, sign_for_overdue_at, handle_warned_at, handle_overdue_at, verify_warned_at, verify_overdue_at)
     SELECT $5, 'SYN${p.tag}-' || s, state,
            (ARRAY['web', 'h5', 'patrol', 'hotline', 'police', 'open311'])[1 + (r6 * 6)::int % 6],
            ($8::text[])[1 + (r6 * 1e7)::bigint % array_length($8::text[], 1)], 3, '合成案件', region_id, region_path,
            city_id, district_id, street_id, community_id, grid_id, centre_region_id, centre_path,
            CASE WHEN accepted_at IS NOT NULL AND array_length($9::bigint[], 1) > 0 THEN ($9::bigint[])[1 + (r5 * 1e7)::bigint % array_length($9::bigint[], 1)] END,
            'working',
            CASE WHEN state = 'dispatched' THEN accepted_at + interval '4.5 hours' END,
            CASE WHEN accepted_at IS NOT NULL THEN accepted_at + interval '48.5 hours' END,
            CASE WHEN state = 'handled' THEN accepted_at + (0.5 + handle_hours + 16) * interval '1 hour' END,
            CASE WHEN state = 'evaluated' THEN (CASE WHEN r4 < 0.7 THEN 'satisfied' WHEN r4 < 0.9 THEN 'basically_satisfied' ELSE 'dissatisfied' END) END,
            reported_at, accepted_at,
            CASE WHEN accepted_at IS NOT NULL THEN accepted_at + interval '0.5 hours' END,
            CASE WHEN state IN ('in_progress', 'handled', 'closed', 'evaluated') THEN accepted_at + interval '1 hour' END,
            CASE WHEN state IN ('in_progress', 'handled', 'closed', 'evaluated') THEN accepted_at + interval '1 hour' END,
            CASE WHEN state IN ('handled', 'closed', 'evaluated') THEN accepted_at + (0.5 + handle_hours) * interval '1 hour' END,
            CASE WHEN state IN ('closed', 'evaluated') THEN accepted_at + (0.5 + handle_hours + 8) * interval '1 hour' END,
            CASE WHEN state IN ('closed', 'evaluated') THEN accepted_at + (0.5 + handle_hours + 24) * interval '1 hour' END,
            CASE WHEN state = 'evaluated' THEN accepted_at + (0.5 + handle_hours + 48) * interval '1 hour' END,
            reported_at, reported_at,
            -- A running clock already past its deadline carries the marks the SLA scan would have
            -- set (warned and overdue at the deadline): otherwise a server opened on this data
            -- spends its first minutes catching up a year of overdue marks (events, tickets,
            -- notifications) for every open case, and measures that instead of what it is asked.
            sign_for_due, sign_for_due, handle_due, handle_due, verify_due, verify_due
       FROM (SELECT t.*,
                    CASE WHEN state = 'dispatched' AND accepted_at + interval '4.5 hours' < $11 THEN accepted_at + interval '4.5 hours' END AS sign_for_due,
                    CASE WHEN state IN ('dispatched', 'signed', 'in_progress') AND accepted_at + interval '48.5 hours' < $11 THEN accepted_at + interval '48.5 hours' END AS handle_due,
                    CASE WHEN state = 'handled' AND accepted_at + (0.5 + handle_hours + 16) * interval '1 hour' < $11 THEN accepted_at + (0.5 + handle_hours + 16) * interval '1 hour' END AS verify_due
               FROM t) t
     RETURNING id)
     SELECT min(id) AS lo, max(id) AS hi FROM ins`,
    [p.start + 1, p.n, p.leafIds, p.leafPaths, p.cityCode, p.from, p.span, p.cats, p.depts, p.leafIds.length, p.now],
  );
  const lo = Number(r.rows[0]!.lo);
  const hi = Number(r.rows[0]!.hi);
  const mine = `SYN${p.tag}-%`;
  let events = 0;
  // city_code with the id range: the primary key finds the chunk's rows (a bulk load drops the
  // index on id alone).
  if (p.events) {
    const ev = await tx.query(
      `INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_name, department_id, data)
       SELECT c.city_code, c.id, e.at, e.type, e.from_state, e.to_state, 'system', 'synthetic', e.dept, e.data
         FROM case_file c
        CROSS JOIN LATERAL (VALUES
          (c.reported_at, 'reported', NULL, 'reported', NULL::bigint, jsonb_build_object('channel', c.channel), true),
          (c.accepted_at, 'accepted', 'reported', 'accepted', NULL, '{}'::jsonb, c.accepted_at IS NOT NULL),
          (c.reported_at + interval '1 hour', 'not_accepted', 'reported', 'not_accepted', NULL, '{}'::jsonb, c.state = 'not_accepted'),
          (c.dispatched_at, 'dispatched', 'accepted', 'dispatched', c.lead_department_id, '{}'::jsonb, c.dispatched_at IS NOT NULL),
          (c.handled_at, 'handled', 'in_progress', 'handled', c.lead_department_id, jsonb_build_object('handleDueAt', c.handle_due_at), c.handled_at IS NOT NULL),
          (c.closed_at, 'closed', 'verified', 'closed', NULL, '{}'::jsonb, c.closed_at IS NOT NULL),
          (c.evaluated_at, 'callback', 'closed', 'evaluated', NULL, jsonb_build_object('satisfaction', c.satisfaction), c.evaluated_at IS NOT NULL)
        ) AS e(at, type, from_state, to_state, dept, data, present)
        WHERE c.city_code = $4 AND c.id BETWEEN $1 AND $2 AND c.public_id LIKE $3 AND e.present`,
      [lo, hi, mine, p.cityCode],
    );
    events = ev.rowCount;
  }
  await tx.query(
    `INSERT INTO case_kpi_fact (city_code, case_id, region_path, day, reported_at, category_code, department_id, channel, intake, decided, accepted, due,
         disposed, on_time_num, on_time_den, closed, reworked, ever_closed, reopened, cb_satisfied, cb_basic, cb_dissatisfied, ht_excluded,
         ht_working_ms, ht_elapsed_ms, backlog, overdue, handled_deadline, as_of)
     SELECT c.city_code, c.id, c.region_path, (c.reported_at AT TIME ZONE 'Asia/Shanghai')::date, c.reported_at, c.category_code, c.lead_department_id, c.channel,
            1, (c.accepted_at IS NOT NULL OR c.state = 'not_accepted')::int, (c.accepted_at IS NOT NULL)::int, (c.accepted_at IS NOT NULL)::int,
            (c.handled_at IS NOT NULL)::int, (c.handled_at IS NOT NULL AND c.handled_at <= c.handle_due_at)::int,
            (c.accepted_at IS NOT NULL AND c.handle_due_at IS NOT NULL AND (c.handled_at IS NOT NULL OR c.handle_due_at < $3))::int,
            (c.closed_at IS NOT NULL)::int, 0, (c.closed_at IS NOT NULL)::int, 0,
            COALESCE(c.satisfaction = 'satisfied', false)::int, COALESCE(c.satisfaction = 'basically_satisfied', false)::int,
            COALESCE(c.satisfaction = 'dissatisfied', false)::int, 0,
            CASE WHEN c.handled_at IS NOT NULL THEN round(extract(epoch FROM c.handled_at - c.accepted_at) * 1000 * 7 / 24)::bigint END,
            CASE WHEN c.handled_at IS NOT NULL THEN round(extract(epoch FROM c.handled_at - c.accepted_at) * 1000)::bigint END,
            (c.state IN ${OPEN})::int,
            COALESCE(c.state IN ${OPEN} AND CASE c.state WHEN 'dispatched' THEN COALESCE(c.sign_for_due_at, c.handle_due_at)
                WHEN 'signed' THEN c.handle_due_at WHEN 'in_progress' THEN c.handle_due_at WHEN 'handled' THEN c.verify_due_at END < $3, false)::int,
            CASE WHEN c.handled_at IS NOT NULL THEN c.handle_due_at END, $3
       FROM case_file c WHERE c.city_code = $5 AND c.id BETWEEN $1 AND $2 AND c.public_id LIKE $4`,
    [lo, hi, p.now, mine, p.cityCode],
  );
  return { lo, hi, events };
}

/**
 * N cases spread uniformly over the leaf units of the city and over [from, min(to, now − 7 days)), with their events,
 * facts and rollups (the rollups are rebuilt from all facts at the end). Returns the case id range.
 *
 * Bench and tests only, never on a live city: the rollups are rebuilt from the facts (a running
 * fold's work in between is redone), the cases are fake, and with `bulk` the load drops indexes.
 * No CLI command or route calls it.
 */
export async function generateSyntheticCases(db: Database, o: SyntheticOptions): Promise<{ firstId: number; lastId: number; events: number; rollupRows: number }> {
  const now = o.now ?? new Date();
  const chunk = o.chunk ?? (o.bulk ? 500_000 : 100_000);
  const log = o.log ?? (() => {});
  const leaves = await db.query<{ id: number; path: string }>(
    `SELECT r.id, r.path FROM region r WHERE r.path LIKE $1 AND r.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM region c WHERE c.parent_id = r.id) ORDER BY r.id`,
    [`${o.cityPath}%`],
  );
  if (leaves.rows.length === 0) throw new Error(`no regions under ${o.cityPath}`);
  const cityCode = (await db.query<{ code: string }>('SELECT code FROM region WHERE path = $1', [o.cityPath])).rows[0]!.code;
  const cats = await db.tx((tx) => ensureCategory(tx));
  const depts = (await db.query<{ id: number }>('SELECT id FROM department WHERE active ORDER BY id LIMIT 200')).rows.map((x) => Number(x.id));
  // Every step of a case lies at most 6.1 days after its report (0.2–1.2 h to acceptance, up to 96 h
  // to handling, 48 h more to the callback): reports stop a week before `now`, so no case carries a
  // step in the future of the moment its facts are computed for.
  const end = Math.min(o.to.getTime(), now.getTime() - 7 * 86_400_000);
  if (end <= o.from.getTime()) throw new Error('the window must start more than a week before now');
  const base = {
    seed: o.seed ?? 1,
    tag: `${(o.seed ?? 1) % 100000}${Date.now() % 1_000_000}`,
    leafIds: leaves.rows.map((x) => Number(x.id)),
    leafPaths: leaves.rows.map((x) => x.path),
    cityCode,
    from: o.from,
    span: end - o.from.getTime(),
    cats,
    depts,
    now,
    events: o.events !== false,
  };
  let firstId = 0;
  let lastId = 0;
  let events = 0;
  const t0 = performance.now();
  const secs = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const chunks = async (tx: Sql) => {
    for (let start = 0; start < o.count; start += chunk) {
      const c = await insertChunk(tx, { ...base, start, n: Math.min(chunk, o.count - start) });
      if (firstId === 0) firstId = c.lo;
      lastId = c.hi;
      events += c.events;
      log(`${Math.min(start + chunk, o.count)} of ${o.count} cases (${secs()})`);
    }
  };
  const rollups = async (tx: Sql, rebuild: (tx: Sql) => Promise<number>) => {
    await tx.query(`SELECT set_config('statement_timeout', '0', true)`);
    const t = performance.now();
    const n = await rebuild(tx);
    log(`rollups rebuilt: ${n} rows in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    return n;
  };

  if (!o.bulk) {
    // A transaction per chunk (the test's path: small counts, nothing dropped).
    for (let start = 0; start < o.count; start += chunk) {
      const c = await db.tx((tx) => insertChunk(tx, { ...base, start, n: Math.min(chunk, o.count - start) }));
      if (firstId === 0) firstId = c.lo;
      lastId = c.hi;
      events += c.events;
    }
    const rollupRows = await db.tx((tx) => rollups(tx, rebuildRollups));
    return { firstId, lastId, events, rollupRows };
  }

  // Bulk: every generated row would otherwise maintain the ~20 indexes of case_file and check its
  // 5 foreign keys (~1,000 rows/s here), so the load drops them and builds each once at the end
  // from its catalogue definition. All of it is ONE transaction: DROP INDEX is transactional, so an interrupted load (killed,
  // timed out, failed) rolls back to the tables and indexes as they were; no index is ever left
  // missing. The transaction holds case_file exclusively until it commits: fine in the bench's
  // throwaway database, not on a live city.
  const tables = ['case_file', 'case_kpi_fact', ...(base.events ? ['case_event'] : [])];
  const rollupRows = await db.tx(async (tx) => {
    // More memory for the index builds and the rollup's GROUP BY than the server's defaults.
    await tx.query(
      `SELECT set_config('statement_timeout', '0', true), set_config('maintenance_work_mem', $1, true), set_config('work_mem', $2, true)`,
      db.engine === 'pg' ? ['512MB', '256MB'] : ['128MB', '64MB'],
    );
    const timings: string[] = [];
    const aside = await setAside(tx, tables, SYNTHETIC_ASIDE);
    log(`dropped for the load: ${aside.indexes} indexes and ${aside.foreignKeys} foreign keys of ${tables.join(', ')}`);
    await chunks(tx);
    const t = performance.now();
    await putBack(tx, aside, (name, ms) => timings.push(`${name.replace(/^public\./, '')} ${(ms / 1000).toFixed(1)} s`));
    const after = await asideCandidates(tx, tables, SYNTHETIC_ASIDE);
    if (JSON.stringify(after) !== JSON.stringify(aside.items)) throw new Error(`the restored indexes or foreign keys differ from the dropped ones: ${JSON.stringify({ dropped: aside.items, after })}`);
    log(`restored in ${((performance.now() - t) / 1000).toFixed(0)} s (${timings.join(', ')})`);
    return rollups(tx, rebuildRollupsBulk);
  });
  // Fresh statistics for the planner (the tables grew by N rows at once), and the vacuum that
  // autovacuum would otherwise start on them in the middle of the measurements that follow.
  const t = performance.now();
  await db.exec(`VACUUM (ANALYZE) ${[...tables, 'case_kpi_rollup'].join(', ')}`);
  log(`vacuum and analyze in ${((performance.now() - t) / 1000).toFixed(0)} s; ${secs()} in all`);
  return { firstId, lastId, events, rollupRows };
}

/**
 * The command-centre answer by a plain aggregate over the case table (the benchmark's ceiling):
 * intake today and in the window, disposal / on-time / satisfaction rates, open and overdue. Valid
 * as a reference for cases without rework or reopen (the synthetic ones): it reads handled_at as
 * the first handling and case_file.satisfaction as the only callback.
 */
export async function kpiDashboardNaive(sql: Sql, q: { regionPath: string; fromDay: string; toDay: string; today: string; now: Date }) {
  const r = await sql.query<Record<string, number>>(
    `WITH c AS (SELECT *, (reported_at AT TIME ZONE 'Asia/Shanghai')::date AS day FROM case_file WHERE region_path LIKE $1)
     SELECT count(*) FILTER (WHERE day = $4::date)::int AS intake_today,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date)::int AS intake,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date AND merged_into IS NULL AND accepted_at IS NOT NULL AND handled_at IS NOT NULL)::int AS disposed,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date AND merged_into IS NULL AND accepted_at IS NOT NULL)::int AS due,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date AND merged_into IS NULL AND accepted_at IS NOT NULL AND handled_at <= handle_due_at)::int AS on_time_num,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date AND merged_into IS NULL AND accepted_at IS NOT NULL AND handle_due_at IS NOT NULL
                              AND (handled_at IS NOT NULL OR handle_due_at < $5))::int AS on_time_den,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date AND satisfaction IN ('satisfied', 'basically_satisfied'))::int AS sat,
            count(*) FILTER (WHERE day BETWEEN $2::date AND $3::date AND satisfaction IS NOT NULL)::int AS answered,
            count(*) FILTER (WHERE state IN ${OPEN} AND merged_into IS NULL)::int AS open,
            count(*) FILTER (WHERE state IN ${OPEN} AND CASE state WHEN 'dispatched' THEN COALESCE(sign_for_due_at, handle_due_at)
                    WHEN 'signed' THEN handle_due_at WHEN 'in_progress' THEN handle_due_at WHEN 'handled' THEN verify_due_at END < $5)::int AS overdue
       FROM c`,
    [`${q.regionPath}%`, q.fromDay, q.toDay, q.today, q.now],
  );
  const x = r.rows[0]!;
  return {
    intakeToday: x.intake_today!,
    intake: x.intake!,
    disposal: { numerator: x.disposed!, denominator: x.due! },
    onTime: { numerator: x.on_time_num!, denominator: x.on_time_den! },
    satisfaction: { numerator: x.sat!, denominator: x.answered! },
    open: x.open!,
    overdue: x.overdue!,
  };
}

/** The same answer from the rollups, as the dashboard endpoint computes it (system actor, no HTTP). */
export async function kpiDashboardFast(sql: Sql, q: { regionCode: string; fromDay: string; toDay: string; now: Date }) {
  const s = await kpiSummary(sql, systemActor('bench'), { region: q.regionCode, from: q.fromDay, to: q.toDay }, q.now);
  return {
    intakeToday: s.intakeToday,
    intake: s.intake,
    disposal: { numerator: s.disposalRate.numerator, denominator: s.disposalRate.denominator },
    onTime: { numerator: s.onTimeRate.numerator, denominator: s.onTimeRate.denominator },
    satisfaction: { numerator: s.satisfactionRate.numerator, denominator: s.satisfactionRate.denominator },
    open: s.open,
    overdue: s.overdue,
  };
}
