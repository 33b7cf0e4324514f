import { describe, expect, it } from 'vitest';
import { addDays, isValidTimeZone, localDateOf, offsetAt, parseIsoDate, utcToZonedWall, weekdayOf, zonedWallToUtc } from './zoned-time.js';

const LA = 'America/Los_Angeles';

describe('zonedWallToUtc', () => {
  it('converts ordinary wall times with the offset in force', () => {
    expect(zonedWallToUtc({ year: 2018, month: 1, day: 3, hour: 10, minute: 11, second: 23 }, LA)).toEqual({
      utcMs: Date.parse('2018-01-03T18:11:23Z'),
      resolution: 'exact',
    });
    expect(zonedWallToUtc({ year: 2018, month: 7, day: 3, hour: 10 }, LA).utcMs).toBe(Date.parse('2018-07-03T17:00:00Z'));
    expect(zonedWallToUtc({ year: 2025, month: 10, day: 1, hour: 0 }, 'Asia/Shanghai').utcMs).toBe(Date.parse('2025-09-30T16:00:00Z'));
  });

  it('takes the earlier instant for an ambiguous fall-back time', () => {
    // 2017-11-05 01:30 happened twice in LA: first at PDT (08:30Z), then at PST (09:30Z).
    expect(zonedWallToUtc({ year: 2017, month: 11, day: 5, hour: 1, minute: 30 }, LA)).toEqual({
      utcMs: Date.parse('2017-11-05T08:30:00Z'),
      resolution: 'ambiguous',
    });
  });

  it('shifts a nonexistent spring-forward time forward by the gap', () => {
    // 2018-03-11 02:30 never happened in LA: read with PST it is 10:30Z = 03:30 PDT.
    const r = zonedWallToUtc({ year: 2018, month: 3, day: 11, hour: 2, minute: 30 }, LA);
    expect(r).toEqual({ utcMs: Date.parse('2018-03-11T10:30:00Z'), resolution: 'nonexistent' });
    expect(utcToZonedWall(r.utcMs, LA)).toMatchObject({ hour: 3, minute: 30 });
  });

  it('treats the instants right around a transition exactly', () => {
    expect(zonedWallToUtc({ year: 2018, month: 3, day: 11, hour: 1, minute: 59, second: 59 }, LA).utcMs).toBe(Date.parse('2018-03-11T09:59:59Z'));
    expect(zonedWallToUtc({ year: 2018, month: 3, day: 11, hour: 3 }, LA)).toEqual({ utcMs: Date.parse('2018-03-11T10:00:00Z'), resolution: 'exact' });
    expect(zonedWallToUtc({ year: 2017, month: 11, day: 5, hour: 2 }, LA)).toEqual({ utcMs: Date.parse('2017-11-05T10:00:00Z'), resolution: 'exact' });
  });
});

describe('helpers', () => {
  it('offsets, local dates, weekdays and date arithmetic', () => {
    expect(offsetAt('Asia/Shanghai', Date.parse('2025-01-01T00:00:00Z'))).toBe(8 * 3_600_000);
    expect(offsetAt(LA, Date.parse('2018-07-01T00:00:00Z'))).toBe(-7 * 3_600_000);
    expect(localDateOf(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01');
    expect(localDateOf(new Date('2025-09-30T15:59:59Z'))).toBe('2025-09-30');
    expect(weekdayOf('2025-09-28')).toBe(0);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(parseIsoDate('2025-02-29')).toBeNull();
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Nowhere/Town')).toBe(false);
  });
});
