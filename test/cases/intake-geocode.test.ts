/** POST /api/cases with an address only: located by the offline gazetteer geocoder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intake } from '../../src/modules/cases/index.js';
import { closeWorld, createCasesWorld, type CasesWorld, type Who } from './setup.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5386');
  const csv = 'name,kind,lng,lat,crs,aliases\n翠湖南路,road,102.06,24.06,wgs84,翠湖南\n拓东体育馆,poi,103.1,24.1,wgs84,\n';
  const r = await w.app.inject({ method: 'POST', url: '/api/regions/gazetteer/import', headers: { ...w.admin.headers, 'content-type': 'text/csv' }, payload: csv });
  expect(r.statusCode, r.body).toBe(200);
});
afterAll(() => closeWorld(w));

const post = (who: Who, extra: Record<string, unknown>) =>
  w.app.inject({ method: 'POST', url: '/api/cases', headers: who.headers, payload: { channel: 'web', categoryCode: 'CITY.STREET_VENDING', description: '有人占道经营', ...extra } });
const stored = async (id: number) =>
  (await w.t.db.query<{ location_source: string | null; location_confidence: number | null }>('SELECT location_source, location_confidence FROM case_file WHERE id = $1', [id])).rows[0]!;

describe('POST /api/cases with an address only', () => {
  it('201: a community named → its region chain, geocoded_region, triaged by its street centre', async () => {
    const r = await post(w.resident, { address: '昆明市五华区华山街道西仓坡社区 ３ 号楼旁' });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    const k = body.case;
    expect(k.regionIds).toMatchObject({ city: w.city.city.id, district: w.city.wuhua.id, street: w.city.wuhuaStreet.id, community: w.city.wuhuaCommunity.id });
    expect(k.location).toBeNull();
    expect(k.outOfRegion).toBe(false);
    expect(k.centreRegionId).toBe(w.city.wuhuaStreet.id);
    expect(body.location.source).toBe('geocoded_region');
    expect(body.location.confidence).toBeGreaterThan(0.6);
    expect(body.location.geocode.status).toBe('matched');
    const s = await stored(k.id);
    expect(s.location_source).toBe('geocoded_region');
    expect(Number(s.location_confidence)).toBeCloseTo(body.location.confidence, 2);
    // The street centre's operator sees it in their queue.
    const list = (await w.app.inject({ method: 'GET', url: '/api/cases?state=reported', headers: w.streetOp.headers })).json();
    expect(list.items.map((i: { id: number }) => i.id)).toContain(k.id);
  });

  it('201: a gazetteer road → its point and the grid under it (geocoded_point)', async () => {
    const r = await post(w.resident, { address: '翠湖南路 附近' });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body.case.location).toEqual({ lng: 102.06, lat: 24.06 });
    expect(body.case.regionIds.grid).toBe(w.city.wuhuaGrid.id);
    expect(body.location.source).toBe('geocoded_point');
    expect((await stored(body.case.id)).location_source).toBe('geocoded_point');
    const detail = (await w.app.inject({ method: 'GET', url: `/api/cases/${body.case.id}`, headers: w.admin.headers })).json();
    expect(detail.locationSource).toEqual({ source: 'geocoded_point', confidence: expect.any(Number) });
  });

  it('201: an address that matches nothing → the city centre, location_source none, no confidence', async () => {
    const r = await post(w.resident, { address: '火星基地第三号舱' });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body.case.regionId).toBe(w.city.city.id);
    expect(body.case.centreRegionId).toBe(w.city.city.id);
    expect(body.location).toEqual({ source: 'none', confidence: null, geocode: expect.objectContaining({ status: 'none' }) });
    expect(await stored(body.case.id)).toEqual({ location_source: 'none', location_confidence: null });
  });

  it('201: only the district named → geocoded_region at the district, triaged by the city (too coarse for a street)', async () => {
    const body = (await post(w.resident, { address: '盘龙区某处' })).json();
    expect(body.case.regionId).toBe(w.city.panlong.id);
    expect(body.case.centreRegionId).toBe(w.city.city.id);
    expect(body.location.source).toBe('geocoded_region');
  });

  it('201: a hotline call with an address stays at the city centre but carries the region', async () => {
    const body = (await post(w.cityOp, { channel: 'hotline', categoryCode: 'CONSULT.POLICY', reporterName: '李女士', reporterPhone: '13900001111', address: '拓东体育馆门口' })).json();
    expect(body.case.centreRegionId).toBe(w.city.city.id);
    expect(body.case.regionIds.community).toBe(w.city.panlongCommunity.id);
    expect(body.location.source).toBe('geocoded_point');
  });

  it('201: a GPS point is recorded as gps, whatever the address says', async () => {
    const body = (await post(w.resident, { location: w.inGrid, address: '盘龙区拓东社区' })).json();
    expect(body.case.regionIds.grid).toBe(w.city.wuhuaGrid.id);
    expect(body.location).toEqual({ source: 'gps', confidence: null, geocode: null });
    expect((await stored(body.case.id)).location_source).toBe('gps');
  });

  it('intake called without a pre-geocoded address (Open311, imports) geocodes in its transaction', async () => {
    const r = await w.t.db.tx((tx) =>
      intake(
        { tx, actor: { kind: 'system', name: 'test' }, now: new Date(), requestId: 'test', ip: null },
        { channel: 'open311', categoryCode: 'CITY.STREET_VENDING', description: '开放接口上报', address: '西仓坡社区' },
      ),
    );
    expect(r.case.community_id).toBe(w.city.wuhuaCommunity.id);
    expect(r.location.source).toBe('geocoded_region');
    expect(r.case.centre_region_id).toBe(w.city.city.id);
  });
});
