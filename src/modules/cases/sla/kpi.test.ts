import { describe, expect, it } from 'vitest';
import { computeKpis, groupKpis, percentile, periodBounds, periodKey, regionAncestors, type CaseSummary } from './kpi.js';

const cst = (s: string): Date => new Date(`${s}+08:00`);
const H = 3_600_000;

// Hand-built cases for October 2025 (window [Oct 1, Nov 1) in Shanghai), evaluated on Nov 10.
const cases: CaseSummary[] = [
  {
    id: 'A', reportedAt: cst('2025-10-09T09:00'), regionPath: '/1/2/3/', departmentId: 'D1', categoryCode: 'A01', majorCategoryCode: 'A', channel: 'hotline',
    acceptedAt: cst('2025-10-09T09:30'), handledAt: cst('2025-10-10T10:00'), handleDeadline: cst('2025-10-10T17:30'), closedAt: cst('2025-10-11T10:00'),
    callbacks: [{ at: cst('2025-10-12T10:00'), result: 'satisfied' }], handlingWorkingMs: 4 * H,
  },
  {
    id: 'B', reportedAt: cst('2025-10-09T10:00'), regionPath: '/1/2/4/', departmentId: 'D2', categoryCode: 'A02', majorCategoryCode: 'A', channel: 'web',
    acceptedAt: cst('2025-10-09T10:10'), handledAt: cst('2025-10-13T09:00'), handleDeadline: cst('2025-10-10T12:00'), closedAt: cst('2025-10-20T09:00'),
    reworkCount: 1, reopenCount: 1,
    callbacks: [{ at: cst('2025-10-14T10:00'), result: 'dissatisfied' }, { at: cst('2025-10-20T10:00'), result: 'basically_satisfied' }],
    handlingWorkingMs: 10 * H, handlingElapsedMs: 70 * H,
  },
  { id: 'C', reportedAt: cst('2025-10-15T08:00'), regionPath: '/1/2/3/', notAcceptedAt: cst('2025-10-15T09:00'), channel: 'web' },
  {
    id: 'D', reportedAt: cst('2025-10-16T08:00'), regionPath: '/1/5/', departmentId: 'D1', channel: 'web',
    acceptedAt: cst('2025-10-16T09:00'), handleDeadline: cst('2025-10-20T17:30'), currentDeadline: cst('2025-10-20T17:30'),
  },
  { id: 'E', reportedAt: cst('2025-10-17T08:00'), acceptedAt: cst('2025-10-17T09:00'), handleDeadline: cst('2025-11-20T17:30'), currentDeadline: cst('2025-11-20T17:30') },
  { id: 'F', reportedAt: cst('2025-10-18T08:00'), acceptedAt: cst('2025-10-18T09:00'), handleDeadline: cst('2025-10-25T17:30'), cancelledAt: cst('2025-10-19T09:00') },
  { id: 'G', reportedAt: cst('2025-10-19T08:00'), acceptedAt: cst('2025-10-19T09:00'), referredAt: cst('2025-10-19T10:00') },
  { id: 'H', reportedAt: cst('2025-10-20T08:00'), mergedIntoId: 'A', acceptedAt: cst('2025-10-20T09:00') },
  {
    id: 'I', reportedAt: cst('2025-10-21T00:30'), acceptedAt: cst('2025-10-21T09:00'), handledAt: cst('2025-10-22T10:00'), handleDeadline: cst('2025-10-23T17:30'),
    closedAt: null, reopenCount: 1, callbacks: [{ at: cst('2025-10-23T10:00'), result: 'dissatisfied' }],
    currentDeadline: cst('2025-10-25T17:30'), suspended: true, handlingWorkingMs: 6 * H, handlingElapsedMs: 30 * H,
  },
  {
    id: 'J', reportedAt: cst('2025-10-22T08:00'), acceptedAt: cst('2025-10-22T08:00'), handledAt: cst('2025-10-22T08:00'), closedAt: cst('2025-10-23T08:00'),
    callbacks: [{ at: cst('2025-10-24T10:00'), result: 'unreachable' }], dataQuality: ['zero_duration'], handlingWorkingMs: 0,
  },
  { id: 'K', reportedAt: cst('2025-09-30T23:59'), acceptedAt: cst('2025-10-09T09:00'), currentDeadline: cst('2025-10-05T17:30') },
  { id: 'L', reportedAt: cst('2025-10-31T23:59:59') },
  { id: 'M', reportedAt: cst('2025-11-12T08:00') },
  { id: 'N', reportedAt: cst('2025-11-01T00:00'), acceptedAt: cst('2025-11-01T09:00'), handledAt: cst('2025-11-02T09:00'), closedAt: cst('2025-11-02T10:00') },
];

const opts = { from: cst('2025-10-01T00:00'), to: cst('2025-11-01T00:00'), asOf: cst('2025-11-10T00:00') };

describe('computeKpis (hand-computed)', () => {
  const k = computeKpis(cases, opts);

  it('intake counts every report in the window, merged duplicates included', () => {
    expect(k.intake).toBe(11); // A–J and L; K is Sep 30 23:59, N is Nov 1 00:00, M is after asOf
  });

  it('立案率: accepted over decided (awaiting triage left out)', () => {
    expect(k.acceptance).toEqual({ numerator: 8, denominator: 9, rate: 8 / 9 });
  });

  it('处置率 and 结案率 over 应处置 (accepted, not referred): cancelled in the denominator only', () => {
    expect(k.disposal).toEqual({ numerator: 4, denominator: 7, rate: 4 / 7 }); // A B I J of A B D E F I J
    expect(k.closure).toEqual({ numerator: 3, denominator: 7, rate: 3 / 7 }); // A B J; I was reopened
  });

  it('按期处置率: disposed by the deadline over cases whose punctuality is known', () => {
    // A on time, B late, I on time, D undisposed past its deadline; E not yet due, F cancelled, J no deadline.
    expect(k.onTimeDisposal).toEqual({ numerator: 2, denominator: 4, rate: 0.5 });
  });

  it('返工率 and 发回重办率', () => {
    expect(k.rework).toEqual({ numerator: 1, denominator: 4, rate: 0.25 }); // B of A B I J
    expect(k.reopen).toEqual({ numerator: 2, denominator: 4, rate: 0.5 }); // B I of A B I J
  });

  it('satisfaction counts 基本满意 as satisfied; unreachable is not an answer', () => {
    expect(k.satisfaction).toEqual({ numerator: 2, denominator: 4, rate: 0.5 });
    expect(k.satisfiedOnly).toEqual({ numerator: 1, denominator: 4, rate: 0.25 });
    const weighted = computeKpis(cases, { ...opts, basicSatisfiedWeight: 0.8 });
    expect(weighted.satisfaction.numerator).toBeCloseTo(1.8, 12);
    expect(weighted.satisfaction.rate).toBeCloseTo(0.45, 12);
  });

  it('median and P90 handling time, working and elapsed, flagged cases excluded', () => {
    expect(k.handlingTime.excluded).toBe(1); // J
    expect(k.handlingTime.working).toMatchObject({ count: 3, medianMs: 6 * H }); // 4, 6, 10
    expect(k.handlingTime.working.p90Ms).toBeCloseTo(9.2 * H, 6); // 6 + 0.8 × (10 − 6)
    // A's elapsed is derived: Oct 9 09:30 → Oct 10 10:00 = 24.5 h; then 30 and 70.
    expect(k.handlingTime.elapsed.count).toBe(3);
    expect(k.handlingTime.elapsed.medianMs).toBe(30 * H);
    expect(k.handlingTime.elapsed.p90Ms).toBeCloseTo(62 * H, 6);
  });

  it('backlog and overdue are snapshots at asOf over every case, suspended clocks not overdue', () => {
    expect(k.backlog).toBe(5); // D E I K L
    expect(k.overdue).toBe(2); // D K (I is suspended)
  });

  it('ignores events after asOf', () => {
    const early = computeKpis(cases, { ...opts, asOf: cst('2025-10-12T00:00') });
    expect(early.intake).toBe(2); // A B
    expect(early.disposal).toEqual({ numerator: 1, denominator: 2, rate: 0.5 }); // B handled on Oct 13
    expect(early.onTimeDisposal).toEqual({ numerator: 1, denominator: 2, rate: 0.5 }); // B past its deadline, undisposed
    expect(early.closure.numerator).toBe(1);
  });

  it('gives null rates, not zero, for an empty window', () => {
    const none = computeKpis([], opts);
    expect(none.disposal).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(none.handlingTime.working).toEqual({ count: 0, medianMs: null, p90Ms: null });
  });
});

describe('groupKpis', () => {
  it('rolls regions up to every ancestor', () => {
    const g = new Map(groupKpis(cases, 'region', opts).map((x) => [x.key, x.kpis]));
    expect([...g.keys()]).toEqual(['/1/', '/1/2/', '/1/2/3/', '/1/2/4/', '/1/5/', null]);
    expect(g.get('/1/')!.intake).toBe(4);
    expect(g.get('/1/2/')!.intake).toBe(3);
    expect(g.get('/1/2/3/')!.acceptance).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(g.get('/1/5/')!.overdue).toBe(1);
    expect(g.get(null)!.intake).toBe(7);
  });

  it('groups by department, category, channel', () => {
    const dept = new Map(groupKpis(cases, 'department', opts).map((x) => [x.key, x.kpis]));
    expect(dept.get('D1')!.disposal).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    const major = new Map(groupKpis(cases, 'majorCategory', opts).map((x) => [x.key, x.kpis]));
    expect(major.get('A')!.intake).toBe(2);
    const cat = groupKpis(cases, 'category', opts).map((x) => x.key);
    expect(cat).toEqual(['A01', 'A02', null]);
    const ch = new Map(groupKpis(cases, 'channel', opts).map((x) => [x.key, x.kpis.intake]));
    expect(ch.get('web')).toBe(3);
  });

  it('buckets by Shanghai day, week and month', () => {
    const day = new Map(groupKpis(cases, 'day', opts).map((x) => [x.key, x.kpis.intake]));
    expect(day.get('2025-10-21')).toBe(1); // I at 00:30 Shanghai, still Oct 20 in UTC
    expect(day.get('2025-10-20')).toBe(1); // H
    expect(day.get('2025-09-30')).toBe(0); // K: outside the window
    const month = new Map(groupKpis(cases, 'month', opts).map((x) => [x.key, x.kpis]));
    expect(month.get('2025-10')!.intake).toBe(11);
    expect(month.get('2025-09')!.backlog).toBe(1);
    const week = new Map(groupKpis(cases, 'week', opts).map((x) => [x.key, x.kpis.intake]));
    expect(week.get('2025-W41')).toBe(2); // Oct 6–12: A B
  });
});

describe('periods and helpers', () => {
  it('ISO weeks, months and days on Shanghai boundaries', () => {
    expect(periodKey(cst('2025-12-29T00:00'), 'week')).toBe('2026-W01');
    expect(periodKey(cst('2024-12-30T12:00'), 'week')).toBe('2025-W01');
    expect(periodKey(cst('2021-01-03T12:00'), 'week')).toBe('2020-W53');
    expect(periodKey(new Date('2025-09-30T16:00:00Z'), 'month')).toBe('2025-10');
    expect(periodKey(new Date('2025-09-30T15:59:59Z'), 'day')).toBe('2025-09-30');
    expect(periodBounds('2026-W01', 'week')).toEqual({ from: cst('2025-12-29T00:00'), to: cst('2026-01-05T00:00') });
    expect(periodBounds('2025-12', 'month')).toEqual({ from: cst('2025-12-01T00:00'), to: cst('2026-01-01T00:00') });
    expect(periodBounds('2025-10-01', 'day')).toEqual({ from: new Date('2025-09-30T16:00:00Z'), to: new Date('2025-10-01T16:00:00Z') });
    expect(() => periodBounds('2025-13', 'month')).toThrow();
  });

  it('percentile matches percentile_cont; region ancestors', () => {
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
    expect(regionAncestors('/1/17/203/')).toEqual(['/1/', '/1/17/', '/1/17/203/']);
  });
});
