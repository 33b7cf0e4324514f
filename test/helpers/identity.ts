/**
 * Acting as a role in tests. Typical use in another module's route test:
 *
 *   const city = await createMiniCity(t.db, '5391');
 *   const op = await actAs(t.db, { role: 'operator', regionCode: city.wuhua.code });
 *   const r = await app.inject({ method: 'POST', url: '/api/cases', headers: op.headers, payload });
 *
 * - createUserWithGrants: a real user (argon2 hash, grants resolved by region code), audited;
 * - loginCookie: logs in through POST /api/auth/login (rate-limited: 30 a minute per app and IP);
 * - sessionHeaders / actAs: a session created directly, no HTTP login and no rate limit;
 * - apiKeyHeaders: an API key with one grant, as `authorization: Bearer gz_…`.
 * Headers are {cookie, 'x-csrf-token'} for sessions: pass them to inject() for any method.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { systemActor, type Role } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import type { Database } from '../../src/platform/db.js';
import { createSession, SESSION_COOKIE } from '../../src/modules/identity/auth.service.js';
import { createApiKey, createDepartment, createUser } from '../../src/modules/identity/identity.service.js';
import { TEST_SECRET } from './app.js';

export interface GrantSpec {
  role: Role;
  regionCode: string;
  departmentCode?: string;
}

export interface TestUser {
  id: number;
  name: string;
  phone: string;
  password: string;
}

export interface SessionHeaders {
  cookie: string;
  'x-csrf-token': string;
  [k: string]: string;
}

export const TEST_PASSWORD = 'test-password-1';

/** A random mobile number (callers retry on the rare collision). */
export function uniquePhone(): string {
  return `139${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

const systemCtx = () => cliCtx(systemActor('test'));

export async function createUserWithGrants(
  db: Database,
  u: { name?: string; phone?: string; password?: string; idCard?: string; grants: GrantSpec[] },
): Promise<TestUser> {
  const password = u.password ?? TEST_PASSWORD;
  for (let attempt = 0; ; attempt += 1) {
    const phone = u.phone ?? uniquePhone();
    const name = u.name ?? `测试用户${phone.slice(-4)}`;
    try {
      const id = await createUser(db, systemCtx(), () => TEST_SECRET, { name, phone, password, idCard: u.idCard, grants: u.grants });
      return { id, name, phone, password };
    } catch (e) {
      if (u.phone === undefined && (e as { code?: string }).code === 'phone_taken' && attempt < 5) continue;
      throw e;
    }
  }
}

/** Log in through the API; returns the headers that act as that user (cookie and CSRF token). */
export async function loginCookie(app: FastifyInstance, phone: string, password: string = TEST_PASSWORD): Promise<SessionHeaders> {
  const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone, password } });
  if (r.statusCode !== 200) throw new Error(`login as ${phone} failed: ${r.statusCode} ${r.body}`);
  const c = r.cookies.find((x) => x.name === SESSION_COOKIE);
  if (!c) throw new Error('login set no session cookie');
  return { cookie: `${SESSION_COOKIE}=${c.value}`, 'x-csrf-token': (r.json() as { csrfToken: string }).csrfToken };
}

/** Headers for a new session of the user, made directly in the database (no login round trip). */
export async function sessionHeaders(db: Database, userId: number, now: Date = new Date()): Promise<SessionHeaders> {
  const s = await createSession(db, { userId, now });
  return { cookie: `${SESSION_COOKIE}=${s.token}`, 'x-csrf-token': s.csrfToken };
}

/** A new user holding the grants, and headers acting as them. */
export async function actAs(
  db: Database,
  g: GrantSpec | GrantSpec[],
  opts: { now?: Date; name?: string } = {},
): Promise<{ user: TestUser; headers: SessionHeaders }> {
  const user = await createUserWithGrants(db, { grants: Array.isArray(g) ? g : [g], ...(opts.name ? { name: opts.name } : {}) });
  return { user, headers: await sessionHeaders(db, user.id, opts.now) };
}

/** An API key holding one grant: the key, its id, and headers that use it. */
export async function createTestApiKey(db: Database, g: GrantSpec & { name?: string }): Promise<{ id: number; key: string; headers: { authorization: string } }> {
  const r = await createApiKey(db, systemCtx(), { name: g.name ?? `test key ${g.role}`, grants: [{ role: g.role, regionCode: g.regionCode, departmentCode: g.departmentCode }] });
  return { id: r.id, key: r.key, headers: { authorization: `Bearer ${r.key}` } };
}

/** Headers `{ authorization: 'Bearer gz_…' }` for a new API key holding one grant. */
export async function apiKeyHeaders(db: Database, g: GrantSpec & { name?: string }): Promise<{ authorization: string }> {
  return (await createTestApiKey(db, g)).headers;
}

/** A department for handler grants. */
export async function createTestDepartment(
  db: Database,
  d: { code: string; name?: string; kind?: string; regionCode: string; parentCode?: string },
): Promise<number> {
  return createDepartment(db, systemCtx(), { code: d.code, name: d.name ?? `测试部门${d.code}`, kind: d.kind ?? '城管', regionCode: d.regionCode, ...(d.parentCode ? { parentCode: d.parentCode } : {}) });
}
