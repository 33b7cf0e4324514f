import { afterEach, describe, expect, it } from 'vitest';
import { Calendar, defaultCalendar } from '../sla/index.js';
import { computeDeadline, setSlaCalendar, shiftDeadline, slaCalendar, workingMsBetween } from './deadlines.js';

// Shanghai wall time → instant (UTC+8, no daylight saving).
const sh = (s: string) => new Date(`${s}+08:00`);

describe('scheduler/deadlines (drop-in for cases.deadlines.ts)', () => {
  afterEach(() => setSlaCalendar(defaultCalendar()));

  it('skips the National Day holiday (Oct 1–8 2025)', () => {
    expect(computeDeadline(sh('2025-09-30T15:00:00'), 8, 'working')).toEqual(sh('2025-10-09T16:00:00'));
  });

  it('works on a make-up Sunday (2025-09-28)', () => {
    expect(computeDeadline(sh('2025-09-26T16:00:00'), 8, 'working')).toEqual(sh('2025-09-28T17:00:00'));
  });

  it('runs response level 1 on calendar hours, holidays included', () => {
    expect(computeDeadline(sh('2025-10-04T10:00:00'), 24, 'calendar')).toEqual(sh('2025-10-05T10:00:00'));
  });

  it('measures working time between instants, 0 when reversed', () => {
    expect(workingMsBetween(sh('2025-09-30T15:00:00'), sh('2025-10-09T16:00:00'), 'working')).toBe(8 * 3_600_000);
    expect(workingMsBetween(sh('2025-10-09T16:00:00'), sh('2025-09-30T15:00:00'), 'working')).toBe(0);
    expect(workingMsBetween(sh('2025-10-01T00:00:00'), sh('2025-10-02T00:00:00'), 'calendar')).toBe(24 * 3_600_000);
  });

  it('shifts a deadline by the working time a suspension took, nothing for days off', () => {
    // Suspended Tue 30 Sep 16:00 → Thu 9 Oct 10:00: 1.5 h on the 30th + 1 h on the 9th of working time.
    const due = sh('2025-10-09T16:00:00');
    expect(shiftDeadline(due, sh('2025-09-30T16:00:00'), sh('2025-10-09T10:00:00'), 'working')).toEqual(sh('2025-10-10T10:00:00'));
    expect(shiftDeadline(due, sh('2025-10-01T00:00:00'), sh('2025-10-02T00:00:00'), 'calendar')).toEqual(sh('2025-10-10T16:00:00'));
  });

  it('uses the process-wide calendar: a new holiday moves the deadline', () => {
    const base = slaCalendar();
    setSlaCalendar(new Calendar([...base.rows(), { day: '2025-03-18', kind: 'holiday', name: '测试假日' }]));
    // Mon 17 Mar 16:00 + 4 h: 1.5 h Monday, Tuesday off, 2.5 h Wednesday.
    expect(computeDeadline(sh('2025-03-17T16:00:00'), 4, 'working')).toEqual(sh('2025-03-19T11:30:00'));
  });
});
