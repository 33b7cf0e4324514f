/**
 * The Open311 module's SQL: read-only views of the case tables for the GeoReport endpoints. Every
 * list is restricted here (the region-scoped root): public, non-private cases for everyone, plus
 * the cases the API key may see in its scope (the cases module's own visibility rule).
 */
import type { Actor } from '../../platform/actor.js';
import type { Sql } from '../../platform/db.js';
import { OPEN_STATES } from '../cases/index.js';
import { visibleSql } from '../cases/index.js';

export interface CityRow {
  id: number;
  code: string;
  name: string;
  path: string;
}

export async function currentCities(sql: Sql): Promise<CityRow[]> {
  const { rows } = await sql.query<CityRow>(`SELECT id, code, name, path FROM region WHERE level = 'city' AND valid_to IS NULL ORDER BY id`);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function servicesChangedAt(sql: Sql): Promise<Date | null> {
  const { rows } = await sql.query<{ at: Date | null }>('SELECT max(updated_at) AS at FROM case_category');
  return rows[0]?.at ?? null;
}

export interface RequestRow {
  id: number;
  public_id: string;
  state: string;
  category_code: string;
  service_name: string;
  description: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  reported_at: Date;
  updated_at: Date;
  handle_due_at: Date | null;
  lead_department_id: number | null;
  response_level: number;
  deadlines: Record<string, { mode?: string; handle?: number }>;
  status_notes: string | null;
  photo_sha: string | null;
  submitted_media_url: string | null;
}

export interface RequestFilter {
  cityCode: string;
  /** Public ids; when given, the other filters are ignored (the spec's rule). */
  ids?: string[];
  serviceCodes?: string[];
  from?: Date;
  to?: Date;
  status?: Array<'open' | 'closed'>;
  limit: number;
  offset: number;
}

/** The visibility condition for `case_file c` joined to `case_category cat`. */
function visible(actor: Actor, params: unknown[]): string {
  const pub = 'NOT c.private AND NOT cat.private';
  return actor.kind === 'api_key' || actor.kind === 'system' ? `((${pub}) OR ${visibleSql(actor, params)})` : `(${pub})`;
}

function statusSql(status: Array<'open' | 'closed'> | undefined, params: unknown[], stateCol: string): string | null {
  if (!status || status.length === 0 || (status.includes('open') && status.includes('closed'))) return null;
  params.push([...OPEN_STATES]);
  return status[0] === 'open' ? `${stateCol} = ANY ($${params.length}::text[])` : `NOT (${stateCol} = ANY ($${params.length}::text[]))`;
}

export async function listRequests(sql: Sql, actor: Actor, f: RequestFilter): Promise<RequestRow[]> {
  const params: unknown[] = [f.cityCode];
  const where = ['c.city_code = $1', visible(actor, params)];
  const add = (cond: (n: number) => string, v: unknown) => {
    params.push(v);
    where.push(cond(params.length));
  };
  if (f.ids) add((n) => `c.public_id = ANY ($${n}::text[])`, f.ids);
  else {
    if (f.serviceCodes?.length) add((n) => `c.category_code = ANY ($${n}::text[])`, f.serviceCodes);
    if (f.from) add((n) => `c.reported_at >= $${n}`, f.from);
    if (f.to) add((n) => `c.reported_at <= $${n}`, f.to);
    const s = statusSql(f.status, params, 'c.state');
    if (s) where.push(s);
  }
  params.push(f.limit, f.offset);
  const { rows } = await sql.query<RequestRow>(
    `SELECT c.id, c.public_id, c.state, c.category_code, cat.name_zh AS service_name, c.description, c.address,
            ST_X(c.geom) AS lng, ST_Y(c.geom) AS lat, c.reported_at, c.updated_at, c.handle_due_at, c.lead_department_id, c.response_level,
            cat.deadlines,
            (SELECT e.public_text FROM case_event e WHERE e.city_code = c.city_code AND e.case_id = c.id AND e.public ORDER BY e.id DESC LIMIT 1) AS status_notes,
            (SELECT a.public_sha256 FROM case_attachment a WHERE a.city_code = c.city_code AND a.case_id = c.id AND a.kind IN ('report', 'evidence')
              ORDER BY a.kind DESC, a.id LIMIT 1) AS photo_sha,
            (SELECT e.data->>'mediaUrl' FROM case_event e WHERE e.city_code = c.city_code AND e.case_id = c.id AND e.type = 'open311_submitted'
              ORDER BY e.id LIMIT 1) AS submitted_media_url
       FROM case_file c JOIN case_category cat ON cat.code = c.category_code
      WHERE ${where.join(' AND ')}
      ORDER BY c.reported_at DESC, c.id DESC
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), lead_department_id: r.lead_department_id === null ? null : Number(r.lead_department_id) }));
}

export interface UpdateRow {
  id: number;
  public_id: string;
  state: string;
  at: Date;
  public_text: string | null;
}

/** Public timeline events of the cases this actor may list, in a time window, oldest first. */
export async function listUpdates(sql: Sql, actor: Actor, f: { cityCode: string; from: Date; to: Date; limit: number; offset: number }): Promise<UpdateRow[]> {
  const params: unknown[] = [f.cityCode, f.from, f.to];
  const where = ['c.city_code = $1', 'e.public', 'e.at >= $2', 'e.at <= $3', visible(actor, params)];
  params.push(f.limit, f.offset);
  const { rows } = await sql.query<UpdateRow>(
    `SELECT e.id, c.public_id, COALESCE(e.to_state, c.state) AS state, e.at, e.public_text
       FROM case_event e
       JOIN case_file c ON c.city_code = e.city_code AND c.id = e.case_id
       JOIN case_category cat ON cat.code = c.category_code
      WHERE ${where.join(' AND ')}
      ORDER BY e.at, e.id
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}
