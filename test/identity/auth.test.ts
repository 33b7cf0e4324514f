import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { createUserWithGrants, loginCookie, sessionHeaders, TEST_PASSWORD } from '../helpers/identity.js';

let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let clock = new Date('2025-03-01T02:00:00Z');
beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, '5301');
  app = await buildTestApp(t.db, { now: () => clock });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const auditCount = async (action: string, targetId: number) =>
  (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_record WHERE action = $1 AND target_id = $2', [action, String(targetId)])).rows[0]!.n;

describe('POST /api/auth/login', () => {
  it('200: sets an HttpOnly SameSite=Lax cookie, returns the user, grants and a CSRF token, stores only a hash', async () => {
    const u = await createUserWithGrants(t.db, { name: '王五', grants: [{ role: 'operator', regionCode: city.wuhua.code }] });
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: TEST_PASSWORD } });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.user).toEqual({ id: u.id, name: '王五', phone: u.phone });
    expect(body.grants).toEqual([expect.objectContaining({ role: 'operator', regionCode: city.wuhua.code, regionName: '五华区' })]);
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(/^gz_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).not.toContain('Secure');
    const token = r.cookies.find((c) => c.name === 'gz_session')!.value;
    const stored = await t.db.query<{ id: string }>('SELECT id FROM session WHERE user_id = $1', [u.id]);
    expect(stored.rows.map((x) => x.id)).not.toContain(token);
    expect(stored.rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await auditCount('auth.login', u.id)).toBe(1);
  });

  it('sets a Secure cookie when the request came over https (trusted proxy)', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'analyst', regionCode: city.wuhua.code }] });
    const a = await buildTestApp(t.db, { config: { trustProxy: true } });
    try {
      const r = await a.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { phone: u.phone, password: TEST_PASSWORD } });
      expect(r.statusCode).toBe(200);
      expect(String(r.headers['set-cookie'])).toContain('Secure');
    } finally {
      await a.close();
    }
  });

  it('401 invalid_credentials for a wrong password and for an unknown phone, alike', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    const a = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: 'wrong-password' } });
    const b = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13011112222', password: 'wrong-password' } });
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json().error.code).toBe('invalid_credentials');
    expect(b.json()).toEqual(a.json());
    expect(a.headers['set-cookie']).toBeUndefined();
  });

  it('400 naming the field for a malformed phone or a missing password', async () => {
    const a = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '12345', password: 'x' } });
    expect(a.statusCode).toBe(400);
    expect(a.json().error.details[0].field).toBe('phone');
    const b = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800001111' } });
    expect(b.statusCode).toBe(400);
    expect(b.json().error.details[0].field).toBe('password');
  });

  it('423 account_locked after 5 failures, with the unlock time; even the right password is refused until then', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    for (let i = 0; i < 4; i += 1) {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: `wrong-${i}-password` } });
      expect(r.statusCode).toBe(401);
    }
    const fifth = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: 'wrong-5-password' } });
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json().error.code).toBe('account_locked');
    const until = new Date(clock.getTime() + 15 * 60_000).toISOString();
    expect(fifth.json().error.details).toEqual({ lockedUntil: until });
    expect(fifth.headers['retry-after']).toBe('900');
    const right = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: TEST_PASSWORD } });
    expect(right.statusCode).toBe(423);
    expect(await auditCount('user.locked', u.id)).toBe(1);
    const saved = clock;
    try {
      clock = new Date(saved.getTime() + 15 * 60_000 + 1000);
      const later = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: TEST_PASSWORD } });
      expect(later.statusCode).toBe(200);
    } finally {
      clock = saved;
    }
  });

  it('a success resets the failure count', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    for (let i = 0; i < 4; i += 1) await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: 'wrong-password' } });
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: TEST_PASSWORD } })).statusCode).toBe(200);
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: 'wrong-password' } });
    expect(r.statusCode).toBe(401);
  });

  it('GONGZHI_LOGIN_RATE_LIMIT sets the per-IP login limit', async () => {
    const a = await buildTestApp(t.db, { config: { loginRatePerMin: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        codes.push((await a.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { phone: '13700008888', password: 'whatever-pass' } })).statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await a.close();
    }
  });

  it('429 when one IP floods the login (rate limit per IP)', async () => {
    const a = await buildTestApp(t.db);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 35; i += 1) {
        const r = await a.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: `1370000${String(i).padStart(4, '0')}`, password: 'whatever-pass' } });
        codes.push(r.statusCode);
      }
      expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
      expect(codes.slice(30)).toEqual([429, 429, 429, 429, 429]);
      const last = await a.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13700009999', password: 'whatever-pass' } });
      expect(last.json().error.code).toBe('rate_limited');
      // Another client is not throttled.
      const other = await a.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.1.2.3', payload: { phone: '13700009999', password: 'whatever-pass' } });
      expect(other.statusCode).toBe(401);
    } finally {
      await a.close();
    }
  });

  it('403 csrf_invalid for a login posted from another site', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: 'https://evil.example' }, payload: { phone: u.phone, password: TEST_PASSWORD } });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('csrf_invalid');
    const same = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: 'http://localhost:80', host: 'localhost' }, payload: { phone: u.phone, password: TEST_PASSWORD } });
    expect(same.statusCode).toBe(200);
  });

  it('a disabled user cannot log in', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    await t.db.query('UPDATE app_user SET disabled = true WHERE id = $1', [u.id]);
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: TEST_PASSWORD } });
    expect(r.statusCode).toBe(401);
  });
});

describe('GET /api/auth/me', () => {
  it('200 with the grants, the actions and the CSRF token of the session', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'admin', regionCode: city.wuhua.code }] });
    const h = await loginCookie(app, u.phone);
    const r = await app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ kind: 'user', user: { id: u.id }, csrfToken: h['x-csrf-token'] });
    expect(r.json().actions).toContain('users.create');
    expect(r.json().grants[0]).toMatchObject({ role: 'admin', regionCode: city.wuhua.code });
  });

  it('a resident may not manage anything', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'resident', regionCode: city.city.code }] });
    const r = await app.inject({ method: 'GET', url: '/api/auth/me', headers: await sessionHeaders(t.db, u.id, clock) });
    expect(r.statusCode).toBe(200);
    expect(r.json().actions).toEqual([]);
  });

  it('401 unauthenticated without a session', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('unauthenticated');
  });

  it('401 session_expired after 8 idle hours, and after 7 days however active; the cookie is cleared', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    const start = clock;
    try {
      const h = await sessionHeaders(t.db, u.id, start);
      clock = new Date(start.getTime() + 7 * 3600_000);
      expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(200);
      clock = new Date(start.getTime() + 14 * 3600_000);
      expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(200);
      clock = new Date(start.getTime() + 22 * 3600_000 + 1000);
      const idle = await app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
      expect(idle.statusCode).toBe(401);
      expect(idle.json().error.code).toBe('session_expired');
      expect(String(idle.headers['set-cookie'])).toMatch(/gz_session=;/);

      const h2 = await sessionHeaders(t.db, u.id, start);
      for (let hours = 6; hours < 7 * 24; hours += 6) {
        clock = new Date(start.getTime() + hours * 3600_000);
        expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h2 })).statusCode).toBe(200);
      }
      clock = new Date(start.getTime() + 7 * 24 * 3600_000);
      expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h2 })).json().error.code).toBe('session_expired');
    } finally {
      clock = start;
    }
  });

  it('an expired cookie does not break a public endpoint', async () => {
    const r = await app.inject({ method: 'GET', url: '/healthz', headers: { cookie: 'gz_session=not-a-real-session-token-at-all' } });
    expect(r.statusCode).toBe(200);
  });
});

describe('POST /api/auth/logout', () => {
  it('204 revokes the session: the same cookie is refused afterwards', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    const h = await loginCookie(app, u.phone);
    const r = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: h });
    expect(r.statusCode).toBe(204);
    expect(String(r.headers['set-cookie'])).toMatch(/gz_session=;/);
    const again = await app.inject({ method: 'GET', url: '/api/auth/me', headers: h });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('session_expired');
    expect(await auditCount('auth.logout', u.id)).toBe(1);
  });

  it('403 csrf_invalid without the CSRF token, or with a wrong one; the session survives', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    const h = await loginCookie(app, u.phone);
    const none = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: h.cookie } });
    expect(none.statusCode).toBe(403);
    expect(none.json().error.code).toBe('csrf_invalid');
    const wrong = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: h.cookie, 'x-csrf-token': 'x'.repeat(32) } });
    expect(wrong.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(200);
  });

  it('403 csrf_invalid for a cross-site form post, even with the token', async () => {
    const u = await createUserWithGrants(t.db, { grants: [] });
    const h = await loginCookie(app, u.phone);
    const r = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { ...h, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('csrf_invalid');
    const viaReferer = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...h, referer: 'https://evil.example/page' } });
    expect(viaReferer.statusCode).toBe(403);
  });

  it('401 without a session', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(r.statusCode).toBe(401);
  });
});

describe('GET /api/auth/demo-users', () => {
  it('404 unless the installation is a demo', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/auth/demo-users' });
    expect(r.statusCode).toBe(404);
  });

  it('200 with the demo users in demo mode', async () => {
    const a = await buildTestApp(t.db, { config: { demo: true } });
    try {
      const r = await a.inject({ method: 'GET', url: '/api/auth/demo-users' });
      expect(r.statusCode).toBe(200);
      expect(r.json().password).toBe('demo-password');
      expect(r.json().users.map((u: { role: string }) => u.role)).toEqual(
        expect.arrayContaining(['resident', 'grid_worker', 'operator', 'handler', 'mediator', 'supervisor', 'volunteer_admin', 'analyst', 'admin']),
      );
    } finally {
      await a.close();
    }
  });
});
