/** Route tests of the regions endpoints, named after the endpoint and the expected status. */
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegions, readImportFiles } from '../../src/modules/regions/index.js';
import { systemActor, type Actor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { as, buildRegionsApp, count, grantOn, userActor } from './helpers.js';

let t: TestDatabase;
let app: FastifyInstance;
let adminWuhua: Actor;
let adminPanlong: Actor;
let adminCity: Actor;
let workerWuhua: Actor;
let operatorPanlong: Actor;
let operatorWuhua: Actor;
let resident: Actor;

const sq = (x: number, y: number, d: number) => [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]];
const GRID = '530102001001001';

beforeAll(async () => {
  t = await createTestDatabase();
  const fx = fs.readFileSync('test/fixtures/regions/kunming-sample-gcj02.geojson');
  await importRegions(t.db, cliCtx(systemActor('t')), await readImportFiles([{ name: 'k.geojson', data: fx }], { crs: 'gcj02' }), {});
  const more = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: '530102001001', name: '西仓坡社区', population: 8000 }, geometry: { type: 'Polygon', coordinates: sq(102.69, 25.04, 0.01) } },
      { type: 'Feature', properties: { code: GRID, name: '西仓坡社区第1网格' }, geometry: { type: 'Polygon', coordinates: sq(102.69, 25.04, 0.005) } },
      { type: 'Feature', properties: { code: '530103001000', name: '拓东街道', parent_code: '530103' }, geometry: { type: 'Polygon', coordinates: sq(102.72, 25.02, 0.02) } },
    ],
  };
  await importRegions(t.db, cliCtx(systemActor('t')), await readImportFiles([{ name: 'm.geojson', data: Buffer.from(JSON.stringify(more)) }], {}), {});
  adminWuhua = userActor([await grantOn(t.db, 'admin', '530102000000')], 1);
  adminPanlong = userActor([await grantOn(t.db, 'admin', '530103000000')], 2);
  adminCity = userActor([await grantOn(t.db, 'admin', '530100000000')], 3);
  workerWuhua = userActor([await grantOn(t.db, 'grid_worker', '530102001000')], 4);
  operatorPanlong = userActor([await grantOn(t.db, 'operator', '530103000000')], 5);
  operatorWuhua = userActor([await grantOn(t.db, 'operator', '530102000000')], 7);
  resident = userActor([await grantOn(t.db, 'resident', '530102000000')], 6);
  app = await buildRegionsApp(t.db);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const errorOf = (res: { json: () => unknown }) => (res.json() as { error: { code: string; message: string; details?: unknown } }).error;

describe('GET /api/regions/locate', () => {
  it('200: the chain deepest first, codes as 12+ digit strings', async () => {
    const res = await app.inject({ url: '/api/regions/locate?lng=102.692&lat=25.042' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      chain: [
        { code: GRID, name: '西仓坡社区第1网格', level: 'grid' },
        { code: '530102001001', name: '西仓坡社区', level: 'community' },
        { code: '530102001000', name: '华山街道', level: 'street' },
        { code: '530102000000', name: '五华区', level: 'district' },
        { code: '530100000000', name: '昆明市', level: 'city' },
      ],
    });
  });
  it('200: GCJ-02 input is converted first', async () => {
    const res = await app.inject({ url: '/api/regions/locate?lng=102.7068&lat=25.0969&crs=gcj02' });
    expect(res.json().chain[0].name).toBe('盘龙区');
  });
  it('404 location_outside_regions when no boundary covers the point', async () => {
    const res = await app.inject({ url: '/api/regions/locate?lng=116.4&lat=39.9' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe('location_outside_regions');
  });
  for (const [q, field] of [
    ['lat=25', 'lng'],
    ['lng=102.7', 'lat'],
    ['lng=abc&lat=25', 'lng'],
    ['lng=NaN&lat=25', 'lng'],
    ['lng=102.7&lat=', 'lat'],
    ['lng=181&lat=25', 'lng'],
    ['lng=-180.5&lat=25', 'lng'],
    ['lng=102.7&lat=90.01', 'lat'],
    ['lng=102.7&lat=25&crs=epsg3857', 'crs'],
  ] as const) {
    it(`400 naming ${field} for ?${q}`, async () => {
      const res = await app.inject({ url: `/api/regions/locate?${q}` });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
      expect(errorOf(res).message.startsWith(field)).toBe(true);
    });
  }
});

describe('GET /api/regions', () => {
  it('200: the roots without a parent', async () => {
    const res = await app.inject({ url: '/api/regions' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ parent: null, items: [{ code: '530100000000', name: '昆明市', level: 'city', childCount: 2, hasBoundary: true, boundarySource: 'imported' }] });
  });
  it('200: the children of a parent (6-digit codes are padded)', async () => {
    const res = await app.inject({ url: '/api/regions?parent=530100' });
    expect(res.json().items.map((i: { code: string }) => i.code)).toEqual(['530102000000', '530103000000']);
    expect(res.json().parent).toEqual({ code: '530100000000', name: '昆明市', level: 'city' });
  });
  it('404 for an unknown parent', async () => {
    const res = await app.inject({ url: '/api/regions?parent=530199' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).code).toBe('region_not_found');
  });
  it('400 naming parent for a malformed code, limit for a bad limit', async () => {
    expect(errorOf(await app.inject({ url: '/api/regions?parent=53x' })).message).toMatch(/^parent/);
    expect(errorOf(await app.inject({ url: '/api/regions?limit=0' })).message).toMatch(/^limit/);
  });
});

describe('GET /api/regions/:code', () => {
  it('200: the unit with parents, counts, population, area, staff counts', async () => {
    const res = await app.inject({ url: '/api/regions/530102' });
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(b).toMatchObject({ code: '530102000000', name: '五华区', level: 'district', population: 1145000, parents: [{ code: '530100000000' }], childCount: 1, descendants: { street: 1, community: 1, grid: 1 }, resolvedFrom: null });
    expect(b.areaKm2).toBeGreaterThan(170);
    expect(b.centroid).toHaveLength(2);
    expect(b.staff).toEqual({ total: expect.any(Number), byRole: expect.any(Object) });
  });
  it('404 for an unknown code, 400 naming code for a malformed one', async () => {
    expect((await app.inject({ url: '/api/regions/530199000000' })).statusCode).toBe(404);
    const bad = await app.inject({ url: '/api/regions/53010200' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toMatch(/^code/);
    expect(errorOf(await app.inject({ url: '/api/regions/abc' })).message).toMatch(/^code/);
  });
});

describe('GET /api/regions/:code/children', () => {
  it('200 and 404', async () => {
    const res = await app.inject({ url: '/api/regions/530102001001/children' });
    expect(res.json().items.map((i: { code: string }) => i.code)).toEqual([GRID]);
    expect((await app.inject({ url: '/api/regions/530102009000/children' })).statusCode).toBe(404);
  });
});

describe('GET /api/regions/:code/geojson', () => {
  it('200: a FeatureCollection of the subtree to the depth asked', async () => {
    const res = await app.inject({ url: '/api/regions/530102/geojson?depth=3' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/geo\+json/);
    const fc = res.json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((f: { id: string }) => f.id)).toEqual(['530102000000', '530102001000', '530102001001', GRID]);
    expect(fc.features[0].geometry.type).toBe('MultiPolygon');
    expect(fc.features[1].properties).toMatchObject({ level: 'street', parent_code: '530102000000' });
    const one = (await app.inject({ url: '/api/regions/530102/geojson?depth=0&simplify=0.01' })).json();
    expect(one.features).toHaveLength(1);
  });
  it('400 naming depth or simplify when out of range, 404 for an unknown unit', async () => {
    expect(errorOf(await app.inject({ url: '/api/regions/530102/geojson?depth=9' })).message).toMatch(/^depth/);
    expect(errorOf(await app.inject({ url: '/api/regions/530102/geojson?simplify=-1' })).message).toMatch(/^simplify/);
    expect((await app.inject({ url: '/api/regions/530199/geojson' })).statusCode).toBe(404);
  });
});

describe('POST /api/regions/import', () => {
  const body = (code: string, parent: string) => ({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { code, name: '新社区', parent_code: parent }, geometry: { type: 'Polygon', coordinates: sq(102.7, 25.045, 0.003) } }],
  });
  it('401 for nobody, 403 without an admin grant; nothing written', async () => {
    const before = await count(t.db, `SELECT count(*)::int AS n FROM region`);
    expect((await app.inject({ method: 'POST', url: '/api/regions/import', payload: body('530102001002', '530102001000') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/regions/import', payload: body('530102001002', '530102001000'), headers: as(workerWuhua) })).statusCode).toBe(403);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region`)).toBe(before);
  });
  it('400 import_invalid naming the feature when the parent is outside the admin\'s scope', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/regions/import', payload: body('530102001002', '530102001000'), headers: as(adminPanlong) });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'import_invalid', details: { rejected: 1, problems: [{ feature: expect.stringContaining('530102001002'), problem: 'parent 530102001000 not found' }] } });
  });
  it('404 when ?parent= names a unit outside the scope', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/regions/import?parent=530102001000', payload: body('530102001002', '530102001000'), headers: as(adminPanlong) });
    expect(res.statusCode).toBe(404);
  });
  it('200 with the summary for an admin over the parent (JSON GeoJSON body); one audit record', async () => {
    const audits = await count(t.db, `SELECT count(*)::int AS n FROM audit_record WHERE action = 'regions.import'`);
    const res = await app.inject({ method: 'POST', url: '/api/regions/import', payload: body('530102001002', '530102001000'), headers: as(adminWuhua) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, updated: 0, repaired: 0, rejected: 0 });
    expect(await count(t.db, `SELECT count(*)::int AS n FROM audit_record WHERE action = 'regions.import' AND actor_id = 1`)).toBe(1);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM audit_record WHERE action = 'regions.import'`)).toBe(audits + 1);
    // The locate index follows the change.
    const loc = await app.inject({ url: '/api/regions/locate?lng=102.7015&lat=25.0465' });
    expect(loc.json().chain[0].code).toBe('530102001002');
  });
  it('200 for a multipart NBS CSV upload', async () => {
    const boundary = '----gz';
    const csv = 'code,name,level,parent_code\n530102001003,翠湖社区,village,530102001000\n';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="more.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
    const res = await app.inject({ method: 'POST', url: '/api/regions/import', payload, headers: { ...as(adminWuhua), 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 1 });
  });
  it('400 naming the option or the body when they are wrong', async () => {
    const h = as(adminWuhua);
    expect(errorOf(await app.inject({ method: 'POST', url: '/api/regions/import?crs=utm', payload: body('530102001004', '530102001000'), headers: h })).message).toMatch(/^crs/);
    expect(errorOf(await app.inject({ method: 'POST', url: '/api/regions/import?level=province', payload: body('530102001004', '530102001000'), headers: h })).message).toMatch(/^level/);
    expect(errorOf(await app.inject({ method: 'POST', url: '/api/regions/import', payload: { type: 'Feature', features: [] }, headers: h })).message).toMatch(/^type/);
    expect(errorOf(await app.inject({ method: 'POST', url: '/api/regions/import', payload: { type: 'FeatureCollection' }, headers: h })).message).toMatch(/^features/);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region WHERE code = '530102001004'`)).toBe(0);
  });
});

describe('grid staff', () => {
  const person = { name: '张丽', phone: '13812341234', role: 'full_time' };
  it('POST /api/regions/:code/staff 201 for an admin over the grid; audited with the phone masked', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/regions/${GRID}/staff`, payload: person, headers: as(adminWuhua) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ regionCode: GRID, name: '张丽', phone: '13812341234', role: 'full_time', until: null });
    const { rows } = await t.db.query<{ after: { phone: string } }>(`SELECT after FROM audit_record WHERE action = 'regions.staff.assign'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.after.phone).toBe('138****1234');
  });
  it('POST 401 / 403 / 404 (out of scope answers like missing)', async () => {
    expect((await app.inject({ method: 'POST', url: `/api/regions/${GRID}/staff`, payload: person })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: `/api/regions/${GRID}/staff`, payload: person, headers: as(operatorWuhua) })).statusCode).toBe(403);
    const out = await app.inject({ method: 'POST', url: `/api/regions/${GRID}/staff`, payload: person, headers: as(adminPanlong) });
    expect(out.statusCode).toBe(404);
    expect(errorOf(out).code).toBe('region_not_found');
  });
  it('POST 400 naming the field; nothing written', async () => {
    const before = await count(t.db, `SELECT count(*)::int AS n FROM grid_staff`);
    const h = as(adminWuhua);
    const post = (payload: unknown, code = GRID) => app.inject({ method: 'POST', url: `/api/regions/${code}/staff`, payload: payload as object, headers: h });
    expect(errorOf(await post({ ...person, phone: '12345' })).message).toMatch(/^phone/);
    expect(errorOf(await post({ ...person, role: 'captain' })).message).toMatch(/^role/);
    expect(errorOf(await post({ phone: person.phone, role: 'full_time' })).message).toMatch(/^name/);
    expect(errorOf(await post({ ...person, name: '   ' })).message).toMatch(/^name/);
    expect(errorOf(await post({ ...person, since: '2024-05-01', until: '2024-01-01' })).message).toMatch(/^until/);
    expect(errorOf(await post({ ...person, extra: 1 })).message).toMatch(/^extra/);
    expect(errorOf(await post(person, '530102001001')).message).toMatch(/^code: staff are assigned to a grid/);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM grid_staff`)).toBe(before);
  });
  it('GET /api/regions/:code/staff 200 with phones masked for a grid worker, unmasked for admin and operator', async () => {
    const w = await app.inject({ url: '/api/regions/530102001000/staff', headers: as(workerWuhua) });
    expect(w.statusCode).toBe(200);
    expect(w.json()).toMatchObject({ region: { code: '530102001000' }, total: 1, items: [{ name: '张丽', phone: '138****1234', regionCode: GRID }] });
    expect((await app.inject({ url: `/api/regions/${GRID}/staff`, headers: as(adminWuhua) })).json().items[0].phone).toBe('13812341234');
    expect((await app.inject({ url: `/api/regions/${GRID}/staff`, headers: as(operatorWuhua) })).json().items[0].phone).toBe('13812341234');
    expect((await app.inject({ url: `/api/regions/${GRID}/staff?role=grid_leader`, headers: as(adminCity) })).json().total).toBe(0);
  });
  it('GET staff 401 for nobody, 403 for a resident, 404 out of scope, 400 for a bad role', async () => {
    expect((await app.inject({ url: `/api/regions/${GRID}/staff` })).statusCode).toBe(401);
    expect((await app.inject({ url: `/api/regions/${GRID}/staff`, headers: as(resident) })).statusCode).toBe(403);
    expect((await app.inject({ url: `/api/regions/${GRID}/staff`, headers: as(operatorPanlong) })).statusCode).toBe(404);
    expect(errorOf(await app.inject({ url: `/api/regions/${GRID}/staff?role=boss`, headers: as(adminWuhua) })).message).toMatch(/^role/);
  });
  it('GET /api/regions/:code/staff/summary 200: counts by role, rolled up, per child', async () => {
    await app.inject({ method: 'POST', url: `/api/regions/${GRID}/staff`, payload: { name: '李强', role: 'red_armband' }, headers: as(adminCity) });
    const res = await app.inject({ url: '/api/regions/530102/staff/summary' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ region: { code: '530102000000' }, total: 2, byRole: { full_time: 1, red_armband: 1 }, children: [{ code: '530102001000', total: 2 }] });
    expect((await app.inject({ url: '/api/regions/530102' })).json().staff).toEqual({ total: 2, byRole: { full_time: 1, red_armband: 1 } });
    expect((await app.inject({ url: '/api/regions/530199/staff/summary' })).statusCode).toBe(404);
  });
});

describe('rate limits', () => {
  it('429 after 120 locates a minute from one address', async () => {
    let last = 0;
    for (let i = 0; i < 125; i++) last = (await app.inject({ url: '/api/regions/locate?lng=102.692&lat=25.042' })).statusCode;
    expect(last).toBe(429);
  });
});

describe('OpenAPI', () => {
  it('documents every regions endpoint', async () => {
    const spec = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/regions', '/api/regions/locate', '/api/regions/{code}', '/api/regions/{code}/children', '/api/regions/{code}/geojson', '/api/regions/import', '/api/regions/{code}/staff', '/api/regions/{code}/staff/summary']) {
      expect(spec.paths[p], p).toBeDefined();
    }
  });
});
