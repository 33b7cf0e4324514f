/**
 * Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML (XML parsed back), the
 * spec's defaults (90 days, 1000 requests) and the page/page_size extension, submissions through
 * the cases intake, the spec's errors, and privacy (private categories never listed publicly; no
 * names or phones ever).
 */
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx, inTx } from '../../src/platform/context.js';
import { intake, runActionInTx, seedTaxonomy } from '../../src/modules/cases/index.js';
// TODO(lead): export importCasesFromCsv from cases/index.ts.
// eslint-disable-next-line gongzhi/module-boundaries -- until cases/index.ts exports it
import { importCasesFromCsv } from '../../src/modules/cases/import311/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { createTestApiKey, createTestDepartment } from '../helpers/identity.js';

const CITY = '5366';
let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let key: string; // operator over 五华区: sees private cases there
let otherKey: string; // operator over 盘龙区
const IN_GRID = { lat: 24.05, long: 102.05 };
const sys = () => cliCtx(systemActor('open311-test'));

const xml = new XMLParser({
  isArray: (name) => ['service', 'request', 'request_update', 'attribute', 'value', 'endpoint', 'format', 'error'].includes(name),
  parseTagValue: false,
});

beforeAll(async () => {
  t = await createTestDatabase();
  app = await buildTestApp(t.db);
  city = await createMiniCity(t.db, CITY);
  await seedTaxonomy(t.db);
  await createTestDepartment(t.db, { code: `${CITY}-CGJ`, name: '五华区城市管理局', regionCode: city.wuhua.code });
  key = (await createTestApiKey(t.db, { role: 'operator', regionCode: city.wuhua.code, name: '12345 热线对接' })).key;
  otherKey = (await createTestApiKey(t.db, { role: 'operator', regionCode: city.panlong.code })).key;
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
const form = (fields: Record<string, string | number | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x));
  return p.toString();
};
const post = (fields: Record<string, string | number | string[]>, format: 'json' | 'xml' = 'json', headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/open311/v2/requests.${format}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: form(fields) });
const caseCount = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM case_file WHERE city_code = $1`, [city.city.code])).rows[0]!.n;

const JSON_TYPE = 'application/json; charset=utf-8';
const XML_TYPE = 'text/xml; charset=utf-8';

/** The spec's error shape in both formats. */
async function expectError(res: Awaited<ReturnType<typeof get>>, status: number, text: RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  if (res.headers['content-type'] === XML_TYPE) {
    const doc = xml.parse(res.body);
    expect(doc.errors.error).toHaveLength(1);
    expect(doc.errors.error[0].code).toBe(String(status));
    expect(doc.errors.error[0].description).toMatch(text);
  } else {
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    const body = res.json();
    expect(body).toEqual([{ code: status, description: expect.stringMatching(text) }]);
  }
}

/** A case reported through intake as the system (private categories need a contact phone). */
async function makeCase(categoryCode: string, extra: Record<string, unknown> = {}) {
  return inTx(t.db, sys(), async (c) => {
    const r = await intake(c, { channel: 'hotline', categoryCode, description: '测试案件 联系人13812345678', location: { lng: IN_GRID.long, lat: IN_GRID.lat }, reporterName: '张三', reporterPhone: '13912345678', ...extra });
    return r.case;
  });
}

describe('GET discovery', () => {
  it('200 JSON: the endpoint, its formats and the spec', async () => {
    const r = await get('/open311/v2/discovery.json');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe(JSON_TYPE);
    const d = r.json();
    expect(d.endpoints).toEqual([
      { specification: 'http://wiki.open311.org/GeoReport_v2', url: 'http://localhost:80/open311/v2', changeset: d.changeset, type: 'production', formats: ['application/json', 'text/xml'] },
    ]);
    expect(d.changeset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  });

  it('200 XML: the same document with the XML declaration', async () => {
    const r = await get('/open311/v2/discovery.xml');
    expect(r.headers['content-type']).toBe(XML_TYPE);
    expect(r.body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const d = xml.parse(r.body).discovery;
    expect(d.endpoints.endpoint[0].formats.format).toEqual(['application/json', 'text/xml']);
    expect(d.endpoints.endpoint[0].specification).toBe('http://wiki.open311.org/GeoReport_v2');
  });

  it('400 for another format, in JSON', async () => {
    await expectError(await get('/open311/v2/discovery.csv'), 400, /format/);
  });
});

describe('GET services', () => {
  it('200 JSON: active minor categories as services, grouped by their major category', async () => {
    const r = await get('/open311/v2/services.json');
    expect(r.statusCode).toBe(200);
    const list = r.json() as Array<Record<string, unknown>>;
    const waste = list.find((s) => s.service_code === 'CITY.EXPOSED_WASTE');
    expect(waste).toEqual({ service_code: 'CITY.EXPOSED_WASTE', service_name: '暴露垃圾', description: 'Exposed waste', metadata: true, type: 'realtime', keywords: '垃圾, 堆积', group: '市容环境' });
    expect(list.find((s) => s.service_code === 'ROADS.STREETLIGHT')).toMatchObject({ metadata: false, group: '道路设施' });
    // Majors are groups, not services; the historical-import category is not offered.
    expect(list.some((s) => s.service_code === 'CITY' || String(s.service_code).startsWith('import'))).toBe(false);
  });

  it('200 XML: <services><service>…', async () => {
    const r = await get('/open311/v2/services.xml');
    expect(r.headers['content-type']).toBe(XML_TYPE);
    const services = xml.parse(r.body).services.service as Array<Record<string, string>>;
    const json = (await get('/open311/v2/services.json')).json() as unknown[];
    expect(services).toHaveLength(json.length);
    expect(services.find((s) => s.service_code === 'CITY.EXPOSED_WASTE')).toMatchObject({ metadata: 'true', type: 'realtime', group: '市容环境' });
  });

  it('404 for an unknown jurisdiction_id', async () => {
    await expectError(await get('/open311/v2/services.json?jurisdiction_id=999900000000'), 404, /jurisdiction_id/);
    await expectError(await get('/open311/v2/services.xml?jurisdiction_id=999900000000'), 404, /jurisdiction_id/);
  });

  it('200 with this city\'s jurisdiction_id', async () => {
    expect((await get(`/open311/v2/services.json?jurisdiction_id=${city.city.code}`)).statusCode).toBe(200);
  });
});

describe('GET services/{service_code}', () => {
  it('200 JSON: attributes in Open311 datatypes, list values as key/name', async () => {
    const r = await get('/open311/v2/services/CITY.MATERIAL_PILE.json');
    expect(r.statusCode).toBe(200);
    const d = r.json();
    expect(d.service_code).toBe('CITY.MATERIAL_PILE');
    expect(d.attributes).toEqual([
      { variable: true, code: 'area_m2', datatype: 'number', required: false, datatype_description: '', order: 1, description: '大致面积（平方米）' },
      {
        variable: true, code: 'blocking', datatype: 'singlevaluelist', required: false, datatype_description: '', order: 2, description: '是否影响通行',
        values: [{ key: 'none', name: '不影响' }, { key: 'partial', name: '部分影响' }, { key: 'full', name: '完全阻断' }],
      },
    ]);
    const police = (await get('/open311/v2/services/POLICE.MUNICIPAL.json')).json();
    expect(police.attributes.map((a: { datatype: string; required: boolean }) => [a.datatype, a.required])).toEqual([['string', true], ['datetime', false]]);
    const gas = (await get('/open311/v2/services/SAFETY.GAS.json')).json();
    expect(gas.attributes[0]).toMatchObject({ code: 'hazard', datatype: 'multivaluelist', required: true });
  });

  it('200 XML: <service_definition> with <attributes><attribute> and <values><value>', async () => {
    const r = await get('/open311/v2/services/SAFETY.GAS.xml');
    expect(r.headers['content-type']).toBe(XML_TYPE);
    const d = xml.parse(r.body).service_definition;
    expect(d.service_code).toBe('SAFETY.GAS');
    expect(d.attributes.attribute[0]).toMatchObject({ code: 'hazard', datatype: 'multivaluelist', required: 'true' });
    expect(d.attributes.attribute[0].values.value.map((v: { key: string }) => v.key)).toEqual(['fire', 'gas', 'electric', 'structure', 'other']);
  });

  it('404 for an unknown service, a major category or the import category, in both formats', async () => {
    await expectError(await get('/open311/v2/services/NO.SUCH.json'), 404, /service_code/);
    await expectError(await get('/open311/v2/services/NO.SUCH.xml'), 404, /service_code/);
    await expectError(await get('/open311/v2/services/CITY.json'), 404, /service_code/);
    await expectError(await get('/open311/v2/services/import.other.json'), 404, /service_code/);
  });
});

describe('POST requests', () => {
  const valid = (extra: Record<string, string | number | string[]> = {}) => ({ api_key: key, service_code: 'CITY.MATERIAL_PILE', ...IN_GRID, description: '人行道上堆满建材', ...extra });

  it('201: creates a case through intake (channel open311), located in its grid, with attributes and contact', async () => {
    const r = await post(valid({
      'attribute[area_m2]': '12.5', 'attribute[blocking]': 'partial', first_name: '三', last_name: '张', phone: '13812345678',
      email: 'zhang@example.com', device_id: 'dev-1', account_id: 'acct-9', media_url: 'https://example.com/p/1.jpg',
    }));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.headers['content-type']).toBe(JSON_TYPE);
    const [out] = r.json();
    expect(out).toEqual({ service_request_id: expect.stringMatching(/^5366-\d{8}-\d{6}$/), service_notice: expect.stringContaining('处置时限'), account_id: 'acct-9' });
    const { rows } = await t.db.query<Record<string, unknown>>(
      `SELECT id, channel, category_code, grid_id, attributes, reporter_name, reporter_phone, description FROM case_file WHERE public_id = $1`,
      [out.service_request_id],
    );
    expect(rows[0]).toMatchObject({ channel: 'open311', category_code: 'CITY.MATERIAL_PILE', attributes: { area_m2: 12.5, blocking: 'partial' }, reporter_name: '张 三', reporter_phone: '13812345678', description: '人行道上堆满建材' });
    expect(Number(rows[0]!.grid_id)).toBe(city.wuhuaGrid.id);
    const ev = await t.db.query<{ data: Record<string, unknown>; public: boolean }>(`SELECT data, public FROM case_event WHERE case_id = $1 AND type = 'open311_submitted'`, [rows[0]!.id]);
    expect(ev.rows).toEqual([{ public: false, data: { mediaUrl: 'https://example.com/p/1.jpg', email: 'zhang@example.com', deviceId: 'dev-1', accountId: 'acct-9', addressId: null } }]);
  });

  it('201 XML: <service_requests><request><service_request_id>…', async () => {
    const r = await post(valid(), 'xml');
    expect(r.statusCode, r.body).toBe(201);
    expect(r.headers['content-type']).toBe(XML_TYPE);
    const req = xml.parse(r.body).service_requests.request[0];
    expect(req.service_request_id).toMatch(/^5366-/);
    expect(req.account_id).toBe('');
  });

  it('201: a multivaluelist through attribute[CODE][]; an address instead of lat/long', async () => {
    const r = await post({ api_key: key, service_code: 'SAFETY.GAS', address_string: '五华区华山南路 1 号', description: '燃气味', 'attribute[hazard][]': ['gas', 'fire'] });
    expect(r.statusCode, r.body).toBe(201);
    const { rows } = await t.db.query<{ attributes: unknown; address: string; out_of_region: boolean }>(`SELECT attributes, address, out_of_region FROM case_file WHERE public_id = $1`, [r.json()[0].service_request_id]);
    expect(rows[0]).toEqual({ attributes: { hazard: ['gas', 'fire'] }, address: '五华区华山南路 1 号', out_of_region: false });
  });

  it('201: the key in the Authorization header works as well as the api_key field', async () => {
    const r = await post({ service_code: 'ROADS.STREETLIGHT', ...IN_GRID }, 'json', { authorization: `Bearer ${key}` });
    expect(r.statusCode, r.body).toBe(201);
  });

  it('201 once: a retry with the same Idempotency-Key returns the same request', async () => {
    const before = await caseCount();
    const a = await post(valid({ description: '幂等测试' }), 'json', { 'idempotency-key': 'open311-retry-1' });
    const b = await post(valid({ description: '幂等测试' }), 'json', { 'idempotency-key': 'open311-retry-1' });
    expect(a.statusCode).toBe(201);
    expect(b.json()).toEqual(a.json());
    expect(await caseCount()).toBe(before + 1);
  });

  it('a point outside every region is kept (out of region) at the city', async () => {
    const r = await post(valid({ lat: 30.5, long: 110.5 }));
    expect(r.statusCode, r.body).toBe(201);
    const { rows } = await t.db.query<{ out_of_region: boolean; region_id: number }>(`SELECT out_of_region, region_id FROM case_file WHERE public_id = $1`, [r.json()[0].service_request_id]);
    expect(rows[0]!.out_of_region).toBe(true);
    expect(Number(rows[0]!.region_id)).toBe(city.city.id);
  });

  describe('errors (nothing written)', () => {
    let before: number;
    beforeAll(async () => {
      before = await caseCount();
    });
    afterAll(async () => {
      expect(await caseCount()).toBe(before);
    });

    it('403 without api_key', async () => {
      const { api_key: _k, ...noKey } = valid();
      await expectError(await post(noKey), 403, /api_key/);
      await expectError(await post(noKey, 'xml'), 403, /api_key/);
    });

    it('403 with a wrong api_key, in the field or the header', async () => {
      await expectError(await post(valid({ api_key: 'gz_wrongwrongwrongwrongwrongwrong' })), 403, /api_key/);
      await expectError(await post(valid({ api_key: 'nonsense' }), 'xml'), 403, /api_key/);
      const { api_key: _k, ...noKey } = valid();
      await expectError(await post(noKey, 'json', { authorization: 'Bearer gz_wrongwrongwrongwrong' }), 403, /API key/);
    });

    it('404 for an unknown service_code or jurisdiction_id', async () => {
      await expectError(await post(valid({ service_code: 'NO.SUCH' })), 404, /service_code/);
      await expectError(await post(valid({ jurisdiction_id: '999900000000' }), 'xml'), 404, /jurisdiction_id/);
    });

    it('400 for a bad lat/long, naming it', async () => {
      await expectError(await post(valid({ lat: 'abc' })), 400, /^lat:/);
      await expectError(await post(valid({ long: 181 }), 'xml'), 400, /^long:/);
      const { long: _l, ...latOnly } = valid();
      await expectError(await post(latOnly), 400, /^long:/);
      const { lat: _a, long: _b, ...nowhere } = valid();
      await expectError(await post(nowhere), 400, /^lat:/);
    });

    it('400 for a description over 4000 characters (4000 is accepted elsewhere)', async () => {
      await expectError(await post(valid({ description: '长'.repeat(4001) })), 400, /^description:/);
    });

    it('400 for a missing required attribute, or a value not in the list, named as attribute[CODE]', async () => {
      await expectError(await post({ api_key: key, service_code: 'SAFETY.GAS', ...IN_GRID }), 400, /^attribute\[hazard\]: is required/);
      await expectError(await post({ api_key: key, service_code: 'SAFETY.GAS', ...IN_GRID, 'attribute[hazard][]': 'boom' }), 400, /^attribute\[hazard\]/);
      await expectError(await post(valid({ 'attribute[colour]': 'red' })), 400, /^attribute\[colour\]/);
    });

    it('400 for an unknown field, a field given twice, a bad phone or media_url', async () => {
      await expectError(await post(valid({ title: 'x' })), 400, /^title/);
      await expectError(await post(valid({ service_code: ['CITY.MATERIAL_PILE', 'ROADS.POTHOLE'] })), 400, /^service_code: is given twice/);
      await expectError(await post(valid({ phone: 'call me' })), 400, /^phone/);
      await expectError(await post(valid({ media_url: 'javascript:alert(1)' })), 400, /^media_url/);
    });

    it('400 for a body that is not a form (or JSON)', async () => {
      const r = await app.inject({ method: 'POST', url: '/open311/v2/requests.xml', headers: { 'content-type': 'application/xml' }, payload: '<request/>' });
      await expectError(r, 400, /form-urlencoded/);
      const text = await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
      await expectError(text, 400, /^body/);
    });
  });

  it('201 with a description of exactly 4000 characters', async () => {
    expect((await post(valid({ description: '长'.repeat(4000) }))).statusCode).toBe(201);
  });
});

describe('GET requests', () => {
  let publicId: string;
  let privateId: string;
  let oldId: string;
  beforeAll(async () => {
    publicId = (await makeCase('ROADS.POTHOLE', { address: '华山南路 13900001111 号旁' })).public_id;
    privateId = (await makeCase('DISPUTE.NEIGHBOUR')).public_id;
    const old = await makeCase('ROADS.POTHOLE');
    oldId = old.public_id;
    await t.db.query(`UPDATE case_file SET reported_at = now() - interval '100 days' WHERE id = $1`, [old.id]);
    // Move the pothole on: accepted and dispatched (public events; an agency responsible).
    // Inside the transaction, only c.tx: the embedded database is one connection.
    await inTx(t.db, sys(), async (c) => {
      const k = (await c.tx.query<{ id: number }>('SELECT id FROM case_file WHERE public_id = $1', [publicId])).rows[0]!;
      const dept = (await c.tx.query<{ id: number }>('SELECT id FROM department WHERE code = $1', [`${CITY}-CGJ`])).rows[0]!;
      await runActionInTx(c, Number(k.id), 'accept', {});
      await runActionInTx(c, Number(k.id), 'dispatch', { leadDepartmentId: Number(dept.id) });
    });
  });

  it('200 JSON: public requests in the spec\'s fields, redacted, with status, agency and deadline', async () => {
    const r = await get('/open311/v2/requests.json');
    expect(r.statusCode).toBe(200);
    const list = r.json() as Array<Record<string, unknown>>;
    const mine = list.find((x) => x.service_request_id === publicId)!;
    expect(mine).toMatchObject({
      status: 'open',
      status_notes: expect.stringContaining('已派遣至五华区城市管理局'),
      service_name: '道路破损',
      service_code: 'ROADS.POTHOLE',
      description: '测试案件 联系人138****5678',
      agency_responsible: '五华区城市管理局',
      service_notice: expect.stringContaining('处置时限'),
      requested_datetime: expect.stringMatching(/\+08:00$/),
      updated_datetime: expect.stringMatching(/\+08:00$/),
      expected_datetime: expect.stringMatching(/\+08:00$/),
      address: '华山南路 139****1111 号旁',
      lat: IN_GRID.lat,
      long: IN_GRID.long,
      media_url: null,
    });
    // No names or phones anywhere; private categories never listed.
    expect(r.body).not.toMatch(/张三|13912345678|13812345678/);
    expect(list.some((x) => x.service_request_id === privateId)).toBe(false);
  });

  it('200 XML: <service_requests><request>… with the same requests', async () => {
    const r = await get('/open311/v2/requests.xml');
    expect(r.headers['content-type']).toBe(XML_TYPE);
    const reqs = xml.parse(r.body).service_requests.request as Array<Record<string, string>>;
    const json = (await get('/open311/v2/requests.json')).json() as Array<Record<string, unknown>>;
    expect(reqs.map((x) => x.service_request_id)).toEqual(json.map((x) => x.service_request_id));
    expect(reqs.find((x) => x.service_request_id === publicId)).toMatchObject({ status: 'open', agency_responsible: '五华区城市管理局', lat: String(IN_GRID.lat), long: String(IN_GRID.long) });
  });

  it('with an API key: the private requests of its own scope too, still without names or phones', async () => {
    const mine = (await get(`/open311/v2/requests.json?api_key=${key}`)).json() as Array<{ service_request_id: string }>;
    expect(mine.some((x) => x.service_request_id === privateId)).toBe(true);
    const other = (await get('/open311/v2/requests.json', { authorization: `Bearer ${otherKey}` })).json() as Array<{ service_request_id: string }>;
    expect(other.some((x) => x.service_request_id === privateId)).toBe(false);
    expect(JSON.stringify(mine)).not.toMatch(/张三|13912345678/);
  });

  it('403 for a wrong api_key even on a read', async () => {
    await expectError(await get('/open311/v2/requests.json?api_key=gz_nope'), 403, /api_key/);
  });

  it('the default window is the last 90 days; start_date/end_date choose another (at most 90 days)', async () => {
    const ids = async (qs: string) => ((await get(`/open311/v2/requests.json${qs}`)).json() as Array<{ service_request_id: string }>).map((x) => x.service_request_id);
    expect(await ids('')).not.toContain(oldId);
    const from = new Date(Date.now() - 120 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 95 * 86_400_000).toISOString();
    expect(await ids(`?start_date=${from}&end_date=${to}`)).toEqual([oldId]);
    // Only a start: the 90 days after it.
    expect(await ids(`?start_date=${from}`)).toEqual([oldId]);
    await expectError(await get(`/open311/v2/requests.json?start_date=${new Date(Date.now() - 100 * 86_400_000).toISOString()}&end_date=${new Date().toISOString()}`), 400, /^end_date/);
    await expectError(await get('/open311/v2/requests.xml?start_date=yesterday'), 400, /^start_date/);
  });

  it('service_request_id (comma list) overrides the other filters', async () => {
    const r = (await get(`/open311/v2/requests.json?service_request_id=${publicId},${oldId}&status=closed&service_code=SANITATION.BIN_OVERFLOW`)).json() as Array<{ service_request_id: string }>;
    expect(r.map((x) => x.service_request_id).sort()).toEqual([oldId, publicId].sort());
  });

  it('service_code and status filter', async () => {
    const potholes = (await get('/open311/v2/requests.json?service_code=ROADS.POTHOLE,ROADS.MANHOLE')).json() as Array<{ service_code: string }>;
    expect(potholes.length).toBeGreaterThan(0);
    expect(potholes.every((x) => x.service_code === 'ROADS.POTHOLE' || x.service_code === 'ROADS.MANHOLE')).toBe(true);
    const closed = (await get('/open311/v2/requests.json?status=closed')).json() as Array<{ status: string }>;
    expect(closed.every((x) => x.status === 'closed')).toBe(true);
    const open = (await get('/open311/v2/requests.json?status=open')).json() as Array<{ status: string; service_request_id: string }>;
    expect(open.map((x) => x.service_request_id)).toContain(publicId);
    expect(open.every((x) => x.status === 'open')).toBe(true);
    await expectError(await get('/open311/v2/requests.json?status=pending'), 400, /^status/);
  });
});

describe('GET requests: 1000 per answer by default, and pages', () => {
  let total: number;
  beforeAll(async () => {
    // 1,050 closed historical records from the last days, loaded through the import store.
    const header = 'city,dataset,request_id,tz,created_at,closed_at,status,category,subcategory,agency,channel,lat,lon,admin_area,hours_to_close';
    const rows: string[] = [];
    const base = Date.now() - 5 * 86_400_000;
    for (let i = 0; i < 1050; i++) {
      const at = new Date(base + i * 60_000).toISOString().slice(0, 19) + 'Z';
      const end = new Date(base + i * 60_000 + 3_600_000).toISOString().slice(0, 19) + 'Z';
      rows.push(`Kunming,paging,P-${i},UTC,${at},${end},Closed,Bulky Items,,城管,Call,24.05,102.05,,1`);
    }
    await importCasesFromCsv(t.db, sys(), `${header}\n${rows.join('\n')}\n`, { cityCode: city.city.code });
    total = ((await get('/open311/v2/requests.json?page_size=1000&page=1')).json() as unknown[]).length + ((await get('/open311/v2/requests.json?page_size=1000&page=2')).json() as unknown[]).length;
  });

  it('without page_size: at most 1000 requests', async () => {
    expect(total).toBeGreaterThan(1050);
    expect(((await get('/open311/v2/requests.json')).json() as unknown[]).length).toBe(1000);
  });

  it('page and page_size walk the list without gaps or repeats (newest first)', async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const r = (await get(`/open311/v2/requests.json?page_size=400&page=${page}`)).json() as Array<{ service_request_id: string; requested_datetime: string }>;
      seen.push(...r.map((x) => x.service_request_id));
      if (r.length < 400) break;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const first = (await get('/open311/v2/requests.json?page_size=2')).json() as Array<{ requested_datetime: string }>;
    expect(first[0]!.requested_datetime >= first[1]!.requested_datetime).toBe(true);
  });

  it('400 for page_size over 1000 or page 0', async () => {
    await expectError(await get('/open311/v2/requests.json?page_size=1001'), 400, /^page_size/);
    await expectError(await get('/open311/v2/requests.xml?page=0'), 400, /^page/);
  });
});

describe('GET requests/{service_request_id} and tokens/{token}', () => {
  let publicId: string;
  let privateId: string;
  beforeAll(async () => {
    publicId = (await makeCase('SANITATION.BIN_OVERFLOW')).public_id;
    privateId = (await makeCase('DISPUTE.FAMILY')).public_id;
  });

  it('200 JSON and XML: a one-element list', async () => {
    const j = await get(`/open311/v2/requests/${publicId}.json`);
    expect(j.statusCode).toBe(200);
    expect(j.json()).toEqual([expect.objectContaining({ service_request_id: publicId, status: 'open', service_code: 'SANITATION.BIN_OVERFLOW', status_notes: '已上报' })]);
    const x = await get(`/open311/v2/requests/${publicId}.xml`);
    expect(x.headers['content-type']).toBe(XML_TYPE);
    expect(xml.parse(x.body).service_requests.request).toEqual([expect.objectContaining({ service_request_id: publicId, status: 'open' })]);
  });

  it('404 for an unknown request, and for a private one without a key in scope', async () => {
    await expectError(await get('/open311/v2/requests/5366-20200101-999999.json'), 404, /service_request_id/);
    await expectError(await get(`/open311/v2/requests/${privateId}.xml`), 404, /service_request_id/);
    await expectError(await get(`/open311/v2/requests/${privateId}.json?api_key=${otherKey}`), 404, /service_request_id/);
    expect((await get(`/open311/v2/requests/${privateId}.json?api_key=${key}`)).statusCode).toBe(200);
  });

  it('tokens: 200 with the request id in JSON and XML; 404 for an unknown token', async () => {
    expect((await get(`/open311/v2/tokens/${publicId}.json`)).json()).toEqual([{ service_request_id: publicId, token: publicId }]);
    const x = xml.parse((await get(`/open311/v2/tokens/${publicId}.xml`)).body);
    expect(x.service_requests.request).toEqual([{ service_request_id: publicId, token: publicId }]);
    await expectError(await get('/open311/v2/tokens/no-such-token.json'), 404, /token/);
    await expectError(await get('/open311/v2/tokens/no-such-token.xml'), 404, /token/);
  });

  it('400 for a file without .json or .xml', async () => {
    await expectError(await get(`/open311/v2/requests/${publicId}.html`), 400, /file/);
  });
});

describe('GET servicerequestupdates', () => {
  let id: number;
  let publicId: string;
  let privateId: string;
  let since: string;
  beforeAll(async () => {
    since = new Date(Date.now() - 1000).toISOString();
    const k = await makeCase('ORDER.NOISE');
    id = k.id;
    publicId = k.public_id;
    privateId = (await makeCase('DISPUTE.LEAK')).public_id;
    await inTx(t.db, sys(), (c) => runActionInTx(c, id, 'reject', { reason: '非本辖区事项' }));
  });

  it('200 JSON: the public events since start_date, oldest first, with the status after each', async () => {
    const r = await get(`/open311/v2/servicerequestupdates.json?start_date=${since}`);
    expect(r.statusCode).toBe(200);
    const ups = (r.json() as Array<Record<string, string>>).filter((u) => u.service_request_id === publicId);
    expect(ups.map((u) => [u.status, u.description])).toEqual([['open', '已上报'], ['closed', '不予立案：非本辖区事项']]);
    expect(ups[0]).toEqual({ update_id: expect.stringMatching(/^\d+$/), service_request_id: publicId, status: 'open', updated_datetime: expect.stringMatching(/\+08:00$/), description: '已上报', media_url: null });
    expect((r.json() as Array<{ service_request_id: string }>).some((u) => u.service_request_id === privateId)).toBe(false);
  });

  it('200 XML: <service_request_updates><request_update>…', async () => {
    const r = await get(`/open311/v2/servicerequestupdates.xml?start_date=${since}`);
    expect(r.headers['content-type']).toBe(XML_TYPE);
    const ups = (xml.parse(r.body).service_request_updates.request_update as Array<Record<string, string>>).filter((u) => u.service_request_id === publicId);
    expect(ups.map((u) => u.status)).toEqual(['open', 'closed']);
  });

  it('an end_date before the updates leaves them out; a window over 90 days is 400', async () => {
    const r = (await get(`/open311/v2/servicerequestupdates.json?end_date=${since}`)).json() as Array<{ service_request_id: string }>;
    expect(r.some((u) => u.service_request_id === publicId)).toBe(false);
    await expectError(await get(`/open311/v2/servicerequestupdates.json?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z`), 400, /^end_date/);
  });
});

describe('anything else under /open311/v2', () => {
  it('404 in the spec\'s shape', async () => {
    await expectError(await get('/open311/v2/nothing.json'), 404, /no endpoint/);
    await expectError(await get('/open311/v2/nothing/deeper.xml'), 404, /no endpoint/);
    await expectError(await app.inject({ method: 'DELETE', url: '/open311/v2/requests.json' }), 404, /no endpoint/);
  });
});

describe('rate limit', () => {
  it('429 in the spec\'s shape after the per-client limit', async () => {
    const fresh = await buildTestApp(t.db);
    try {
      let last = await fresh.inject({ method: 'GET', url: '/open311/v2/discovery.json' });
      for (let i = 0; i < 300 && last.statusCode === 200; i++) last = await fresh.inject({ method: 'GET', url: '/open311/v2/discovery.json' });
      await expectError(last, 429, /Too many requests/);
      expect(last.headers['retry-after']).toBeDefined();
    } finally {
      await fresh.close();
    }
  });
});

describe('several jurisdictions on one server', () => {
  it('jurisdiction_id is then required (400) and chooses the city', async () => {
    await createMiniCity(t.db, '5367');
    // Its own place on the map (the fixture draws every mini city on the same squares).
    await t.db.query(`UPDATE region SET geom = ST_Translate(geom, 10, 0), centroid = ST_Translate(centroid, 10, 0) WHERE code LIKE '5367%'`);
    await expectError(await get('/open311/v2/requests.json'), 400, /^jurisdiction_id/);
    expect((await get(`/open311/v2/requests.json?jurisdiction_id=${city.city.code}`)).statusCode).toBe(200);
    // A point in the other city's regions is not this jurisdiction's.
    const r = await post({ api_key: key, service_code: 'ROADS.STREETLIGHT', jurisdiction_id: '536700000000', ...IN_GRID });
    await expectError(r, 400, /^lat: this point lies in jurisdiction 536600000000/);
  });
});
