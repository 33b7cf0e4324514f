/**
 * KPIs on a hand-built fixture of eight cases (March 2025, 五华区 and 盘龙区), driven through the
 * cases commands at chosen instants and folded into the rollups:
 * - every figure equals sla/kpi.ts computeKpis / groupKpis on case summaries written by hand here;
 * - the headline numbers equal the hand computation in the comments;
 * - the incrementally folded rollups equal a rebuild by GROUP BY over the facts;
 * - the endpoints: summary, table, exports, rankings, supervision tickets, bad input, scope.
 */
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { systemActor } from '../../src/platform/actor.js';
import type { TxCtx } from '../../src/platform/context.js';
import { intake, runActionInTx, seedTaxonomy, type CaseAction } from '../../src/modules/cases/index.js';
import { foldKpiRollups, kpiTable, rebuildKpiRollups, bucketWidthMs } from '../../src/modules/cases/kpi/index.js';
import { runSlaScan } from '../../src/modules/cases/scheduler/index.js';
import { computeKpis, defaultCalendar, groupKpis, type CaseSummary, type KpiValues } from '../../src/modules/cases/sla/index.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { actAs, createTestDepartment, type SessionHeaders } from '../helpers/identity.js';

const sh = (s: string) => new Date(`${s}+08:00`);
const H = 3_600_000;
const M = 60_000;
const cal = defaultCalendar();
const AS_OF = sh('2025-03-31T12:00:00');

let t: TestDatabase;
let app: FastifyInstance;
let city: MiniCity;
let cgj: number;
let plDept: number;
let clock = AS_OF;
const who: Record<string, SessionHeaders> = {};
const ids: Record<string, number> = {};

const ctxAt = (now: Date) => ({ actor: systemActor('fixture'), now, requestId: `f-${now.getTime()}`, ip: null });
const WH = { lng: 102.05, lat: 24.05 };
const PL = { lng: 103.1, lat: 24.1 };

async function report(name: string, at: Date, opts: { channel?: 'web' | 'hotline'; where?: { lng: number; lat: number } } = {}) {
  ids[name] = await t.db.tx(async (tx) => {
    const c: TxCtx = { ...ctxAt(at), tx };
    const r = await intake(c, { channel: opts.channel ?? 'web', categoryCode: 'CITY.MATERIAL_PILE', description: `KPI ${name}`, location: opts.where ?? WH });
    return r.case.id;
  });
}
async function step(name: string, at: Date, action: CaseAction, body: Record<string, unknown> = {}) {
  await t.db.tx((tx) => runActionInTx({ ...ctxAt(at), tx }, ids[name]!, action, body));
}
async function setCols(name: string, cols: Record<string, unknown>) {
  const keys = Object.keys(cols);
  await t.db.query(`UPDATE case_file SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [ids[name], ...keys.map((k) => cols[k])]);
}
const col = async (name: string, c: string) => (await t.db.query<Record<string, Date>>(`SELECT ${c} AS v FROM case_file WHERE id = $1`, [ids[name]])).rows[0]!.v;
const fold = (now: Date) => foldKpiRollups(t.db, now, { calendar: cal });

/** The summaries, written from the fixture's timeline by hand (not by the code under test). */
let summaries: CaseSummary[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, '5312');
  await seedTaxonomy(t.db);
  cgj = await createTestDepartment(t.db, { code: 'KPI-WH-CGJ', name: '五华区城管局', regionCode: city.wuhua.code });
  plDept = await createTestDepartment(t.db, { code: 'KPI-PL-CGJ', name: '盘龙区城管局', regionCode: city.panlong.code });
  const deps = { db: t.db, config: testConfig(), now: () => clock };
  app = await buildApp({ db: t.db, config: deps.config, logger: false, now: deps.now });
  await app.ready();
  const as = async (k: string, g: Parameters<typeof actAs>[1]) => (who[k] = (await actAs(t.db, g, { name: k })).headers);
  await as('analyst', { role: 'analyst', regionCode: city.city.code });
  await as('districtOp', { role: 'operator', regionCode: city.wuhua.code });
  await as('streetOp', { role: 'operator', regionCode: city.wuhuaStreet.code });
  await as('districtSup', { role: 'supervisor', regionCode: city.wuhua.code });
  await as('panlongAnalyst', { role: 'analyst', regionCode: city.panlong.code });
  await as('resident', { role: 'resident', regionCode: city.city.code });

  const D = (n: string) => ({ leadDepartmentId: n === 'C7' ? plDept : cgj });
  // C1: handled in 2 working hours, on time, closed, satisfied.
  await report('C1', sh('2025-03-17T09:00:00'));
  await step('C1', sh('2025-03-17T09:10:00'), 'accept');
  await step('C1', sh('2025-03-17T09:20:00'), 'dispatch', D('C1'));
  await setCols('C1', { handle_due_at: sh('2025-03-18T17:00:00') });
  await step('C1', sh('2025-03-17T09:30:00'), 'sign-for');
  await step('C1', sh('2025-03-17T11:10:00'), 'handle', { summary: '已清理' });
  await step('C1', sh('2025-03-17T14:00:00'), 'verify', { result: 'pass' });
  await step('C1', sh('2025-03-17T15:00:00'), 'close');
  await step('C1', sh('2025-03-18T10:00:00'), 'callback', { satisfaction: 'satisfied' });
  // C2: first handled late (03-19 10:05 > 03-18 17:00), reworked, closed, dissatisfied → reopened.
  await report('C2', sh('2025-03-17T10:00:00'));
  await step('C2', sh('2025-03-17T10:05:00'), 'accept');
  await step('C2', sh('2025-03-17T10:10:00'), 'dispatch', D('C2'));
  await setCols('C2', { handle_due_at: sh('2025-03-18T17:00:00') });
  await step('C2', sh('2025-03-17T10:20:00'), 'sign-for');
  await step('C2', sh('2025-03-19T10:05:00'), 'handle', { summary: '已处理' });
  // The background fold sees the first handling before the rework replaces the deadline.
  await fold(sh('2025-03-19T10:06:00'));
  await step('C2', sh('2025-03-19T14:00:00'), 'verify', { result: 'fail', comment: '仍有堆物' });
  await step('C2', sh('2025-03-20T10:00:00'), 'handle', { summary: '再次处理' });
  await step('C2', sh('2025-03-20T14:00:00'), 'verify', { result: 'pass' });
  await step('C2', sh('2025-03-20T16:00:00'), 'close');
  await step('C2', sh('2025-03-21T10:00:00'), 'callback', { satisfaction: 'dissatisfied', comment: '没有处理干净' });
  // C3: not accepted.
  await report('C3', sh('2025-03-18T09:00:00'));
  await step('C3', sh('2025-03-18T09:30:00'), 'reject', { reason: '不属于受理范围' });
  // C4: hotline, accepted and dispatched, never handled; handling due 03-19 12:00.
  await report('C4', sh('2025-03-18T10:00:00'), { channel: 'hotline' });
  await step('C4', sh('2025-03-18T10:10:00'), 'accept');
  await step('C4', sh('2025-03-18T10:20:00'), 'dispatch', D('C4'));
  await setCols('C4', { handle_due_at: sh('2025-03-19T12:00:00') });
  // C5: a duplicate merged into C4 (intake only).
  await report('C5', sh('2025-03-24T09:00:00'));
  await step('C5', sh('2025-03-24T09:05:00'), 'merge', { into: ids.C4 });
  // C6: awaiting triage.
  await report('C6', sh('2025-03-24T10:00:00'));
  // C7: 盘龙区, handled in 1 h 50, on time, closed, basically satisfied.
  await report('C7', sh('2025-03-25T09:00:00'), { where: PL });
  await step('C7', sh('2025-03-25T09:10:00'), 'accept');
  await step('C7', sh('2025-03-25T09:15:00'), 'dispatch', D('C7'));
  await setCols('C7', { handle_due_at: sh('2025-03-26T17:00:00') });
  await step('C7', sh('2025-03-25T09:20:00'), 'sign-for');
  await step('C7', sh('2025-03-25T11:00:00'), 'handle', { summary: '已清理' });
  await step('C7', sh('2025-03-25T15:00:00'), 'verify', { result: 'pass' });
  await step('C7', sh('2025-03-25T16:00:00'), 'close');
  await step('C7', sh('2025-03-26T10:00:00'), 'callback', { satisfaction: 'basically_satisfied' });
  // C8: suspended a working day, handled on time, verification overdue.
  await report('C8', sh('2025-03-26T09:00:00'));
  await step('C8', sh('2025-03-26T09:05:00'), 'accept');
  await step('C8', sh('2025-03-26T09:08:00'), 'dispatch', D('C8'));
  await step('C8', sh('2025-03-26T09:09:00'), 'sign-for');
  await step('C8', sh('2025-03-26T10:00:00'), 'suspend', { reason: '等待产权人' });
  await step('C8', sh('2025-03-27T10:00:00'), 'resume');
  await setCols('C8', { handle_due_at: sh('2025-03-28T17:00:00') });
  await step('C8', sh('2025-03-27T11:00:00'), 'handle', { summary: '已清理' });
  await setCols('C8', { verify_due_at: sh('2025-03-28T17:00:00') });

  await fold(AS_OF);

  const base = { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', regionPath: city.wuhuaGrid.path };
  summaries = [
    { ...base, id: 'C1', reportedAt: sh('2025-03-17T09:00:00'), departmentId: String(cgj), acceptedAt: sh('2025-03-17T09:10:00'), handledAt: sh('2025-03-17T11:10:00'),
      handleDeadline: sh('2025-03-18T17:00:00'), closedAt: sh('2025-03-17T15:00:00'), callbacks: [{ at: sh('2025-03-18T10:00:00'), result: 'satisfied' }],
      handlingWorkingMs: 2 * H, handlingElapsedMs: 2 * H },
    { ...base, id: 'C2', reportedAt: sh('2025-03-17T10:00:00'), departmentId: String(cgj), acceptedAt: sh('2025-03-17T10:05:00'), handledAt: sh('2025-03-19T10:05:00'),
      handleDeadline: sh('2025-03-18T17:00:00'), closedAt: null, reworkCount: 1, reopenCount: 1, callbacks: [{ at: sh('2025-03-21T10:00:00'), result: 'dissatisfied' }],
      // 03-17 10:05–12:00 and 13:30–17:30, 03-18 7 h, 03-19 09:00–10:05: 14 working hours.
      handlingWorkingMs: 14 * H, handlingElapsedMs: 48 * H, currentDeadline: await col('C2', 'sign_for_due_at') },
    { ...base, id: 'C3', reportedAt: sh('2025-03-18T09:00:00'), notAcceptedAt: sh('2025-03-18T09:30:00') },
    { ...base, id: 'C4', channel: 'hotline', reportedAt: sh('2025-03-18T10:00:00'), departmentId: String(cgj), acceptedAt: sh('2025-03-18T10:10:00'),
      handleDeadline: sh('2025-03-19T12:00:00'), currentDeadline: await col('C4', 'sign_for_due_at') },
    { ...base, id: 'C5', reportedAt: sh('2025-03-24T09:00:00'), mergedIntoId: 'C4' },
    { ...base, id: 'C6', reportedAt: sh('2025-03-24T10:00:00') },
    { ...base, id: 'C7', regionPath: city.panlongCommunity.path, reportedAt: sh('2025-03-25T09:00:00'), departmentId: String(plDept), acceptedAt: sh('2025-03-25T09:10:00'),
      handledAt: sh('2025-03-25T11:00:00'), handleDeadline: sh('2025-03-26T17:00:00'), closedAt: sh('2025-03-25T16:00:00'),
      callbacks: [{ at: sh('2025-03-26T10:00:00'), result: 'basically_satisfied' }], handlingWorkingMs: 110 * M, handlingElapsedMs: 110 * M },
    { ...base, id: 'C8', reportedAt: sh('2025-03-26T09:00:00'), departmentId: String(cgj), acceptedAt: sh('2025-03-26T09:05:00'), handledAt: sh('2025-03-27T11:00:00'),
      handleDeadline: sh('2025-03-28T17:00:00'), currentDeadline: sh('2025-03-28T17:00:00'),
      // 535 working minutes from acceptance to handling, 420 of them suspended.
      handlingWorkingMs: 115 * M, handlingElapsedMs: 26 * H - 5 * M },
  ];
}, 300_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const MARCH = { from: new Date('2025-02-28T16:00:00Z'), to: new Date('2025-03-31T16:00:00Z'), asOf: AS_OF };
const get = (url: string, h: SessionHeaders = who.analyst!) => app.inject({ method: 'GET', url, headers: h });

type ApiFigures = {
  intake: number;
  acceptance: { numerator: number; denominator: number };
  disposal: { numerator: number; denominator: number };
  onTimeDisposal: { numerator: number; denominator: number };
  closure: { numerator: number; denominator: number };
  rework: { numerator: number; denominator: number };
  reopen: { numerator: number; denominator: number };
  satisfaction: { numerator: number; denominator: number };
  satisfiedOnly: { numerator: number; denominator: number };
  handlingTime: { working: { count: number; medianMs: number | null; p90Ms: number | null }; elapsed: { count: number; medianMs: number | null; p90Ms: number | null }; excluded: number };
  backlog: number;
  overdue: number;
};

/** The API's figures in computeKpis's shape, for a direct comparison. */
function asKpiValues(f: ApiFigures): Record<string, unknown> {
  const r = (x: { numerator: number; denominator: number }) => ({ numerator: x.numerator, denominator: x.denominator });
  return {
    intake: f.intake, acceptance: r(f.acceptance), disposal: r(f.disposal), onTimeDisposal: r(f.onTimeDisposal), closure: r(f.closure), rework: r(f.rework),
    reopen: r(f.reopen), satisfaction: r(f.satisfaction), satisfiedOnly: r(f.satisfiedOnly),
    working: { count: f.handlingTime.working.count, medianMs: f.handlingTime.working.medianMs, p90Ms: f.handlingTime.working.p90Ms },
    elapsed: { count: f.handlingTime.elapsed.count, medianMs: f.handlingTime.elapsed.medianMs, p90Ms: f.handlingTime.elapsed.p90Ms },
    excluded: f.handlingTime.excluded, backlog: f.backlog, overdue: f.overdue,
  };
}
function expectedOf(v: KpiValues): Record<string, unknown> {
  const r = (x: { numerator: number; denominator: number }) => ({ numerator: x.numerator, denominator: x.denominator });
  return {
    intake: v.intake, acceptance: r(v.acceptance), disposal: r(v.disposal), onTimeDisposal: r(v.onTimeDisposal), closure: r(v.closure), rework: r(v.rework),
    reopen: r(v.reopen), satisfaction: r(v.satisfaction), satisfiedOnly: r(v.satisfiedOnly),
    working: { ...v.handlingTime.working }, elapsed: { ...v.handlingTime.elapsed }, excluded: v.handlingTime.excluded, backlog: v.backlog, overdue: v.overdue,
  };
}

describe('GET /api/kpi/summary', () => {
  it('200: the command-centre tiles equal the hand computation', async () => {
    const r = await get(`/api/kpi/summary?region=${city.city.code}&from=2025-03-01&to=2025-03-31`);
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b).toMatchObject({
      region: { code: city.city.code, level: 'city' },
      window: { from: '2025-03-01', to: '2025-03-31' },
      intakeToday: 0,
      intake: 8,
      disposalRate: { numerator: 4, denominator: 5, rate: 0.8 },
      onTimeRate: { numerator: 3, denominator: 5, rate: 0.6 },
      closureRate: { numerator: 2, denominator: 5 },
      satisfactionRate: { numerator: 2, denominator: 3 },
      open: 4,
      overdue: 3,
      source: 'rollup',
      freshness: { pendingCases: 0 },
    });
    expect(b.kpis.acceptance).toMatchObject({ numerator: 5, denominator: 6 });
    expect(b.kpis.rework).toMatchObject({ numerator: 1, denominator: 4 });
    expect(b.kpis.reopen).toMatchObject({ numerator: 1, denominator: 3 });
    // Working handling times 1 h 50, 1 h 55, 2 h, 14 h: median 1 h 57.5, P90 at rank 2.7.
    expect(b.kpis.handlingTime.working).toMatchObject({ count: 4, medianMs: 117.5 * M });
    expect(b.kpis.handlingTime.working.p90Ms).toBeCloseTo(2 * H + 0.7 * 12 * H, 3);
  });

  it('200: every KPI equals computeKpis on the same cases (city, district, street, grid)', async () => {
    for (const [region, path] of [[city.city, city.city.path], [city.wuhua, city.wuhua.path], [city.wuhuaStreet, city.wuhuaStreet.path], [city.wuhuaGrid, city.wuhuaGrid.path]] as const) {
      const r = await get(`/api/kpi/summary?region=${region.code}&from=2025-03-01&to=2025-03-31`);
      expect(r.statusCode).toBe(200);
      const exp = computeKpis(summaries.filter((s) => s.regionPath!.startsWith(path)), MARCH);
      expect(asKpiValues(r.json().kpis), region.name).toEqual(expectedOf(exp));
    }
  });

  it('counts intake today on Shanghai days', async () => {
    clock = sh('2025-03-24T23:59:00');
    try {
      const r = await get(`/api/kpi/summary?region=${city.city.code}&from=2025-03-01&to=2025-03-31`);
      expect(r.json().intakeToday).toBe(2);
    } finally {
      clock = AS_OF;
    }
  });

  it('400 naming the field for a bad date, a reversed window, a bad region code', async () => {
    for (const [q, field] of [['from=2025-02-30', 'from'], ['to=2025-3-01', 'to'], ['from=2025-04-01&to=2025-03-01', 'from'], ['region=12ab', 'region']] as const) {
      const r = await get(`/api/kpi/summary?${q.startsWith('region') ? q : `region=${city.city.code}&${q}`}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error.code).toBe('validation_failed');
      expect(r.json().error.message.startsWith(field)).toBe(true);
    }
  });

  it('401 anonymous, 403 a resident, 404 a region outside the scope', async () => {
    expect((await app.inject({ method: 'GET', url: `/api/kpi/summary?region=${city.city.code}` })).statusCode).toBe(401);
    expect((await get(`/api/kpi/summary?region=${city.city.code}`, who.resident)).statusCode).toBe(403);
    const r = await get(`/api/kpi/summary?region=${city.wuhua.code}`, who.panlongAnalyst);
    expect(r.statusCode).toBe(404);
    expect((await get(`/api/kpi/summary?region=539999999999`)).statusCode).toBe(404);
    // No region named: the actor's own.
    expect((await get('/api/kpi/summary?from=2025-03-01&to=2025-03-31', who.panlongAnalyst)).json()).toMatchObject({ region: { code: city.panlong.code }, intake: 1 });
  });
});

describe('GET /api/kpi', () => {
  const cases = () => summaries;
  const byKey = (rows: Array<{ key: string; kpis: ApiFigures }>) => new Map(rows.map((r) => [r.key, asKpiValues(r.kpis)]));

  it('200 by=region: the districts, each equal to groupKpis', async () => {
    const r = await get(`/api/kpi?region=${city.city.code}&by=region&from=2025-03-01&to=2025-03-31`);
    expect(r.statusCode).toBe(200);
    const rows = byKey(r.json().rows);
    const groups = new Map(groupKpis(cases(), 'region', MARCH).map((g) => [g.key, g.kpis]));
    expect(rows.get(city.wuhua.code)).toEqual(expectedOf(groups.get(city.wuhua.path)!));
    expect(rows.get(city.panlong.code)).toEqual(expectedOf(groups.get(city.panlong.path)!));
    expect(r.json().total.intake).toBe(8);
  });

  it('200 by=region&level=community and by=region below the rollups (street → its community, grid)', async () => {
    const r = await get(`/api/kpi?region=${city.city.code}&by=region&level=community&from=2025-03-01&to=2025-03-31`);
    const rows = byKey(r.json().rows);
    const groups = new Map(groupKpis(cases(), 'region', MARCH).map((g) => [g.key, g.kpis]));
    expect(rows.get(city.wuhuaCommunity.code)).toEqual(expectedOf(groups.get(city.wuhuaCommunity.path)!));
    const g = await get(`/api/kpi?region=${city.wuhuaCommunity.code}&by=region&from=2025-03-01&to=2025-03-31`);
    expect(byKey(g.json().rows).get(city.wuhuaGrid.code)).toEqual(expectedOf(groups.get(city.wuhuaGrid.path)!));
  });

  for (const [by, dim] of [['department', 'department'], ['category', 'category'], ['channel', 'channel'], ['day', 'day'], ['week', 'week'], ['month', 'month']] as const) {
    it(`200 by=${by}: equal to groupKpis (city from rollups, street from facts)`, async () => {
      for (const region of [city.city, city.wuhuaStreet]) {
        const r = await get(`/api/kpi?region=${region.code}&by=${by}&from=2025-03-01&to=2025-03-31`);
        expect(r.statusCode).toBe(200);
        const rows = byKey(r.json().rows);
        const groups = groupKpis(cases().filter((s) => s.regionPath!.startsWith(region.path)), dim, MARCH);
        expect([...rows.keys()].sort()).toEqual(groups.map((g) => g.key ?? '').sort());
        for (const g of groups) expect(rows.get(g.key ?? ''), `${region.name} ${by} ${g.key}`).toEqual(expectedOf(g.kpis));
      }
    });
  }

  it('labels departments and categories', async () => {
    const r = await get(`/api/kpi?region=${city.city.code}&by=department&from=2025-03-01&to=2025-03-31`);
    const labels = Object.fromEntries(r.json().rows.map((x: { key: string; label: string }) => [x.key, x.label]));
    expect(labels).toMatchObject({ [String(cgj)]: '五华区城管局', [String(plDept)]: '盘龙区城管局', '': '（未派遣）' });
    expect((await get(`/api/kpi?region=${city.city.code}&by=category`)).json().rows[0]).toMatchObject({ key: 'CITY.MATERIAL_PILE', label: '乱堆物料' });
  });

  it('400 for a bad by, naming it', async () => {
    const r = await get(`/api/kpi?region=${city.city.code}&by=year`);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message.startsWith('by')).toBe(true);
  });

  it('reads percentiles from the histogram for large windows (here forced), within the buckets of the neighbouring values', async () => {
    const exact = await kpiTable(t.db, systemActor('t'), { region: city.city.code, by: 'month', from: '2025-03-01', to: '2025-03-31' }, AS_OF);
    const approx = await kpiTable(t.db, systemActor('t'), { region: city.city.code, by: 'month', from: '2025-03-01', to: '2025-03-31' }, AS_OF, 0);
    const e = exact.rows[0]!.kpis.handlingTime;
    const a = approx.rows[0]!.kpis.handlingTime;
    expect(e.percentiles).toBe('exact');
    expect(a.percentiles).toBe('histogram');
    expect(Math.abs(a.working.medianMs! - e.working.medianMs!)).toBeLessThanOrEqual(bucketWidthMs(e.working.medianMs!));
    // With four values the P90 interpolates between 2 h and 14 h: the histogram stays between their buckets
    // (dense windows, where it is used, have neighbours within one bucket: buckets.test.ts).
    expect(a.working.p90Ms!).toBeGreaterThanOrEqual(2 * H);
    expect(a.working.p90Ms!).toBeLessThanOrEqual(14 * H + bucketWidthMs(14 * H));
    expect(a.working.count).toBe(4);
  });
});

describe('rollups', () => {
  const dump = async () =>
    (await t.db.query(`SELECT region_id, to_char(day, 'YYYY-MM-DD') AS day, dim, key, intake, decided, accepted, due, disposed, on_time_num, on_time_den, closed,
        reworked, ever_closed, reopened, cb_satisfied, cb_basic, cb_dissatisfied, ht_excluded, ht_count, ht_working_sum_ms, ht_elapsed_count, ht_elapsed_sum_ms,
        ht_hist, backlog, overdue FROM case_kpi_rollup
       WHERE intake <> 0 OR backlog <> 0 OR ht_count <> 0 OR ever_closed <> 0 ORDER BY region_id, dim, key, day`)).rows;

  it('the incremental fold equals a rebuild by GROUP BY over the facts, also after more steps move cases between keys', async () => {
    const folded = await dump();
    expect(folded.length).toBeGreaterThan(10);
    await rebuildKpiRollups(t.db);
    expect(await dump()).toEqual(folded);
    // C6 is accepted and dispatched (department '' → 五华区城管局), C4 signed for: fold again.
    await step('C6', sh('2025-03-31T12:10:00'), 'accept');
    await step('C6', sh('2025-03-31T12:20:00'), 'dispatch', { leadDepartmentId: cgj });
    await step('C4', sh('2025-03-31T12:30:00'), 'sign-for');
    const f = await fold(sh('2025-03-31T12:31:00'));
    expect(f.cases).toBe(2);
    const again = await dump();
    await rebuildKpiRollups(t.db);
    expect(await dump()).toEqual(again);
    // Put the fixture back as the other tests expect it (a fold at AS_OF of the changed cases).
    expect(again).not.toEqual(folded);
  });

  it('a second fold with nothing new does nothing', async () => {
    expect(await fold(sh('2025-03-31T12:32:00'))).toMatchObject({ cases: 0 });
  });
});

describe('GET /api/kpi/export.csv and export.xlsx', () => {
  it('200 CSV with a header, one row per group and a total', async () => {
    const r = await get(`/api/kpi/export.csv?region=${city.city.code}&by=region&from=2025-03-01&to=2025-03-31`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    expect(r.headers['content-disposition']).toContain(`kpi-${city.city.code}-region-2025-03-01-2025-03-31.csv`);
    const lines = r.body.replace(/^\ufeff/, '').trim().split('\n');
    expect(lines[0]).toContain('处置率% disposal');
    expect(lines).toHaveLength(4);
    expect(lines[3]!.startsWith('合计 total,,8,')).toBe(true);
  });

  it('200 xlsx that Excel reads, with the same figures', async () => {
    const r = await get(`/api/kpi/export.xlsx?region=${city.city.code}&by=channel&from=2025-03-01&to=2025-03-31`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('KPI')!;
    const header = (ws.getRow(2).values as unknown[]).slice(1);
    const rows = [3, 4, 5].map((i) => (ws.getRow(i).values as unknown[]).slice(1));
    const intakeCol = header.indexOf('受理量 intake');
    expect(rows.map((x) => [x[0], x[intakeCol]])).toEqual([['hotline', 1], ['web', 7], ['合计 total', 8]]);
  });

  it('400 for a bad by, 404 out of scope', async () => {
    expect((await get(`/api/kpi/export.csv?region=${city.city.code}&by=nope`)).statusCode).toBe(400);
    expect((await get(`/api/kpi/export.xlsx?region=${city.wuhua.code}&by=day`, who.panlongAnalyst)).statusCode).toBe(404);
  });
});

describe('GET /api/kpi/rankings', () => {
  it('200: districts and departments ranked by on-time rate, rates without cases last', async () => {
    const r = await get(`/api/kpi/rankings?region=${city.city.code}&from=2025-03-01&to=2025-03-31`);
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b.metric).toBe('onTime');
    // 盘龙区 1/1; 五华区: C1, C8 on time of C1, C2, C4, C8 (after the fold above C6 is not yet due).
    expect(b.regions.map((x: { code: string; rank: number; numerator: number; denominator: number }) => [x.code, x.rank, x.numerator, x.denominator])).toEqual([
      [city.panlong.code, 1, 1, 1],
      [city.wuhua.code, 2, 2, 4],
    ]);
    expect(b.departments.map((x: { id: number; rank: number }) => [x.id, x.rank])).toEqual([[plDept, 1], [cgj, 2]]);
    const iv = (await get(`/api/kpi/rankings?region=${city.city.code}&metric=intake&from=2025-03-01&to=2025-03-31`)).json();
    expect(iv.regions[0]).toMatchObject({ code: city.wuhua.code, value: 7 });
  });

  it('400 for an unknown metric', async () => {
    expect((await get(`/api/kpi/rankings?region=${city.city.code}&metric=speed`)).statusCode).toBe(400);
  });
});

describe('supervision tickets', () => {
  let ticketId: number;
  beforeAll(async () => {
    // C4 is overdue for sign-for (its centre is the city: the ticket stays at the city centre);
    // C8's verification is overdue at the street centre → a ticket at 五华区.
    await runSlaScan(t.db, AS_OF, cal);
    const r = await t.db.query<{ id: number }>(`SELECT id FROM supervision_ticket WHERE case_id = $1 AND kind = 'overdue'`, [ids.C8]);
    ticketId = Number(r.rows[0]!.id);
  });

  it('GET /api/supervision-tickets 200: the district operator sees the district ticket, not the city one', async () => {
    const r = await get('/api/supervision-tickets?open=true', who.districtOp);
    expect(r.statusCode).toBe(200);
    const items = r.json().items as Array<{ id: number; caseId: number; region: { code: string }; kind: string; open: boolean }>;
    expect(items.map((x) => x.caseId)).toContain(ids.C8);
    expect(items.every((x) => x.region.code === city.wuhua.code)).toBe(true);
    const all = (await get(`/api/supervision-tickets?region=${city.city.code}`, who.analyst)).statusCode;
    expect(all).toBe(403);
  });

  it('GET /api/supervision-tickets 404 for a region outside the scope, 400 for a bad flag', async () => {
    expect((await get(`/api/supervision-tickets?region=${city.panlong.code}`, who.districtOp)).statusCode).toBe(404);
    expect((await get('/api/supervision-tickets?open=maybe', who.districtOp)).statusCode).toBe(400);
  });

  it('POST /api/supervision-tickets/:id/close 404 for a street operator below the ticket, 400 without a note', async () => {
    const below = await app.inject({ method: 'POST', url: `/api/supervision-tickets/${ticketId}/close`, headers: who.streetOp, payload: { note: '已督办' } });
    expect(below.statusCode).toBe(404);
    const bad = await app.inject({ method: 'POST', url: `/api/supervision-tickets/${ticketId}/close`, headers: who.districtSup, payload: {} });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message.startsWith('note')).toBe(true);
  });

  it('POST /api/supervision-tickets/:id/close 200 by the supervisor, audited and on the timeline; 409 the second time', async () => {
    const r = await app.inject({ method: 'POST', url: `/api/supervision-tickets/${ticketId}/close`, headers: who.districtSup, payload: { note: '已督促核查' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: ticketId, open: false, closingNote: '已督促核查' });
    const a = await t.db.query(`SELECT 1 FROM audit_record WHERE action = 'supervision_ticket.close' AND target_id = $1`, [String(ticketId)]);
    expect(a.rows).toHaveLength(1);
    const e = await t.db.query(`SELECT data FROM case_event WHERE case_id = $1 AND type = 'supervision_closed'`, [ids.C8]);
    expect(e.rows).toHaveLength(1);
    const again = await app.inject({ method: 'POST', url: `/api/supervision-tickets/${ticketId}/close`, headers: who.districtSup, payload: { note: '再次关闭' } });
    expect(again.statusCode).toBe(409);
  });
});
