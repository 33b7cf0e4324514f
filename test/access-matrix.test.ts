/**
 * The access matrix: every registered endpoint × anonymous and the nine roles × (target inside
 * the actor's scope, target outside it), checked against the rows in test/access/*.access.ts.
 * A new endpoint without a row fails here, and so does a row whose expectation no longer holds.
 *
 * Routes are collected with an onRoute hook on the app buildApp creates: the fastify factory is
 * wrapped so the hook is in place before the first route is added.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROLES, type Role } from '../src/platform/actor.js';
import { buildTestApp } from './helpers/app.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createMiniCity } from './helpers/fixtures.js';
import { createTestDepartment, createUserWithGrants, sessionHeaders } from './helpers/identity.js';
import type { AccessEnv, AccessRow, Expect, PerTarget, Target } from './access/types.js';

const registered = vi.hoisted(() => [] as Array<{ method: string; url: string; policy: unknown }>);

vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>();
  const original = mod.default as unknown as (...args: unknown[]) => FastifyInstance;
  const wrapped = (...args: unknown[]) => {
    const app = original(...args);
    app.addHook('onRoute', (r) => {
      for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
        registered.push({ method: String(m), url: r.url, policy: (r.config as { policy?: unknown } | undefined)?.policy });
      }
    });
    return app;
  };
  return { ...mod, default: Object.assign(wrapped, mod.default) };
});

const here = path.dirname(fileURLToPath(import.meta.url));
const accessDir = path.join(here, 'access');
const rowFiles = fs.readdirSync(accessDir).filter((f) => f.endsWith('.access.ts')).sort();
const rowsByFile = new Map<string, AccessRow[]>();
for (const f of rowFiles) {
  const mod = (await import(pathToFileURL(path.join(accessDir, f)).href)) as { rows?: AccessRow[] };
  if (!Array.isArray(mod.rows)) throw new Error(`test/access/${f} must export \`rows: AccessRow[]\``);
  rowsByFile.set(f, mod.rows);
}
const allRows = [...rowsByFile.values()].flat();
const key = (method: string, url: string) => `${method} ${url}`;

const exempt = (method: string, url: string) => method === 'HEAD' || method === 'OPTIONS' || url === '/docs' || url.startsWith('/docs/');

function moduleGuess(url: string): string {
  const parts = url.split('/').filter(Boolean);
  return parts[0] === 'api' && parts[1] ? parts[1].replace(/^:.*/, 'platform') : 'platform';
}

let t: TestDatabase;
let app: FastifyInstance;
let env: AccessEnv;

beforeAll(async () => {
  t = await createTestDatabase();
  const city = await createMiniCity(t.db, '5301');
  const scope: AccessEnv['scope'] = {
    in: { district: city.wuhua, street: city.wuhuaStreet, community: city.wuhuaCommunity },
    out: { district: city.panlong, street: city.panlongStreet, community: city.panlongCommunity },
  };
  const wh = await createTestDepartment(t.db, { code: 'ACC-WH', name: '五华区矩阵局', regionCode: city.wuhua.code });
  const pl = await createTestDepartment(t.db, { code: 'ACC-PL', name: '盘龙区矩阵局', regionCode: city.panlong.code });
  const departments = { in: { id: wh, code: 'ACC-WH' }, out: { id: pl, code: 'ACC-PL' } };
  const actors = {} as AccessEnv['actors'];
  for (const role of ROLES) {
    const u = await createUserWithGrants(t.db, {
      name: `矩阵${role}`,
      grants: [{ role, regionCode: city.wuhua.code, ...(role === 'handler' ? { departmentCode: 'ACC-WH' } : {}) }],
    });
    actors[role] = { id: u.id, phone: u.phone, headers: await sessionHeaders(t.db, u.id) };
  }
  registered.length = 0;
  // Files (attachments) go to a temporary data folder, never into the working tree; the web app
  // is served from a stand-in build so its routes answer as they do in production.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-matrix-'));
  fs.mkdirSync(path.join(tmp, 'web'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'web', 'index.html'), '<!doctype html><title>gongzhi</title>');
  process.env.GONGZHI_WEB_DIST = path.join(tmp, 'web');
  app = await buildTestApp(t.db, { config: { demo: true, dataDir: path.join(tmp, 'data') } });
  let n = 0;
  const memo = new Map<string, Promise<unknown>>();
  env = {
    app,
    db: t.db,
    city,
    scope,
    departments,
    actors,
    freshHeaders: (role: Role) => sessionHeaders(t.db, actors[role].id),
    unique: () => `${process.pid}${Date.now() % 100000}${(n += 1)}`,
    memo: <T>(k: string, make: () => Promise<T>) => {
      if (!memo.has(k)) memo.set(k, make());
      return memo.get(k) as Promise<T>;
    },
  };
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('access matrix', () => {
  it('collected the routes of the app', () => {
    expect(registered.length).toBeGreaterThan(10);
    expect(registered.some((r) => r.url === '/api/auth/login')).toBe(true);
  });

  it('every endpoint has a row', () => {
    const rows = new Set(allRows.map((r) => key(r.method, r.url)));
    const missing = registered
      .filter((r) => !exempt(r.method, r.url))
      .filter((r) => !rows.has(key(r.method, r.url)))
      .map((r) => `${key(r.method, r.url)} (policy ${String(r.policy)}) has no access row: add a row to test/access/<module>.access.ts (the module that registers it; perhaps ${moduleGuess(r.url)})`);
    expect(missing).toEqual([]);
  });

  it('every row names an endpoint that exists, once', () => {
    const routes = new Set(registered.map((r) => key(r.method, r.url)));
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const [file, rows] of rowsByFile) {
      for (const r of rows) {
        const k = key(r.method, r.url);
        if (!routes.has(k)) problems.push(`test/access/${file}: ${k} is not a registered endpoint`);
        if (seen.has(k)) problems.push(`test/access/${file}: ${k} has two rows`);
        seen.add(k);
        for (const role of ROLES) if (r.roles[role] === undefined && r.otherRoles === undefined) problems.push(`test/access/${file}: ${k} says nothing about ${role} (add it or otherRoles)`);
      }
    }
    expect(problems).toEqual([]);
  });
});

function classify(status: number): Expect | `unexpected ${number}` {
  if (status === 401) return 'deny401';
  if (status === 403) return 'deny403';
  if (status === 404) return 'deny404';
  if (status === 400 || status >= 500) return `unexpected ${status}`;
  return 'allow';
}

const expectFor = (p: PerTarget, target: Target): Expect => (typeof p === 'string' ? p : p[target]);

for (const [file, rows] of rowsByFile) {
  describe(`test/access/${file}`, () => {
    for (const row of rows) {
      it(`${row.method} ${row.url}`, async () => {
        const failures: string[] = [];
        const call = async (who: Role | 'anonymous', target: Target, expected: Expect) => {
          const req = await row.request(env, target, who);
          const headers = { ...(who === 'anonymous' ? {} : env.actors[who].headers), ...(req.headers ?? {}) };
          const res = await env.app.inject({ method: row.method, url: req.url, headers, ...(req.payload !== undefined ? { payload: req.payload as never } : {}) });
          const got = classify(res.statusCode);
          if (got !== expected) failures.push(`${who} → ${target}-scope target ${req.url}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
        };
        await call('anonymous', 'in', row.anonymous);
        for (const role of ROLES) {
          const p = row.roles[role] ?? row.otherRoles;
          if (p === undefined) continue;
          for (const target of ['in', 'out'] as const) await call(role, target, expectFor(p, target));
        }
        expect(failures).toEqual([]);
      });
    }
  });
}
