/**
 * Session, CSRF and rate-limit behaviour across the whole API (issue 6, resilience: "access").
 * test/identity/auth.test.ts covers the login endpoint itself (the 429 after 30 attempts, the
 * cookie's HttpOnly/SameSite/Secure flags, a cross-site logout); test/access-matrix.test.ts covers
 * route × role × scope. What is added here: the 429 of a login flood tells the client when to come
 * back (Retry-After); EVERY state-changing endpoint refuses a session cookie without the CSRF token
 * and a cross-site form post, and writes nothing; an API key needs no CSRF token (a browser never
 * sends an Authorization header by itself); the cookie never reaches a script (HttpOnly), is not
 * sent cross-site on a POST (SameSite=Lax), and is Secure behind https.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksums } from '../../src/platform/backup.js';
import { closeWorld, createCasesWorld, type CasesWorld } from '../cases/setup.js';
import { buildTestApp } from '../helpers/app.js';
import { apiKeyHeaders, createUserWithGrants, TEST_PASSWORD } from '../helpers/identity.js';
import { operations, sample, type Operation } from '../resilience/fuzz-lib.js';

let w: CasesWorld;
let unsafe: Operation[];
let caseId: number;
beforeAll(async () => {
  w = await createCasesWorld('5378');
  const doc = (await w.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  // Login is CSRF-exempt by design (there is no session yet); its cross-site refusal is tested in auth.test.ts.
  unsafe = operations(doc).filter((o) => o.method !== 'GET' && o.path !== '/api/auth/login');
  const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.admin.headers, payload: { channel: 'web', categoryCode: 'CITY.STREET_VENDING', description: '占道经营', location: w.inGrid } });
  caseId = r.json().case.id;
}, 180_000);
afterAll(() => closeWorld(w));

const stable = async () => {
  const all = await tableChecksums(w.t.db);
  delete all.session;
  delete all.api_key;
  return all;
};
/** 403 csrf_invalid (Open311 endpoints answer in Open311's own error format, [{code, description}]). */
const refusedForCsrf = (r: { statusCode: number; json: () => unknown }): boolean => {
  if (r.statusCode !== 403) return false;
  const j = r.json() as { error?: { code?: string } } | Array<{ description?: string }>;
  return Array.isArray(j) ? /CSRF|another site/.test(j[0]?.description ?? '') : j.error?.code === 'csrf_invalid';
};
const urlOf = (op: Operation) => op.path.replace(/\{([^}]+)\}/g, (_m, p: string) => (p === 'id' ? String(caseId) : p === 'code' ? w.city.city.code : p === 'format' ? 'json' : '1'));

describe('login flood', () => {
  it('429 rate_limited with Retry-After once one address has tried 30 times in a minute', async () => {
    const app = await buildTestApp(w.t.db);
    try {
      let last;
      for (let i = 0; i < 31; i += 1) {
        last = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.8.7', payload: { phone: `1360000${String(i).padStart(4, '0')}`, password: 'not-the-password' } });
      }
      expect(last!.statusCode).toBe(429);
      expect(last!.json().error.code).toBe('rate_limited');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

describe('CSRF on every state-changing endpoint', () => {
  it('403 csrf_invalid for a session cookie without the CSRF token, and nothing is written', async () => {
    expect(unsafe.length).toBeGreaterThan(30);
    const before = await stable();
    const wrong: string[] = [];
    for (const op of unsafe) {
      const r = await w.app.inject({ method: op.method as 'POST', url: urlOf(op), headers: { cookie: w.admin.headers.cookie }, payload: op.body ? (sample(op.body) as object) : {} });
      if (!refusedForCsrf(r)) wrong.push(`${op.method} ${op.path} → ${r.statusCode} ${r.body.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
    expect(await stable()).toEqual(before);
  });

  it('403 csrf_invalid for a cross-site form post with the cookie (Origin or Referer of another site), and nothing is written', async () => {
    const before = await stable();
    const wrong: string[] = [];
    for (const op of unsafe) {
      for (const site of [{ origin: 'https://evil.example' }, { referer: 'https://evil.example/page.html' }]) {
        const r = await w.app.inject({
          method: op.method as 'POST',
          url: urlOf(op),
          // A browser submitting evil.example's form attaches our cookie but cannot add the header.
          headers: { cookie: w.admin.headers.cookie, 'content-type': 'application/x-www-form-urlencoded', ...site },
          payload: 'channel=web&categoryCode=CITY.STREET_VENDING&description=%E5%8D%A0%E9%81%93',
        });
        if (!refusedForCsrf(r)) wrong.push(`${op.method} ${op.path} ${JSON.stringify(site)} → ${r.statusCode} ${r.body.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await stable()).toEqual(before);
  });

  it('refused even with a stolen token when the request comes from another site', async () => {
    const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: { ...w.resident.headers, origin: 'https://evil.example' }, payload: { channel: 'web', categoryCode: 'CITY.STREET_VENDING', description: '跨站提交' } });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('csrf_invalid');
  });

  it('an API key needs no CSRF token (and the cookie of a session is not consulted)', async () => {
    const key = await apiKeyHeaders(w.t.db, { role: 'operator', regionCode: w.city.city.code });
    const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: key, payload: { channel: 'open311', categoryCode: 'CITY.STREET_VENDING', description: '接口上报', location: w.inGrid } });
    expect(r.statusCode, r.body).toBe(201);
  });
});

describe('the session cookie', () => {
  it('HttpOnly, SameSite=Lax, Path=/, not Secure over plain http; Secure over https behind a trusted proxy', async () => {
    const u = await createUserWithGrants(w.t.db, { grants: [{ role: 'resident', regionCode: w.city.city.code }] });
    const r = await w.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.1.1.1', payload: { phone: u.phone, password: TEST_PASSWORD } });
    expect(r.statusCode).toBe(200);
    const c = r.cookies.find((x) => x.name === 'gz_session')!;
    expect(c.httpOnly).toBe(true);
    expect(String(c.sameSite).toLowerCase()).toBe('lax');
    expect(c.path).toBe('/');
    expect(c.secure).toBeFalsy();
    // The CSRF token travels in the body, never in a cookie a script could read cross-site.
    expect(r.cookies.map((x) => x.name)).toEqual(['gz_session']);
    const app = await buildTestApp(w.t.db, { config: { trustProxy: true } });
    try {
      const s = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.1.1.2', headers: { 'x-forwarded-proto': 'https' }, payload: { phone: u.phone, password: TEST_PASSWORD } });
      const sc = s.cookies.find((x) => x.name === 'gz_session')!;
      expect(sc.secure).toBe(true);
      expect(sc.httpOnly).toBe(true);
    } finally {
      await app.close();
    }
  });
});
