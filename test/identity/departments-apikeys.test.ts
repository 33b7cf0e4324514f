import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { actAs, apiKeyHeaders, createTestApiKey, createTestDepartment, type SessionHeaders } from '../helpers/identity.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { cliCreateApiKey, cliCreateUser } from '../../src/modules/identity/cli.js';
import { getDepartmentById, getUserById, listDepartments } from '../../src/modules/identity/index.js';
import { TEST_SECRET } from '../helpers/app.js';

let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let cityAdmin: SessionHeaders;
let wuhuaAdmin: SessionHeaders;
let wuhuaOperator: SessionHeaders;
let resident: SessionHeaders;
let deps: { city: number; wh: number; pl: number; whStreet: number };
const clock = new Date('2025-05-01T00:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, '5301');
  app = await buildTestApp(t.db, { now: () => clock });
  cityAdmin = (await actAs(t.db, { role: 'admin', regionCode: city.city.code }, { now: clock })).headers;
  wuhuaAdmin = (await actAs(t.db, { role: 'admin', regionCode: city.wuhua.code }, { now: clock })).headers;
  wuhuaOperator = (await actAs(t.db, { role: 'operator', regionCode: city.wuhuaStreet.code }, { now: clock })).headers;
  resident = (await actAs(t.db, { role: 'resident', regionCode: city.city.code }, { now: clock })).headers;
  deps = {
    city: await createTestDepartment(t.db, { code: 'D-KM-CGJ', name: '昆明市城市管理局', regionCode: city.city.code }),
    wh: await createTestDepartment(t.db, { code: 'D-WH-CGJ', name: '五华区城市管理局', regionCode: city.wuhua.code, parentCode: 'D-KM-CGJ' }),
    pl: await createTestDepartment(t.db, { code: 'D-PL-CGJ', name: '盘龙区城市管理局', regionCode: city.panlong.code, parentCode: 'D-KM-CGJ' }),
    whStreet: await createTestDepartment(t.db, { code: 'D-WH-HS', name: '华山街道城管中队', regionCode: city.wuhuaStreet.code, parentCode: 'D-WH-CGJ' }),
  };
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const codes = (r: { json(): { items: Array<{ code: string }> } }) => r.json().items.map((d) => d.code).sort();

describe('GET /api/departments', () => {
  it('200: a street operator sees the departments above and below their street, not the neighbour district', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/departments', headers: wuhuaOperator });
    expect(r.statusCode).toBe(200);
    expect(codes(r)).toEqual(['D-KM-CGJ', 'D-WH-CGJ', 'D-WH-HS']);
    expect(r.json().items.find((d: { code: string }) => d.code === 'D-WH-CGJ')).toMatchObject({ name: '五华区城市管理局', kind: '城管', regionCode: city.wuhua.code, parentId: deps.city, active: true });
  });

  it('filters by region and kind', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/departments?regionCode=${city.wuhua.code}&kind=${encodeURIComponent('城管')}`, headers: cityAdmin });
    expect(codes(r)).toEqual(['D-WH-CGJ']);
  });

  it('401 anonymous, 403 resident, 400 naming the field', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/departments' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/departments', headers: resident })).statusCode).toBe(403);
    const bad = await app.inject({ method: 'GET', url: '/api/departments?regionCode=abc', headers: cityAdmin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('regionCode');
  });
});

describe('GET /api/departments/:id', () => {
  it('200 in scope, 404 out of scope like a missing one', async () => {
    expect((await app.inject({ method: 'GET', url: `/api/departments/${deps.wh}`, headers: wuhuaOperator })).statusCode).toBe(200);
    const out = await app.inject({ method: 'GET', url: `/api/departments/${deps.pl}`, headers: wuhuaOperator });
    const missing = await app.inject({ method: 'GET', url: '/api/departments/987654', headers: wuhuaOperator });
    expect(out.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(out.json().error.code).toBe(missing.json().error.code);
  });
});

describe('POST /api/departments', () => {
  it('201 inside my scope, audited', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/departments', headers: wuhuaAdmin, payload: { code: 'D-WH-ZJJ', name: '五华区住房和城乡建设局', kind: '住建', regionCode: city.wuhua.code } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ code: 'D-WH-ZJJ', regionCode: city.wuhua.code, parentId: null });
    expect((await t.db.query(`SELECT 1 FROM audit_record WHERE action = 'department.create' AND target_id = $1`, [String(r.json().id)])).rows).toHaveLength(1);
  });

  it('404 for a region or a parent outside my scope; 409 for a taken code; 400 naming the field', async () => {
    const out = await app.inject({ method: 'POST', url: '/api/departments', headers: wuhuaAdmin, payload: { code: 'D-X1', name: 'x', kind: '城管', regionCode: city.panlong.code } });
    expect(out.statusCode).toBe(404);
    expect(out.json().error.code).toBe('region_not_found');
    const parent = await app.inject({ method: 'POST', url: '/api/departments', headers: wuhuaAdmin, payload: { code: 'D-X2', name: 'x', kind: '城管', regionCode: city.wuhua.code, parentCode: 'D-KM-CGJ' } });
    expect(parent.statusCode).toBe(404);
    expect(parent.json().error.details[0].field).toBe('parentCode');
    const taken = await app.inject({ method: 'POST', url: '/api/departments', headers: cityAdmin, payload: { code: 'D-WH-CGJ', name: 'x', kind: '城管', regionCode: city.wuhua.code } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('department_code_taken');
    const bad = await app.inject({ method: 'POST', url: '/api/departments', headers: cityAdmin, payload: { code: 'has space', name: 'x', kind: '城管', regionCode: city.wuhua.code } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('code');
    expect((await t.db.query(`SELECT 1 FROM department WHERE code IN ('D-X1', 'D-X2', 'has space')`)).rows).toHaveLength(0);
  });

  it('403 for an operator', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/departments', headers: wuhuaOperator, payload: { code: 'D-X3', name: 'x', kind: '城管', regionCode: city.wuhua.code } });
    expect(r.statusCode).toBe(403);
  });
});

describe('PATCH /api/departments/:id', () => {
  it('200: an admin renames and deactivates a department in scope; the audit record has before and after', async () => {
    const r = await app.inject({ method: 'PATCH', url: `/api/departments/${deps.whStreet}`, headers: wuhuaAdmin, payload: { name: '华山街道综合执法队', active: false } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ code: 'D-WH-HS', name: '华山街道综合执法队', kind: '城管', active: false });
    const audit = await t.db.query<{ before: unknown; after: unknown }>(`SELECT before, after FROM audit_record WHERE action = 'department.update' AND target_id = $1`, [String(deps.whStreet)]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ before: { name: '华山街道城管中队', active: true }, after: { name: '华山街道综合执法队', active: false } });
  });

  it('404 for a department outside the admin scope, like a missing one; nothing changes', async () => {
    const out = await app.inject({ method: 'PATCH', url: `/api/departments/${deps.pl}`, headers: wuhuaAdmin, payload: { name: 'x' } });
    expect(out.statusCode).toBe(404);
    expect(out.json().error.code).toBe('department_not_found');
    expect((await app.inject({ method: 'PATCH', url: '/api/departments/987654', headers: wuhuaAdmin, payload: { name: 'x' } })).statusCode).toBe(404);
    expect((await getDepartmentById(t.db, deps.pl))!.name).toBe('盘龙区城市管理局');
  });

  it('400 naming the field for an empty body, a blank name or an unknown field; 403 for an operator', async () => {
    const empty = await app.inject({ method: 'PATCH', url: `/api/departments/${deps.wh}`, headers: cityAdmin, payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(JSON.stringify(empty.json())).toContain('body');
    const blank = await app.inject({ method: 'PATCH', url: `/api/departments/${deps.wh}`, headers: cityAdmin, payload: { name: '' } });
    expect(blank.statusCode).toBe(400);
    expect(JSON.stringify(blank.json())).toContain('name');
    const code = await app.inject({ method: 'PATCH', url: `/api/departments/${deps.wh}`, headers: cityAdmin, payload: { code: 'NEW' } });
    expect(code.statusCode).toBe(400);
    expect((await app.inject({ method: 'PATCH', url: `/api/departments/${deps.wh}`, headers: wuhuaOperator, payload: { name: 'x' } })).statusCode).toBe(403);
    expect((await getDepartmentById(t.db, deps.wh))!.name).toBe('五华区城市管理局');
  });
});

describe('API keys', () => {
  it('POST /api/apikeys 201 returns the key once; it authenticates as Bearer without CSRF; GET lists it without the key', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/apikeys', headers: wuhuaAdmin, payload: { name: '12345 热线', grants: [{ role: 'analyst', regionCode: city.wuhua.code }] } });
    expect(r.statusCode).toBe(201);
    const { key, id, prefix } = r.json();
    expect(key).toMatch(new RegExp(`^gz_${prefix}_[A-Za-z0-9_-]{43}$`));
    const stored = (await t.db.query<{ key_hash: string }>('SELECT key_hash FROM api_key WHERE id = $1', [id])).rows[0]!;
    expect(stored.key_hash).not.toContain(key.slice(12));
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${key}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'api_key', apiKey: { id, name: '12345 热线' }, csrfToken: null });
    const list = await app.inject({ method: 'GET', url: '/api/apikeys', headers: wuhuaAdmin });
    const item = list.json().items.find((k: { id: number }) => k.id === id);
    expect(item).toMatchObject({ prefix, revokedAt: null });
    expect(item.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.json())).not.toContain(key);
  });

  it('an admin key may call unsafe endpoints with no CSRF token', async () => {
    const h = await apiKeyHeaders(t.db, { role: 'admin', regionCode: city.wuhua.code });
    const r = await app.inject({ method: 'POST', url: '/api/departments', headers: h, payload: { code: 'D-KEY', name: '密钥建的部门', kind: '城管', regionCode: city.wuhuaStreet.code } });
    expect(r.statusCode).toBe(201);
  });

  it('DELETE /api/apikeys/:id 204 revokes: the next request with it is 401 invalid_api_key', async () => {
    const k = await createTestApiKey(t.db, { role: 'analyst', regionCode: city.wuhuaStreet.code });
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: k.headers })).statusCode).toBe(200);
    const d = await app.inject({ method: 'DELETE', url: `/api/apikeys/${k.id}`, headers: wuhuaAdmin });
    expect(d.statusCode).toBe(204);
    const after = await app.inject({ method: 'GET', url: '/api/auth/me', headers: k.headers });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('invalid_api_key');
    expect((await t.db.query(`SELECT 1 FROM audit_record WHERE action = 'apikey.revoke' AND target_id = $1`, [String(k.id)])).rows).toHaveLength(1);
  });

  it('401 invalid_api_key for a wrong or malformed key, even on a public endpoint', async () => {
    const k = await createTestApiKey(t.db, { role: 'analyst', regionCode: city.wuhuaStreet.code });
    const wrong = `${k.key.slice(0, -4)}AAAA`;
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${wrong}` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/auth/demo-users', headers: { authorization: 'Bearer nonsense' } })).statusCode).toBe(401);
    // Infrastructure endpoints act for nobody: their Authorization header (a scrape token) is not an API key.
    expect((await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer nonsense' } })).statusCode).toBe(200);
  });

  it('404 for a key outside my scope; 404 when granting outside my scope; 400 without grants', async () => {
    const k = await createTestApiKey(t.db, { role: 'analyst', regionCode: city.panlong.code });
    expect((await app.inject({ method: 'DELETE', url: `/api/apikeys/${k.id}`, headers: wuhuaAdmin })).statusCode).toBe(404);
    const out = await app.inject({ method: 'POST', url: '/api/apikeys', headers: wuhuaAdmin, payload: { name: 'x', grants: [{ role: 'analyst', regionCode: city.panlong.code }] } });
    expect(out.statusCode).toBe(404);
    const none = await app.inject({ method: 'POST', url: '/api/apikeys', headers: wuhuaAdmin, payload: { name: 'x', grants: [] } });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.details[0].field).toBe('grants');
  });
});

describe('CLI functions', () => {
  const ctx = () => cliCtx(systemActor('cli'));

  it('users create: a user with one role over a region; the scope defaults to the only city', async () => {
    const r = await cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: '命令行用户', phone: '13900001111', password: 'cli-password', role: 'operator', scope: city.wuhua.code });
    expect(r.grants).toEqual([{ role: 'operator', regionCode: city.wuhua.code, departmentCode: null }]);
    const r2 = await cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: '命令行管理员', phone: '13900001112', password: 'cli-password', role: 'admin' });
    expect(r2.grants[0]!.regionCode).toBe(city.city.code);
    const r3 = await cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: '城管', phone: '13900001113', password: 'cli-password', role: 'handler', scope: city.wuhua.code, department: 'D-WH-CGJ' });
    expect(r3.grants[0]!.departmentCode).toBe('D-WH-CGJ');
    const logged = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13900001111', password: 'cli-password' } });
    expect(logged.statusCode).toBe(200);
  });

  it('users create: errors name the option', async () => {
    await expect(cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: 'x', phone: '13900001114', password: 'cli-password', role: 'king' })).rejects.toThrow(/--role/);
    await expect(cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: 'x', phone: '13900001114', password: 'cli-password', scope: city.wuhua.code })).rejects.toThrow(/--role/);
    await expect(cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: 'x', phone: '13900001114', password: '123' })).rejects.toMatchObject({ code: 'weak_password' });
    await expect(cliCreateUser(t.db, ctx(), () => TEST_SECRET, { name: 'x', phone: '1390000', password: 'cli-password' })).rejects.toThrow(/phone/);
  });

  it('apikey create: returns a working key; 6-digit scope codes are padded', async () => {
    const r = await cliCreateApiKey(t.db, ctx(), { name: '12345 热线', role: 'operator', scope: city.wuhua.code.slice(0, 6) });
    expect(r.key).toMatch(/^gz_[0-9a-f]{8}_/);
    expect(r.grants).toEqual([{ role: 'operator', regionCode: city.wuhua.code, departmentCode: undefined }]);
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${r.key}` } });
    expect(me.json().grants[0]).toMatchObject({ role: 'operator', regionCode: city.wuhua.code });
  });
});

describe('public API', () => {
  it('getUserById, getDepartmentById, listDepartments', async () => {
    const u = await actAs(t.db, { role: 'mediator', regionCode: city.wuhua.code });
    const got = await getUserById(t.db, u.user.id);
    expect(got).toMatchObject({ id: u.user.id, phone: u.user.phone, disabled: false, grants: [expect.objectContaining({ role: 'mediator' })] });
    expect(await getUserById(t.db, 424242)).toBeNull();
    expect(await getDepartmentById(t.db, deps.wh)).toMatchObject({ code: 'D-WH-CGJ', regionPath: city.wuhua.path });
    const actor = { kind: 'user' as const, id: 1, name: 'x', sessionId: null, grants: [{ role: 'operator' as const, regionId: city.panlong.id, regionCode: city.panlong.code, regionPath: city.panlong.path, departmentId: null }] };
    const list = await listDepartments(t.db, actor);
    expect(list.map((d) => d.code).sort()).toEqual(['D-KM-CGJ', 'D-PL-CGJ']);
  });
});
