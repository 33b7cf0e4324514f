/**
 * The two wire formats of GeoReport v2. JSON is the presenters' values as they are; XML is the
 * same values under the spec's element names: a list becomes a wrapper element holding one child
 * per item (<services><service>…), nulls become empty elements, and the document starts with the
 * XML declaration the spec requires.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { ERRORS, inputDataProblem, isAppError, isDatabaseUnavailable } from '../../platform/errors.js';

export type Format = 'json' | 'xml';
export const FORMATS = ['json', 'xml'] as const;

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** Wrapper element → item element, for every list the spec nests in XML. */
const ITEM_OF: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  service_request_updates: 'request_update',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  errors: 'error',
};

const builder = new XMLBuilder({ format: true, ignoreAttributes: true, suppressEmptyNode: false, indentBy: '  ' });

function toXmlValue(v: unknown, key: string): unknown {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    const item = ITEM_OF[key];
    if (!item) throw new Error(`open311 xml: no item element for list '${key}'`);
    return { [item]: v.map((x) => toXmlValue(x, item)) };
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toXmlValue(x, k);
    return out;
  }
  return v;
}

/** A document: `root` is the element name the spec gives the answer (a list root wraps items). */
export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${builder.build({ [root]: toXmlValue(value, root) })}`;
}

export function render(format: Format, root: string, value: unknown): string {
  return format === 'json' ? JSON.stringify(value) : toXml(root, value);
}

/** The format a URL asks for (its last extension); JSON when it names none we serve. */
export function formatOfUrl(url: string): Format {
  const path = url.split('?')[0] ?? '';
  return path.endsWith('.xml') ? 'xml' : 'json';
}

/** `CITY.EXPOSED_WASTE.json` → ['CITY.EXPOSED_WASTE', 'json']; null without a known extension. */
export function splitFormat(file: string): [string, Format] | null {
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = file.slice(dot + 1);
  return ext === 'json' || ext === 'xml' ? [file.slice(0, dot), ext] : null;
}

export interface Open311Error {
  code: number;
  description: string;
}

/**
 * Any failure as the spec's status and error list. The spec knows 403 (api_key), 404 (unknown
 * service, request, token or jurisdiction) and 400 for the rest; rate limiting stays 429 and
 * server failures stay 5xx (their bodies never carry internals).
 */
export function toOpen311Error(err: unknown): { status: number; errors: Open311Error[]; headers?: Record<string, string> } {
  let status = 500;
  let description: string = ERRORS.internal.message;
  let headers: Record<string, string> | undefined;
  if (isAppError(err)) {
    status = err.status;
    description = err.message;
    headers = err.headers;
  } else {
    const e = err as { statusCode?: number; code?: string; message?: string; validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string };
    if (e && Array.isArray(e.validation)) {
      const v = e.validation[0];
      let field = (v?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const missing = v?.params?.missingProperty;
      if (typeof missing === 'string') field = field ? `${field}.${missing}` : missing;
      const extra = v?.params?.additionalProperty;
      if (typeof extra === 'string') field = field ? `${field}.${extra}` : extra;
      status = 400;
      description = `${openField(field || e.validationContext || 'request')}: ${extra ? 'is not a field of this request' : (v?.message ?? 'is not valid')}`;
    } else if (e && typeof e.statusCode === 'number' && e.statusCode < 500) {
      status = e.statusCode;
      description = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? ERRORS.payload_too_large.message : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Send the request as application/x-www-form-urlencoded.' : (e.message ?? ERRORS.bad_request.message);
    } else if (e && typeof e.statusCode === 'number') {
      status = e.statusCode;
    } else if (isDatabaseUnavailable(err)) {
      status = 503;
      headers = { 'retry-after': '5' };
    } else if (inputDataProblem(err)) {
      // A value PostgreSQL refused (out of range, not valid text): the client's input, not our fault.
      status = 400;
      description = inputDataProblem(err)!;
    }
  }
  if (status === 401) status = 403;
  else if (status >= 400 && status < 500 && status !== 403 && status !== 404 && status !== 429) status = 400;
  if (status >= 500) description = status === 503 ? ERRORS.database_unavailable.message : ERRORS.internal.message;
  if (status === 429 && !headers) headers = { 'retry-after': '60' };
  return { status, errors: [{ code: status, description }], ...(headers ? { headers } : {}) };
}

/** Our schema paths in the spec's spelling: attribute.CODE → attribute[CODE]. */
export const openField = (field: string): string => field.replace(/^attributes?\.([^.]+)$/, 'attribute[$1]');
