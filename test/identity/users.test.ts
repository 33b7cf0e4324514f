import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { actAs, createTestDepartment, createUserWithGrants, loginCookie, uniquePhone, type SessionHeaders } from '../helpers/identity.js';
import { idCardCheckChar } from '../../src/modules/identity/idcard.js';

let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let cityAdmin: SessionHeaders;
let wuhuaAdmin: SessionHeaders;
let operator: SessionHeaders;
const ID = (() => {
  const f = '53010219900307123';
  return f + idCardCheckChar(f);
})();
const MASKED = `5301**********${ID.slice(-4)}`;

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, '5301');
  app = await buildTestApp(t.db);
  cityAdmin = (await actAs(t.db, { role: 'admin', regionCode: city.city.code })).headers;
  wuhuaAdmin = (await actAs(t.db, { role: 'admin', regionCode: city.wuhua.code })).headers;
  operator = (await actAs(t.db, { role: 'operator', regionCode: city.wuhua.code })).headers;
  await createTestDepartment(t.db, { code: 'U-WH-CGJ', name: '五华区城市管理局', regionCode: city.wuhua.code });
  await createTestDepartment(t.db, { code: 'U-PL-CGJ', name: '盘龙区城市管理局', regionCode: city.panlong.code });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const count = async (sql: string, params: unknown[] = []) => (await t.db.query<{ n: number }>(sql, params)).rows[0]!.n;
const users = () => count('SELECT count(*)::int AS n FROM app_user');

describe('POST /api/users', () => {
  it('201: creates a user with a grant, hashes the password, encrypts the ID card, audits without secrets', async () => {
    const phone = uniquePhone();
    const r = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: wuhuaAdmin,
      payload: { name: '张三', phone, password: 'secret-pass-1', idCard: ID, grants: [{ role: 'operator', regionCode: city.wuhuaStreet.code }] },
    });
    expect(r.statusCode).toBe(201);
    const u = r.json();
    expect(u).toMatchObject({ name: '张三', phone, idCard: MASKED, disabled: false, lockedUntil: null });
    expect(u.grants).toEqual([expect.objectContaining({ role: 'operator', regionCode: city.wuhuaStreet.code, regionName: '华山街道' })]);
    const row = (await t.db.query<{ password_hash: string; id_card_enc: string; id_card_last4: string }>('SELECT * FROM app_user WHERE id = $1', [u.id])).rows[0]!;
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row.id_card_enc).toMatch(/^v1:/);
    expect(row.id_card_enc).not.toContain('19900307');
    expect(row.id_card_last4).toBe(ID.slice(-4));
    const audit = (await t.db.query<{ after: unknown }>(`SELECT after FROM audit_record WHERE action = 'user.create' AND target_id = $1`, [String(u.id)])).rows[0]!;
    const text = JSON.stringify(audit.after);
    expect(text).not.toContain('secret-pass-1');
    expect(text).not.toContain(ID);
    expect(text).not.toContain(phone);
    expect(text).toContain(MASKED);
    // The new user can log in.
    const h = await loginCookie(app, phone, 'secret-pass-1');
    expect(h.cookie).toMatch(/^gz_session=/);
  });

  it('400 weak_password naming the field, nothing written', async () => {
    const before = await users();
    const r = await app.inject({ method: 'POST', url: '/api/users', headers: cityAdmin, payload: { name: 'x', phone: uniquePhone(), password: '12345678' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'weak_password', details: [{ field: 'password' }] });
    expect(await users()).toBe(before);
  });

  it('400 invalid_id_card for a wrong check digit, naming the field', async () => {
    const before = await users();
    const bad = ID.slice(0, 17) + (ID[17] === '0' ? '1' : '0');
    const r = await app.inject({ method: 'POST', url: '/api/users', headers: cityAdmin, payload: { name: 'x', phone: uniquePhone(), password: 'good-password', idCard: bad } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'invalid_id_card', details: [{ field: 'idCard', reason: 'check_digit' }] });
    expect(await users()).toBe(before);
  });

  it('400 validation_failed naming the field: phone, name, role, regionCode, unknown property', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', phone: '12812341234', password: 'good-password' }, 'phone'],
      [{ name: '', phone: uniquePhone(), password: 'good-password' }, 'name'],
      [{ name: 'x', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'king', regionCode: city.wuhua.code }] }, 'grants.0.role'],
      [{ name: 'x', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'operator', regionCode: '5301' }] }, 'grants.0.regionCode'],
      [{ name: 'x', phone: uniquePhone(), password: 'good-password', isAdmin: true }, 'isAdmin'],
    ];
    const before = await users();
    for (const [payload, field] of cases) {
      const r = await app.inject({ method: 'POST', url: '/api/users', headers: cityAdmin, payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.details[0].field, r.body).toBe(field);
    }
    expect(await users()).toBe(before);
  });

  it('400: a handler needs a department; 409 phone_taken for a second user with the same phone', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/users', headers: cityAdmin, payload: { name: 'x', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'handler', regionCode: city.wuhua.code }] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0].field).toBe('grants.0.departmentCode');
    const phone = uniquePhone();
    expect((await app.inject({ method: 'POST', url: '/api/users', headers: cityAdmin, payload: { name: 'a', phone, password: 'good-password' } })).statusCode).toBe(201);
    const dup = await app.inject({ method: 'POST', url: '/api/users', headers: cityAdmin, payload: { name: 'b', phone, password: 'good-password' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'phone_taken', details: [{ field: 'phone' }] });
  });

  it('a handler grant names a department inside the admin scope, and a region inside the department area', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: wuhuaAdmin,
      payload: { name: '处置员', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'handler', regionCode: city.wuhuaStreet.code, departmentCode: 'U-WH-CGJ' }] },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().grants[0]).toMatchObject({ departmentCode: 'U-WH-CGJ', departmentName: '五华区城市管理局' });
    const otherDept = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: wuhuaAdmin,
      payload: { name: '处置员', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'handler', regionCode: city.wuhuaStreet.code, departmentCode: 'U-PL-CGJ' }] },
    });
    expect(otherDept.statusCode).toBe(404);
    expect(otherDept.json().error.code).toBe('department_not_found');
    const outside = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: cityAdmin,
      payload: { name: '处置员', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'handler', regionCode: city.panlongStreet.code, departmentCode: 'U-WH-CGJ' }] },
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.details[0].field).toBe('grants.0.regionCode');
  });

  it('404 region_not_found when the admin grants over a region outside their scope; nothing written', async () => {
    const before = await users();
    const r = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers: wuhuaAdmin,
      payload: { name: 'x', phone: uniquePhone(), password: 'good-password', grants: [{ role: 'admin', regionCode: city.city.code }] },
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toMatchObject({ code: 'region_not_found', details: [{ field: 'grants.0.regionCode' }] });
    expect(await users()).toBe(before);
  });

  it('401 anonymous, 403 for a non-admin', async () => {
    const payload = { name: 'x', phone: uniquePhone(), password: 'good-password' };
    expect((await app.inject({ method: 'POST', url: '/api/users', payload })).statusCode).toBe(401);
    const r = await app.inject({ method: 'POST', url: '/api/users', headers: operator, payload });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('forbidden');
  });
});

describe('GET /api/users and GET /api/users/:id', () => {
  it('lists users with a grant in my scope; masks what I do not manage; 404 for out-of-scope users', async () => {
    const inside = await createUserWithGrants(t.db, { name: '五华居民', idCard: ID, grants: [{ role: 'resident', regionCode: city.wuhuaCommunity.code }] });
    const outside = await createUserWithGrants(t.db, { name: '盘龙居民', grants: [{ role: 'resident', regionCode: city.panlongCommunity.code }] });
    const both = await createUserWithGrants(t.db, { name: '两区督查', grants: [{ role: 'supervisor', regionCode: city.wuhua.code }, { role: 'supervisor', regionCode: city.panlong.code }] });
    const noGrants = await createUserWithGrants(t.db, { name: '无角色', grants: [] });

    const list = await app.inject({ method: 'GET', url: '/api/users?limit=500', headers: wuhuaAdmin });
    expect(list.statusCode).toBe(200);
    const ids = list.json().items.map((u: { id: number }) => u.id);
    expect(ids).toContain(inside.id);
    expect(ids).toContain(both.id);
    expect(ids).not.toContain(outside.id);
    expect(ids).not.toContain(noGrants.id);
    const listed = list.json().items.find((u: { id: number }) => u.id === inside.id);
    expect(listed.phone).toBe(inside.phone);
    expect(listed.idCard).toBe(MASKED);
    const partly = list.json().items.find((u: { id: number }) => u.id === both.id);
    expect(partly.phone).toBe(`${both.phone.slice(0, 3)}****${both.phone.slice(-4)}`);

    const one = await app.inject({ method: 'GET', url: `/api/users/${inside.id}`, headers: wuhuaAdmin });
    expect(one.statusCode).toBe(200);
    expect(one.json().idCard).toBe(ID);
    const partlyOne = await app.inject({ method: 'GET', url: `/api/users/${both.id}`, headers: wuhuaAdmin });
    expect(partlyOne.json().phone).toContain('****');

    const out = await app.inject({ method: 'GET', url: `/api/users/${outside.id}`, headers: wuhuaAdmin });
    const missing = await app.inject({ method: 'GET', url: '/api/users/99999999', headers: wuhuaAdmin });
    expect(out.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(out.json().error.code).toBe(missing.json().error.code);

    const cityList = await app.inject({ method: 'GET', url: `/api/users?q=${encodeURIComponent('无角色')}`, headers: cityAdmin });
    expect(cityList.json().items.map((u: { id: number }) => u.id)).toContain(noGrants.id);
  });

  it('filters by role and region', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'volunteer_admin', regionCode: city.wuhuaCommunity.code }] });
    const r = await app.inject({ method: 'GET', url: `/api/users?role=volunteer_admin&regionCode=${city.wuhuaCommunity.code}`, headers: cityAdmin });
    expect(r.json().items.map((x: { id: number }) => x.id)).toEqual([u.id]);
  });

  it('400 naming the field for a bad id or query', async () => {
    const a = await app.inject({ method: 'GET', url: '/api/users/abc', headers: cityAdmin });
    expect(a.statusCode).toBe(400);
    expect(a.json().error.details[0].field).toBe('id');
    const b = await app.inject({ method: 'GET', url: '/api/users?limit=0', headers: cityAdmin });
    expect(b.statusCode).toBe(400);
    expect(b.json().error.details[0].field).toBe('limit');
  });

  it('401 anonymous, 403 operator', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/users' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/users', headers: operator })).statusCode).toBe(403);
  });
});

describe('PATCH /api/users/:id', () => {
  it('200: renames, audits the change', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'analyst', regionCode: city.wuhuaStreet.code }] });
    const r = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { name: '新名字' } });
    expect(r.statusCode).toBe(200);
    expect(r.json().name).toBe('新名字');
    const a = (await t.db.query<{ before: unknown; after: unknown }>(`SELECT before, after FROM audit_record WHERE action = 'user.update' AND target_id = $1`, [String(u.id)])).rows[0]!;
    expect(a.after).toMatchObject({ name: '新名字' });
    expect(a.before).toMatchObject({ name: u.name });
  });

  it('a new password or disabling ends the user\'s sessions', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'analyst', regionCode: city.wuhuaStreet.code }] });
    const h = await loginCookie(app, u.phone, u.password);
    const r = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { password: 'brand-new-pass' } });
    expect(r.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h })).statusCode).toBe(401);
    const h2 = await loginCookie(app, u.phone, 'brand-new-pass');
    expect((await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { disabled: true } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: h2 })).statusCode).toBe(401);
    const audit = JSON.stringify((await t.db.query(`SELECT after FROM audit_record WHERE action = 'user.update' AND target_id = $1`, [String(u.id)])).rows);
    expect(audit).not.toContain('brand-new-pass');
    expect(audit).toContain('passwordChanged');
  });

  it('unlocks a locked account', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'analyst', regionCode: city.wuhuaStreet.code }] });
    await t.db.query(`UPDATE app_user SET locked_until = now() + interval '1 hour' WHERE id = $1`, [u.id]);
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: u.password } })).statusCode).toBe(423);
    const r = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { unlock: true } });
    expect(r.statusCode).toBe(200);
    expect(r.json().lockedUntil).toBeNull();
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: u.phone, password: u.password } })).statusCode).toBe(200);
  });

  it('403 when the user also holds roles outside my scope; 404 when none inside', async () => {
    const both = await createUserWithGrants(t.db, { grants: [{ role: 'supervisor', regionCode: city.wuhua.code }, { role: 'supervisor', regionCode: city.panlong.code }] });
    const r = await app.inject({ method: 'PATCH', url: `/api/users/${both.id}`, headers: wuhuaAdmin, payload: { password: 'take-over-pass' } });
    expect(r.statusCode).toBe(403);
    const outside = await createUserWithGrants(t.db, { grants: [{ role: 'resident', regionCode: city.panlongCommunity.code }] });
    expect((await app.inject({ method: 'PATCH', url: `/api/users/${outside.id}`, headers: wuhuaAdmin, payload: { name: 'x' } })).statusCode).toBe(404);
  });

  it('400 for an empty patch, a weak password, a taken phone, a bad ID card; nothing changes', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'analyst', regionCode: city.wuhuaStreet.code }] });
    const other = await createUserWithGrants(t.db, { grants: [{ role: 'analyst', regionCode: city.wuhuaStreet.code }] });
    const empty = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: {} });
    expect(empty.statusCode).toBe(400);
    const weak = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { password: 'short' } });
    expect(weak.json().error).toMatchObject({ code: 'weak_password', details: [{ field: 'password' }] });
    const taken = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { phone: other.phone } });
    expect(taken.statusCode).toBe(409);
    const bad = await app.inject({ method: 'PATCH', url: `/api/users/${u.id}`, headers: wuhuaAdmin, payload: { idCard: '530102199003071230' } });
    expect(bad.statusCode).toBe(400);
    const row = (await t.db.query<{ phone: string; id_card_enc: string | null }>('SELECT phone, id_card_enc FROM app_user WHERE id = $1', [u.id])).rows[0]!;
    expect(row).toEqual({ phone: u.phone, id_card_enc: null });
  });
});

describe('POST /api/users/:id/grants and DELETE /api/users/:id/grants/:grantId', () => {
  it('201 grants inside my scope; the grant applies to the user\'s next request; 204 takes it back', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'resident', regionCode: city.wuhuaCommunity.code }] });
    const h = await loginCookie(app, u.phone, u.password);
    expect((await app.inject({ method: 'GET', url: '/api/departments', headers: h })).statusCode).toBe(403);
    const g = await app.inject({ method: 'POST', url: `/api/users/${u.id}/grants`, headers: wuhuaAdmin, payload: { role: 'operator', regionCode: city.wuhuaStreet.code } });
    expect(g.statusCode).toBe(201);
    expect(g.json()).toMatchObject({ role: 'operator', regionCode: city.wuhuaStreet.code });
    expect((await app.inject({ method: 'GET', url: '/api/departments', headers: h })).statusCode).toBe(200);
    const again = await app.inject({ method: 'POST', url: `/api/users/${u.id}/grants`, headers: wuhuaAdmin, payload: { role: 'operator', regionCode: city.wuhuaStreet.code } });
    expect(again.statusCode).toBe(409);
    const d = await app.inject({ method: 'DELETE', url: `/api/users/${u.id}/grants/${g.json().id}`, headers: wuhuaAdmin });
    expect(d.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/departments', headers: h })).statusCode).toBe(403);
    expect(await count(`SELECT count(*)::int AS n FROM audit_record WHERE action IN ('user.grant', 'user.revoke_grant') AND target_id = $1`, [String(u.id)])).toBe(2);
  });

  it('404 for a region outside my scope, for a grant outside my scope, for another user\'s grant', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'resident', regionCode: city.wuhuaCommunity.code }, { role: 'resident', regionCode: city.panlongCommunity.code }] });
    const r = await app.inject({ method: 'POST', url: `/api/users/${u.id}/grants`, headers: wuhuaAdmin, payload: { role: 'admin', regionCode: city.city.code } });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('region_not_found');
    const grants = (await t.db.query<{ id: number; region_id: number }>('SELECT id, region_id FROM role_grant WHERE user_id = $1', [u.id])).rows;
    const pl = grants.find((g) => g.region_id === city.panlongCommunity.id)!;
    expect((await app.inject({ method: 'DELETE', url: `/api/users/${u.id}/grants/${pl.id}`, headers: wuhuaAdmin })).statusCode).toBe(404);
    const other = await createUserWithGrants(t.db, { grants: [{ role: 'resident', regionCode: city.wuhuaCommunity.code }] });
    const wh = grants.find((g) => g.region_id === city.wuhuaCommunity.id)!;
    expect((await app.inject({ method: 'DELETE', url: `/api/users/${other.id}/grants/${wh.id}`, headers: wuhuaAdmin })).statusCode).toBe(404);
    expect(await count('SELECT count(*)::int AS n FROM role_grant WHERE user_id = $1', [u.id])).toBe(2);
  });

  it('400 naming the field for a bad role', async () => {
    const u = await createUserWithGrants(t.db, { grants: [{ role: 'resident', regionCode: city.wuhuaCommunity.code }] });
    const r = await app.inject({ method: 'POST', url: `/api/users/${u.id}/grants`, headers: wuhuaAdmin, payload: { role: 'emperor', regionCode: city.wuhua.code } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0].field).toBe('role');
  });
});
