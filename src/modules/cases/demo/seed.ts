/**
 * The demo city's case history, made the way real cases are made: every report goes through
 * `intake` and every step through `runActionInTx` (the workflow commands), with a context whose
 * `now` is the step's own instant, so each case has its timeline, audit records, outbox rows, SLA
 * clocks and KPI contributions exactly as if people had worked it. The SLA scheduler's own scan
 * runs every few simulated hours between the steps, so late cases are warned, marked overdue and
 * get their supervision tickets when they really fell due. The KPI rollups are folded at the end.
 *
 * Steps of all cases run in time order (a merge finds its target still open; a scan sees the city
 * as it was), batched in transactions. A batch that fails is replayed step by step, and a case
 * whose step fails is left where it is (counted in `failed`): a demo seed must never stop a start.
 */
import { ANONYMOUS, coversPath, systemActor, type Actor, type Grant, type Role } from '../../../platform/actor.js';
import type { TxCtx } from '../../../platform/context.js';
import type { Database, Sql } from '../../../platform/db.js';
import { DEMO_USERS, getUserById, userIdsWithRole } from '../../identity/index.js';
import { CITY_EXTENT, geocodeAddress, getLocateIndex, getRegionById } from '../../regions/index.js';
import { canView, mayAct } from '../cases.policy.js';
import * as casesRepo from '../cases.repository.js';
import { intake, runActionInTx, type IntakeInput } from '../cases.service.js';
import { canStart, OPEN_STATES } from '../cases.states.js';
import type { CaseView } from '../cases.types.js';
import { foldKpiRollups } from '../kpi/fold.js';
import { runSlaScan } from '../scheduler/scan.js';
import { slaCalendar } from '../scheduler/deadlines.js';
import * as repo from './demo.repository.js';
import { planDemoHistory, type Anchors, type CasePlan, type PlannedStep } from './plan.js';
import { buildPointPools } from './points.js';
import { rng } from './prng.js';

export const DEMO_DISTRICT = '530112000000';
/** Departments a returned case is transferred to, in order of preference. */
const TRANSFER_CODES = ['XS-ZJJ', 'XS-SJJ', 'XS-CGJ', 'KM-SWJ', 'KM-ZJJ', 'KM-CGJ', 'KM-JTYSJ'] as const;

export interface SeedDemoCasesOptions {
  /** Cases to create (default DEFAULT_DEMO_CASES). */
  count?: number;
  /** PRNG seed (default 20261129). */
  seed?: number;
  /** Days of history before `now` (default 90). */
  days?: number;
  /** The end of the history (default: the wall clock). */
  now?: Date;
  /** Simulated hours between SLA scans (default 24). */
  scanEveryHours?: number;
  log?: (m: string) => void;
}

export interface SeedDemoCasesResult {
  /** Why nothing was seeded, when nothing was. */
  skipped: string | null;
  cases: number;
  steps: number;
  /** Planned steps the case's state no longer allowed when their time came (e.g. auto-dispatched). */
  skippedSteps: number;
  /** Steps that failed (their case stays where it was). */
  failed: number;
  scans: number;
  foldedCases: number;
  states: Record<string, number>;
  ms: number;
}

/**
 * Sized for the embedded engine's budget: a case takes ~7 commands of a dozen statements each
 * (~0.14 s of CPU per case on PGlite, measured here), and the seed must add at most ~20 s to a first
 * `npm start`. GONGZHI_DEMO_CASES (read by the manifest) asks for more.
 */
export const DEFAULT_DEMO_CASES = 120;

const CLOCKED: ReadonlySet<string> = new Set(['dispatched', 'signed', 'in_progress', 'handled']);

type UserActor = Extract<Actor, { kind: 'user' }>;

async function demoActors(sql: Sql): Promise<Map<string, UserActor>> {
  const phones = new Set(DEMO_USERS.map((u) => u.phone));
  const ids = new Set<number>();
  for (const role of ['resident', 'grid_worker', 'operator', 'handler'] as const) for (const id of await userIdsWithRole(sql, { role })) ids.add(id);
  const out = new Map<string, UserActor>();
  for (const id of [...ids].sort((a, b) => a - b)) {
    const u = await getUserById(sql, id);
    if (!u || u.disabled || !phones.has(u.phone)) continue;
    const grants: Grant[] = [];
    for (const g of u.grants) {
      const region = await getRegionById(sql, g.regionId);
      if (region) grants.push({ role: g.role as Role, regionId: g.regionId, regionCode: g.regionCode, regionPath: region.path, departmentId: g.departmentId ?? null });
    }
    out.set(u.phone, { kind: 'user', id: u.id, name: u.name, grants, sessionId: null });
  }
  return out;
}

const grantOf = (a: UserActor | undefined, role: Role) => a?.grants.find((g) => g.role === role) ?? null;

/** Seeds the demo history into a city without cases; refuses (skipped) when any case exists. */
export async function seedDemoCases(db: Database, opts: SeedDemoCasesOptions = {}): Promise<SeedDemoCasesResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const none = (skipped: string): SeedDemoCasesResult => ({ skipped, cases: 0, steps: 0, skippedSteps: 0, failed: 0, scans: 0, foldedCases: 0, states: {}, ms: Date.now() - t0 });
  if (await repo.anyCase(db)) return none('cases exist: the demo history is only seeded into a city without cases');
  const cities = await casesRepo.currentCities(db);
  if (cities.length !== 1) return none(cities.length === 0 ? 'no city loaded' : 'several cities loaded');
  const city = cities[0]!;
  const now = opts.now ?? new Date();
  const seed = opts.seed ?? 20261129;
  const categories = await casesRepo.listCategories(db);
  if (!categories.some((c) => c.level === 2)) return none('no case categories');

  const users = await demoActors(db);
  const resident = users.get('13800000001');
  const gridWorker = users.get('13800000002');
  const cityOperator = users.get('13800000003');
  const operators = [...users.values()].filter((u) => u.grants.some((g) => g.role === 'operator'));
  const handlers = [...users.values()].filter((u) => u.grants.some((g) => g.role === 'handler'));
  const street = grantOf(users.get('13800000005'), 'operator');
  const community = grantOf(users.get('13800000006'), 'operator');
  const grid = grantOf(gridWorker, 'grid_worker');

  const index = await getLocateIndex(db);
  const pools = buildPointPools(index, CITY_EXTENT, rng(seed + 1), {
    denseCodes: [DEMO_DISTRICT],
    alsoPool: [street?.regionId, community?.regionId, grid?.regionId].filter((x): x is number => typeof x === 'number'),
  });
  if ([...pools.gridsOf.values()].every((g) => g.length === 0)) return none('no grids with boundaries loaded');
  const main = pools.gridsOf.get(DEMO_DISTRICT)?.length ? DEMO_DISTRICT : [...pools.gridsOf.entries()].sort((a, b) => b[1].length - a[1].length)[0]![0];
  const anchors: Anchors = {
    mainDistrictCode: main,
    gridWorkerGridId: grid && pools.points.get(grid.regionId)?.length ? grid.regionId : null,
    streetId: street && pools.points.get(street.regionId)?.length ? street.regionId : null,
    streetCode: street?.regionCode ?? null,
    communityId: community && pools.points.get(community.regionId)?.length ? community.regionId : null,
    communityCode: community?.regionCode ?? null,
  };
  const plans = planDemoHistory(rng(seed), {
    now,
    count: opts.count ?? DEFAULT_DEMO_CASES,
    days: opts.days ?? 90,
    categories,
    pools,
    anchors,
    transferCodes: TRANSFER_CODES,
  });
  // Address-only reports are geocoded before the transactions, as the intake route does: the
  // gazetteer's name index is cached per database, not per transaction.
  const geocoded = new Map<number, unknown>();
  for (const p of plans) if (!p.point && p.address) geocoded.set(p.idx, await geocodeAddress(db, p.address, { cityCode: city.code }));

  // Names of centres, departments and grids, for the system actors that stand in for the people of
  // units that have no demo user (their steps show "西山区综治中心", "昆明市水务局" on the timeline).
  const names = new Map<string, string>();
  const regionName = async (sql: Sql, id: number | null): Promise<string> => {
    if (id === null) return '';
    const key = `r${id}`;
    if (!names.has(key)) names.set(key, (await getRegionById(sql, id))?.name ?? '');
    return names.get(key)!;
  };
  const deptName = async (sql: Sql, id: number | null): Promise<string> => {
    if (id === null) return '';
    const key = `d${id}`;
    if (!names.has(key)) names.set(key, (await casesRepo.departmentsByIds(sql, [id]))[0]?.name ?? '');
    return names.get(key)!;
  };
  const deptIds = new Map((await casesRepo.departmentsByCodes(db, [...TRANSFER_CODES])).map((d) => [d.code, d.id]));

  const views = new Map<number, CaseView>();
  const auto = new Set<number>();
  const dead = new Set<number>();
  const stats = { steps: 0, skippedSteps: 0, failed: 0, scans: 0 };

  async function actorFor(sql: Sql, by: PlannedStep['by'], k: CaseView, action: PlannedStep['action'], p: CasePlan): Promise<Actor> {
    let a: Actor | undefined;
    switch (by) {
      case 'centre':
        a = operators.find((u) => u.grants.some((g) => g.role === 'operator' && g.regionId === k.centre_region_id));
        a ??= systemActor(`${await regionName(sql, k.centre_region_id)}综治中心`);
        break;
      case 'handler':
        a = handlers.find((u) => u.grants.some((g) => g.role === 'handler' && g.departmentId === k.lead_department_id));
        a ??= systemActor(await deptName(sql, k.lead_department_id));
        break;
      case 'verifier':
        if (gridWorker && coversPath(gridWorker, ['grid_worker'], k.region_path)) a = gridWorker;
        else if (resident && k.reporter_user_ids.includes(resident.id) && p.idx % 3 === 0) a = resident;
        else a = systemActor(`网格员（${await regionName(sql, k.grid_id ?? k.community_id ?? k.region_id)}）`);
        break;
      case 'reporter':
        a = resident && k.reporter_user_ids.includes(resident.id) ? resident : undefined;
        break;
      case 'system':
        a = systemActor('demo');
    }
    if (a && mayAct(a, action, k)) return a;
    return systemActor(`${await regionName(sql, k.centre_region_id)}综治中心`);
  }

  async function runIntake(tx: Sql, p: CasePlan): Promise<void> {
    const rep = p.reporter;
    let actor: Actor;
    const input: IntakeInput = { channel: p.channel, categoryCode: p.categoryCode, description: p.description, attributes: p.attributes, cityCode: city.code };
    if (p.point) {
      input.location = { lng: Number(p.point.lng.toFixed(6)), lat: Number(p.point.lat.toFixed(6)) };
      input.located = index.locate(input.location.lng, input.location.lat);
    } else {
      input.address = p.address ?? '地址不详';
      if (geocoded.has(p.idx)) Object.assign(input, { geocoded: geocoded.get(p.idx) });
    }
    switch (rep.kind) {
      case 'resident':
        actor = resident ?? ANONYMOUS;
        if (!resident) Object.assign(input, { reporterName: '居民', reporterPhone: '13900000000' });
        break;
      case 'grid_worker':
        actor = gridWorker ?? systemActor('网格巡查');
        if (!gridWorker) Object.assign(input, { reporterName: '网格员', reporterPhone: '13900000000' });
        break;
      case 'operator':
        actor = cityOperator ?? systemActor(p.channel === 'police' ? '110 非警务警情转办' : '12345 热线');
        Object.assign(input, { reporterName: rep.name, reporterPhone: rep.phone });
        break;
      case 'integration':
        actor = systemActor('Open311 接口');
        if (rep.name) Object.assign(input, { reporterName: rep.name, reporterPhone: rep.phone });
        break;
      case 'patrol':
        actor = systemActor(`网格巡查（${rep.name}）`);
        Object.assign(input, { reporterName: rep.name, reporterPhone: rep.phone });
        break;
      default:
        actor = ANONYMOUS;
        if (rep.anonymous) input.anonymous = true;
        else Object.assign(input, { reporterName: rep.name, reporterPhone: rep.phone });
    }
    const c: TxCtx = { actor, now: p.reportedAt, requestId: `demo-cases-${seed}-${p.idx}`, ip: null, tx };
    const r = await intake(c, input);
    views.set(p.idx, r.case);
    if (r.autoDispatched) auto.add(p.idx);
  }

  async function runStep(tx: Sql, p: CasePlan, s: PlannedStep): Promise<void> {
    const k = views.get(p.idx);
    if (!k || dead.has(p.idx) || (s.skipIfAuto && auto.has(p.idx)) || !canStart(k.state, s.action)) {
      stats.skippedSteps++;
      return;
    }
    let action = s.action;
    let body = { ...s.body };
    if (action === 'request-extension' && (!k.handle_due_at || s.at.getTime() >= new Date(k.handle_due_at).getTime() - 3_600_000 || k.pending_extension)) {
      stats.skippedSteps++;
      return;
    }
    if (action === 'decide-extension' && !k.pending_extension) {
      stats.skippedSteps++;
      return;
    }
    if (action === 'dispatch' && s.leadDepartmentCodes) {
      const lead = s.leadDepartmentCodes.map((c) => deptIds.get(c)).find((id) => id !== undefined && id !== k.lead_department_id && !k.co_department_ids.includes(id));
      if (lead !== undefined) body.leadDepartmentId = lead;
    }
    if (action === 'dispatch-down') {
      if (!s.centreCode) return;
      body.centreRegionCode = s.centreCode;
    }
    if (action === 'merge') {
      const target = s.mergeInto === undefined ? undefined : views.get(s.mergeInto);
      if (target && OPEN_STATES.includes(target.state)) body = { into: target.id };
      else {
        // The case it duplicates was closed meanwhile: decline it as a repeat report instead.
        action = 'reject';
        body = { reason: '重复上报，该问题已办结' };
      }
    }
    let actor = await actorFor(tx, s.by, k, action, p);
    if (action === 'merge') {
      const target = views.get(s.mergeInto!)!;
      if (!canView(actor, target)) actor = systemActor(`${await regionName(tx, k.centre_region_id)}综治中心`);
    }
    const c: TxCtx = { actor, now: s.at, requestId: `demo-cases-${seed}-${p.idx}-${action}`, ip: null, tx };
    views.set(p.idx, await runActionInTx(c, k.id, action, body));
    if (action === 'merge') {
      const target = views.get(s.mergeInto!)!;
      const fresh = await casesRepo.loadCase(tx, target.id);
      if (fresh) views.set(s.mergeInto!, fresh);
    }
    stats.steps++;
  }

  type Item = { at: number; plan: number; step: number };
  const items: Item[] = [];
  for (const p of plans) {
    items.push({ at: p.reportedAt.getTime(), plan: p.idx, step: -1 });
    p.steps.forEach((s, i) => items.push({ at: s.at.getTime(), plan: p.idx, step: i }));
  }
  items.sort((a, b) => a.at - b.at || a.plan - b.plan || a.step - b.step);

  const run = (tx: Sql, it: Item) => {
    const p = plans[it.plan]!;
    return it.step < 0 ? runIntake(tx, p) : runStep(tx, p, p.steps[it.step]!);
  };
  const scanEvery = (opts.scanEveryHours ?? 24) * 3_600_000;
  const cal = slaCalendar();
  let nextScan = (items[0]?.at ?? now.getTime()) + scanEvery;
  const BATCH = 250;
  let i = 0;
  while (i < items.length) {
    while (nextScan <= items[i]!.at) {
      // A scan only has work while some clock runs.
      if ([...views.values()].some((k) => CLOCKED.has(k.state))) {
        await runSlaScan(db, new Date(nextScan), cal);
        stats.scans++;
      }
      nextScan += scanEvery;
    }
    let j = i;
    while (j < items.length && j - i < BATCH && items[j]!.at < nextScan) j++;
    const batch = items.slice(i, j);
    const before = new Map(views);
    const autoBefore = new Set(auto);
    const counts = { ...stats };
    try {
      await db.tx(async (tx) => {
        for (const it of batch) await run(tx, it);
      });
    } catch (e) {
      log(`  demo cases: a batch failed (${(e as Error).message}); replaying it step by step`);
      // Replay the batch one step per transaction; a failing step leaves its case where it was.
      views.clear();
      for (const [k, v] of before) views.set(k, v);
      auto.clear();
      for (const k of autoBefore) auto.add(k);
      Object.assign(stats, counts);
      for (const it of batch) {
        try {
          await db.tx((tx) => run(tx, it));
        } catch (e) {
          stats.failed++;
          dead.add(it.plan);
          if (stats.failed <= 5) log(`  demo case ${it.plan} step ${it.step}: ${(e as Error).message}`);
        }
      }
    }
    i = j;
  }
  await runSlaScan(db, now, cal);
  stats.scans++;
  const folded = await foldKpiRollups(db, now);
  const states = await repo.countByState(db);
  const result: SeedDemoCasesResult = {
    skipped: null,
    cases: views.size,
    ...stats,
    foldedCases: folded.cases,
    states,
    ms: Date.now() - t0,
  };
  log(`  demo cases: ${result.cases} cases, ${result.steps} steps, ${result.scans} SLA scans, ${result.failed} failed, in ${result.ms} ms`);
  return result;
}
