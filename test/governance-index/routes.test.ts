/**
 * /api/index/*: every endpoint, its 4xx answers (naming the field, the row, the indicator), region
 * scope (404 outside it), snapshot immutability, and the compute end to end on a small city.
 */
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FRAMEWORK } from '../../src/modules/governance-index/default-framework.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { actAs, type SessionHeaders } from '../helpers/identity.js';
import { AS_OF, createIndexCity, type IndexCity } from './fixture.js';

let t: TestDatabase;
let app: FastifyInstance;
let city: IndexCity;
let admin: SessionHeaders;
let analyst: SessionHeaders;
let wuhuaAnalyst: SessionHeaders;
let resident: SessionHeaders;
let operator: SessionHeaders;

const now = () => AS_OF;

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createIndexCity(t.db, '5392');
  app = await buildTestApp(t.db, { now });
  admin = (await actAs(t.db, { role: 'admin', regionCode: city.city.code }, { now: AS_OF })).headers;
  analyst = (await actAs(t.db, { role: 'analyst', regionCode: city.city.code }, { now: AS_OF })).headers;
  wuhuaAnalyst = (await actAs(t.db, { role: 'analyst', regionCode: city.wuhua.code }, { now: AS_OF })).headers;
  resident = (await actAs(t.db, { role: 'resident', regionCode: city.city.code }, { now: AS_OF })).headers;
  operator = (await actAs(t.db, { role: 'operator', regionCode: city.city.code }, { now: AS_OF })).headers;
  const r = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: DEFAULT_FRAMEWORK });
  if (r.statusCode !== 201) throw new Error(r.body);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const count = async (table: string): Promise<number> => Number((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);

function csvUpload(text: string, headers: SessionHeaders) {
  return app.inject({ method: 'POST', url: '/api/index/indicators/import', headers: { ...headers, 'content-type': 'text/csv' }, payload: text });
}

function multipart(name: string, content: Buffer, mime: string, fields: Record<string, string> = {}) {
  const boundary = '----gi-test-boundary';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${mime}\r\n\r\n`), content, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ------------------------------------------------------------------ frameworks

describe('POST /api/index/frameworks', () => {
  const tree = () => structuredClone(DEFAULT_FRAMEWORK.tree) as typeof DEFAULT_FRAMEWORK.tree;

  it('201: a new code starts at version 1, the same code again makes version 2', async () => {
    const body = { code: 'gi-custom', nameZh: '自定义', nameEn: 'Custom', tree: tree() };
    const a = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: body });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ code: 'gi-custom', version: 1 });
    const b = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: body });
    expect(b.json()).toMatchObject({ code: 'gi-custom', version: 2 });
    const g = await app.inject({ method: 'GET', url: '/api/index/frameworks/gi-custom?version=1', headers: analyst });
    expect(g.statusCode).toBe(200);
    expect(g.json().version).toBe(1);
    const list = await app.inject({ method: 'GET', url: '/api/index/frameworks', headers: analyst });
    expect(list.json().items.find((f: { code: string }) => f.code === 'gi-custom')).toMatchObject({ version: 2, versions: 2 });
  });

  it('400 naming the aggregate of a cycle; nothing written', async () => {
    const tr = tree();
    tr.aggregates.find((a) => a.code === 'gzi')!.parent = 'linkage' as never;
    const before = await count('index_framework');
    const r = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: { code: 'gi-bad', nameZh: '坏', nameEn: 'Bad', tree: tr } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('index_framework_invalid');
    expect(r.json().error.message).toMatch(/cycle/);
    expect(r.json().error.details[0].field).toMatch(/^tree\.aggregates\[\d+\]\.parent$/);
    expect(await count('index_framework')).toBe(before);
  });

  it('400 naming the indicator with a negative weight', async () => {
    const tr = tree();
    tr.indicators.find((i) => i.code === 'rework_rate')!.weight = -1;
    const r = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: { code: 'gi-bad', nameZh: '坏', nameEn: 'Bad', tree: tr } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('rework_rate');
    const j = tr.indicators.findIndex((i) => i.code === 'rework_rate');
    expect(r.json().error.details[0].field).toBe(`tree.indicators[${j}].weight`);
  });

  it('400 naming an indicator with an unknown parent, a bad direction, a duplicate code', async () => {
    for (const [mutate, needle] of [
      [(tr: ReturnType<typeof tree>) => (tr.indicators[0]!.parent = 'nowhere'), 'nowhere'],
      [(tr: ReturnType<typeof tree>) => ((tr.indicators[1] as { direction: number }).direction = 2), tree().indicators[1]!.code],
      [(tr: ReturnType<typeof tree>) => tr.indicators.push({ ...tr.indicators[2]! }), tree().indicators[2]!.code],
    ] as const) {
      const tr = tree();
      mutate(tr);
      const r = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: { code: 'gi-bad', nameZh: '坏', nameEn: 'Bad', tree: tr } });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.message).toContain(needle);
    }
  });

  it('400 validation_failed naming a field of the body (schema)', async () => {
    const tr = tree();
    (tr.indicators[0] as { code: string }).code = 'Bad Code';
    const r = await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: admin, payload: { code: 'gi-bad', nameZh: '坏', nameEn: 'Bad', tree: tr } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0].field).toBe('tree.indicators.0.code');
  });

  it('403 for an analyst, 401 without a login', async () => {
    const body = { code: 'gi-x', nameZh: 'x', nameEn: 'x', tree: tree() };
    expect((await app.inject({ method: 'POST', url: '/api/index/frameworks', headers: analyst, payload: body })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/index/frameworks', payload: body })).statusCode).toBe(401);
  });

  it('404 for an unknown framework', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/index/frameworks/nope', headers: analyst });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('index_framework_not_found');
  });
});

// ------------------------------------------------------------------ imports

describe('POST /api/index/indicators/import', () => {
  it('200: long CSV writes the values with their batch', async () => {
    const r = await csvUpload(
      ['region_code,period,indicator_code,value', `${city.wuhua.code},2026-Q1,public_safety_sense,95.5`, `${city.panlong.code},2026-Q1,public_safety_sense,91`].join('\n'),
      admin,
    );
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ layout: 'long', format: 'csv', values: 2, indicators: ['public_safety_sense'], periods: ['2026-Q1'] });
    const { rows } = await t.db.query<{ value: number; source: string }>(
      `SELECT value, source FROM index_indicator_value WHERE indicator_code = 'public_safety_sense' AND region_id = $1 AND period = '2026-Q1'`,
      [city.wuhua.id],
    );
    expect(rows[0]).toEqual({ value: 95.5, source: `imported:${r.json().batchId}` });
  });

  it('200: wide XLSX through multipart, empty cells skipped, numbers as Excel numbers', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('数据');
    ws.addRow(['region_code', 'region_name', 'period', 'public_service_satisfaction', 'law_popularisation_rate']);
    ws.addRow([Number(city.wuhua.code), '五华区', '2026-Q1', 88.25, null]);
    ws.addRow([city.panlong.code, '盘龙区', '2026-Q1', 90, 71.5]);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const m = multipart('survey.xlsx', buf, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', { note: '2026年一季度满意度调查' });
    const r = await app.inject({ method: 'POST', url: '/api/index/indicators/import', headers: { ...admin, 'content-type': m.contentType }, payload: m.payload });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ layout: 'wide', format: 'xlsx', values: 3, indicators: ['law_popularisation_rate', 'public_service_satisfaction'] });
  });

  it('a re-import replaces the earlier value of the same cell', async () => {
    await csvUpload(['region_code,period,indicator_code,value', `${city.wuhua.code},2025,public_safety_sense,80`].join('\n'), admin);
    await csvUpload(['region_code,period,indicator_code,value', `${city.wuhua.code},2025,public_safety_sense,82`].join('\n'), admin);
    const { rows } = await t.db.query<{ value: number }>(`SELECT value FROM index_indicator_value WHERE indicator_code = 'public_safety_sense' AND region_id = $1 AND period = '2025'`, [city.wuhua.id]);
    expect(rows).toEqual([{ value: 82 }]);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown region code', `9999999999${'99'},2026,public_safety_sense,1`, /^row 3, column region_code: unknown region code/],
    ['bad number', `${'__W__'},2026,public_safety_sense,9x`, /^row 3, column value: "9x" is not a number/],
    ['bad period', `${'__W__'},2026-13,public_safety_sense,1`, /^row 3, column period: "2026-13" is not a period/],
    ['bad indicator code', `${'__W__'},2026,Public Safety,1`, /^row 3, column indicator_code:/],
    ['duplicate cell', `${'__W__'},2026-Q1,public_safety_sense,2`, /^row 3, column value: .*already given on row 2/],
  ];
  for (const [what, line, msg] of bad) {
    it(`400 naming row and column (${what}); nothing written`, async () => {
      const before = await count('index_indicator_value');
      const batches = await count('index_import_batch');
      const text = ['region_code,period,indicator_code,value', `${city.wuhua.code},2026-Q1,public_safety_sense,1`, line.replace('__W__', city.wuhua.code)].join('\n');
      const r = await csvUpload(text, admin);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('index_import_invalid');
      expect(r.json().error.message).toMatch(msg);
      expect(r.json().error.details[0].row).toBe(3);
      expect(await count('index_indicator_value')).toBe(before);
      expect(await count('index_import_batch')).toBe(batches);
    });
  }

  it('400 naming a wide-layout column that is not an indicator code', async () => {
    const r = await csvUpload(['region_code,period,安全感', `${city.wuhua.code},2026,90`].join('\n'), admin);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/^row 1, column 安全感/);
  });

  it('400 when the header lacks region_code', async () => {
    const r = await csvUpload(['code,period,indicator_code,value', `${city.wuhua.code},2026,x,1`].join('\n'), admin);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0]).toMatchObject({ row: 1, column: 'region_code' });
  });

  it('a region outside the importer\'s scope reads as unknown (400), a resident is refused (403)', async () => {
    const wuhuaAdmin = (await actAs(t.db, { role: 'admin', regionCode: city.wuhua.code }, { now: AS_OF })).headers;
    const r = await csvUpload(['region_code,period,indicator_code,value', `${city.panlong.code},2026,public_safety_sense,1`].join('\n'), wuhuaAdmin);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/unknown region code/);
    expect((await csvUpload('region_code,period,indicator_code,value\n', resident)).statusCode).toBe(403);
  });

  it('400 without a file', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/index/indicators/import', headers: { ...admin, 'content-type': 'text/csv' }, payload: '' });
    expect(r.statusCode).toBe(400);
  });
});

// ------------------------------------------------------------------ snapshots

describe('snapshots', () => {
  let id: number;

  beforeAll(async () => {
    const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload: { framework: 'gzi-default', period: '2026-Q1', level: 'district', scope: city.city.code } });
    if (r.statusCode !== 201) throw new Error(r.body);
    id = r.json().id;
  });

  it('POST 201: computed from live and imported data; optional indicators without data left out', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}`, headers: analyst });
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(s).toMatchObject({ framework: { code: 'gzi-default', version: 1 }, period: '2026-Q1', level: 'district', unitCount: 2 });
    expect(s.dropped.map((d: { code: string }) => d.code).sort()).toEqual(['deliberation_coverage', 'dispute_mediation_success_rate', 'volunteer_hours_per_capita']);
    expect(s.rows).toHaveLength(2);
    expect(s.dimensions.map((d: { code: string }) => d.code).sort()).toEqual(['linkage', 'participation', 'risk_safety', 'rule_of_law', 'service']);
    for (const row of s.rows) {
      expect(row.rankInterval).toHaveLength(2);
      expect(Object.keys(row.dimensions).sort()).toEqual(['linkage', 'participation', 'risk_safety', 'rule_of_law', 'service']);
    }
  });

  it('the index is the hand-computable mean of min-max scores over two units', async () => {
    // With two units min-max gives 100 to the better and 0 to the worse of each indicator.
    // Panlong is better on: on-time, disposal, satisfaction, rework, supervised, service survey
    // and law education (only Panlong has it: 50); Wuhua on: cases per 10k, grid staff, safety.
    // participation: W 100 (cases per 10k only) P 0; risk_safety: safety W 100, on-time P 100 → 50/50;
    // linkage: staff W 100, disposal P 100 → 50/50; service: P 100 both → W 0, P 100;
    // rule_of_law: rework P, supervised P, law (one value → 50 for P, missing for W) → W 0, P (100+100+50)/3.
    const s = (await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}`, headers: analyst })).json();
    const w = s.rows.find((r: { regionCode: string }) => r.regionCode === city.wuhua.code);
    const p = s.rows.find((r: { regionCode: string }) => r.regionCode === city.panlong.code);
    expect(w.dimensions.participation.score).toBeCloseTo(100, 9);
    expect(w.dimensions.risk_safety.score).toBeCloseTo(50, 9);
    expect(w.dimensions.service.score).toBeCloseTo(0, 9);
    expect(p.dimensions.rule_of_law.score).toBeCloseTo(250 / 3, 9);
    expect(w.score).toBeCloseTo((100 + 50 + 50 + 0 + 0) / 5, 9);
    expect(p.score).toBeCloseTo((0 + 50 + 50 + 100 + 250 / 3) / 5, 9);
    expect(p.rank).toBe(1);
    expect(w.rank).toBe(2);
  });

  it('stores the raw input matrix with each value\'s source, and the computed values', async () => {
    const { rows } = await t.db.query<{ inputs: { indicators: Record<string, (number | null)[]>; sources: Record<string, { provider: string | null; imported: number }> } }>(
      'SELECT inputs FROM index_snapshot WHERE id = $1',
      [id],
    );
    const inputs = rows[0]!.inputs;
    expect(inputs.indicators['disposal_rate']).toEqual([75, 100]);
    expect(inputs.sources['public_safety_sense']).toMatchObject({ provider: null, imported: 2 });
    const v = await t.db.query<{ source: string }>(`SELECT source FROM index_indicator_value WHERE indicator_code = 'disposal_rate' AND region_id = $1 AND period = '2026-Q1'`, [city.wuhua.id]);
    expect(v.rows[0]!.source).toBe('computed');
  });

  it('an imported value overrides the live figure for its cell', async () => {
    await csvUpload(['region_code,period,indicator_code,value', `${city.wuhua.code},2026-Q1,disposal_rate,99`].join('\n'), admin);
    const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload: { framework: 'gzi-default', period: '2026-Q1', level: 'district', scope: city.city.code } });
    const { rows } = await t.db.query<{ inputs: { indicators: Record<string, number[]> } }>('SELECT inputs FROM index_snapshot WHERE id = $1', [r.json().id]);
    expect(rows[0]!.inputs.indicators['disposal_rate']).toEqual([99, 100]);
    await t.db.query(`DELETE FROM index_indicator_value WHERE indicator_code = 'disposal_rate' AND region_id = $1 AND period = '2026-Q1'`, [city.wuhua.id]);
  });

  it('snapshots are immutable: an UPDATE or DELETE is refused by the database; recomputing makes a new one', async () => {
    await expect(t.db.query('UPDATE index_snapshot SET period = $1 WHERE id = $2', ['2020', id])).rejects.toThrow(/immutable/);
    await expect(t.db.query('DELETE FROM index_snapshot_row WHERE snapshot_id = $1', [id])).rejects.toThrow(/immutable/);
    const before = await count('index_snapshot');
    const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload: { framework: 'gzi-default', period: '2026-Q1', level: 'district', scope: city.city.code } });
    expect(r.statusCode).toBe(201);
    expect(r.json().id).not.toBe(id);
    expect(await count('index_snapshot')).toBe(before + 1);
  });

  it('writes an audit record in the same transaction', async () => {
    const { rows } = await t.db.query(`SELECT action FROM audit_record WHERE target_type = 'index_snapshot' AND target_id = $1`, [String(id)]);
    expect(rows).toEqual([{ action: 'index.snapshot.create' }]);
  });

  it('POST 400 naming the field: bad period, bad level, bad option, required indicator without data', async () => {
    const bad = [
      [{ framework: 'gzi-default', period: '2026-Q5', level: 'district' }, 'period'],
      [{ framework: 'gzi-default', period: '2026', level: 'province' }, 'level'],
      [{ framework: 'gzi-default', period: '2026', level: 'district', options: { aggregate: 'median' } }, 'options.aggregate'],
    ] as const;
    for (const [payload, field] of bad) {
      const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.details[0].field).toBe(field);
    }
    // 2025-06: no cases at all, so disposal_rate (required) has no value.
    const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload: { framework: 'gzi-default', period: '2025-06', level: 'district', scope: city.city.code } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('index_compute_invalid');
    expect(r.json().error.message).toMatch(/on_time_rate|disposal_rate|callback_satisfaction|rework_rate|supervised_case_rate/);
  });

  it('POST 400 from the engine: geometric mean over a zero, naming the indicator', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/index/snapshots',
      headers: analyst,
      payload: { framework: 'gzi-default', period: '2026-Q1', level: 'district', scope: city.city.code, options: { aggregate: 'gmean' } },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.details[0]).toMatchObject({ engineCode: 'geometric_nonpositive', field: 'options.aggregate' });
    expect(r.json().error.message).toMatch(/needs positive values, but "[a-z_0-9]+" is 0/);
  });

  it('POST 403 for an operator, 404 for a framework that does not exist, 404 for a scope outside mine', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: operator, payload: { framework: 'gzi-default', period: '2026', level: 'district' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload: { framework: 'nope', period: '2026', level: 'district' } })).statusCode).toBe(404);
    const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: wuhuaAnalyst, payload: { framework: 'gzi-default', period: '2026-Q1', level: 'district', scope: city.panlong.code } });
    expect(r.statusCode).toBe(404);
  });

  it('GET list: newest first, filtered; a region-scoped analyst sees overlapping snapshots only', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/index/snapshots?framework=gzi-default&level=district', headers: analyst });
    expect(r.statusCode).toBe(200);
    const items = r.json().items as { id: number }[];
    expect(items.map((x) => x.id)).toEqual([...items.map((x) => x.id)].sort((a, b) => b - a));
    expect(items.some((x) => x.id === id)).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/api/index/snapshots', headers: resident })).statusCode).toBe(403);
  });

  it('GET one: a region-scoped analyst sees only the rows of their subtree (ranks stay city-wide)', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}`, headers: wuhuaAnalyst });
    expect(r.statusCode).toBe(200);
    expect(r.json().rows.map((x: { regionCode: string; rank: number }) => [x.regionCode, x.rank])).toEqual([[city.wuhua.code, 2]]);
  });

  it('GET one: 404 for a snapshot of another city, exactly like a missing one', async () => {
    const other = await createIndexCity(t.db, '5393');
    const r = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: admin, payload: { framework: 'gzi-default', period: '2026-Q1', level: 'district', scope: city.city.code } });
    expect(r.statusCode).toBe(201);
    const otherAnalyst = (await actAs(t.db, { role: 'analyst', regionCode: other.city.code }, { now: AS_OF })).headers;
    const a = await app.inject({ method: 'GET', url: `/api/index/snapshots/${r.json().id}`, headers: otherAnalyst });
    const b = await app.inject({ method: 'GET', url: '/api/index/snapshots/999999999', headers: otherAnalyst });
    expect(a.statusCode).toBe(404);
    expect(a.json().error).toEqual({ ...b.json().error, message: a.json().error.message });
    expect(a.json().error.code).toBe('index_snapshot_not_found');
  });

  it('GET region: dimensions against the mean (radar) and against a chosen unit', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/regions/${city.wuhua.code}`, headers: analyst });
    expect(r.statusCode).toBe(200);
    const v = r.json();
    expect(v.region.code).toBe(city.wuhua.code);
    expect(v.radar.map((d: { code: string }) => d.code)).toEqual(['participation', 'risk_safety', 'linkage', 'service', 'rule_of_law']);
    const part = v.radar.find((d: { code: string }) => d.code === 'participation');
    expect(part).toMatchObject({ score: 100, benchmark: 50, difference: 50 });
    expect(v.benchmark.kind).toBe('mean');
    const disposal = v.indicators.find((i: { code: string }) => i.code === 'disposal_rate');
    expect(disposal).toMatchObject({ raw: 75, normalised: 0, benchmark: 50 });
    const u = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/regions/${city.wuhua.code}?benchmark=${city.panlong.code}`, headers: analyst });
    expect(u.json().benchmark).toMatchObject({ kind: 'unit', regionCode: city.panlong.code });
    expect(u.json().radar.find((d: { code: string }) => d.code === 'participation').benchmark).toBe(0);
  });

  it('GET region: 404 outside my subtree, 400 for a benchmark outside it', async () => {
    const a = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/regions/${city.panlong.code}`, headers: wuhuaAnalyst });
    expect(a.statusCode).toBe(404);
    const b = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/regions/${city.wuhua.code}?benchmark=${city.panlong.code}`, headers: wuhuaAnalyst });
    expect(b.statusCode).toBe(400);
    expect(b.json().error.details[0].field).toBe('benchmark');
    const c = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/regions/12345`, headers: analyst });
    expect(c.statusCode).toBe(400);
  });

  it('GET geojson: a FeatureCollection with simplified boundaries and every dimension', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/geojson`, headers: wuhuaAnalyst });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/geo\+json/);
    const g = r.json();
    expect(g.type).toBe('FeatureCollection');
    expect(g.features).toHaveLength(1);
    expect(g.features[0].geometry.type).toMatch(/Polygon$/);
    expect(g.features[0].properties).toMatchObject({ code: city.wuhua.code, rank: 2 });
    expect(g.features[0].properties.participation).toBeCloseTo(100, 9);
  });

  it('GET trend: the newest snapshot of each period, in time order', async () => {
    const y = await app.inject({ method: 'POST', url: '/api/index/snapshots', headers: analyst, payload: { framework: 'gzi-default', period: '2026-01', level: 'district', scope: city.city.code } });
    expect(y.statusCode).toBe(201);
    const r = await app.inject({ method: 'GET', url: `/api/index/trend?framework=gzi-default&region=${city.wuhua.code}`, headers: wuhuaAnalyst });
    expect(r.statusCode).toBe(200);
    const pts = r.json().points as { period: string; snapshotId: number }[];
    // Same start: the shorter period first.
    expect(pts.map((p) => p.period)).toEqual(['2026-01', '2026-Q1']);
    const q1 = await t.db.query<{ id: number }>(`SELECT max(id) AS id FROM index_snapshot WHERE period = '2026-Q1' AND framework_code = 'gzi-default'`);
    expect(pts.find((p) => p.period === '2026-Q1')!.snapshotId).toBe(Number(q1.rows[0]!.id));
    const m = await app.inject({ method: 'GET', url: `/api/index/trend?framework=gzi-default&region=${city.wuhua.code}&grain=month`, headers: analyst });
    expect(m.json().points.map((p: { period: string }) => p.period)).toEqual(['2026-01']);
    expect((await app.inject({ method: 'GET', url: `/api/index/trend?framework=gzi-default&region=${city.panlong.code}`, headers: wuhuaAnalyst })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/index/trend?framework=gzi-default', headers: analyst })).json().error.details[0].field).toBe('region');
  });

  it('GET report.xlsx: summary, rankings, dimensions, indicators, methodology, in Chinese', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/report.xlsx`, headers: analyst });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/spreadsheetml/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['摘要', '排名', '维度得分', '指标', '方法说明']);
    expect(wb.getWorksheet('摘要')!.getCell('A1').value).toBe('社会治理现代化指数报告');
    const ranking = wb.getWorksheet('排名')!;
    expect(ranking.getRow(1).getCell(3).value).toBe('名称');
    expect(ranking.getRow(2).getCell(1).value).toBe(1);
    expect(ranking.getRow(2).getCell(3).value).toBe(city.panlong.name);
    const methods = wb.getWorksheet('方法说明')!;
    const text: string[] = [];
    methods.eachRow((row) => text.push(row.values!.toString()));
    expect(text.join('\n')).toMatch(/极差标准化/);
    expect(text.join('\n')).toMatch(/蒙特卡洛/);
    // the scoped analyst's report has only their rows
    const s = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/report.xlsx`, headers: wuhuaAnalyst });
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(s.rawPayload as unknown as ExcelJS.Buffer);
    expect(wb2.getWorksheet('排名')!.rowCount).toBe(2);
  });

  it('GET report.pdf: a PDF (or 503 report_unavailable without Chromium, never 500)', async () => {
    const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/report.pdf`, headers: analyst });
    if (r.statusCode === 503) {
      expect(r.json().error.code).toBe('report_unavailable');
      return;
    }
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.rawPayload.subarray(0, 4).toString('latin1')).toBe('%PDF');
  });

  it('GET report.pdf: 503 report_unavailable when the browser is missing', async () => {
    const prev = process.env['GONGZHI_CHROMIUM'];
    process.env['GONGZHI_CHROMIUM'] = '/nonexistent/chromium';
    try {
      const r = await app.inject({ method: 'GET', url: `/api/index/snapshots/${id}/report.pdf`, headers: analyst });
      expect(r.statusCode).toBe(503);
      expect(r.json().error.code).toBe('report_unavailable');
    } finally {
      if (prev === undefined) delete process.env['GONGZHI_CHROMIUM'];
      else process.env['GONGZHI_CHROMIUM'] = prev;
    }
  });
});

describe('GET /api/index/indicators', () => {
  it('lists computed, planned and imported indicators', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/index/indicators', headers: analyst });
    expect(r.statusCode).toBe(200);
    const by = new Map((r.json().items as { code: string; status: string }[]).map((i) => [i.code, i.status]));
    expect(by.get('disposal_rate')).toBe('computed');
    expect(by.get('grid_staff_per_1k_households')).toBe('computed');
    expect(by.get('volunteer_hours_per_capita')).toBe('planned');
    expect(by.get('public_safety_sense')).toBe('imported');
  });
});
