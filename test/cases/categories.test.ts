import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorld, createCasesWorld, type CasesWorld } from './setup.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5384');
});
afterAll(() => closeWorld(w));

const deadlines = { '1': { mode: 'calendar', sign_for: 1, handle: 4, verify: 2 }, '2': { mode: 'working', sign_for: 2, handle: 16, verify: 8 }, '3': { mode: 'working', sign_for: 4, handle: 40, verify: 16 } };

describe('categories', () => {
  it('GET /api/categories 200: the seeded two-level taxonomy, public', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/api/categories' });
    expect(r.statusCode).toBe(200);
    const items = r.json().items as Array<{ code: string; level: number; nameZh: string; private: boolean }>;
    for (const zh of ['市容环境', '环卫', '道路设施', '交通', '安全隐患', '社会治安', '邻里纠纷', '物业管理', '非警务警情', '咨询']) {
      expect(items.some((i) => i.level === 1 && i.nameZh === zh), zh).toBe(true);
    }
    expect(items.find((i) => i.nameZh === '暴露垃圾')).toBeDefined();
    expect(items.find((i) => i.code === 'DISPUTE.NEIGHBOUR')!.private).toBe(true);
    const one = await w.app.inject({ method: 'GET', url: '/api/categories/SAFETY.GAS' });
    expect(one.json().attributes[0]).toMatchObject({ code: 'hazard', datatype: 'multivaluelist', required: true });
    expect((await w.app.inject({ method: 'GET', url: '/api/categories/NOPE' })).statusCode).toBe(404);
  });

  it('POST /api/categories: admin 201; operator 403; bad deadlines 400 naming the field; duplicate code 409', async () => {
    const body = { code: 'CITY.TEST_NEW', parentCode: 'CITY', nameZh: '测试类别', nameEn: 'Test', deadlines, attributes: [{ code: 'kind', datatype: 'singlevaluelist', required: true, description: '类型', values: [{ key: 'a', name: '甲' }] }] };
    expect((await w.app.inject({ method: 'POST', url: '/api/categories', headers: w.cityOp.headers, payload: body })).statusCode).toBe(403);
    const bad = await w.app.inject({ method: 'POST', url: '/api/categories', headers: w.admin.headers, payload: { ...body, deadlines: { ...deadlines, '2': { mode: 'sometimes', sign_for: 1, handle: 1, verify: 1 } } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('deadlines.2.mode');
    const ok = await w.app.inject({ method: 'POST', url: '/api/categories', headers: w.admin.headers, payload: body });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await w.app.inject({ method: 'POST', url: '/api/categories', headers: w.admin.headers, payload: body })).statusCode).toBe(409);
    const p = await w.app.inject({ method: 'PATCH', url: '/api/categories/CITY.TEST_NEW', headers: w.admin.headers, payload: { private: true, duplicateRadiusM: 100 } });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ private: true, duplicateRadiusM: 100 });
    // Required attribute enforced at intake.
    const r = await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.resident.headers, payload: { channel: 'web', categoryCode: 'CITY.TEST_NEW', description: '测试', location: w.inGrid } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('attributes.kind');
  });
});

describe('routing rules', () => {
  it('CRUD, and the most specific rule wins: deeper region first, then minor over major', async () => {
    const mk = (payload: Record<string, unknown>) => w.app.inject({ method: 'POST', url: '/api/routing-rules', headers: w.admin.headers, payload });
    const cityRule = await mk({ categoryCode: 'ROADS', regionCode: w.city.city.code, leadDepartmentId: w.dept.other });
    expect(cityRule.statusCode, cityRule.body).toBe(201);
    const streetRule = await mk({ categoryCode: 'ROADS', regionCode: w.city.wuhuaStreet.code, leadDepartmentId: w.dept.cgj, coDepartmentIds: [w.dept.other] });
    expect(streetRule.statusCode).toBe(201);
    const minorRule = await mk({ categoryCode: 'ROADS.MANHOLE', regionCode: w.city.wuhuaStreet.code, leadDepartmentId: w.dept.panlong });
    expect(minorRule.statusCode).toBe(201);
    expect((await mk({ categoryCode: 'ROADS', regionCode: w.city.city.code, leadDepartmentId: w.dept.cgj })).statusCode).toBe(409);
    const bad = await mk({ categoryCode: 'ROADS', regionCode: w.city.panlong.code, leadDepartmentId: 999999 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('leadDepartmentId');
    expect((await w.app.inject({ method: 'POST', url: '/api/routing-rules', headers: w.cityOp.headers, payload: { regionCode: w.city.city.code, leadDepartmentId: w.dept.cgj } })).statusCode).toBe(403);

    const report = async (categoryCode: string, location: { lng: number; lat: number }) =>
      (await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.resident.headers, payload: { channel: 'web', categoryCode, description: '道路问题', location } })).json().case.id as number;
    const sug = async (id: number) => (await w.app.inject({ method: 'GET', url: `/api/cases/${id}/routing-suggestion`, headers: w.cityOp.headers })).json();
    expect((await sug(await report('ROADS.POTHOLE', w.inGrid))).rule.id).toBe(streetRule.json().id);
    expect((await sug(await report('ROADS.MANHOLE', w.inGrid))).rule.id).toBe(minorRule.json().id);
    expect((await sug(await report('ROADS.POTHOLE', { lng: 103.1, lat: 24.1 }))).rule.id).toBe(cityRule.json().id);
    const s = await sug(await report('ROADS.POTHOLE', w.inGrid));
    expect(s.coDepartmentIds).toEqual([w.dept.other]);

    const list = (await w.app.inject({ method: 'GET', url: '/api/routing-rules', headers: w.admin.headers })).json();
    expect(list.items.length).toBeGreaterThanOrEqual(3);
    const patch = await w.app.inject({ method: 'PATCH', url: `/api/routing-rules/${streetRule.json().id}`, headers: w.admin.headers, payload: { responseLevel: 2 } });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().responseLevel).toBe(2);
    const del = await w.app.inject({ method: 'DELETE', url: `/api/routing-rules/${streetRule.json().id}`, headers: w.admin.headers });
    expect(del.statusCode).toBe(204);
    expect((await sug(await report('ROADS.POTHOLE', w.inGrid))).rule.id).toBe(cityRule.json().id);
    expect((await w.app.inject({ method: 'DELETE', url: `/api/routing-rules/${streetRule.json().id}`, headers: w.admin.headers })).statusCode).toBe(404);
  });

  it('dispatch without a department and without a rule: 400 naming leadDepartmentId', async () => {
    const id = (await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.resident.headers, payload: { channel: 'web', categoryCode: 'PROPERTY.FEES', description: '物业乱收费', location: w.inGrid } })).json().case.id;
    await w.app.inject({ method: 'POST', url: `/api/cases/${id}/accept`, headers: w.streetOp.headers, payload: {} });
    const r = await w.app.inject({ method: 'POST', url: `/api/cases/${id}/dispatch`, headers: w.streetOp.headers, payload: {} });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('leadDepartmentId');
  });
});
