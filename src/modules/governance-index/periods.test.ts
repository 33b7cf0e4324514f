import { describe, expect, it } from 'vitest';
import { comparePeriods, localDate, parsePeriod, periodOf } from './periods.js';

describe('periods (Asia/Shanghai)', () => {
  it('parses years, quarters and months with local-midnight bounds', () => {
    expect(parsePeriod('2026')).toMatchObject({ grain: 'year', from: new Date('2025-12-31T16:00:00Z'), to: new Date('2026-12-31T16:00:00Z') });
    expect(parsePeriod('2026-Q3')).toMatchObject({ grain: 'quarter', from: new Date('2026-06-30T16:00:00Z'), to: new Date('2026-09-30T16:00:00Z') });
    expect(parsePeriod('2026-12')).toMatchObject({ grain: 'month', from: new Date('2026-11-30T16:00:00Z'), to: new Date('2026-12-31T16:00:00Z') });
  });

  it('refuses what is not a period', () => {
    for (const bad of ['26', '2026-Q0', '2026-Q5', '2026-13', '2026-1', '2026-00', '2026Q1', '']) expect(parsePeriod(bad)).toBeNull();
  });

  it('places an instant in its local period', () => {
    const halfPastMidnightNewYear = new Date('2025-12-31T16:30:00Z');
    expect(periodOf(halfPastMidnightNewYear, 'year')).toBe('2026');
    expect(periodOf(halfPastMidnightNewYear, 'quarter')).toBe('2026-Q1');
    expect(periodOf(new Date('2025-12-31T15:30:00Z'), 'month')).toBe('2025-12');
    expect(localDate(halfPastMidnightNewYear)).toBe('2026-01-01');
  });

  it('orders periods in time, shorter first on the same start', () => {
    expect(['2026-Q2', '2025', '2026-01', '2026-Q1', '2026'].sort(comparePeriods)).toEqual(['2025', '2026-01', '2026-Q1', '2026', '2026-Q2']);
  });
});
