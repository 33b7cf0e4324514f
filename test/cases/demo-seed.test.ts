/**
 * The demo case history (src/modules/cases/demo/) on a migrated database with the demo city
 * (西山区 and 五华区 of the generated Kunming, the identity demo users), through the cases
 * manifest's seedDemo: timelines, the spread of states, clocks, the demo users' queues, the audit
 * chain, the KPI rollups against a hand count, and a refused reseed. One seeded database for the file.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealPending, verifyChain } from '../../src/modules/audit/index.js';
import { manifest as casesManifest, seedDemoCases } from '../../src/modules/cases/index.js';
import { kpiSummary } from '../../src/modules/cases/kpi/index.js';
import { manifest as identityManifest } from '../../src/modules/identity/index.js';
import { seedDemoSmall } from '../../src/modules/regions/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { sessionHeaders } from '../helpers/identity.js';

const NOW = new Date('2026-11-20T02:00:00Z');
const COUNT = 120;

let t: TestDatabase;
let app: FastifyInstance;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const ctx = { ...cliCtx(systemActor('seed')), now: NOW };
  const log = (m: string) => logs.push(m);
  await seedDemoSmall(t.db, ctx, log, ['530112', '530102']);
  await identityManifest.seedDemo!(t.db, ctx, log);
  process.env.GONGZHI_DEMO_CASES = String(COUNT);
  try {
    await casesManifest.seedDemo!(t.db, ctx, log);
  } finally {
    delete process.env.GONGZHI_DEMO_CASES;
  }
  app = await buildTestApp(t.db, { now: () => NOW });
}, 900_000);
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const q = async <R>(sql: string, params: unknown[] = []) => (await t.db.query<R>(sql, params)).rows;
const userId = async (phone: string) => Number((await q<{ id: number }>('SELECT id FROM app_user WHERE phone = $1', [phone]))[0]!.id);

describe('the demo case history', () => {
  it('seeds the planned number of cases, spread over the past 90 days, mostly in 西山区', async () => {
    const [r] = await q<{ n: number; xishan: number; first: Date; last: Date; outside: number; address_only: number; channels: string[] }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE d.code = '530112000000')::int AS xishan, min(c.reported_at) AS first, max(c.reported_at) AS last,
              count(*) FILTER (WHERE c.out_of_region)::int AS outside, count(*) FILTER (WHERE c.input_lng IS NULL)::int AS address_only,
              array_agg(DISTINCT c.channel ORDER BY c.channel) AS channels
         FROM case_file c LEFT JOIN region d ON d.id = c.district_id`,
    );
    expect(r!.n).toBe(COUNT);
    expect(r!.xishan / r!.n).toBeGreaterThan(0.5);
    expect(NOW.getTime() - new Date(r!.first).getTime()).toBeGreaterThan(60 * 86_400_000);
    expect(new Date(r!.last).getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(r!.outside).toBeGreaterThanOrEqual(2);
    expect(r!.address_only).toBeGreaterThanOrEqual(1);
    expect(r!.channels).toEqual(['h5', 'hotline', 'open311', 'patrol', 'police', 'web']);
    expect(logs.join('\n')).toMatch(/demo cases over 90 days/);
  });

  it('gives every case a timeline that begins with its intake, at its reporting time, and no event after now', async () => {
    const bad = await q<{ id: number }>(
      `SELECT c.id FROM case_file c
         JOIN LATERAL (SELECT type, at FROM case_event e WHERE e.city_code = c.city_code AND e.case_id = c.id ORDER BY e.id LIMIT 1) f ON true
        WHERE f.type <> 'reported' OR f.at <> c.reported_at`,
    );
    expect(bad).toEqual([]);
    const [late] = await q<{ n: number }>('SELECT count(*)::int AS n FROM case_event WHERE at > $1', [NOW]);
    expect(late!.n).toBe(0);
    // Steps are backdated through ctx.now: the audit records carry the same instants.
    const [audit] = await q<{ min: Date }>(`SELECT min(at) AS min FROM audit_record WHERE action LIKE 'case.%'`);
    expect(NOW.getTime() - new Date(audit!.min).getTime()).toBeGreaterThan(60 * 86_400_000);
  });

  it('spreads the cases over the states of the loop', async () => {
    const rows = await q<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM case_file GROUP BY state');
    const n = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    for (const s of ['reported', 'not_accepted', 'accepted', 'dispatched', 'returned', 'handled', 'verified', 'closed', 'evaluated', 'suspended', 'merged']) expect(n[s], s).toBeGreaterThan(0);
    expect((n.signed ?? 0) + (n.in_progress ?? 0)).toBeGreaterThan(0);
    expect(n.evaluated! / COUNT).toBeGreaterThan(0.4);
    const [x] = await q<{ returned: number; reopened: number; rework: number; tickets: number; satisfied: number; basic: number; overdue: number }>(
      `SELECT (SELECT count(*) FROM case_event WHERE type = 'returned')::int AS returned,
              (SELECT count(*) FROM case_event WHERE type = 'reopened')::int AS reopened,
              (SELECT count(*) FROM case_event WHERE type = 'rework')::int AS rework,
              (SELECT count(*) FROM supervision_ticket)::int AS tickets,
              (SELECT count(*) FROM case_file WHERE satisfaction = 'satisfied')::int AS satisfied,
              (SELECT count(*) FROM case_file WHERE satisfaction = 'basically_satisfied')::int AS basic,
              (SELECT count(*) FROM case_event WHERE type = 'overdue')::int AS overdue`,
    );
    expect(x!.satisfied).toBeGreaterThan(x!.basic);
    expect(x!.basic).toBeGreaterThan(0);
    expect(x!.overdue).toBeGreaterThan(0);
    expect(x!.tickets).toBeGreaterThan(0);
    expect(x!.returned + x!.reopened + x!.rework).toBeGreaterThan(0);
  });

  it('keeps the clocks of every open case consistent with its state', async () => {
    const bad = await q<{ id: number; state: string }>(
      `SELECT id, state FROM case_file WHERE
          (state = 'dispatched' AND (sign_for_due_at IS NULL OR handle_due_at IS NULL OR dispatched_at IS NULL))
       OR (state IN ('signed', 'in_progress') AND (handle_due_at IS NULL OR signed_at IS NULL))
       OR (state = 'handled' AND (verify_due_at IS NULL OR handled_at IS NULL))
       OR (state = 'suspended' AND (suspended_at IS NULL OR suspended_from IS NULL))
       OR (state IN ('reported', 'accepted', 'returned') AND (signed_at IS NOT NULL OR handled_at IS NOT NULL))
       OR (state IN ('closed', 'evaluated') AND closed_at IS NULL)
       OR (accepted_at IS NOT NULL AND accepted_at < reported_at)
       OR (dispatched_at IS NOT NULL AND dispatched_at < accepted_at)
       OR (handled_at IS NOT NULL AND signed_at IS NOT NULL AND handled_at < signed_at)`,
    );
    expect(bad).toEqual([]);
  });

  it('GET /api/cases 200: the 西山区 centre operator finds reports waiting in his triage queue', async () => {
    const h = await sessionHeaders(t.db, await userId('13800000004'), NOW);
    const r = await app.inject({ method: 'GET', url: '/api/cases?state=reported&state=accepted&state=returned', headers: h });
    expect(r.statusCode).toBe(200);
    const items = (r.json() as { items: Array<{ state: string }> }).items;
    expect(items.length).toBeGreaterThan(0);
  });

  it('GET /api/cases 200: the street operator, the handler and the grid worker each have work waiting', async () => {
    const street = await app.inject({ method: 'GET', url: '/api/cases?state=reported', headers: await sessionHeaders(t.db, await userId('13800000005'), NOW) });
    expect((street.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const handler = await app.inject({ method: 'GET', url: '/api/cases?state=dispatched&state=signed&state=in_progress', headers: await sessionHeaders(t.db, await userId('13800000007'), NOW) });
    expect(handler.statusCode).toBe(200);
    expect((handler.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const grid = await app.inject({ method: 'GET', url: '/api/cases?state=handled', headers: await sessionHeaders(t.db, await userId('13800000002'), NOW) });
    expect((grid.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const city = await app.inject({ method: 'GET', url: '/api/cases?outOfRegion=true', headers: await sessionHeaders(t.db, await userId('13800000003'), NOW) });
    expect((city.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it('leaves an audit chain that verifies', async () => {
    await sealPending(t.db);
    const v = await verifyChain(t.db);
    expect(v.problem).toBeNull();
    expect(v.ok).toBe(true);
    expect(v.sealed).toBeGreaterThan(COUNT * 3);
  });

  it('folds the history into the KPI rollups: intake and closures equal a hand count of the case table', async () => {
    const city = (await q<{ code: string }>(`SELECT code FROM region WHERE level = 'city'`))[0]!.code;
    const s = await kpiSummary(t.db, systemActor('test'), { region: city, from: '2026-08-01', to: '2026-11-20' }, NOW);
    const [hand] = await q<{ intake: number; closed: number; pending: number }>(
      `SELECT count(*)::int AS intake,
              count(*) FILTER (WHERE closed_at IS NOT NULL AND merged_into IS NULL AND accepted_at IS NOT NULL)::int AS closed,
              (SELECT count(*) FROM kpi_dirty_case)::int AS pending
         FROM case_file WHERE reported_at >= '2026-07-31T16:00:00Z' AND reported_at < '2026-11-20T16:00:00Z'`,
    );
    expect(hand!.pending).toBe(0);
    expect(s.intake).toBe(hand!.intake);
    expect(s.intake).toBe(COUNT);
    expect(s.closureRate.numerator).toBe(hand!.closed);
    expect(s.satisfactionRate.denominator).toBeGreaterThan(0);
  });

  it('refuses to seed a second history (nothing written)', async () => {
    const before = await q<{ n: number }>('SELECT count(*)::int AS n FROM case_event');
    const r = await seedDemoCases(t.db, { now: NOW, count: 10 });
    expect(r.skipped).toMatch(/cases exist/);
    expect(await q<{ n: number }>('SELECT count(*)::int AS n FROM case_event')).toEqual(before);
  });
});
