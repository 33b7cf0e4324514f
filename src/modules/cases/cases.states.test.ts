import { describe, expect, it } from 'vitest';
import { ACTIONS, canStart, checkTarget, guard, STATES, stepsFrom, TRANSITIONS } from './cases.states.js';
import { computeDeadline, shiftDeadline, workingMsBetween } from './cases.deadlines.js';
import { maskPhone, redactText } from './cases.presenter.js';

describe('state machine', () => {
  it('every transition starts and ends in a known state', () => {
    for (const a of ACTIONS) {
      for (const s of TRANSITIONS[a].from) expect(STATES).toContain(s);
      for (const s of TRANSITIONS[a].to) if (s !== 'same') expect(STATES).toContain(s);
    }
  });
  it('final states allow no step', () => {
    for (const s of ['not_accepted', 'evaluated', 'merged', 'cancelled', 'referred'] as const) expect(stepsFrom(s)).toEqual([]);
  });
  it('the guard names the state and the possible steps', () => {
    expect(() => guard('dispatched', 'close', 'KM-1')).toThrow(/Case KM-1 is dispatched: "close" is not possible now. Possible steps: return, sign-for|Possible steps: sign-for, return, suspend/);
    expect(() => guard('evaluated', 'close', 'KM-1')).toThrow(/No further steps/);
    expect(canStart('handled', 'verify')).toBe(true);
  });
  it('checkTarget refuses a step leading where the table does not allow', () => {
    expect(() => checkTarget('handled', 'verify', 'closed')).toThrow();
    expect(() => checkTarget('accepted', 'classify', 'accepted')).not.toThrow();
  });
});

describe('deadlines (the working-day calendar: 09:00–12:00 and 13:30–17:30 Asia/Shanghai, holidays and make-up days)', () => {
  it('calendar hours are elapsed hours', () => {
    expect(computeDeadline(new Date('2026-03-07T01:00:00Z'), 4, 'calendar').toISOString()).toBe('2026-03-07T05:00:00.000Z');
  });
  it('working hours skip nights and weekends', () => {
    // Friday 16:00 Shanghai + 2 working hours: 1.5 h on Friday, 0.5 h on Monday → Monday 09:30.
    expect(computeDeadline(new Date('2026-03-06T08:00:00Z'), 2, 'working').toISOString()).toBe('2026-03-09T01:30:00.000Z');
    // Saturday 10:00 → starts Monday 09:00 → Monday 10:00.
    expect(computeDeadline(new Date('2026-03-07T02:00:00Z'), 1, 'working').toISOString()).toBe('2026-03-09T02:00:00.000Z');
  });
  it('working hours skip the National Day holiday', () => {
    // Wednesday 2026-09-30 16:00 + 2 h: 1.5 h that day, then 10月1–7日 are holidays → Thursday 10月8日 09:30.
    expect(computeDeadline(new Date('2026-09-30T08:00:00Z'), 2, 'working').toISOString()).toBe('2026-10-08T01:30:00.000Z');
  });
  it('workingMsBetween and shiftDeadline agree', () => {
    const a = new Date('2026-03-06T08:00:00Z'); // Fri 16:00
    const b = new Date('2026-03-09T02:00:00Z'); // Mon 10:00
    expect(workingMsBetween(a, b, 'working')).toBe(2.5 * 3_600_000);
    // Tuesday 10:00 moved by 2.5 working hours: 2 h to 12:00, 0.5 h after lunch → 14:00.
    expect(shiftDeadline(new Date('2026-03-10T02:00:00Z'), a, b, 'working').toISOString()).toBe('2026-03-10T06:00:00.000Z');
  });
});

describe('masking', () => {
  it('masks phones', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone(null)).toBeNull();
    expect(redactText('电话13812341234，座机0871-1234')).toBe('电话138****1234，座机0871-1234');
  });
});
