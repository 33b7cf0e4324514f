/**
 * Open311 GeoReport v2 over the case model: services are case categories, service requests are
 * cases. Submissions go through the cases module's intake (channel `open311`) in one transaction
 * with the submission's own timeline record; reads are the public (redacted) view.
 */
import type { Actor } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid, isAppError } from '../../platform/errors.js';
import { getCategory, intake, listCategories, validateAttributes, withIdempotency, type CategoryRow } from '../cases/index.js';
import { insertEvent } from '../cases/index.js';
import { getDepartmentById } from '../identity/index.js';
import { geocodeAddress, locatePoint } from '../regions/index.js';
import { openField } from './open311.format.js';
import * as repo from './open311.repository.js';
import { presentRequest, presentUpdate, serviceNotice, w3c, type RequestJson, type UpdateJson } from './open311.presenter.js';

/** The spec's defaults: a window of 90 days, at most 1000 requests per answer. */
export const WINDOW_DAYS = 90;
export const MAX_PAGE_SIZE = 1000;
const DAY_MS = 86_400_000;

export type Jurisdiction = repo.CityRow;

/** jurisdiction_id is a city's 12-digit code; optional when the server serves one city. */
export async function resolveJurisdiction(sql: Sql, jurisdictionId: string | undefined): Promise<Jurisdiction> {
  const cities = await repo.currentCities(sql);
  if (jurisdictionId !== undefined && jurisdictionId !== '') {
    const c = cities.find((x) => x.code === jurisdictionId);
    if (!c) throw new AppError('not_found', `jurisdiction_id: no jurisdiction ${jurisdictionId} on this server.`, [{ field: 'jurisdiction_id' }]);
    return c;
  }
  if (cities.length === 1) return cities[0]!;
  throw invalid('jurisdiction_id', cities.length === 0 ? 'this server has no jurisdiction yet' : `is required: this server serves ${cities.length} jurisdictions (${cities.map((c) => c.code).join(', ')})`);
}

/** Categories offered as services: active minor categories (the historical-import one is inactive). */
export async function listServices(sql: Sql): Promise<{ services: CategoryRow[]; majors: Map<string, CategoryRow> }> {
  const all = await listCategories(sql);
  const majors = new Map(all.filter((c) => c.level === 1).map((c) => [c.code, c]));
  const services = all.filter((c) => c.level === 2 && c.active).sort((a, b) => (majors.get(a.parent_code!)?.sort ?? 0) - (majors.get(b.parent_code!)?.sort ?? 0) || a.sort - b.sort || a.code.localeCompare(b.code));
  return { services, majors };
}

/** Discovery's changeset: when the service list last changed. */
export async function servicesChangeset(sql: Sql): Promise<string> {
  return w3c(await repo.servicesChangedAt(sql)) ?? w3c(new Date(0))!;
}

export async function getService(sql: Sql, code: string): Promise<CategoryRow> {
  const c = await getCategory(sql, code);
  if (!c || !c.active || c.level !== 2) throw new AppError('not_found', `service_code: no service ${code}.`, [{ field: 'service_code' }]);
  return c;
}

/** The spec's date window: both given (at most 90 days apart), one given, or the last 90 days. */
export function dateWindow(now: Date, start: Date | undefined, end: Date | undefined): { from: Date; to: Date } {
  const window = WINDOW_DAYS * DAY_MS;
  if (start && end) {
    if (end.getTime() < start.getTime()) throw invalid('end_date', 'is before start_date');
    if (end.getTime() - start.getTime() > window) throw invalid('end_date', `may not be more than ${WINDOW_DAYS} days after start_date`);
    return { from: start, to: end };
  }
  if (start) return { from: start, to: new Date(start.getTime() + window) };
  if (end) return { from: new Date(end.getTime() - window), to: end };
  return { from: new Date(now.getTime() - window), to: now };
}

// W3C date-time (the spec's format); a bare date is accepted as its midnight in UTC.
const W3C = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
export function parseW3c(field: string, v: string | undefined): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const d = new Date(v);
  if (!W3C.test(v) || Number.isNaN(d.getTime())) throw invalid(field, 'must be a W3C date-time with a time zone, e.g. 2026-03-01T00:00:00+08:00');
  return d;
}

export interface Paging {
  page: number;
  pageSize: number;
}

async function agencies(sql: Sql, ids: (number | null)[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const id of new Set(ids.filter((x): x is number => x !== null))) {
    const d = await getDepartmentById(sql, id);
    if (d) out.set(id, d.name);
  }
  return out;
}

export async function listRequests(
  sql: Sql,
  actor: Actor,
  baseUrl: string,
  now: Date,
  q: { jurisdiction: Jurisdiction; ids?: string[]; serviceCodes?: string[]; start?: Date; end?: Date; status?: Array<'open' | 'closed'> } & Paging,
): Promise<RequestJson[]> {
  const filter: repo.RequestFilter = { cityCode: q.jurisdiction.code, limit: q.pageSize, offset: (q.page - 1) * q.pageSize };
  if (q.ids) filter.ids = q.ids;
  else {
    const w = dateWindow(now, q.start, q.end);
    filter.from = w.from;
    filter.to = w.to;
    if (q.serviceCodes) filter.serviceCodes = q.serviceCodes;
    if (q.status) filter.status = q.status;
  }
  const rows = await repo.listRequests(sql, actor, filter);
  const names = await agencies(sql, rows.map((r) => r.lead_department_id));
  return rows.map((r) => presentRequest(r, names, baseUrl));
}

/** One request by its id, as a one-element list (the spec's shape); 404 when it is not visible. */
export async function getRequest(sql: Sql, actor: Actor, baseUrl: string, jurisdiction: Jurisdiction, id: string): Promise<RequestJson[]> {
  const rows = await repo.listRequests(sql, actor, { cityCode: jurisdiction.code, ids: [id], limit: 1, offset: 0 });
  if (rows.length === 0) throw new AppError('not_found', `service_request_id: no service request ${id}.`, [{ field: 'service_request_id' }]);
  const names = await agencies(sql, rows.map((r) => r.lead_department_id));
  return rows.map((r) => presentRequest(r, names, baseUrl));
}

/**
 * A token names a request not yet created. Submissions here are synchronous, so the only tokens
 * are request ids: a visible request answers with itself, anything else is 404.
 */
export async function getToken(sql: Sql, actor: Actor, jurisdiction: Jurisdiction, token: string): Promise<Array<{ service_request_id: string; token: string }>> {
  const rows = await repo.listRequests(sql, actor, { cityCode: jurisdiction.code, ids: [token], limit: 1, offset: 0 });
  if (rows.length === 0) throw new AppError('not_found', `token: no token ${token}.`, [{ field: 'token' }]);
  return [{ service_request_id: rows[0]!.public_id, token }];
}

export async function listUpdates(sql: Sql, actor: Actor, now: Date, q: { jurisdiction: Jurisdiction; start?: Date; end?: Date } & Paging): Promise<UpdateJson[]> {
  const w = dateWindow(now, q.start, q.end);
  const rows = await repo.listUpdates(sql, actor, { cityCode: q.jurisdiction.code, from: w.from, to: w.to, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
  return rows.map(presentUpdate);
}

export interface SubmitInput {
  jurisdiction_id?: string;
  service_code: string;
  lat?: number;
  long?: number;
  address_string?: string;
  address_id?: string;
  email?: string;
  device_id?: string;
  account_id?: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  description?: string;
  media_url?: string;
  attribute?: Record<string, string | string[]>;
}

export interface SubmitResult {
  service_request_id: string;
  service_notice: string;
  account_id: string | null;
}

/**
 * POST requests: validate in the spec's terms (field names as the client sent them), then intake
 * with channel `open311` and the submission's record (media URL, e-mail, device and account ids:
 * staff-only) in the same transaction; a retry with the same Idempotency-Key gets the same answer.
 */
export async function submitRequest(db: Database, ctx: Ctx, input: SubmitInput, idempotencyKey: string | undefined): Promise<{ status: number; body: SubmitResult[] }> {
  const jurisdiction = await resolveJurisdiction(db, input.jurisdiction_id);
  const cat = await getService(db, input.service_code);
  const hasLat = input.lat !== undefined;
  const hasLong = input.long !== undefined;
  if (hasLat !== hasLong) throw invalid(hasLat ? 'long' : 'lat', 'is required together with ' + (hasLat ? 'lat' : 'long'));
  const address = input.address_string?.trim() || (input.address_id ? `address_id ${input.address_id}` : undefined);
  if (!hasLat && !address) throw invalid('lat', 'give lat and long, address_string or address_id');
  if (hasLat) {
    // A point inside another city's regions belongs to that jurisdiction, not this one.
    const hit = await locatePoint(db, input.long!, input.lat!);
    const city = hit?.chain.find((l) => l.level === 'city');
    if (city && city.code !== jurisdiction.code) throw invalid('lat', `this point lies in jurisdiction ${city.code}, not ${jurisdiction.code}`);
  }
  let attributes: Record<string, unknown>;
  try {
    attributes = validateAttributes(cat.attributes, input.attribute ?? {});
  } catch (e) {
    if (isAppError(e) && e.code === 'validation_failed') {
      const d = (e.details as Array<{ field: string; problem: string }> | undefined)?.[0];
      if (d) throw invalid(openField(d.field), d.problem);
    }
    throw e;
  }
  const name = [input.last_name, input.first_name].filter((x) => x && x.trim()).join(' ').trim();
  const { attribute: _a, ...hashed } = input;
  // Geocode before the transaction, against the cached name index: inside one, the geocoder
  // would load the whole region-name index for that transaction alone.
  const geocoded = !hasLat && address ? await geocodeAddress(db, address, { cityCode: jurisdiction.code }) : undefined;
  return inTx(db, ctx, (c) =>
    withIdempotency(c, idempotencyKey, { open311: hashed, attribute: input.attribute ?? {} }, async () => {
      const r = await intake(c, {
        ...(geocoded ? { geocoded } : {}),
        channel: 'open311',
        categoryCode: cat.code,
        description: input.description?.trim() || cat.name_zh,
        ...(hasLat ? { location: { lng: input.long!, lat: input.lat!, crs: 'wgs84' as const } } : {}),
        ...(address ? { address } : {}),
        attributes,
        ...(name ? { reporterName: name } : {}),
        ...(input.phone ? { reporterPhone: input.phone } : {}),
        cityCode: jurisdiction.code,
      });
      await insertEvent(c, r.case, {
        type: 'open311_submitted',
        from: r.case.state,
        to: r.case.state,
        data: {
          mediaUrl: input.media_url ?? null,
          email: input.email ?? null,
          deviceId: input.device_id ?? null,
          accountId: input.account_id ?? null,
          addressId: input.address_id ?? null,
        },
        public: false,
      });
      return { status: 201, body: [{ service_request_id: r.case.public_id, service_notice: serviceNotice(cat.deadlines, r.case.response_level), account_id: input.account_id ?? null }] };
    }),
  ).then((out) => ({ status: out.status, body: out.body }));
}
