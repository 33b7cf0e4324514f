import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../sla/index.js';
import { caseSummaryOf, factOf, type FactCaseRow } from './facts.js';

const at = (s: string) => new Date(`${s}+08:00`);
const row = (over: Partial<FactCaseRow>): FactCaseRow => ({
  city_code: '530100000000', id: 1, state: 'closed', channel: 'import', category_code: 'import.other', region_path: '/1/', lead_department_id: null,
  reported_at: at('2026-03-02T09:00:00'), accepted_at: at('2026-03-02T09:00:00'), handled_at: null, closed_at: null, cancelled_at: null, referred_at: null,
  merged_into: null, rework_count: 0, reopen_count: 0, sign_for_due_at: null, handle_due_at: null, verify_due_at: null, updated_at: at('2026-03-09T00:00:00'),
  data_quality: null, ...over,
});
const fact = (k: FactCaseRow) => factOf(k, caseSummaryOf(k, undefined, defaultCalendar()), at('2026-03-10T00:00:00'));

describe('KPI facts of cancelled and referred cases (docs/kpi-definitions.md)', () => {
  it('a cancelled case is accepted and due for disposal, never disposed or closed, and not backlog', () => {
    const f = fact(row({ state: 'cancelled', cancelled_at: at('2026-03-02T12:00:00') }));
    expect([f.intake, f.decided, f.accepted, f.due, f.disposed, f.closed, f.on_time_den, f.backlog, f.overdue]).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(f.ht_working_ms).toBeNull();
  });

  it('a referred case counts in intake and acceptance only', () => {
    const f = fact(row({ state: 'referred', referred_at: at('2026-03-02T10:00:00') }));
    expect([f.intake, f.decided, f.accepted, f.due, f.disposed, f.closed, f.ever_closed, f.backlog]).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('without the column the state still ends the case (at its last update)', () => {
    const f = fact(row({ state: 'cancelled' }));
    expect([f.due, f.disposed, f.backlog]).toEqual([1, 0, 0]);
  });

  it('a cancelled_at left on a case that is open again does not end it', () => {
    const f = fact(row({ state: 'accepted', cancelled_at: at('2026-03-02T12:00:00') }));
    expect([f.due, f.backlog]).toEqual([1, 1]);
  });

  it('a satisfaction on the row without a callback event counts once (rows written outside the workflow)', () => {
    const f = fact(row({ state: 'evaluated', handled_at: at('2026-03-03T09:00:00'), closed_at: at('2026-03-03T10:00:00'), satisfaction: 'basically_satisfied' }));
    expect([f.cb_satisfied, f.cb_basic, f.cb_dissatisfied]).toEqual([0, 1, 0]);
    const timed = fact(row({ state: 'evaluated', satisfaction: 'satisfied', evaluated_at: at('2026-03-11T00:00:00') }));
    expect(timed.cb_satisfied).toBe(0); // answered after the fact's asOf
  });
});
