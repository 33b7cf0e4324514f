/**
 * Index periods: a year '2026', a quarter '2026-Q3' or a month '2026-11'. Bounds are local
 * midnights in Asia/Shanghai (UTC+8 all year: China has no daylight saving), so a case reported
 * at 23:30 on 31 December Beijing time counts in that year, as the city reports it.
 */
export type PeriodGrain = 'year' | 'quarter' | 'month';

export const PERIOD_PATTERN = '^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$';
const PERIOD_RE = new RegExp(PERIOD_PATTERN);
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export interface Period {
  key: string;
  grain: PeriodGrain;
  /** Inclusive start instant. */
  from: Date;
  /** Exclusive end instant. */
  to: Date;
}

export const isPeriod = (s: string): boolean => PERIOD_RE.test(s);

const localMidnight = (y: number, monthIndex: number): Date => new Date(Date.UTC(y, monthIndex, 1) - SHANGHAI_OFFSET_MS);

/** Parse a period key; null when it is not one. */
export function parsePeriod(key: string): Period | null {
  if (!PERIOD_RE.test(key)) return null;
  const y = Number(key.slice(0, 4));
  if (key.length === 4) return { key, grain: 'year', from: localMidnight(y, 0), to: localMidnight(y + 1, 0) };
  if (key[5] === 'Q') {
    const q = Number(key.slice(6));
    return { key, grain: 'quarter', from: localMidnight(y, (q - 1) * 3), to: localMidnight(y, q * 3) };
  }
  const m = Number(key.slice(5));
  return { key, grain: 'month', from: localMidnight(y, m - 1), to: localMidnight(y, m) };
}

/** The period of a grain that contains an instant (Asia/Shanghai). */
export function periodOf(at: Date, grain: PeriodGrain): string {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  if (grain === 'year') return String(y);
  if (grain === 'quarter') return `${y}-Q${Math.floor(m / 3) + 1}`;
  return `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** Sort key: years, quarters and months of one year interleave in time order. */
export function comparePeriods(a: string, b: string): number {
  const pa = parsePeriod(a);
  const pb = parsePeriod(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa.from.getTime() - pb.from.getTime() || pa.to.getTime() - pb.to.getTime();
}

/** The Asia/Shanghai calendar date of an instant, 'YYYY-MM-DD'. */
export function localDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}
