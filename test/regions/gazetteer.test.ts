/**
 * GET /api/regions/geocode and POST /api/regions/gazetteer/import on a mini city with a second
 * 福海社区 under another street (the same community name twice), real database.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geocodeAddress, refreshLocateIndex } from '../../src/modules/regions/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity, type RegionRow } from '../helpers/fixtures.js';
import { actAs, type SessionHeaders } from '../helpers/identity.js';

let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let fuhaiA: RegionRow;
let fuhaiB: RegionRow;
let streetB: RegionRow;
let admin: SessionHeaders;
let wuhuaAdmin: SessionHeaders;
let resident: SessionHeaders;

async function insertUnit(code: string, name: string, level: string, parent: RegionRow, box: [number, number, number, number]): Promise<RegionRow> {
  const [x0, y0, x1, y1] = box;
  const wkt = `MULTIPOLYGON(((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0})))`;
  const depth = parent.path.split('/').filter(Boolean).length + 1;
  const { rows } = await t.db.query<{ id: number }>(
    `INSERT INTO region (code, name, level, parent_id, path, depth, geom, boundary_source) VALUES ($1, $2, $3, $4, '', $5, ST_GeomFromText($6, 4326), 'imported') RETURNING id`,
    [code, name, level, parent.id, depth, wkt],
  );
  const id = Number(rows[0]!.id);
  const path = `${parent.path}${id}/`;
  await t.db.query('UPDATE region SET path = $1 WHERE id = $2', [path, id]);
  return { id, code, name, level, path } as RegionRow;
}

const geocode = (q: string, headers: SessionHeaders | Record<string, string> = resident) =>
  app.inject({ method: 'GET', url: `/api/regions/geocode?q=${encodeURIComponent(q)}`, headers });
const importCsv = (csv: string, headers: SessionHeaders | Record<string, string> = admin, query = '') =>
  app.inject({ method: 'POST', url: `/api/regions/gazetteer/import${query}`, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
const entries = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gazetteer_entry')).rows[0]!.n;

beforeAll(async () => {
  t = await createTestDatabase();
  app = await buildTestApp(t.db);
  city = await createMiniCity(t.db, '5391');
  // 福海社区 under 华山街道 (五华区) and under a second street of 盘龙区.
  fuhaiA = await insertUnit('539102001002', '福海社区', 'community', city.wuhuaStreet, [102.25, 24.5, 102.5, 25.0]);
  streetB = await insertUnit('539103002000', '前卫街道', 'street', city.panlong, [103.5, 24.0, 104.0, 25.0]);
  fuhaiB = await insertUnit('539103002001', '福海社区', 'community', streetB, [103.5, 24.0, 103.75, 24.5]);
  await refreshLocateIndex(t.db);
  admin = (await actAs(t.db, { role: 'admin', regionCode: city.city.code })).headers;
  wuhuaAdmin = (await actAs(t.db, { role: 'admin', regionCode: city.wuhua.code })).headers;
  resident = (await actAs(t.db, { role: 'resident', regionCode: city.city.code })).headers;
});
afterAll(async () => {
  await app.close();
  await t.close();
});

describe('GET /api/regions/geocode', () => {
  it('401 for anonymous; 400 naming q when it is missing', async () => {
    expect((await geocode('五华区', {})).statusCode).toBe(401);
    const r = await app.inject({ method: 'GET', url: '/api/regions/geocode', headers: resident });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('q');
  });

  it('200: the deepest region named, with its chain and a confidence', async () => {
    const r = await geocode('昆明市五华区华山街道西仓坡社区 12 号附近');
    expect(r.statusCode, r.body).toBe(200);
    const g = r.json();
    expect(g.status).toBe('matched');
    expect(g.region).toMatchObject({ id: city.wuhuaCommunity.id, level: 'community' });
    expect(g.chain.map((c: { name: string }) => c.name)).toEqual(['西仓坡社区', '华山街道', '五华区', '昆明市']);
    expect(g.confidence).toBeGreaterThan(0.5);
    expect(g.point).toBeNull();
  });

  it('200 ambiguous: one community name in two streets, nothing higher named → candidates, not a guess', async () => {
    const g = (await geocode('福海社区')).json();
    expect(g.status).toBe('ambiguous');
    expect(g.region.id).toBe(city.city.id);
    expect(g.candidates.map((c: { id: number }) => c.id).sort()).toEqual([fuhaiA.id, fuhaiB.id].sort());
    // The district named decides.
    expect((await geocode('盘龙区福海社区')).json().region.id).toBe(fuhaiB.id);
    expect((await geocode('五华区福海社区')).json().region.id).toBe(fuhaiA.id);
  });

  it('200 none, with suggestions of names containing what was typed', async () => {
    const g = (await geocode('西仓')).json();
    expect(g.status).toBe('none');
    expect(g.suggestions.map((s: { name: string }) => s.name)).toContain('西仓坡社区');
  });

  it('400 for a cityCode that is no city', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/regions/geocode?q=${encodeURIComponent('五华区')}&cityCode=999900000000`, headers: resident });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('cityCode');
  });

  it('follows region changes: a renamed unit is found by its new name', async () => {
    await t.db.query(`UPDATE region SET name = '新拓东社区' WHERE id = $1`, [city.panlongCommunity.id]);
    await refreshLocateIndex(t.db);
    expect((await geocode('新拓东社区')).json().region.id).toBe(city.panlongCommunity.id);
    await t.db.query(`UPDATE region SET name = '拓东社区' WHERE id = $1`, [city.panlongCommunity.id]);
    await refreshLocateIndex(t.db);
  });
});

describe('POST /api/regions/gazetteer/import', () => {
  it('200: rows located into their regions; the geocoder then answers with a point', async () => {
    const csv = 'name,kind,lng,lat,crs,aliases\n滇池路,road,102.3,24.6,wgs84,滇池大道\n前兴路,road,102.35,24.7,,\n滇池路123号,address,102.31,24.61,wgs84,\n';
    const r = await importCsv(csv);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ rows: 3, created: 3, updated: 0, dryRun: false });
    const g = (await geocode('五华区滇池路１２３号')).json();
    expect(g.status).toBe('matched');
    expect(g.source).toBe('gazetteer');
    expect(g.point).toEqual({ lng: 102.31, lat: 24.61 });
    expect(g.region.id).toBe(fuhaiA.id);
    expect((await geocode('滇池大道')).json().point).toEqual({ lng: 102.3, lat: 24.6 });
    // A crossing: the region both roads lie in, no point.
    const x = (await geocode('滇池路与前兴路交叉口')).json();
    expect(x.point).toBeNull();
    expect(x.region.id).toBe(fuhaiA.id);
    // An audit record of the import.
    const a = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_record WHERE action = 'regions.gazetteer_import'`);
    expect(a.rows[0]!.n).toBe(1);
  });

  it('200: re-importing replaces (same name, kind and region); GCJ-02 points are converted; multipart works', async () => {
    const before = await entries();
    const boundary = '----gzgaz';
    const body = [`--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="places.csv"', 'Content-Type: text/csv', '', '滇池路,road,102.32,24.62,gcj02', `--${boundary}--`, ''].join('\r\n');
    const r = await app.inject({ method: 'POST', url: '/api/regions/gazetteer/import', headers: { ...admin, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ rows: 1, created: 0, updated: 1 });
    expect(await entries()).toBe(before);
    const p = (await geocode('五华区滇池路')).json().point;
    expect(Math.abs(p.lng - 102.32)).toBeGreaterThan(0.001);
  });

  it('400 listing every bad row by row number and field; nothing written', async () => {
    const before = await entries();
    const csv = 'name,kind,lng,lat,crs\n好路,road,102.3,24.6,wgs84\n坏路,street,102.3,24.6,wgs84\n远路,road,120.5,40.1,wgs84\n怪路,road,abc,24.6,wgs84\n错路,road,102.3,24.6,utm\n好路,road,102.31,24.61,wgs84\n';
    const r = await importCsv(csv);
    expect(r.statusCode).toBe(400);
    const e = r.json().error;
    expect(e.code).toBe('import_invalid');
    expect(e.message).toContain('row 3');
    expect(e.details).toEqual([
      { row: 3, field: 'kind', problem: expect.any(String) },
      { row: 4, field: 'lng', problem: expect.stringContaining('outside every region') },
      { row: 5, field: 'lng', problem: expect.any(String) },
      { row: 6, field: 'crs', problem: expect.any(String) },
      { row: 7, field: 'name', problem: expect.stringContaining('row 2') },
    ]);
    expect(await entries()).toBe(before);
  });

  it('dryRun checks and writes nothing', async () => {
    const before = await entries();
    const r = await importCsv('试验路,road,102.3,24.6,wgs84\n', admin, '?dryRun=true');
    expect(r.json()).toEqual({ rows: 1, created: 0, updated: 0, dryRun: true });
    expect(await entries()).toBe(before);
  });

  it('scope: a district admin may not place points in another district (row error); regionCode outside scope is 404; a resident 403; anonymous 401', async () => {
    const r = await importCsv('拓东路,road,103.1,24.1,wgs84\n', wuhuaAdmin);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0]).toMatchObject({ row: 1, field: 'lng' });
    expect((await importCsv('拓东路,road,103.1,24.1,wgs84\n', wuhuaAdmin, `?regionCode=${city.panlong.code}`)).statusCode).toBe(404);
    expect((await importCsv('华山路,road,102.05,24.05,wgs84\n', wuhuaAdmin, `?regionCode=${city.wuhua.code}`)).statusCode).toBe(200);
    expect((await importCsv('拓东路,road,103.1,24.1,wgs84\n', resident)).statusCode).toBe(403);
    expect((await importCsv('拓东路,road,103.1,24.1,wgs84\n', {})).statusCode).toBe(401);
  });

  it('400 naming file for an empty body', async () => {
    const r = await importCsv('');
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('file');
  });
});

describe('geocodeAddress inside a transaction', () => {
  it('answers from what the transaction sees, with the same result as outside', async () => {
    const outside = await geocodeAddress(t.db, '五华区滇池路123号');
    const inside = await t.db.tx((tx) => geocodeAddress(tx, '五华区滇池路123号'));
    expect(inside).toEqual(outside);
    expect(inside.point).not.toBeNull();
  });
});
