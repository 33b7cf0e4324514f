/**
 * The database going away: a 503 `database_unavailable` with Retry-After (never a 500, never a
 * hang), /readyz not ready within its own deadline, a running server that outlives the outage
 * with its background loops, and (PostgreSQL) a pool that survives its backends being killed.
 * The end-to-end version against a stopped PostgreSQL is test/resilience/outage.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { toErrorResponse } from '../../src/app.js';
import type { Database, Sql } from '../../src/platform/db.js';
import { inputDataProblem, isDatabaseUnavailable } from '../../src/platform/errors.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { buildTestApp, testConfig } from '../helpers/app.js';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/db.js';
import { createMiniCity } from '../helpers/fixtures.js';
import { apiKeyHeaders } from '../helpers/identity.js';

type Mode = 'up' | 'down' | 'hang';

/** The test database behind a switch: up, refusing connections, or never answering. */
function switchable(db: Database): { db: Database; set(m: Mode): void } {
  let mode: Mode = 'up';
  const gate = async () => {
    if (mode === 'down') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    if (mode === 'hang') await new Promise(() => undefined);
  };
  const wrapped: Database = {
    engine: db.engine,
    async query<R>(text: string, params?: readonly unknown[]) {
      await gate();
      return db.query<R>(text, params);
    },
    async exec(script: string) {
      await gate();
      return db.exec(script);
    },
    async tx<T>(fn: (tx: Sql) => Promise<T>) {
      await gate();
      return db.tx(fn);
    },
    async session<T>(fn: (s: Sql) => Promise<T>) {
      await gate();
      return db.session(fn);
    },
    async copyFrom(via, table, columns, rows) {
      await gate();
      return db.copyFrom(via === wrapped ? undefined : via, table, columns, rows);
    },
    close: () => db.close(),
  };
  return { db: wrapped, set: (m) => (mode = m) };
}

describe('error mapping of database failures', () => {
  it('connection failures are "unavailable", however they are wrapped', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], 'all failed'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: Object.assign(new Error('inner'), { code: '08006' }) }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('Cannot read properties of undefined'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });

  it('503 database_unavailable with Retry-After for a connection failure', () => {
    const r = toErrorResponse(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('database_unavailable');
    expect(r.headers?.['retry-after']).toMatch(/^\d+$/);
    expect(JSON.stringify(r.body)).not.toContain('ECONNREFUSED');
  });

  it('400 bad_request for a value the database cannot take (22003, 22P02, 22021), 500 for other SQL errors', () => {
    for (const code of ['22003', '22P02', '22021', '22001', '22007', '22008', '22P05']) {
      expect(inputDataProblem({ code })).toBeTypeOf('string');
      const r = toErrorResponse(Object.assign(new Error(`pg says ${code}`), { code }));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('bad_request');
      expect(r.body.error.message).not.toContain('pg says');
    }
    expect(toErrorResponse(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })).status).toBe(500);
    expect(toErrorResponse(Object.assign(new Error('deadlock'), { code: '40P01' })).status).toBe(500);
  });

  it('router errors: 400 for a path that is not valid UTF-8, 414 for an overlong path parameter', () => {
    expect(toErrorResponse(Object.assign(new Error('bad url'), { code: 'FST_ERR_BAD_URL', statusCode: 400 }))).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(toErrorResponse(Object.assign(new Error('too long'), { code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 }))).toMatchObject({ status: 414, body: { error: { code: 'uri_too_long' } } });
  });
});

describe('an app whose database goes away', () => {
  let t: TestDatabase;
  let sw: ReturnType<typeof switchable>;
  let app: FastifyInstance;
  let key: { authorization: string };
  beforeAll(async () => {
    t = await createTestDatabase();
    const city = await createMiniCity(t.db, '5376');
    key = await apiKeyHeaders(t.db, { role: 'operator', regionCode: city.city.code });
    sw = switchable(t.db);
    app = await buildTestApp(sw.db);
  });
  afterAll(async () => {
    sw?.set('up');
    await app?.close();
    await t?.close();
  });

  it('GET /readyz 200 while the database answers', async () => {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
  });

  it('503 database_unavailable with Retry-After on an API call; /readyz 503; /healthz 200', async () => {
    sw.set('down');
    try {
      const r = await app.inject({ method: 'GET', url: '/api/cases', headers: key });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(r.json().error.code).toBe('database_unavailable');
      const w = await app.inject({ method: 'POST', url: '/api/cases', headers: key, payload: { channel: 'open311', categoryCode: 'X', description: '测试一下' } });
      expect(w.statusCode).toBe(503);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBeDefined();
      expect(ready.json().status).toBe('not_ready');
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      sw.set('up');
    }
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/cases', headers: key })).statusCode).toBe(200);
  });

  it('GET /readyz answers 503 within its deadline when the database hangs', async () => {
    sw.set('hang');
    try {
      const t0 = Date.now();
      const r = await app.inject({ method: 'GET', url: '/readyz' });
      expect(r.statusCode).toBe(503);
      expect(r.json().reason).toMatch(/in time/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      sw.set('up');
    }
  });
});

describe('a running server (startServer) while the database is down', () => {
  let t: TestDatabase;
  let sw: ReturnType<typeof switchable>;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
    sw = switchable(t.db);
    server = await startServer(sw.db, testConfig({ port: 0 }));
  });
  afterAll(async () => {
    sw?.set('up');
    await server?.stop();
  });

  it('keeps serving through several ticks of its background loops, answers 503, and recovers', async () => {
    const errors: unknown[] = [];
    const onErr = (e: unknown) => errors.push(e);
    process.on('unhandledRejection', onErr);
    try {
      sw.set('down');
      // The audit sealer ticks every second, the outbox relay every 0.5 s.
      await new Promise((r) => setTimeout(r, 2_500));
      const r = await fetch(`${server!.url.replace('localhost', '127.0.0.1')}/readyz`);
      expect(r.status).toBe(503);
      sw.set('up');
      const back = await fetch(`${server!.url.replace('localhost', '127.0.0.1')}/readyz`);
      expect(back.status).toBe(200);
      expect(errors).toEqual([]);
    } finally {
      process.off('unhandledRejection', onErr);
      sw.set('up');
    }
  });
});

describe.runIf(testEngine() === 'pg')('PostgreSQL: backends killed under the pool', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.close());

  it('a transaction whose backend is terminated fails as "unavailable", the process survives, the pool recovers', async () => {
    const { db } = t;
    const uncaught: unknown[] = [];
    const onErr = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onErr);
    try {
      const err = await db
        .tx(async (tx) => {
          const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          // Another connection (same role: allowed without superuser) kills ours mid-transaction.
          await db.query('SELECT pg_terminate_backend($1)', [pid]);
          await new Promise((r) => setTimeout(r, 200));
          await tx.query('SELECT 1');
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(err)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(uncaught).toEqual([]);
      const ok = await db.tx((tx) => tx.query<{ n: number }>('SELECT 1 AS n'));
      expect(ok.rows[0]!.n).toBe(1);
    } finally {
      process.off('uncaughtException', onErr);
    }
  });

  it('a session whose backend is terminated between statements does not crash the process', async () => {
    const { db } = t;
    const uncaught: unknown[] = [];
    const onErr = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onErr);
    try {
      await db
        .session(async (s) => {
          const pid = (await s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          await db.query('SELECT pg_terminate_backend($1)', [pid]);
          // Idle on a checked-out client while its server goes: pg emits 'error' on the client.
          await new Promise((r) => setTimeout(r, 300));
        })
        .catch(() => undefined);
      expect(uncaught).toEqual([]);
      expect((await db.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n).toBe(2);
    } finally {
      process.off('uncaughtException', onErr);
    }
  });
});
