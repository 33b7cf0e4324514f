// A medium test (real database) kept beside the repository because test/cases/ belongs to the
// cases module's owner; it runs on PGlite in `npm test`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/helpers/db.js';
import { addWorkingHours, bundledCalendarDays } from './calendar.js';
import { deleteCalendarDays, listCalendarDays, loadCalendar, upsertCalendarDays } from './calendar.repository.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const cst = (s: string): Date => new Date(`${s}+08:00`);

describe('work_calendar', () => {
  it('migration 0015 loads the 2025 and 2026 rows', async () => {
    expect(await listCalendarDays(t.db)).toEqual(bundledCalendarDays());
    const cal = await loadCalendar(t.db);
    expect(cal.isWorkingDay('2025-09-28')).toBe(true);
    expect(addWorkingHours(cst('2025-09-26T16:00'), 8, cal)).toEqual(cst('2025-09-28T17:00'));
  });

  it('upserts and deletes days inside a transaction, and a rolled-back batch leaves nothing', async () => {
    await t.db.tx(async (tx) => {
      const out = await upsertCalendarDays(tx, [
        { day: '2027-01-01', kind: 'holiday', name: '元旦' },
        { day: '2025-10-08', kind: 'holiday', name: '国庆节（改名）' },
      ]);
      expect(out.map((r) => r.day)).toEqual(['2025-10-08', '2027-01-01']);
    });
    const cal = await loadCalendar(t.db);
    expect(cal.dayInfo('2025-10-08').name).toBe('国庆节（改名）');
    expect(cal.years()).toEqual([2025, 2026, 2027]);
    expect(await t.db.tx((tx) => deleteCalendarDays(tx, ['2027-01-01', '2027-05-01']))).toEqual([{ day: '2027-01-01', kind: 'holiday', name: '元旦' }]);
    await expect(
      t.db.tx(async (tx) => {
        await upsertCalendarDays(tx, [{ day: '2028-01-01', kind: 'holiday', name: '元旦' }]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await listCalendarDays(t.db, { from: '2027-01-01' })).toEqual([]);
  });

  it('rejects a bad row naming it, and the table refuses a make-up day on a weekday', async () => {
    await expect(upsertCalendarDays(t.db, [{ day: '2026-03-02', kind: 'workday', name: 'x' }])).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(t.db.query(`INSERT INTO work_calendar (day, kind, name) VALUES ('2026-03-02', 'workday', 'x')`)).rejects.toThrow(/work_calendar_workday_on_weekend/);
    expect(await listCalendarDays(t.db, { from: '2026-03-02', to: '2026-03-02' })).toEqual([]);
  });
});
