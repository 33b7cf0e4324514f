/**
 * The demo history as a plan: for each case, who reports what, where and when, and the workflow
 * steps that follow, each at its own instant. Pure (no database): the seeder (seed.ts) runs the
 * plan through intake and the workflow commands in time order. Deterministic for a seed.
 *
 * Step gaps are drawn as fractions of the category's deadlines, so most cases meet their clocks
 * and the few planned late ones miss them; staff steps fall in office hours unless the clock runs
 * on calendar hours (urgent level-1 categories are handled day and night).
 */
import type { CaseAction } from '../cases.states.js';
import type { AttributeDef, CategoryRow, Channel } from '../cases.types.js';
import type { Located, PointPools } from './points.js';
import { pointIn, pointInUnit } from './points.js';
import type { Rng } from './prng.js';
import * as T from './texts.js';

const H = 3_600_000;
const DAY = 24 * H;

/** Who takes a step: resolved against the case as it is when the step runs. */
export type StepBy = 'centre' | 'handler' | 'verifier' | 'reporter' | 'system';

export interface PlannedStep {
  at: Date;
  action: CaseAction;
  body: Record<string, unknown>;
  by: StepBy;
  /** Skipped when intake auto-dispatched the case (accept and dispatch already happened). */
  skipIfAuto?: boolean;
  /** dispatch: lead department by code (a transfer); the routing rule decides otherwise. */
  leadDepartmentCodes?: readonly string[];
  /** merge: the plan index of the case to merge into. */
  mergeInto?: number;
  /** dispatch-down: the lower centre by code. */
  centreCode?: string;
}

/** Who files the report. */
export type Reporter =
  | { kind: 'resident' }
  | { kind: 'grid_worker' }
  | { kind: 'operator'; name: string; phone: string }
  | { kind: 'integration'; name: string | null; phone: string | null }
  | { kind: 'patrol'; name: string; phone: string }
  | { kind: 'public'; name: string | null; phone: string | null; anonymous: boolean };

export const SCENARIOS = [
  'evaluated', 'evaluated_basic', 'reopened_evaluated', 'reopened_open', 'closed', 'verified', 'rejected', 'merged',
  'reported', 'accepted', 'dispatched', 'returned', 'in_progress', 'suspended', 'handled', 'overdue',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface CasePlan {
  idx: number;
  scenario: Scenario;
  reportedAt: Date;
  channel: Channel;
  reporter: Reporter;
  categoryCode: string;
  description: string;
  attributes: Record<string, unknown>;
  /** null: address only. */
  point: { lng: number; lat: number; located: Located['located'] | null } | null;
  address: string | null;
  districtCode: string | null;
  steps: PlannedStep[];
  /** Modifiers applied on the way (for the report and tests). */
  mods: string[];
}

export interface Anchors {
  /** 西山区: where most cases are. */
  mainDistrictCode: string;
  /** The demo grid worker's grid, the demo street and community centres (their queues get work). */
  gridWorkerGridId: number | null;
  streetId: number | null;
  streetCode: string | null;
  communityId: number | null;
  communityCode: string | null;
}

export interface PlanOptions {
  now: Date;
  count: number;
  days: number;
  categories: readonly CategoryRow[];
  pools: PointPools;
  anchors: Anchors;
  /** Departments a returned case may be transferred to (by code). */
  transferCodes: readonly string[];
}

const CATEGORY_WEIGHTS: Record<string, number> = {
  'CITY.EXPOSED_WASTE': 8, 'CITY.STREET_VENDING': 7, 'CITY.MATERIAL_PILE': 4, 'CITY.ILLEGAL_POSTING': 3, 'CITY.OUTDOOR_ADS': 2, 'CITY.ILLEGAL_BUILDING': 2,
  'SANITATION.BIN_OVERFLOW': 5, 'SANITATION.STREET_DIRTY': 4, 'SANITATION.PUBLIC_TOILET': 2, 'SANITATION.DEAD_ANIMAL': 1,
  'ROADS.POTHOLE': 5, 'ROADS.MANHOLE': 2, 'ROADS.STREETLIGHT': 4, 'ROADS.SIDEWALK': 3, 'ROADS.WATERLOGGING': 2,
  'TRAFFIC.SIGNAL': 1, 'TRAFFIC.ILLEGAL_PARKING': 5, 'TRAFFIC.SHARED_BIKES': 3, 'TRAFFIC.SIGNS': 1,
  'SAFETY.FIRE_EXIT': 2, 'SAFETY.GAS': 1, 'SAFETY.ELECTRIC': 2, 'SAFETY.DANGEROUS_BUILDING': 1,
  'ORDER.NOISE': 6, 'ORDER.GATHERING': 1, 'ORDER.SUSPICIOUS': 1,
  'DISPUTE.NEIGHBOUR': 3, 'DISPUTE.FAMILY': 1, 'DISPUTE.LEAK': 2,
  'PROPERTY.SERVICE': 3, 'PROPERTY.ELEVATOR': 2, 'PROPERTY.FEES': 1,
  'POLICE.MUNICIPAL': 4, 'POLICE.LIVELIHOOD': 3,
  'CONSULT.POLICY': 2, 'CONSULT.SERVICE': 2,
};

const CHANNELS: ReadonlyArray<readonly [Channel, number]> = [['web', 22], ['h5', 20], ['patrol', 20], ['hotline', 24], ['police', 6], ['open311', 8]];

const SCENARIO_WEIGHTS: ReadonlyArray<readonly [Scenario, number]> = [
  ['evaluated', 50], ['evaluated_basic', 12], ['reopened_evaluated', 3], ['reopened_open', 1.5], ['closed', 4],
  ['verified', 1.5], ['rejected', 5], ['merged', 2], ['reported', 2.5], ['accepted', 1], ['dispatched', 2.5], ['returned', 1.2], ['in_progress', 4],
  ['suspended', 1.2], ['handled', 2.5], ['overdue', 1.5],
];

/** Scenarios that end open; their history is recent. */
const OPEN: ReadonlySet<Scenario> = new Set(['reopened_open', 'closed', 'verified', 'reported', 'accepted', 'dispatched', 'returned', 'in_progress', 'suspended', 'handled', 'overdue']);

const TRIAGE_ENDS: ReadonlySet<Scenario> = new Set(['reported', 'rejected', 'accepted']);

const patrolCats = (c: string) => /^(CITY|SANITATION|ROADS|TRAFFIC|SAFETY)\./.test(c);

function categoryFor(r: Rng, channel: Channel, cats: ReadonlyMap<string, CategoryRow>): string {
  const pool = [...cats.keys()].filter((c) => {
    if (channel === 'police') return /^(POLICE|ORDER|DISPUTE)\./.test(c);
    if (c.startsWith('POLICE.')) return false;
    if (channel === 'patrol') return patrolCats(c);
    if (c.startsWith('CONSULT.')) return channel === 'hotline';
    return true;
  });
  return r.weighted(pool.map((c) => [c, CATEGORY_WEIGHTS[c] ?? 1] as const));
}

function attributesFor(defs: readonly AttributeDef[], r: Rng, at: Date): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    if (!d.required && !r.chance(0.6)) continue;
    const keys = (d.values ?? []).map((v) => v.key);
    switch (d.datatype) {
      case 'number':
        out[d.code] = d.code === 'parties' ? r.int(2, 4) : r.int(1, 30);
        break;
      case 'singlevaluelist':
        out[d.code] = r.pick(keys);
        break;
      case 'multivaluelist':
        out[d.code] = [...new Set([r.pick(keys), ...(r.chance(0.2) ? [r.pick(keys)] : [])])];
        break;
      case 'datetime':
        out[d.code] = new Date(at.getTime() - r.int(10, 90) * 60_000).toISOString();
        break;
      default:
        out[d.code] = d.code === 'police_incident_no' ? `KM110-${ymd(at)}-${String(r.int(1, 9999)).padStart(4, '0')}` : '现场情况见描述';
    }
  }
  return out;
}

const local = (t: number) => new Date(t + 8 * H);
const ymd = (d: Date) => local(d.getTime()).toISOString().slice(0, 10).replace(/-/g, '');
const HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 9, 10, 9, 6, 6, 8, 9, 9, 8, 6, 6, 5, 4, 3, 2];
const WEEKDAY_WEIGHTS = [0.6, 1, 1, 1, 1, 0.95, 0.7]; // Sunday first

/** A report instant in [from, to]: weekdays busier than weekends, office hours busier than nights. */
function reportTime(r: Rng, from: number, to: number): Date {
  for (let i = 0; i < 50; i++) {
    const t = from + r() * (to - from);
    const l = local(t);
    const w = WEEKDAY_WEIGHTS[l.getUTCDay()]! * HOUR_WEIGHTS[l.getUTCHours()]!;
    if (r() * 10 < w) return new Date(t);
  }
  return new Date(from + r() * (to - from));
}

/** Staff steps: within 08:30–19:00 local, on the next working morning otherwise (not for calendar clocks). */
function staff(t: number, r: Rng, calendar: boolean): number {
  if (calendar) return t;
  const l = local(t);
  const hm = l.getUTCHours() + l.getUTCMinutes() / 60;
  let day = Date.UTC(l.getUTCFullYear(), l.getUTCMonth(), l.getUTCDate()) - 8 * H;
  if (hm >= 8.5 && hm < 19) return t;
  if (hm >= 19) day += DAY;
  let out = day + 8.5 * H + r.int(0, 90) * 60_000;
  const wd = local(out).getUTCDay();
  if ((wd === 0 || wd === 6) && r.chance(0.7)) out += (wd === 6 ? 2 : 1) * DAY;
  return out;
}

interface Gaps {
  calendar: boolean;
  signFor: number;
  handle: number;
  verify: number;
}

function gapsOf(cat: CategoryRow): Gaps {
  const d = cat.deadlines[String(cat.default_response_level) as '1' | '2' | '3'] ?? cat.deadlines['3'];
  return { calendar: d.mode === 'calendar', signFor: d.sign_for * H, handle: d.handle * H, verify: d.verify * H };
}

/** Plans the whole history. */
export function planDemoHistory(r: Rng, o: PlanOptions): CasePlan[] {
  const cats = new Map(o.categories.filter((c) => c.level === 2 && c.active && CATEGORY_WEIGHTS[c.code] !== undefined).map((c) => [c.code, c]));
  if (cats.size === 0) return [];
  const now = o.now.getTime();
  const start = now - o.days * DAY;
  const districts = [...o.pools.gridsOf.entries()].filter(([, g]) => g.length > 0).map(([code]) => code).sort();
  const others = districts.filter((d) => d !== o.anchors.mainDistrictCode);
  const plans: CasePlan[] = [];

  const base = (scenario: Scenario, channel: Channel, where: { unitId?: number | null; district?: string | null; outside?: boolean; addressOnly?: boolean }, t0: Date, category?: string): CasePlan | null => {
    let code = category && cats.has(category) ? category : categoryFor(r, channel, cats);
    // Auto-dispatched categories skip triage: not for cases that must wait in (or leave) a triage queue.
    for (let i = 0; i < 20 && !category && TRIAGE_ENDS.has(scenario) && cats.get(code)!.auto_dispatch; i++) code = categoryFor(r, channel, cats);
    const cat = cats.get(code)!;
    let point: CasePlan['point'] = null;
    let address: string | null = null;
    let districtCode: string | null = null;
    if (where.outside) {
      const p = r.pick(o.pools.outside);
      point = { lng: p.lng, lat: p.lat, located: null };
    } else if (where.addressOnly) {
      districtCode = where.district ?? o.anchors.mainDistrictCode;
      address = T.address(r, o.pools.districts.get(districtCode) ?? '');
    } else {
      const p = where.unitId != null ? pointInUnit(o.pools, where.unitId, r) : pointIn(o.pools, where.district ?? o.anchors.mainDistrictCode, r);
      if (!p) return null;
      point = { lng: p.lng, lat: p.lat, located: p.located };
      districtCode = p.located.chain.find((c) => c.level === 'district')?.code ?? null;
    }
    let reporter: Reporter;
    const contact = cat.needs_contact;
    switch (channel) {
      case 'patrol':
        reporter = where.unitId === o.anchors.gridWorkerGridId && where.unitId !== null ? { kind: 'grid_worker' } : { kind: 'patrol', name: `网格员${T.personName(r).slice(0, 1)}某`, phone: T.phone(r) };
        break;
      case 'hotline':
      case 'police':
        reporter = { kind: 'operator', name: T.personName(r), phone: T.phone(r) };
        break;
      case 'open311':
        reporter = contact || r.chance(0.5) ? { kind: 'integration', name: T.personName(r), phone: T.phone(r) } : { kind: 'integration', name: null, phone: null };
        break;
      default:
        if (r.chance(0.12)) reporter = { kind: 'resident' };
        else if (!contact && r.chance(0.15)) reporter = { kind: 'public', name: null, phone: null, anonymous: true };
        else reporter = { kind: 'public', name: T.personName(r), phone: T.phone(r), anonymous: false };
    }
    return {
      idx: plans.length,
      scenario,
      reportedAt: t0,
      channel,
      reporter,
      categoryCode: code,
      description: T.describe(code, r),
      attributes: attributesFor(cat.attributes, r, t0),
      point,
      address,
      districtCode,
      steps: [],
      mods: [],
    };
  };

  const add = (p: CasePlan | null, extra: { escalate?: boolean; dispatchDownTo?: string; transfer?: boolean } = {}) => {
    if (!p) return null;
    p.idx = plans.length;
    flow(r, p, cats.get(p.categoryCode)!, o, extra);
    p.steps = p.steps.filter((s) => s.at.getTime() < now);
    plans.push(p);
    return p;
  };

  // Work waiting in the demo users' queues (phones 13800000001–12), whatever the PRNG draws below.
  const recent = (hoursAgoMax: number, hoursAgoMin = 1) => reportTime(r, now - hoursAgoMax * H, now - hoursAgoMin * H);
  const a = o.anchors;
  const cityCats = ['CITY.STREET_VENDING', 'CITY.EXPOSED_WASTE', 'CITY.MATERIAL_PILE', 'SANITATION.STREET_DIRTY'];
  if (a.gridWorkerGridId !== null) {
    for (let i = 0; i < 3; i++) add(base('handled', i === 0 ? 'patrol' : 'web', { unitId: a.gridWorkerGridId }, recent(96, 20), r.pick(cityCats)));
    for (let i = 0; i < 4; i++) add(base('evaluated', 'patrol', { unitId: a.gridWorkerGridId }, reportTime(r, start, now - 6 * DAY), r.pick(cityCats)));
  }
  for (let i = 0; i < 3; i++) add(base('dispatched', 'web', { district: a.mainDistrictCode }, recent(30, 3), r.pick(cityCats)));
  for (let i = 0; i < 3; i++) add(base('in_progress', 'h5', { district: a.mainDistrictCode }, recent(120, 30), r.pick(cityCats)));
  if (a.streetId !== null) for (let i = 0; i < 4; i++) add(base('reported', r.pick(['web', 'h5'] as const), { unitId: a.streetId }, recent(30)));
  if (a.communityId !== null && a.communityCode) for (let i = 0; i < 3; i++) add(base('reported', 'web', { unitId: a.communityId }, recent(40, 4)), { dispatchDownTo: a.communityCode });
  if (a.streetId !== null) for (let i = 0; i < 2; i++) add(base('reported', 'h5', { unitId: a.streetId }, recent(40, 4)), { escalate: true });
  for (let i = 0; i < 3; i++) add(base('reported', 'hotline', { district: r.chance(0.5) ? a.mainDistrictCode : r.pick(others.length ? others : [a.mainDistrictCode]) }, recent(20)));
  for (let i = 0; i < 2; i++) add(base('closed', 'web', { district: a.mainDistrictCode }, recent(9 * 24, 5 * 24)));
  // ~1 %: outside every region (the city centre's triage tab); a few given by address only.
  const outside = Math.max(2, Math.round(o.count * 0.01));
  for (let i = 0; i < outside; i++) add(base(i === 0 ? 'rejected' : 'reported', r.pick(['open311', 'web', 'hotline'] as const), { outside: true }, i === 0 ? reportTime(r, start, now - 5 * DAY) : recent(72)));
  for (let i = 0; i < 4; i++) add(base(i < 3 ? 'evaluated' : 'reported', 'hotline', { addressOnly: true, district: r.chance(0.6) ? a.mainDistrictCode : r.pick(others.length ? others : [a.mainDistrictCode]) }, i < 3 ? reportTime(r, start, now - 6 * DAY) : recent(24)));

  // Rare outcomes at least once (twice for merges), whatever the count: the demo shows every state.
  const must: Scenario[] = ['suspended', 'verified', 'accepted', 'returned', 'reopened_open', 'reopened_evaluated', 'overdue', 'overdue', 'in_progress', 'merged', 'merged'];
  const targets: CasePlan[] = [];
  let tries = 0;
  while (plans.length < o.count && tries++ < o.count * 50) {
    const musts = must.length > 0 && (must[0] !== 'merged' || targets.length >= 3);
    const scenario = musts ? must.shift()! : r.weighted(SCENARIO_WEIGHTS);
    const channel = r.weighted(CHANNELS);
    const district = r.chance(0.6) || others.length === 0 ? a.mainDistrictCode : r.pick(others);
    if (scenario === 'merged') {
      const retry = () => {
        if (musts) must.unshift('merged');
      };
      const target = targets.length ? r.pick(targets) : null;
      const close = target?.steps.find((s) => s.action === 'close' || s.action === 'handle');
      const t0 = (target?.reportedAt.getTime() ?? 0) + r.between(1, 20) * H;
      if (!target?.point?.located || !close || close.at.getTime() - t0 < 6 * H) {
        retry();
        continue;
      }
      const p = base('merged', r.pick(['web', 'h5', 'hotline'] as const), { unitId: null, district: target.districtCode }, new Date(t0), target.categoryCode);
      if (!p) {
        retry();
        continue;
      }
      // A duplicate: the same problem reported again a few dozen metres away.
      const dx = r.between(-0.0004, 0.0004);
      const dy = r.between(-0.0004, 0.0004);
      p.point = { lng: target.point.lng + dx, lat: target.point.lat + dy, located: null };
      p.mods.push('duplicate');
      p.steps.push({ at: new Date(staff(t0 + r.between(0.5, 3) * H, r, false)), action: 'merge', body: {}, by: 'centre', mergeInto: target.idx });
      if (p.steps[0]!.at.getTime() >= close.at.getTime() || p.steps[0]!.at.getTime() >= now) {
        retry();
        continue;
      }
      p.idx = plans.length;
      plans.push(p);
      continue;
    }
    const t0 = OPEN.has(scenario)
      ? scenario === 'overdue' ? reportTime(r, now - 14 * DAY, now - 6 * DAY) : scenario === 'reported' ? reportTime(r, now - 36 * H, now - 10 * 60_000) : reportTime(r, now - 9 * DAY, now - 3 * H)
      : reportTime(r, start, now - 4 * DAY);
    const p = add(base(scenario, channel, { district }, t0), { escalate: channel !== 'hotline' && r.chance(0.03), transfer: r.chance(0.06) });
    if (p && ['evaluated', 'evaluated_basic'].includes(scenario) && p.point?.located) targets.push(p);
  }
  return plans;
}

/** The steps of one case after intake, by scenario (and a few modifiers drawn here). */
function flow(r: Rng, p: CasePlan, cat: CategoryRow, o: PlanOptions, extra: { escalate?: boolean; dispatchDownTo?: string; transfer?: boolean }): void {
  const g = gapsOf(cat);
  const s = p.scenario;
  let t = p.reportedAt.getTime();
  const step = (gap: number, action: CaseAction, by: StepBy, body: Record<string, unknown> = {}, more: Partial<PlannedStep> = {}) => {
    t = staff(t + gap, r, g.calendar && by !== 'centre');
    p.steps.push({ at: new Date(t), action, body, by, ...more });
  };
  const min = 60_000;
  const atCity = ['hotline', 'police', 'open311'].includes(p.channel) || p.point === null || p.point.located === null;
  if (extra.escalate && !atCity) {
    step(r.between(20, 180) * min, 'escalate', 'centre', { reason: r.pick(T.ESCALATE_REASONS) });
    p.mods.push('escalated');
  }
  if (extra.dispatchDownTo) {
    step(r.between(10, 120) * min, 'dispatch-down', 'centre', { note: '请社区核实处理' }, { centreCode: extra.dispatchDownTo });
    p.mods.push('dispatched_down');
  }
  if (s === 'reported') return;
  if (s === 'rejected') {
    step(r.between(20, 360) * min, 'reject', 'centre', { reason: r.pick(T.REJECT_REASONS) });
    return;
  }
  step(r.between(10, 240) * min, 'accept', 'centre', {}, { skipIfAuto: true });
  if (s === 'accepted') return;
  step(r.between(5, 90) * min, 'dispatch', 'centre', {}, { skipIfAuto: true });
  if (extra.transfer || s === 'returned') {
    step(r.between(0.1, 0.6) * g.signFor, 'return', 'handler', { reason: r.pick(T.RETURN_REASONS) });
    p.mods.push('returned');
    if (s === 'returned') return;
    step(r.between(20, 240) * min, 'dispatch', 'centre', { note: '重新派遣' }, { leadDepartmentCodes: o.transferCodes });
  }
  if (s === 'dispatched') return;
  step(r.between(0.05, 0.7) * g.signFor, 'sign-for', 'handler');
  if (r.chance(0.6)) step(r.between(5, 120) * min, 'start', 'handler');
  const late = s === 'overdue' || r.chance(0.08);
  if (s !== 'overdue' && r.chance(0.06)) {
    step(r.between(0.1, 0.3) * g.handle, 'request-extension', 'handler', { hours: r.pick([8, 16, 24]), reason: r.pick(T.EXTENSION_REASONS) });
    if (!(s === 'in_progress' && r.chance(0.5))) step(r.between(60, 300) * min, 'decide-extension', 'centre', { approve: r.chance(0.8), comment: '同意延期，请按期办结' });
    p.mods.push('extension');
  }
  if (s === 'suspended' || (s !== 'in_progress' && s !== 'overdue' && r.chance(0.03))) {
    step(r.between(0.1, 0.3) * g.handle, 'suspend', 'handler', { reason: r.pick(T.SUSPEND_REASONS) });
    p.mods.push('suspended');
    if (s === 'suspended') return;
    step(r.between(20, 60) * H, 'resume', 'handler');
  }
  if (s === 'in_progress' || s === 'overdue') return;
  const handle = () => {
    const gap = late ? g.handle * (g.calendar ? 1.6 : 4.5) + 48 * H : r.between(0.15, 0.85) * g.handle;
    step(gap, 'handle', 'handler', { summary: r.pick(T.HANDLED[cat.parent_code ?? ''] ?? ['已处理完毕']) });
  };
  handle();
  if (late) p.mods.push('late');
  if (s === 'handled') return;
  if (r.chance(0.07)) {
    step(r.between(0.1, 0.8) * g.verify, 'verify', 'verifier', { result: 'fail', comment: r.pick(T.VERIFY_FAIL) });
    p.mods.push('rework');
    step(r.between(0.2, 0.7) * g.handle, 'handle', 'handler', { summary: `返工：${r.pick(T.HANDLED[cat.parent_code ?? ''] ?? ['已处理完毕'])}` });
  }
  step(r.between(0.1, 0.8) * g.verify, 'verify', 'verifier', { result: 'pass', comment: r.pick(T.VERIFY_PASS) });
  if (s === 'verified') return;
  step(r.between(10, 180) * min, 'close', 'centre', { note: '核查通过，予以结案' });
  if (s === 'closed') return;
  const callback = (result: 'satisfied' | 'basically_satisfied' | 'dissatisfied') => {
    const comment = result === 'satisfied' ? r.pick(T.SATISFIED) : result === 'basically_satisfied' ? r.pick(T.BASIC) : r.pick(T.DISSATISFIED);
    step(r.between(4, 60) * H, 'callback', p.reporter.kind === 'resident' && r.chance(0.5) ? 'reporter' : 'centre', { satisfaction: result, comment });
  };
  if (s === 'evaluated') return callback('satisfied');
  if (s === 'evaluated_basic') return callback('basically_satisfied');
  // 发回重办: dissatisfied, back to the same department with fresh clocks.
  callback('dissatisfied');
  p.mods.push('reopened');
  if (s === 'reopened_open') return;
  step(r.between(0.05, 0.5) * g.signFor, 'sign-for', 'handler');
  step(r.between(0.2, 0.8) * g.handle, 'handle', 'handler', { summary: `重办：${r.pick(T.HANDLED[cat.parent_code ?? ''] ?? ['已处理完毕'])}` });
  step(r.between(0.1, 0.8) * g.verify, 'verify', 'verifier', { result: 'pass', comment: r.pick(T.VERIFY_PASS) });
  step(r.between(10, 180) * min, 'close', 'centre', {});
  callback(r.chance(0.6) ? 'basically_satisfied' : 'satisfied');
}
