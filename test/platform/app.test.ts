import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, toErrorResponse } from '../../src/app.js';
import { AppError } from '../../src/platform/errors.js';
import { buildTestApp, testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let app: FastifyInstance;
beforeAll(async () => {
  t = await createTestDatabase();
  app = await buildTestApp(t.db);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('server shell', () => {
  it('GET /healthz 200', async () => {
    const r = await app.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz 200 when the database is reachable and migrated', async () => {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json().status).toBe('ready');
  });

  it('GET /readyz 503 while a migration is pending', async () => {
    const saved = await t.db.query<{ version: number; name: string; checksum: string }>('SELECT * FROM schema_migration ORDER BY version DESC LIMIT 1');
    const last = saved.rows[0]!;
    await t.db.query('DELETE FROM schema_migration WHERE version = $1', [last.version]);
    try {
      const r = await app.inject({ method: 'GET', url: '/readyz' });
      expect(r.statusCode).toBe(503);
      expect(r.json().pending).toContain(`${last.name}.sql`);
    } finally {
      await t.db.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [last.version, last.name, last.checksum]);
    }
  });

  it('echoes a request id and keeps a valid client one', async () => {
    const r = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(r.headers['x-request-id']).toBe('abc-123');
    const r2 = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(r2.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('unknown route: 404 in the catalogue shape', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/nope' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'route_not_found', message: 'There is no endpoint GET /api/nope.' } });
  });

  it('serves OpenAPI and the docs page', async () => {
    const r = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    expect(r.json().openapi).toBe('3.0.3');
    const d = await app.inject({ method: 'GET', url: '/docs/' });
    expect(d.statusCode).toBe(200);
    expect(d.body).toContain('swagger');
  });

  it('serves Prometheus metrics that count requests', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toMatch(/gongzhi_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  });

  it('GET /metrics 401 without the token when GONGZHI_METRICS_TOKEN is set, 200 with it', async () => {
    const guarded = await buildTestApp(t.db, { config: { metricsToken: 'scrape-token-0123456789' } });
    try {
      expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('gongzhi_http_requests_total');
    } finally {
      await guarded.close();
    }
  });

  it('refuses to build an app with a route that declares no policy', async () => {
    const a = await buildApp({ db: t.db, config: testConfig(), logger: false });
    expect(() => a.get('/api/unguarded', async () => 'x')).toThrow(/has no config.policy/);
    await a.close();
  });
});

describe('error catalogue mapping', () => {
  it('keeps an AppError code, status and details', () => {
    const r = toErrorResponse(new AppError('invalid_state', 'The case is closed.', { state: 'closed' }));
    expect(r).toEqual({ status: 409, body: { error: { code: 'invalid_state', message: 'The case is closed.', details: { state: 'closed' } } } });
  });

  it('names the field of a schema validation error', () => {
    const e = Object.assign(new Error('x'), { validation: [{ instancePath: '/location/lng', message: 'must be number' }], validationContext: 'body' });
    const r = toErrorResponse(e);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.message).toBe('location.lng: must be number');
  });

  it('names a missing required property', () => {
    const e = Object.assign(new Error('x'), { validation: [{ instancePath: '', message: "must have required property 'lat'", params: { missingProperty: 'lat' } }], validationContext: 'querystring' });
    expect(toErrorResponse(e).body.error.message).toBe("lat: must have required property 'lat'");
  });

  it('hides internals of unexpected errors', () => {
    const r = toErrorResponse(new Error('relation "secret_table" does not exist'));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain('secret_table');
  });

  it('maps an unreachable database to 503 with Retry-After', () => {
    const r = toErrorResponse(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(r.status).toBe(503);
    expect(r.headers?.['retry-after']).toBe('5');
  });
});
