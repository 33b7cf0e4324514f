/**
 * All SQL of the cases module. Lists are region-scoped query roots: `visibleSql` restricts every
 * list to what the actor may see, with the same predicates as cases.policy.ts `canView`.
 */
import { getRegionByCode, getRegionById } from '../regions/index.js';
import { actorLabel, scopePaths, type Actor } from '../../platform/actor.js';
import type { TxCtx } from '../../platform/context.js';
import { PREPARED, type Sql } from '../../platform/db.js';
import type { StatementPart } from '../../platform/statement.js';
import { departmentIdsOf, REGION_VIEW_ROLES } from './cases.policy.js';
import type { AttachmentRow, CaseEventRow, CaseRow, CaseView, CategoryRow } from './cases.types.js';

// ---------------------------------------------------------------------------------------------
// categories and routing

const CATEGORY_COLS = `code, parent_code, level, name_zh, name_en, description, keywords, default_response_level, deadlines, attributes,
  private, auto_dispatch, needs_contact, duplicate_radius_m, duplicate_window_hours, sort, active`;

export async function getCategory(sql: Sql, code: string): Promise<CategoryRow | null> {
  const r = await sql.query<CategoryRow>(`SELECT ${CATEGORY_COLS} FROM case_category WHERE code = $1`, [code]);
  return r.rows[0] ?? null;
}

export async function listCategories(sql: Sql, opts: { includeInactive?: boolean } = {}): Promise<CategoryRow[]> {
  const r = await sql.query<CategoryRow>(
    `SELECT ${CATEGORY_COLS} FROM case_category ${opts.includeInactive ? '' : 'WHERE active'} ORDER BY level, sort, code`,
  );
  return r.rows;
}

export type CategoryWrite = Omit<CategoryRow, 'level'>;
/** Null when the code already exists. */
export async function insertCategory(sql: Sql, c: CategoryWrite): Promise<CategoryRow | null> {
  const r = await sql.query<CategoryRow>(
    `INSERT INTO case_category (code, parent_code, level, name_zh, name_en, description, keywords, default_response_level, deadlines, attributes,
       private, auto_dispatch, needs_contact, duplicate_radius_m, duplicate_window_hours, sort, active)
     VALUES ($1, $2, CASE WHEN $2::text IS NULL THEN 1 ELSE 2 END, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (code) DO NOTHING
     RETURNING ${CATEGORY_COLS}`,
    [
      c.code, c.parent_code, c.name_zh, c.name_en, c.description, c.keywords, c.default_response_level, JSON.stringify(c.deadlines),
      JSON.stringify(c.attributes), c.private, c.auto_dispatch, c.needs_contact, c.duplicate_radius_m, c.duplicate_window_hours, c.sort, c.active,
    ],
  );
  return r.rows[0] ?? null;
}

const CATEGORY_PATCHABLE = ['name_zh', 'name_en', 'description', 'keywords', 'default_response_level', 'deadlines', 'attributes', 'private',
  'auto_dispatch', 'needs_contact', 'duplicate_radius_m', 'duplicate_window_hours', 'sort', 'active'] as const;
export async function updateCategory(sql: Sql, code: string, patch: Partial<CategoryWrite>, now: Date): Promise<CategoryRow | null> {
  const sets: string[] = [];
  const params: unknown[] = [code];
  for (const k of CATEGORY_PATCHABLE) {
    if (patch[k] === undefined) continue;
    const v = patch[k];
    params.push(k === 'deadlines' || k === 'attributes' ? JSON.stringify(v) : v);
    sets.push(`${k} = $${params.length}`);
  }
  params.push(now);
  sets.push(`updated_at = $${params.length}`);
  const r = await sql.query<CategoryRow>(`UPDATE case_category SET ${sets.join(', ')} WHERE code = $1 RETURNING ${CATEGORY_COLS}`, params);
  return r.rows[0] ?? null;
}

export interface RoutingRuleRow {
  id: number;
  category_code: string | null;
  region_id: number;
  region_path: string;
  region_code: string;
  region_name: string;
  lead_department_id: number;
  co_department_ids: number[];
  response_level: 1 | 2 | 3 | null;
  note: string | null;
  active: boolean;
}

const RULE_SELECT = `SELECT rr.id, rr.category_code, rr.region_id, rr.region_path, r.code AS region_code, r.name AS region_name,
  rr.lead_department_id, rr.co_department_ids, rr.response_level, rr.note, rr.active
  FROM routing_rule rr JOIN region r ON r.id = rr.region_id`;

const normRule = (r: RoutingRuleRow): RoutingRuleRow => ({ ...r, co_department_ids: (r.co_department_ids ?? []).map(Number) });

export async function listRoutingRules(sql: Sql, scope: string[] | null): Promise<RoutingRuleRow[]> {
  const params: unknown[] = [];
  let where = 'WHERE rr.active';
  if (scope !== null) {
    params.push(scope.map((p) => `${p}%`));
    where += ` AND rr.region_path LIKE ANY ($1::text[])`;
  }
  const r = await sql.query<RoutingRuleRow>(`${RULE_SELECT} ${where} ORDER BY rr.region_path, rr.category_code NULLS FIRST, rr.id`, params);
  return r.rows.map(normRule);
}

export async function getRoutingRule(sql: Sql, id: number): Promise<RoutingRuleRow | null> {
  const r = await sql.query<RoutingRuleRow>(`${RULE_SELECT} WHERE rr.id = $1 AND rr.active`, [id]);
  return r.rows[0] ? normRule(r.rows[0]) : null;
}

export async function insertRoutingRule(
  sql: Sql,
  v: { categoryCode: string | null; regionId: number; regionPath: string; leadDepartmentId: number; coDepartmentIds: number[]; responseLevel: number | null; note: string | null },
): Promise<number | null> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO routing_rule (category_code, region_id, region_path, lead_department_id, co_department_ids, response_level, note)
     VALUES ($1, $2, $3, $4, $5::bigint[], $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
    [v.categoryCode, v.regionId, v.regionPath, v.leadDepartmentId, v.coDepartmentIds, v.responseLevel, v.note],
  );
  return r.rows[0]?.id ?? null;
}

export async function updateRoutingRule(
  sql: Sql,
  id: number,
  v: { leadDepartmentId?: number; coDepartmentIds?: number[]; responseLevel?: number | null; note?: string | null },
  now: Date,
): Promise<boolean> {
  const r = await sql.query(
    `UPDATE routing_rule SET lead_department_id = COALESCE($2, lead_department_id), co_department_ids = COALESCE($3::bigint[], co_department_ids),
       response_level = CASE WHEN $4::boolean THEN $5::smallint ELSE response_level END,
       note = CASE WHEN $6::boolean THEN $7 ELSE note END, updated_at = $8
     WHERE id = $1 AND active`,
    [id, v.leadDepartmentId ?? null, v.coDepartmentIds ?? null, v.responseLevel !== undefined, v.responseLevel ?? null, v.note !== undefined, v.note ?? null, now],
  );
  return r.rowCount > 0;
}

/** Retired, not deleted: cases keep pointing at the rule that chose their department. */
export async function retireRoutingRule(sql: Sql, id: number, now: Date): Promise<boolean> {
  const r = await sql.query('UPDATE routing_rule SET active = false, updated_at = $2 WHERE id = $1 AND active', [id, now]);
  return r.rowCount > 0;
}

/** The most specific active rule: deepest region covering the case, then minor > major > any. */
export async function findRoutingRule(sql: Sql, categoryCode: string, parentCode: string | null, regionPath: string): Promise<RoutingRuleRow | null> {
  const r = await sql.query<RoutingRuleRow>(
    `${RULE_SELECT}
      WHERE rr.active AND $1 LIKE rr.region_path || '%'
        AND (rr.category_code IS NULL OR rr.category_code = $2 OR rr.category_code = $3)
      ORDER BY length(rr.region_path) DESC,
               CASE WHEN rr.category_code = $2 THEN 0 WHEN rr.category_code = $3 THEN 1 ELSE 2 END, rr.id
      LIMIT 1`,
    [regionPath, categoryCode, parentCode],
  );
  return r.rows[0] ? normRule(r.rows[0]) : null;
}

// ---------------------------------------------------------------------------------------------
// regions and departments (read directly until the owning modules export these)

export interface RegionRef {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

/**
 * The PostGIS fallback of intake's location, inside its transaction, for callers that did not
 * locate with the regions module's in-memory index first (the HTTP route does).
 */
export async function locate(sql: Sql, lng: number, lat: number): Promise<RegionRef[] | null> {
  const r = await sql.query<{ path: string }>(
    `SELECT path FROM region WHERE valid_to IS NULL AND geom IS NOT NULL AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
      ORDER BY depth DESC, id LIMIT 1`,
    [lng, lat],
  );
  const path = r.rows[0]?.path;
  if (!path) return null;
  return chainOf(sql, path);
}

/** The chain of a path, city first. */
export async function chainOf(sql: Sql, path: string): Promise<RegionRef[]> {
  const ids = path.split('/').filter(Boolean).map(Number);
  const r = await sql.query<RegionRef>('SELECT id, code, name, level, path FROM region WHERE id = ANY ($1::bigint[]) ORDER BY depth', [ids]);
  return r.rows;
}

export const regionById = (sql: Sql, id: number): Promise<RegionRef | null> => getRegionById(sql, id);
export const regionByCode = (sql: Sql, code: string): Promise<RegionRef | null> => getRegionByCode(sql, code);
export async function currentCities(sql: Sql): Promise<RegionRef[]> {
  const r = await sql.query<RegionRef>(`SELECT id, code, name, level, path FROM region WHERE level = 'city' AND valid_to IS NULL ORDER BY id`);
  return r.rows;
}

export interface DepartmentRef {
  id: number;
  code: string;
  name: string;
  region_id: number;
  region_path: string;
}
// TODO(lead): switch to identity/index.ts once it exports department look-ups.
export async function departmentsByIds(sql: Sql, ids: number[]): Promise<DepartmentRef[]> {
  if (ids.length === 0) return [];
  const r = await sql.query<DepartmentRef>(
    `SELECT d.id, d.code, d.name, d.region_id, r.path AS region_path FROM department d JOIN region r ON r.id = d.region_id
      WHERE d.id = ANY ($1::bigint[]) AND d.active`,
    [ids],
  );
  return r.rows;
}
export async function departmentsByCodes(sql: Sql, codes: string[]): Promise<DepartmentRef[]> {
  const r = await sql.query<DepartmentRef>(
    `SELECT d.id, d.code, d.name, d.region_id, r.path AS region_path FROM department d JOIN region r ON r.id = d.region_id
      WHERE d.code = ANY ($1::text[]) AND d.active`,
    [codes],
  );
  return r.rows;
}

// ---------------------------------------------------------------------------------------------
// cases

const CASE_COLS = `c.id, c.city_code, c.public_id, c.state, c.suspended_from, c.channel, c.category_code, c.response_level, c.title, c.description,
  c.attributes, c.private, ST_X(c.geom) AS lng, ST_Y(c.geom) AS lat, c.input_lng, c.input_lat, c.input_crs, c.address, c.out_of_region,
  c.region_id, c.region_path, c.city_id, c.district_id, c.street_id, c.community_id, c.grid_id, c.reporter_user_id, c.reporter_name,
  c.reporter_phone, c.anonymous, c.centre_region_id, c.centre_path, c.lead_department_id, c.co_department_ids, c.routing_rule_id,
  c.deadline_mode, c.sign_for_due_at, c.sign_for_warned_at, c.sign_for_overdue_at, c.handle_due_at, c.handle_warned_at, c.handle_overdue_at,
  c.verify_due_at, c.verify_warned_at, c.verify_overdue_at, c.suspended_at, c.suspended_ms, c.pending_extension, c.return_count,
  c.transfer_count, c.reopen_count, c.rework_count, c.escalation_count, c.merged_into, c.not_accepted_reason, c.handling_summary,
  c.satisfaction, c.satisfaction_comment, c.version, c.reported_at, c.accepted_at, c.dispatched_at, c.signed_at, c.started_at,
  c.handled_at, c.verified_at, c.closed_at, c.evaluated_at, c.created_at, c.updated_at`;

const VIEW_COLS = `${CASE_COLS}, cat.private AS category_private, cat.needs_contact AS category_needs_contact,
  c.location_source, c.location_confidence,
  ARRAY(SELECT DISTINCT cr.user_id FROM case_reporter cr WHERE cr.city_code = c.city_code AND cr.case_id = c.id AND cr.user_id IS NOT NULL) AS reporter_user_ids`;

function norm<T extends CaseRow>(r: T): T {
  r.co_department_ids = (r.co_department_ids ?? []).map(Number);
  r.suspended_ms = Number(r.suspended_ms);
  const v = r as unknown as Partial<CaseView>;
  if (v.reporter_user_ids) v.reporter_user_ids = v.reporter_user_ids.map(Number);
  if (v.location_confidence !== undefined && v.location_confidence !== null) v.location_confidence = Number(v.location_confidence);
  return r;
}

export async function loadCase(sql: Sql, id: number): Promise<CaseView | null> {
  const r = await sql.query<CaseView>(`SELECT ${VIEW_COLS} FROM case_file c JOIN case_category cat ON cat.code = c.category_code WHERE c.id = $1`, [id]);
  return r.rows[0] ? norm(r.rows[0]) : null;
}

export async function loadCaseByPublicId(sql: Sql, publicId: string): Promise<CaseView | null> {
  const r = await sql.query<CaseView>(`SELECT ${VIEW_COLS} FROM case_file c JOIN case_category cat ON cat.code = c.category_code WHERE c.public_id = $1`, [publicId]);
  return r.rows[0] ? norm(r.rows[0]) : null;
}

/** What intake writes: the case row's own columns at report time. */
export type NewCase = Pick<
  CaseRow,
  'city_code'
  | 'channel'
  | 'category_code'
  | 'response_level'
  | 'title'
  | 'description'
  | 'attributes'
  | 'private'
  | 'lng'
  | 'lat'
  | 'input_lng'
  | 'input_lat'
  | 'input_crs'
  | 'address'
  | 'out_of_region'
  | 'region_id'
  | 'region_path'
  | 'city_id'
  | 'district_id'
  | 'street_id'
  | 'community_id'
  | 'grid_id'
  | 'reporter_user_id'
  | 'reporter_name'
  | 'reporter_phone'
  | 'anonymous'
  | 'centre_region_id'
  | 'centre_path'
  | 'deadline_mode'
  | 'reported_at'
>;

/** How intake located the case (migration 0017); other writers leave them NULL. */
export interface NewCaseLocation {
  location_source?: 'gps' | 'geocoded_point' | 'geocoded_region' | 'none' | undefined;
  location_confidence?: number | null | undefined;
}

const CASE_INSERT_COLS = `city_code, public_id, state, channel, category_code, response_level, title, description, attributes, private,
  geom, input_lng, input_lat, input_crs, address, out_of_region, region_id, region_path, city_id, district_id, street_id, community_id,
  grid_id, reporter_user_id, reporter_name, reporter_phone, anonymous, centre_region_id, centre_path, deadline_mode, reported_at,
  created_at, updated_at, location_source, location_confidence`;

/** The VALUES of CASE_INSERT_COLS from parameters $from… (the public id is `publicIdSql`), and their values. */
function caseInsertValues(v: NewCase & NewCaseLocation, now: Date, from: number, publicIdSql: string): { sql: string; params: unknown[] } {
  const params = [
    v.city_code, v.channel, v.category_code, v.response_level, v.title, v.description, JSON.stringify(v.attributes), v.private,
    v.lng, v.lat, v.input_lng, v.input_lat, v.input_crs, v.address, v.out_of_region, v.region_id, v.region_path, v.city_id, v.district_id,
    v.street_id, v.community_id, v.grid_id, v.reporter_user_id, v.reporter_name, v.reporter_phone, v.anonymous, v.centre_region_id,
    v.centre_path, v.deadline_mode, v.reported_at, now, v.location_source ?? null, v.location_confidence ?? null,
  ];
  const p = (i: number) => `$${from + i}`;
  const sql = `${p(0)}, ${publicIdSql}, 'reported', ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)},
       CASE WHEN ${p(8)}::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(${p(8)}::float8, ${p(9)}::float8), 4326) END,
       ${[10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 30, 31, 32].map(p).join(', ')}`;
  return { sql, params };
}

/** A metre-radius search as a bounding box in degrees around (lng, lat), a little larger than the circle. */
export function radiusBox(lng: number, lat: number, radiusM: number): [number, number, number, number] {
  // 110,574 m is the shortest degree of latitude (at the equator); a degree of longitude is
  // 111,320 m times cos(latitude). 10 % and a metre of margin keep the box a superset of the
  // geodesic circle ST_DWithin tests.
  const r = radiusM * 1.1 + 1;
  const dLat = r / 110_574;
  const dLng = r / (111_320 * Math.max(Math.cos((Math.min(Math.abs(lat) + dLat, 89.9) * Math.PI) / 180), 1e-6));
  return [lng - dLng, lat - dLat, lng + dLng, lat + dLat];
}

/** Where the duplicate check looks: the same category, open, within radius metres, since a time. */
export interface DuplicateQuery { cityCode: string; categoryCode: string; lng: number; lat: number; radiusM: number; since: Date }

/**
 * The duplicate candidates' condition on `case_file c`, parameters from $from: the geometry GiST
 * index answers the bounding box, then the geodesic distance decides (a cast to geography alone
 * cannot use that index and reads every open case of the category).
 */
function duplicateWhere(q: DuplicateQuery, from: number): { sql: string; params: unknown[] } {
  const p = (i: number) => `$${from + i}`;
  const pt = `ST_SetSRID(ST_MakePoint(${p(2)}::float8, ${p(3)}::float8), 4326)`;
  return {
    sql: `c.city_code = ${p(0)} AND c.category_code = ${p(1)} AND c.geom IS NOT NULL
        AND c.state NOT IN ('not_accepted', 'closed', 'evaluated', 'merged', 'cancelled', 'referred')
        AND c.reported_at >= ${p(5)}
        AND c.geom && ST_MakeEnvelope(${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, 4326)
        AND ST_DWithin(c.geom::geography, ${pt}::geography, ${p(4)})`,
    params: [q.cityCode, q.categoryCode, q.lng, q.lat, q.radiusM, q.since, ...radiusBox(q.lng, q.lat, q.radiusM)],
  };
}
const duplicateCols = (lngP: string, latP: string) => `c.id, c.public_id, c.state, c.category_code, c.description, c.private, c.reported_at, c.region_path, c.centre_path,
            round(ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint(${lngP}::float8, ${latP}::float8), 4326)::geography))::int AS distance_m`;

export interface ReportedCase {
  view: CaseView;
  reporters: ReporterRow[];
  /** Open cases like it nearby, as findDuplicates answers (the new case is not among them). */
  duplicates: DuplicateRow[];
}

/**
 * Intake's writes in one statement (data-modifying CTEs, so one round trip instead of eight): the
 * public id from its sequence (KM-20261129-000123), the case row, its first reporter, the
 * `reported` event (whose trigger marks the KPI rollups), and the duplicate candidates, read from
 * the statement's snapshot, which does not yet hold the new case; and the `parts` other modules
 * give (platform/statement.ts). Answers the case as loadCase
 * would, its reporters, and the candidates.
 */
export async function insertReportedCase(
  c: TxCtx,
  v: NewCase & NewCaseLocation & { publicIdPrefix: string },
  reporter: { userId: number | null; name: string | null; phone: string | null; anonymous: boolean },
  event: { data: Record<string, unknown>; public: boolean; publicText: string },
  dup: DuplicateQuery | null,
  /** Other modules' writes of the same statement (the audit record, the outbox event); they read the new case from `ins`. */
  parts: ReadonlyArray<(first: number) => StatementPart> = [],
): Promise<ReportedCase> {
  const day = new Date(v.reported_at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
  const head = [`${v.publicIdPrefix}-${day}-`];
  const vals = caseInsertValues(v, c.now, 2, `$1 || lpad(s.n::text, greatest(6, length(s.n::text)), '0')`);
  const params: unknown[] = [...head, ...vals.params];
  const next = () => params.length + 1;
  const rp = next();
  params.push(reporter.userId, reporter.name, reporter.phone, reporter.anonymous);
  const who = actorLabel(c.actor);
  const ep = next();
  params.push(who.type, who.id, who.name, JSON.stringify(event.data), event.public, event.publicText, c.requestId);
  let dupSql = `SELECT ${duplicateCols('NULL', 'NULL')} FROM case_file c WHERE false`;
  if (dup) {
    const w = duplicateWhere(dup, next());
    params.push(...w.params);
    const lngP = `$${params.length - w.params.length + 3}`;
    const latP = `$${params.length - w.params.length + 4}`;
    dupSql = `SELECT ${duplicateCols(lngP, latP)} FROM case_file c WHERE ${w.sql} ORDER BY distance_m, c.id LIMIT 20`;
  }
  const more = parts.map((part, i) => {
    const f = part(next());
    params.push(...f.params);
    return `,\n     p${i} AS (${f.sql})`;
  });
  const nowP = 32; // caseInsertValues puts `now` at its index 30, i.e. $32
  const r = await c.tx.query<CaseView & { reporters_json: ReporterRow[]; duplicates_json: Array<Omit<DuplicateRow, 'reported_at'> & { reported_ms: number }> }>(
    `${PREPARED}WITH s AS (SELECT nextval('case_public_no_seq') AS n),
     ins AS (
       INSERT INTO case_file (${CASE_INSERT_COLS}) SELECT ${vals.sql} FROM s RETURNING *),
     rep AS (
       INSERT INTO case_reporter (city_code, case_id, source_case_id, user_id, name, phone, anonymous, created_at)
       SELECT ins.city_code, ins.id, ins.id, $${rp}::bigint, $${rp + 1}, $${rp + 2}, $${rp + 3}, $${nowP} FROM ins
       RETURNING id, source_case_id, user_id, name, phone, anonymous),
     ev AS (
       INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_id, actor_name, department_id, data, public, public_text, request_id)
       SELECT ins.city_code, ins.id, $${nowP}, 'reported', NULL, 'reported', $${ep}, $${ep + 1}, $${ep + 2}, NULL, $${ep + 3}, $${ep + 4}, $${ep + 5}, $${ep + 6} FROM ins),
     dup AS (${dupSql})${more.join('')}
     SELECT ${CASE_COLS}, cat.private AS category_private, cat.needs_contact AS category_needs_contact, c.location_source, c.location_confidence,
            ARRAY(SELECT DISTINCT rep.user_id FROM rep WHERE rep.user_id IS NOT NULL) AS reporter_user_ids,
            (SELECT json_agg(rep ORDER BY rep.id) FROM rep) AS reporters_json,
            (SELECT coalesce(json_agg(d ORDER BY d.distance_m, d.id), '[]') FROM
               (SELECT dup.*, (extract(epoch FROM dup.reported_at) * 1000)::float8 AS reported_ms FROM dup) d) AS duplicates_json
       FROM ins c JOIN case_category cat ON cat.code = c.category_code`,
    params,
  );
  const row = r.rows[0]!;
  const { reporters_json, duplicates_json, ...view } = row;
  return {
    view: norm(view as CaseView),
    reporters: reporters_json,
    duplicates: duplicates_json.map(({ reported_ms, ...d }) => ({ ...d, reported_at: new Date(reported_ms) }) as DuplicateRow),
  };
}

/** Columns a command may set (keys come from code, never from a request). */
const SETTABLE = new Set([
  'state', 'suspended_from', 'category_code', 'response_level', 'private', 'centre_region_id', 'centre_path', 'lead_department_id',
  'co_department_ids', 'routing_rule_id', 'deadline_mode', 'sign_for_due_at', 'sign_for_warned_at', 'sign_for_overdue_at', 'handle_due_at',
  'handle_warned_at', 'handle_overdue_at', 'verify_due_at', 'verify_warned_at', 'verify_overdue_at', 'suspended_at', 'suspended_ms',
  'pending_extension', 'return_count', 'transfer_count', 'reopen_count', 'rework_count', 'escalation_count', 'merged_into',
  'not_accepted_reason', 'handling_summary', 'satisfaction', 'satisfaction_comment', 'accepted_at', 'dispatched_at', 'signed_at',
  'started_at', 'handled_at', 'verified_at', 'closed_at', 'evaluated_at', 'attributes',
]);
const JSON_COLS = new Set(['pending_extension', 'attributes']);

/**
 * The optimistic write: only when the row still has the version the command read. Returns false
 * when someone else changed the case meanwhile (the caller answers 409 conflict).
 */
export async function updateCase(sql: Sql, k: Pick<CaseRow, 'id' | 'city_code' | 'version'>, set: Record<string, unknown>, now: Date): Promise<boolean> {
  const params: unknown[] = [k.city_code, k.id, k.version, now];
  const parts: string[] = ['version = version + 1', 'updated_at = $4'];
  for (const [col, v] of Object.entries(set)) {
    if (!SETTABLE.has(col)) throw new Error(`updateCase: column ${col} is not settable`);
    params.push(JSON_COLS.has(col) && v !== null ? JSON.stringify(v) : v);
    parts.push(col === 'co_department_ids' ? `${col} = $${params.length}::bigint[]` : `${col} = $${params.length}`);
  }
  const r = await sql.query(`UPDATE case_file SET ${parts.join(', ')} WHERE city_code = $1 AND id = $2 AND version = $3`, params);
  return r.rowCount > 0;
}

export async function insertEvent(
  c: TxCtx,
  k: Pick<CaseRow, 'id' | 'city_code'>,
  e: { type: string; from?: string | null; to?: string | null; data?: Record<string, unknown>; public?: boolean; publicText?: string | null; departmentId?: number | null },
): Promise<void> {
  const who = actorLabel(c.actor);
  await c.tx.query(
    `INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_id, actor_name, department_id, data, public, public_text, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [k.city_code, k.id, c.now, e.type, e.from ?? null, e.to ?? null, who.type, who.id, who.name, e.departmentId ?? null, JSON.stringify(e.data ?? {}),
      e.public ?? false, e.publicText ?? null, c.requestId],
  );
}

/** Moves every reporter of a merged case onto the case it was merged into. */
export async function copyReporters(sql: Sql, from: Pick<CaseRow, 'id' | 'city_code'>, into: Pick<CaseRow, 'id' | 'city_code'>, now: Date): Promise<void> {
  await sql.query(
    `INSERT INTO case_reporter (city_code, case_id, source_case_id, user_id, name, phone, anonymous, created_at)
     SELECT $3, $4, source_case_id, user_id, name, phone, anonymous, $5 FROM case_reporter WHERE city_code = $1 AND case_id = $2`,
    [from.city_code, from.id, into.city_code, into.id, now],
  );
}

export interface ReporterRow {
  id: number;
  source_case_id: number;
  user_id: number | null;
  name: string | null;
  phone: string | null;
  anonymous: boolean;
}
export async function listReporters(sql: Sql, k: Pick<CaseRow, 'id' | 'city_code'>): Promise<ReporterRow[]> {
  const r = await sql.query<ReporterRow>(
    'SELECT id, source_case_id, user_id, name, phone, anonymous FROM case_reporter WHERE city_code = $1 AND case_id = $2 ORDER BY id',
    [k.city_code, k.id],
  );
  return r.rows;
}

export async function listEvents(sql: Sql, k: Pick<CaseRow, 'id' | 'city_code'>, publicOnly: boolean): Promise<CaseEventRow[]> {
  const r = await sql.query<CaseEventRow>(
    `SELECT id, case_id, at, type, from_state, to_state, actor_type, actor_id, actor_name, department_id, data, public, public_text
       FROM case_event WHERE city_code = $1 AND case_id = $2 ${publicOnly ? 'AND public' : ''} ORDER BY id`,
    [k.city_code, k.id],
  );
  return r.rows;
}

// ---------------------------------------------------------------------------------------------
// idempotency

export async function claimIdempotencyKey(sql: Sql, scope: string, key: string, hash: string): Promise<{ claimed: true } | { claimed: false; hash: string; status: number; response: unknown }> {
  // A concurrent first attempt holds the row lock until it commits; this insert then waits and
  // sees the stored answer.
  const ins = await sql.query(
    `INSERT INTO idempotency (scope, key, request_hash, status_code, response) VALUES ($1, $2, $3, 0, 'null'::jsonb) ON CONFLICT (scope, key) DO NOTHING`,
    [scope, key, hash],
  );
  if (ins.rowCount > 0) return { claimed: true };
  const r = await sql.query<{ request_hash: string; status_code: number; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  const row = r.rows[0]!;
  return { claimed: false, hash: row.request_hash, status: row.status_code, response: row.response };
}

export async function storeIdempotentResponse(sql: Sql, scope: string, key: string, status: number, response: unknown): Promise<void> {
  await sql.query('UPDATE idempotency SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2', [scope, key, status, JSON.stringify(response)]);
}

// ---------------------------------------------------------------------------------------------
// duplicates, lists, map

export interface DuplicateRow {
  id: number;
  public_id: string;
  state: string;
  category_code: string;
  description: string;
  private: boolean;
  reported_at: Date;
  distance_m: number;
  region_path: string;
  centre_path: string;
}

/** Open cases of the same category within radius metres and the time window before `at`. */
export async function findDuplicates(sql: Sql, v: DuplicateQuery & { excludeId: number | null }): Promise<DuplicateRow[]> {
  const w = duplicateWhere(v, 1);
  const r = await sql.query<DuplicateRow>(
    `SELECT ${duplicateCols('$3', '$4')} FROM case_file c
      WHERE ${w.sql} AND ($${w.params.length + 1}::bigint IS NULL OR c.id <> $${w.params.length + 1})
      ORDER BY distance_m, c.id LIMIT 20`,
    [...w.params, v.excludeId],
  );
  return r.rows;
}

/** The region-scoped root: the condition restricting `case_file c` to what the actor may see. */
export function visibleSql(actor: Actor, params: unknown[]): string {
  if (actor.kind === 'system') return 'TRUE';
  const parts: string[] = [];
  const paths = scopePaths(actor, REGION_VIEW_ROLES) ?? [];
  if (paths.length > 0) {
    params.push(paths.map((p) => `${p}%`));
    parts.push(`c.region_path LIKE ANY ($${params.length}::text[]) OR c.centre_path LIKE ANY ($${params.length}::text[])`);
  }
  const depts = departmentIdsOf(actor);
  if (depts.length > 0) {
    params.push(depts);
    parts.push(`c.lead_department_id = ANY ($${params.length}::bigint[]) OR c.co_department_ids && $${params.length}::bigint[]`);
  }
  if (actor.kind === 'user') {
    params.push(actor.id);
    parts.push(`c.reporter_user_id = $${params.length} OR EXISTS (SELECT 1 FROM case_reporter cr WHERE cr.city_code = c.city_code AND cr.case_id = c.id AND cr.user_id = $${params.length})`);
  }
  return parts.length ? `(${parts.map((p) => `(${p})`).join(' OR ')})` : 'FALSE';
}

export interface ListFilters {
  state?: string[];
  category?: string;
  regionPath?: string;
  departmentId?: number;
  responseLevel?: number;
  overdue?: boolean;
  /** Reported at a point outside every region (the city centre's triage tab). */
  outOfRegion?: boolean;
  /** Still in triage with likely duplicates (see duplicatesSuggestedSql). */
  hasDuplicates?: boolean;
  /** Sent back for rework (返工) at least once: the handler's "returned to me" tab. */
  rework?: boolean;
  channel?: string;
  from?: Date;
  to?: Date;
  q?: string;
  mine?: boolean;
  cursor?: { us: string; id: number };
  limit: number;
}

export type ListRow = CaseRow & { cursor_us: string };

export async function listCases(sql: Sql, actor: Actor, f: ListFilters): Promise<ListRow[]> {
  const params: unknown[] = [];
  const where: string[] = [visibleSql(actor, params)];
  const add = (cond: (n: number) => string, v: unknown) => {
    params.push(v);
    where.push(cond(params.length));
  };
  if (f.state?.length) add((n) => `c.state = ANY ($${n}::text[])`, f.state);
  if (f.category) add((n) => `(c.category_code = $${n} OR c.category_code IN (SELECT code FROM case_category WHERE parent_code = $${n}))`, f.category);
  if (f.regionPath) add((n) => `c.region_path LIKE $${n}`, `${f.regionPath}%`);
  if (f.departmentId !== undefined) add((n) => `(c.lead_department_id = $${n} OR $${n} = ANY (c.co_department_ids))`, f.departmentId);
  if (f.responseLevel !== undefined) add((n) => `c.response_level = $${n}`, f.responseLevel);
  if (f.channel) add((n) => `c.channel = $${n}`, f.channel);
  if (f.from) add((n) => `c.reported_at >= $${n}`, f.from);
  if (f.to) add((n) => `c.reported_at < $${n}`, f.to);
  if (f.overdue !== undefined) {
    const cond = `(c.sign_for_overdue_at IS NOT NULL OR c.handle_overdue_at IS NOT NULL OR c.verify_overdue_at IS NOT NULL)`;
    where.push(f.overdue ? `${cond} AND c.state NOT IN ('not_accepted', 'closed', 'evaluated', 'merged', 'cancelled', 'referred')` : `NOT ${cond}`);
  }
  if (f.outOfRegion !== undefined) where.push(f.outOfRegion ? 'c.out_of_region' : 'NOT c.out_of_region');
  if (f.hasDuplicates !== undefined) where.push(f.hasDuplicates ? duplicatesSuggestedSql() : `NOT ${duplicatesSuggestedSql()}`);
  if (f.rework !== undefined) where.push(f.rework ? 'c.rework_count > 0' : 'c.rework_count = 0');
  if (f.q) {
    // ILIKE on a trigram GIN index works for Chinese text (no word segmentation needed).
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    add((n) => `(c.description ILIKE $${n} OR c.title ILIKE $${n} OR c.address ILIKE $${n} OR c.public_id ILIKE $${n})`, like);
  }
  if (f.mine && actor.kind === 'user') {
    add((n) => `(c.reporter_user_id = $${n} OR EXISTS (SELECT 1 FROM case_reporter cr WHERE cr.city_code = c.city_code AND cr.case_id = c.id AND cr.user_id = $${n}))`, actor.id);
  }
  if (f.cursor) {
    params.push(f.cursor.us, f.cursor.id);
    where.push(`(c.created_at, c.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length}::bigint)`);
  }
  params.push(f.limit);
  const r = await sql.query<ListRow>(
    `SELECT ${CASE_COLS}, ((extract(epoch FROM c.created_at) * 1000000)::bigint)::text AS cursor_us
       FROM case_file c WHERE ${where.join(' AND ')}
      ORDER BY c.created_at DESC, c.id DESC LIMIT $${params.length}`,
    params,
  );
  return r.rows.map(norm);
}

/**
 * The intake's duplicate check as a condition on `case_file c`: an earlier open case of the same
 * category within the category's radius and time window (what POST /api/cases answered as
 * `duplicates` and GET /api/cases/:id/duplicates lists), for the triage tab "duplicates suggested".
 */
export function duplicatesSuggestedSql(): string {
  return `EXISTS (
    SELECT 1 FROM case_file d JOIN case_category dc ON dc.code = c.category_code
     WHERE d.city_code = c.city_code AND d.category_code = c.category_code AND d.id <> c.id
       AND d.geom IS NOT NULL AND c.geom IS NOT NULL
       AND d.state NOT IN ('not_accepted', 'closed', 'evaluated', 'merged', 'cancelled', 'referred')
       AND d.reported_at <= c.reported_at AND d.reported_at >= c.reported_at - make_interval(hours => dc.duplicate_window_hours)
       AND (d.reported_at, d.id) < (c.reported_at, c.id)
       AND ST_DWithin(d.geom::geography, c.geom::geography, dc.duplicate_radius_m))`;
}

export interface MapPoint {
  id: number | null;
  public_id: string | null;
  state: string | null;
  category_code: string | null;
  lng: number;
  lat: number;
  count: number;
}

/** Cases in a bounding box: single points when zoomed in, grid clusters (ST_SnapToGrid) when not. */
export async function mapCases(sql: Sql, actor: Actor, bbox: [number, number, number, number], cellDeg: number | null, f: { state?: string[]; category?: string }): Promise<MapPoint[]> {
  const params: unknown[] = [...bbox];
  const where: string[] = [`c.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`, visibleSql(actor, params)];
  if (f.state?.length) {
    params.push(f.state);
    where.push(`c.state = ANY ($${params.length}::text[])`);
  }
  if (f.category) {
    params.push(f.category);
    where.push(`(c.category_code = $${params.length} OR c.category_code IN (SELECT code FROM case_category WHERE parent_code = $${params.length}))`);
  }
  if (cellDeg === null) {
    const r = await sql.query<MapPoint>(
      `SELECT c.id, c.public_id, c.state, c.category_code, ST_X(c.geom) AS lng, ST_Y(c.geom) AS lat, 1 AS count
         FROM case_file c WHERE ${where.join(' AND ')} ORDER BY c.id DESC LIMIT 5000`,
      params,
    );
    return r.rows;
  }
  params.push(cellDeg);
  const r = await sql.query<MapPoint>(
    `SELECT CASE WHEN count(*) = 1 THEN min(c.id) END AS id, CASE WHEN count(*) = 1 THEN min(c.public_id) END AS public_id,
            CASE WHEN count(*) = 1 THEN min(c.state) END AS state, CASE WHEN count(*) = 1 THEN min(c.category_code) END AS category_code,
            ST_X(ST_Centroid(ST_Collect(c.geom))) AS lng, ST_Y(ST_Centroid(ST_Collect(c.geom))) AS lat, count(*)::int AS count
       FROM case_file c WHERE ${where.join(' AND ')}
      GROUP BY ST_SnapToGrid(c.geom, $${params.length}::float8) LIMIT 5000`,
    params,
  );
  return r.rows;
}

// ---------------------------------------------------------------------------------------------
// attachments

export async function insertAttachment(
  sql: Sql,
  k: Pick<CaseRow, 'id' | 'city_code'>,
  v: Omit<AttachmentRow, 'id' | 'case_id' | 'created_at'>,
  now: Date,
): Promise<AttachmentRow> {
  const r = await sql.query<AttachmentRow>(
    `INSERT INTO case_attachment (city_code, case_id, kind, sha256, public_sha256, mime, public_mime, size_bytes, width, height, file_name,
       uploaded_by_type, uploaded_by_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     RETURNING id, case_id, kind, sha256, public_sha256, mime, public_mime, size_bytes, width, height, file_name, uploaded_by_type, uploaded_by_id, created_at`,
    [k.city_code, k.id, v.kind, v.sha256, v.public_sha256, v.mime, v.public_mime, v.size_bytes, v.width, v.height, v.file_name, v.uploaded_by_type,
      v.uploaded_by_id, now],
  );
  return r.rows[0]!;
}

const ATT_COLS = 'id, case_id, kind, sha256, public_sha256, mime, public_mime, size_bytes, width, height, file_name, uploaded_by_type, uploaded_by_id, created_at';

export async function listAttachments(sql: Sql, k: Pick<CaseRow, 'id' | 'city_code'>): Promise<AttachmentRow[]> {
  const r = await sql.query<AttachmentRow>(`SELECT ${ATT_COLS} FROM case_attachment WHERE city_code = $1 AND case_id = $2 ORDER BY id`, [k.city_code, k.id]);
  return r.rows;
}

export async function attachmentsByIds(sql: Sql, k: Pick<CaseRow, 'id' | 'city_code'>, ids: number[]): Promise<AttachmentRow[]> {
  const r = await sql.query<AttachmentRow>(`SELECT ${ATT_COLS} FROM case_attachment WHERE city_code = $1 AND case_id = $2 AND id = ANY ($3::bigint[])`, [
    k.city_code, k.id, ids,
  ]);
  return r.rows;
}

/** Attachments holding this content (as the original or as the public copy). */
export async function attachmentsBySha(sql: Sql, sha: string): Promise<AttachmentRow[]> {
  const r = await sql.query<AttachmentRow>(`SELECT ${ATT_COLS} FROM case_attachment WHERE sha256 = $1 OR public_sha256 = $1 ORDER BY id LIMIT 100`, [sha]);
  return r.rows;
}

/** How a case was located (migration 0017): not part of CaseView, read where it is shown. */
export async function caseLocationSource(sql: Sql, id: number): Promise<{ source: string | null; confidence: number | null } | null> {
  const r = await sql.query<{ source: string | null; confidence: number | null }>(
    'SELECT location_source AS source, location_confidence AS confidence FROM case_file WHERE id = $1',
    [id],
  );
  return r.rows[0] ? { source: r.rows[0].source, confidence: r.rows[0].confidence === null ? null : Number(r.rows[0].confidence) } : null;
}
