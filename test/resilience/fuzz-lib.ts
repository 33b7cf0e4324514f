/**
 * Bad input, generated from the routes' own schemas (the OpenAPI document of the app): the
 * arbitraries and the answer checks of the bad-input suite (test/platform/fuzz-routes.test.ts runs
 * them in `npm test`; FUZZ_RUNS raises the number of runs for a long session).
 */
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  nullable?: boolean;
};

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /api/cases/{id}/accept */
  path: string;
  params: string[];
  query: Array<{ name: string; schema: JsonSchema }>;
  body: JsonSchema | undefined;
  multipart: boolean;
}

/** Every operation of an OpenAPI 3 document. */
export function operations(doc: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  const out: Operation[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = raw as {
        parameters?: Array<{ in: string; name: string; schema?: JsonSchema }>;
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      };
      const content = op.requestBody?.content ?? {};
      out.push({
        method: method.toUpperCase(),
        path: p,
        params: [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        query: (op.parameters ?? []).filter((x) => x.in === 'query').map((x) => ({ name: x.name, schema: x.schema ?? {} })),
        body: content['application/json']?.schema,
        multipart: 'multipart/form-data' in content,
      });
    }
  }
  return out;
}

/** A plausible value for a schema (valid where that is easy), so one mutated field gets deep. */
export function sample(s: JsonSchema | undefined, depth = 0): unknown {
  if (!s || depth > 6) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return sample(alt[0], depth + 1);
  if (s.allOf?.length) return Object.assign({}, ...s.allOf.map((x) => sample(x, depth + 1) as object));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
      return Math.max(s.minimum ?? 1, s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -Infinity, 1) <= (s.maximum ?? Infinity) ? Math.max(s.minimum ?? 1, 1) : s.minimum;
    case 'number':
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'array':
      return s.minItems ? Array.from({ length: s.minItems }, () => sample(s.items, depth + 1)) : [];
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const k of s.required ?? []) o[k] = sample(s.properties?.[k], depth + 1);
      return o;
    }
    case 'string':
      if (s.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (s.format === 'date') return '2026-01-01';
      if (s.pattern === '^[0-9]{12}$') return '530100000000';
      return 'x'.repeat(Math.max(s.minLength ?? 1, 2));
    default:
      return 'x';
  }
}

export const INJECTIONS = [
  "' OR '1'='1",
  "1'; DROP TABLE case_file; --",
  '1 UNION SELECT password_hash FROM app_user --',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0000\uffff',
  '𠜎𠜱𡃁'.repeat(100),
  '__proto__',
  'constructor',
];

const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};
const deepArray = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

/** A value of the wrong type, size or range, or an attack string. */
export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, 9_223_372_036_854_775_808, -2_147_483_649, 2_147_483_648, '', ' ', '0', 'NaN', 'Infinity', '-1', '1e400'),
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom<unknown>('x'.repeat(100_000), Array.from({ length: 20_000 }, () => 1), Array.from({ length: 2_000 }, () => 'x'.repeat(20)), deep(1_000), deepArray(1_000), deep(40)),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }),
  fc.object({ maxDepth: 2 }),
  // coordinates and the like: out of range, not numbers
  fc.record({ lng: fc.constantFrom<unknown>(181, -181, 1e308, 'NaN', null, '102'), lat: fc.constantFrom<unknown>(91, -91, -1e308, 'Infinity', true) }),
);

/** A body that is not even JSON, or mislabelled. */
export const rawBody: fc.Arbitrary<{ payload: string | Buffer; contentType: string }> = fc.record({
  payload: fc.constantFrom<string | Buffer>(
    '{',
    '{"a":',
    '[1,2',
    'null',
    '[]',
    '"x"',
    '1',
    '{"a":1}garbage',
    '{"a": NaN}',
    '{"lng": Infinity, "lat": -Infinity}',
    '{"__proto__": {"polluted": true}}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    '\u0000',
    '',
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), // {"a":"<bad UTF-8>"}
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // BOM + {}
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    `{"a":"${'x'.repeat(2_000_000)}"}`,
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    'a=1&b=2',
  ),
  contentType: fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/octet-stream'),
});

/** Percent-encode anything, lone surrogates too (as the bytes Node would send: U+FFFD). */
export function enc(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}

/** A path parameter that is not what the route wants. */
export const badParam: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', '1.5', '1e400', '99999999999999999999', '9223372036854775808', '2147483648', 'abc', '%00', '%FF', '%C3%28', '..%2F..%2Fetc%2Fpasswd', "1'%20OR%20'1'%3D'1", '%3Cscript%3E', 'x'.repeat(3_000), 'NaN', 'Infinity', '1', '530100000000', '5301000000000000000'),
  fc.string({ maxLength: 20 }).map(enc),
);

/** A query value that is not what the route wants. */
export const badQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', '-1', '0', '1e400', '99999999999999999999', 'NaN', 'Infinity', 'true', 'null', '[]', '{}', 'x'.repeat(10_000), '181,91,-181,-91', '1,1,1,1', 'NaN,NaN,NaN,NaN', '2026-13-45', '0000-00-00T00:00:00Z', '9999-12-31T23:59:59Z'),
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 30 }),
).map(enc);
/** Query values already percent-encoded, some of them not valid UTF-8 once decoded. */
export const badQueryEncoded: fc.Arbitrary<string> = fc.oneof(badQuery, fc.constantFrom('%FF%FE', '%C3%28', '%ED%A0%80', '%00', '%E2%82', '%'));

export interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
}

/** What is wrong with an answer to bad input, or undefined when it is a proper refusal (or success). */
export function problemWith(r: Answer): string | undefined {
  if (r.statusCode >= 500) return `status ${r.statusCode}: ${r.body.slice(0, 500)}`;
  if (r.statusCode < 400) return undefined;
  const type = String(r.headers['content-type'] ?? '');
  // Open311 answers its errors in the format asked for (XML for .xml): a description is enough there.
  if (type.includes('xml')) return /<description>[^<]+<\/description>/.test(r.body) ? undefined : `XML ${r.statusCode} without a description: ${r.body.slice(0, 300)}`;
  let j: { error?: { code?: unknown; message?: unknown; details?: unknown } } | unknown[];
  try {
    j = JSON.parse(r.body) as typeof j;
  } catch {
    return `${r.statusCode} body is not JSON: ${r.body.slice(0, 300)}`;
  }
  // Open311's JSON errors are a list of {code, description}.
  if (Array.isArray(j)) {
    const e = j[0] as { code?: unknown; description?: unknown } | undefined;
    return e && e.code !== undefined && typeof e.description === 'string' && e.description.length > 0 ? undefined : `${r.statusCode} Open311 error without a description: ${r.body.slice(0, 300)}`;
  }
  const e = j.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || e.message.length === 0) return `${r.statusCode} without error.code and error.message: ${r.body.slice(0, 300)}`;
  if (e.code === 'validation_failed') {
    const d = e.details as Array<{ field?: unknown }> | undefined;
    const named = (Array.isArray(d) && d.some((x) => typeof x.field === 'string' && x.field.length > 0)) || /^[\w.[\]-]+: /.test(e.message);
    if (!named) return `validation_failed without a field: ${r.body.slice(0, 300)}`;
  }
  return undefined;
}
