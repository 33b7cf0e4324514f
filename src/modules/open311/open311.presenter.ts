/**
 * Cases and categories in GeoReport v2's shapes. Only public data: no names, phones or e-mails
 * ever (phone numbers written into a description or address are masked), no internal notes.
 *
 * Status: a request is `open` while the case is in one of the cases module's OPEN_STATES
 * (reported, accepted, dispatched, returned, signed, in_progress, handled, verified, suspended:
 * handled and verified are still open because the city has not closed it yet), and `closed` in
 * every other state (not_accepted, closed, evaluated, merged, and the imported cancelled/referred).
 */
import { OPEN_STATES, type AttributeDef, type CategoryRow, type Deadlines } from '../cases/index.js';
import { redactText } from '../cases/index.js';
import type { RequestRow, UpdateRow } from './open311.repository.js';

export const openOrClosed = (state: string): 'open' | 'closed' => ((OPEN_STATES as readonly string[]).includes(state) ? 'open' : 'closed');

/** W3C date-time in China Standard Time (no DST: always +08:00), as the spec wants an offset. */
export function w3c(d: Date | string | null): string | null {
  if (d === null) return null;
  const t = new Date(d).getTime();
  return `${new Date(t + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

export function serviceNotice(deadlines: Deadlines | Record<string, { mode?: string; handle?: number }>, level: number): string {
  const d = (deadlines as Record<string, { mode?: string; handle?: number }>)[String(level)];
  if (!d || typeof d.handle !== 'number') return '';
  return `处置时限：${d.handle} ${d.mode === 'calendar' ? '小时' : '工作小时'}（响应等级 ${level}）`;
}

export function presentService(c: CategoryRow, majors: Map<string, CategoryRow>) {
  return {
    service_code: c.code,
    service_name: c.name_zh,
    description: c.description ?? c.name_en,
    metadata: c.attributes.length > 0,
    type: 'realtime' as const,
    keywords: c.keywords.join(', '),
    group: c.parent_code ? (majors.get(c.parent_code)?.name_zh ?? c.parent_code) : '',
  };
}

const attribute = (a: AttributeDef, i: number) => ({
  variable: true,
  code: a.code,
  datatype: a.datatype,
  required: a.required,
  datatype_description: a.datatype === 'datetime' ? 'ISO 8601 date-time, e.g. 2026-03-01T09:30:00+08:00' : a.datatype === 'multivaluelist' ? 'send attribute[CODE][] once per chosen key' : '',
  order: a.order ?? i + 1,
  description: a.description,
  ...(a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist' ? { values: (a.values ?? []).map((v) => ({ key: v.key, name: v.name })) } : {}),
});

export function presentServiceDefinition(c: CategoryRow) {
  return { service_code: c.code, attributes: c.attributes.map(attribute) };
}

export type RequestJson = ReturnType<typeof presentRequest>;

export function presentRequest(r: RequestRow, agencies: Map<number, string>, baseUrl: string) {
  return {
    service_request_id: r.public_id,
    status: openOrClosed(r.state),
    status_notes: r.status_notes,
    service_name: r.service_name,
    service_code: r.category_code,
    description: redactText(r.description),
    agency_responsible: r.lead_department_id === null ? null : (agencies.get(r.lead_department_id) ?? null),
    service_notice: serviceNotice(r.deadlines, r.response_level),
    requested_datetime: w3c(r.reported_at),
    updated_datetime: w3c(r.updated_at),
    expected_datetime: w3c(r.handle_due_at),
    address: redactText(r.address),
    address_id: null,
    zipcode: null,
    lat: r.lat,
    long: r.lng,
    media_url: r.photo_sha ? `${baseUrl}/api/files/${r.photo_sha}` : r.submitted_media_url,
  };
}

export type UpdateJson = ReturnType<typeof presentUpdate>;

export function presentUpdate(u: UpdateRow) {
  return {
    update_id: String(u.id),
    service_request_id: u.public_id,
    status: openOrClosed(u.state),
    updated_datetime: w3c(u.at),
    description: u.public_text ?? '',
    media_url: null,
  };
}
