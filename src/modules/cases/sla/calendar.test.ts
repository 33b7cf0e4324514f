import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addCalendarHours,
  addWorkingHours,
  bundledCalendarDays,
  Calendar,
  clockState,
  deadlineExcluding,
  deadlineFor,
  defaultCalendar,
  elapsedExcluding,
  warningAt,
  workingMsBetween,
} from './calendar.js';

const cal = defaultCalendar();
// Wall time in Shanghai, written with its offset so the expectation is unambiguous.
const cst = (s: string): Date => new Date(`${s}+08:00`);
const H = 3_600_000;

describe('Calendar', () => {
  it('knows weekdays, weekends, holidays and make-up working days', () => {
    expect(cal.dayInfo('2025-09-26')).toEqual({ day: '2025-09-26', working: true, kind: 'weekday', name: null });
    expect(cal.dayInfo('2025-09-27')).toEqual({ day: '2025-09-27', working: false, kind: 'weekend', name: null });
    expect(cal.dayInfo('2025-09-28')).toMatchObject({ working: true, kind: 'makeup_workday', name: '国庆节、中秋节调休上班' });
    expect(cal.dayInfo('2025-10-08')).toMatchObject({ working: false, kind: 'holiday', name: '国庆节、中秋节' });
    expect(cal.isWorkingDay('2025-10-09')).toBe(true);
    expect(cal.isWorkingDay('2025-10-11')).toBe(true); // Saturday, make-up
    expect(cal.isWorkingDay('2025-10-12')).toBe(false);
    expect(cal.isWorkingDay('2025-01-01')).toBe(false);
    expect(cal.isWorkingDay('2025-01-26')).toBe(true); // Sunday before 春节
    expect(cal.isWorkingDay('2026-02-23')).toBe(false); // last day of 春节 2026, a Monday
    expect(cal.isWorkingDay('2026-02-14')).toBe(true);
    expect(cal.isWorkingDay('2026-02-28')).toBe(true);
    expect(cal.isWorkingDay('2026-01-04')).toBe(true);
    expect(cal.years()).toEqual([2025, 2026]);
    expect(cal.covers('2027-03-01')).toBe(false);
  });

  it('has the expected number of days off and make-up days per year', () => {
    const rows = bundledCalendarDays();
    const count = (y: string, k: string) => rows.filter((r) => r.day.startsWith(y) && r.kind === k).length;
    // 2025: 1 + 8 + 3 + 5 + 3 + 8 = 28 holiday days; 5 make-up days. 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7 = 33; 6.
    expect([count('2025', 'holiday'), count('2025', 'workday')]).toEqual([28, 5]);
    expect([count('2026', 'holiday'), count('2026', 'workday')]).toEqual([33, 6]);
  });

  it('migration 0015 inserts exactly the bundled rows', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const sql = fs.readFileSync(path.resolve(here, '../../../../db/migrations/0015_work_calendar.sql'), 'utf8');
    const fromSql = [...sql.matchAll(/\('(\d{4}-\d{2}-\d{2})', '(holiday|workday)', '([^']+)'\)/g)].map((m) => ({
      day: m[1],
      kind: m[2],
      name: m[3],
    }));
    expect(fromSql).toEqual(bundledCalendarDays());
  });

  it('rejects a make-up working day on a weekday, a bad date and bad office hours', () => {
    expect(() => new Calendar([{ day: '2025-09-29', kind: 'workday', name: 'x' }])).toThrow(/days\[0\]\.day/);
    expect(() => new Calendar([{ day: '2025-02-30', kind: 'holiday', name: 'x' }])).toThrow(/days\[0\]\.day/);
    expect(() => new Calendar([{ day: '2025-02-03', kind: 'off' as 'holiday', name: 'x' }])).toThrow(/days\[0\]\.kind/);
    expect(() => new Calendar([{ day: '2025-02-03', kind: 'holiday', name: ' ' }])).toThrow(/days\[0\]\.name/);
    expect(() => new Calendar([], { workingHours: [{ start: '13:00', end: '12:00' }] })).toThrow(/workingHours\[0\]/);
    expect(() => new Calendar([], { workingHours: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '17:00' }] })).toThrow(/workingHours\[1\]/);
    expect(() => new Calendar([], { workingHours: [{ start: '9:00', end: '12:00' }] })).toThrow(/workingHours\[0\]/);
    expect(() => new Calendar([], { workingHours: [] })).toThrow(/workingHours/);
    expect(() => new Calendar([], { timeZone: 'Mars/Olympus' })).toThrow(/timeZone/);
  });
});

describe('addWorkingHours (office hours 09:00–12:00, 13:30–17:30)', () => {
  it('runs across a weekend', () => {
    // Fri 16:00–17:30 = 1.5 h; Mon from 09:00: 2.5 h → 11:30.
    expect(addWorkingHours(cst('2025-03-14T16:00'), 4, cal)).toEqual(cst('2025-03-17T11:30'));
  });

  it('skips 国庆 and 中秋 (Oct 1–8 2025)', () => {
    // Tue 30 Sep 15:00–17:30 = 2.5 h; Oct 1–8 off; Thu 9 Oct 09:00–12:00 = 3 h; 13:30 + 2.5 h.
    expect(addWorkingHours(cst('2025-09-30T15:00'), 8, cal)).toEqual(cst('2025-10-09T16:00'));
  });

  it('lands on a make-up working day (Sun 28 Sep 2025)', () => {
    // Fri 26 16:00–17:30 = 1.5 h; Sat 27 off; Sun 28 works: 09:00–12:00 = 3 h; 13:30 + 3.5 h.
    expect(addWorkingHours(cst('2025-09-26T16:00'), 8, cal)).toEqual(cst('2025-09-28T17:00'));
  });

  it('crosses 春节 2026 from its make-up Saturday', () => {
    // Sat 14 Feb (make-up) 17:00–17:30 = 0.5 h; 15–23 Feb off; Tue 24: 3 h in the morning; 13:30 + 0.5 h.
    expect(addWorkingHours(cst('2026-02-14T17:00'), 4, cal)).toEqual(cst('2026-02-24T14:00'));
    // Fri 13 Feb 16:00 + 8 h: 1.5 h Friday, then Saturday 14th works: 3 h + 13:30 + 3.5 h.
    expect(addWorkingHours(cst('2026-02-13T16:00'), 8, cal)).toEqual(cst('2026-02-14T17:00'));
  });

  it('starts outside office hours at the next opening', () => {
    expect(addWorkingHours(cst('2025-03-15T22:00'), 1, cal)).toEqual(cst('2025-03-17T10:00')); // Saturday night
    expect(addWorkingHours(cst('2025-03-12T12:15'), 1, cal)).toEqual(cst('2025-03-12T14:30')); // lunch
    expect(addWorkingHours(cst('2025-03-12T17:45'), 0.5, cal)).toEqual(cst('2025-03-13T09:30')); // evening
    expect(addWorkingHours(cst('2025-03-12T06:00'), 3, cal)).toEqual(cst('2025-03-12T12:00')); // ends at the period's end
  });

  it('returns the start for zero hours and rejects negative or non-finite hours', () => {
    const s = cst('2025-03-15T22:00');
    expect(addWorkingHours(s, 0, cal)).toEqual(s);
    expect(() => addWorkingHours(s, -1, cal)).toThrow(/hours/);
    expect(() => addWorkingHours(s, Number.NaN, cal)).toThrow(/hours/);
    expect(() => addWorkingHours(new Date('nope'), 1, cal)).toThrow(/start/);
  });

  it('takes other office hours as a parameter', () => {
    const long = [{ start: '08:30', end: '17:30' }];
    expect(addWorkingHours(cst('2025-09-26T16:00'), 8, cal, { workingHours: long })).toEqual(cst('2025-09-28T15:00'));
    expect(addWorkingHours(cst('2025-09-26T16:00'), 8, cal.with({ workingHours: long }))).toEqual(cst('2025-09-28T15:00'));
  });
});

describe('Asia/Shanghai, whatever the process zone', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('reads midnight boundaries in Shanghai while TZ is Los Angeles', () => {
    process.env.TZ = 'America/Los_Angeles';
    const monday0030 = new Date('2025-03-16T16:30:00Z'); // Mon 00:30 in Shanghai, Sun 09:30 in LA
    expect(monday0030.getDay()).toBe(0); // the process really sees Sunday
    expect(cal.isWorkingDay(monday0030)).toBe(true);
    const saturday0030 = new Date('2025-03-14T16:30:00Z'); // Sat 00:30 in Shanghai, Fri in LA
    expect(saturday0030.getDay()).toBe(5);
    expect(cal.isWorkingDay(saturday0030)).toBe(false);
    expect(addWorkingHours(monday0030, 1, cal)).toEqual(new Date('2025-03-17T02:00:00Z'));
    // 23:59:59 on Sun 28 Sep (make-up day) still belongs to that day; one second later is Monday.
    expect(cal.dayInfo(new Date('2025-09-28T15:59:59Z')).kind).toBe('makeup_workday');
    expect(cal.dayInfo(new Date('2025-09-28T16:00:00Z')).day).toBe('2025-09-29');
  });

  it('gives the same answers under UTC and under a zone east of Shanghai', () => {
    for (const tz of ['UTC', 'Pacific/Kiritimati']) {
      process.env.TZ = tz;
      expect(addWorkingHours(cst('2025-09-26T16:00'), 8, cal)).toEqual(cst('2025-09-28T17:00'));
      expect(workingMsBetween(cst('2025-09-30T15:00'), cst('2025-10-09T16:00'), cal)).toBe(8 * H);
    }
  });
});

describe('workingMsBetween', () => {
  it('counts working time only, signed', () => {
    expect(workingMsBetween(cst('2025-09-26T16:00'), cst('2025-09-28T17:00'), cal)).toBe(8 * H);
    expect(workingMsBetween(cst('2025-09-28T17:00'), cst('2025-09-26T16:00'), cal)).toBe(-8 * H);
    expect(workingMsBetween(cst('2025-10-01T00:00'), cst('2025-10-08T23:59'), cal)).toBe(0);
    expect(workingMsBetween(cst('2025-03-17T12:00'), cst('2025-03-17T13:30'), cal)).toBe(0);
    expect(workingMsBetween(cst('2025-03-17T00:00'), cst('2025-03-24T00:00'), cal)).toBe(35 * H);
  });

  it('is the inverse of addWorkingHours', () => {
    const starts = ['2025-01-24T10:17', '2025-04-30T16:59', '2025-12-31T08:00', '2026-09-24T17:00'];
    for (const s of starts) {
      for (const h of [0.25, 3, 7, 26.5, 80]) {
        const end = addWorkingHours(cst(s), h, cal);
        expect(workingMsBetween(cst(s), end, cal)).toBe(h * H);
      }
    }
  });
});

describe('deadlineFor and calendar hours', () => {
  it('runs level-1 deadlines on calendar hours through a holiday', () => {
    expect(deadlineFor(cst('2025-10-04T10:00'), { hours: 24, mode: 'calendar' }, cal)).toEqual(cst('2025-10-05T10:00'));
    expect(addCalendarHours(cst('2025-10-04T10:00'), 1.5)).toEqual(cst('2025-10-04T11:30'));
    expect(deadlineFor(cst('2025-10-04T10:00'), { hours: 2, mode: 'working' }, cal)).toEqual(cst('2025-10-09T11:00'));
  });
});

describe('suspensions (挂起)', () => {
  it('elapsedExcluding takes suspended time off the clock', () => {
    const start = cst('2025-03-17T09:00');
    // Calendar mode: 8 h minus 2 h suspended.
    expect(elapsedExcluding(start, cst('2025-03-17T17:00'), [{ from: cst('2025-03-17T10:00'), to: cst('2025-03-17T12:00') }])).toBe(6 * H);
    // Working mode: Mon + Tue = 14 h; suspended Mon 16:00–Tue 10:00 covers 1.5 h + 1 h of work.
    const susp = [{ from: cst('2025-03-17T16:00'), to: cst('2025-03-18T10:00') }];
    expect(elapsedExcluding(start, cst('2025-03-18T17:30'), susp, cal)).toBe(11.5 * H);
    // Overlapping suspensions count once; an open one runs to now.
    const overlapping = [...susp, { from: cst('2025-03-17T17:00'), to: cst('2025-03-18T09:30') }];
    expect(elapsedExcluding(start, cst('2025-03-18T17:30'), overlapping, cal, 'working')).toBe(11.5 * H);
    expect(elapsedExcluding(start, cst('2025-03-18T17:30'), [{ from: cst('2025-03-18T13:30'), to: null }], cal)).toBe(10 * H);
    expect(elapsedExcluding(start, cst('2025-03-17T08:00'), [], cal)).toBe(0);
  });

  it('deadlineExcluding moves the deadline by the suspended working time', () => {
    const start = cst('2025-03-17T09:00');
    const rule = { hours: 8, mode: 'working' as const };
    expect(deadlineExcluding(start, rule, cal, [])).toEqual(cst('2025-03-18T10:00'));
    // 2 h used before the suspension; resumed Tue 09:30 with 6 h left: 2.5 h + 13:30 + 3.5 h.
    expect(deadlineExcluding(start, rule, cal, [{ from: cst('2025-03-17T11:00'), to: cst('2025-03-18T09:30') }])).toEqual(
      cst('2025-03-18T17:00'),
    );
    expect(deadlineExcluding(start, rule, cal, [{ from: cst('2025-03-17T11:00'), to: null }])).toBeNull();
    // A suspension after the deadline changes nothing.
    expect(deadlineExcluding(start, rule, cal, [{ from: cst('2025-03-19T09:00'), to: null }])).toEqual(cst('2025-03-18T10:00'));
    // Calendar mode: a 24 h clock stopped for 5 h ends 5 h later.
    expect(
      deadlineExcluding(start, { hours: 24, mode: 'calendar' }, cal, [{ from: cst('2025-03-17T12:00'), to: cst('2025-03-17T17:00') }]),
    ).toEqual(cst('2025-03-18T14:00'));
    expect(() => elapsedExcluding(start, cst('2025-03-18T10:00'), [{ from: cst('2025-03-18T10:00'), to: cst('2025-03-17T10:00') }])).toThrow(
      /suspensions\[0\]\.to/,
    );
  });
});

describe('warningAt (75 %)', () => {
  it('warns at 75 % of the working clock', () => {
    // 8 working hours from Mon 09:00 end Tue 10:00; 6 h in → Mon 16:30.
    expect(warningAt(cst('2025-03-17T09:00'), cst('2025-03-18T10:00'), cal, 'working')).toEqual(cst('2025-03-17T16:30'));
    // Across the make-up Sunday: 6 h of 8 → Fri 1.5 h, Sun 3 h + 13:30 + 1.5 h.
    expect(warningAt(cst('2025-09-26T16:00'), cst('2025-09-28T17:00'), cal, 'working')).toEqual(cst('2025-09-28T15:00'));
    // Across 国庆: 8 h from Sep 30 15:00 → 6 h: 2.5 h, then Oct 9 3 h + 13:30 + 0.5 h.
    expect(warningAt(cst('2025-09-30T15:00'), cst('2025-10-09T16:00'), cal, 'working')).toEqual(cst('2025-10-09T14:00'));
  });

  it('warns at 75 % of elapsed time in calendar mode, and takes another fraction', () => {
    expect(warningAt(cst('2025-10-01T09:00'), cst('2025-10-02T09:00'), cal, 'calendar')).toEqual(cst('2025-10-02T03:00'));
    expect(warningAt(cst('2025-03-17T09:00'), cst('2025-03-18T10:00'), cal, 'working', { fraction: 0.5 })).toEqual(cst('2025-03-17T14:30'));
    expect(() => warningAt(cst('2025-03-17T09:00'), cst('2025-03-18T10:00'), cal, 'working', { fraction: 2 })).toThrow(/fraction/);
  });

  it('clockState says running, warning or overdue', () => {
    const w = cst('2025-03-17T16:30');
    const d = cst('2025-03-18T10:00');
    expect(clockState(cst('2025-03-17T16:29'), w, d)).toBe('running');
    expect(clockState(w, w, d)).toBe('warning');
    expect(clockState(d, w, d)).toBe('warning');
    expect(clockState(cst('2025-03-18T10:01'), w, d)).toBe('overdue');
  });
});

describe('properties (fast-check)', () => {
  it('workingMsBetween inverts addWorkingHours, and deadlines never land outside office hours', async () => {
    const fc = await import('fast-check');
    const lo = Date.parse('2024-12-20T00:00:00Z');
    const hi = Date.parse('2026-12-20T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: lo / 60_000, max: hi / 60_000 }), fc.integer({ min: 1, max: 200 * 60 }), (startMin, minutes) => {
        const start = new Date(startMin * 60_000);
        const end = addWorkingHours(start, minutes / 60, cal);
        expect(workingMsBetween(start, end, cal)).toBe(minutes * 60_000);
        expect(cal.isWorkingDay(end)).toBe(true);
        const local = new Date(end.getTime() + 8 * H);
        const m = local.getUTCHours() * 60 + local.getUTCMinutes();
        expect((m > 9 * 60 && m <= 12 * 60) || (m > 13 * 60 + 30 && m <= 17 * 60 + 30)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
