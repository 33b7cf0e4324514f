/**
 * The providers' numbers on a small city, worked out by hand (fixture.ts), and the roll-up
 * rules: figures from communities summed into streets and districts, cases counted in every
 * ancestor, Asia/Shanghai period bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesProvider } from '../../src/modules/governance-index/providers/cases.provider.js';
import { regionsProvider, unitFigures } from '../../src/modules/governance-index/providers/regions.provider.js';
import type { IndexLevel, UnitRef } from '../../src/modules/governance-index/providers/types.js';
import { parsePeriod } from '../../src/modules/governance-index/periods.js';
import { unitsAtLevel } from '../../src/modules/governance-index/governance-index.repository.js';
import { caseKpisByRegion, refoldAllCases } from '../../src/modules/cases/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { AS_OF, createIndexCity, type IndexCity } from './fixture.js';

let t: TestDatabase;
let city: IndexCity;

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createIndexCity(t.db, '5391');
  // The fixture writes case rows only; the cases module reads satisfaction from the timeline
  // (every 回访 is an event): give each rated case its callback event, a day after handling.
  await t.db.query(
    `INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_name, data)
     SELECT city_code, id, handled_at + interval '1 day', 'callback', 'closed', 'evaluated', 'system', 'fixture', jsonb_build_object('satisfaction', satisfaction)
       FROM case_file WHERE city_code = $1 AND satisfaction IS NOT NULL`,
    [city.city.code],
  );
  // Fold every case into the rollups as of AS_OF (the fixture's rows have no other events).
  await refoldAllCases(t.db, AS_OF);
});
afterAll(async () => t?.close());

async function units(level: IndexLevel): Promise<UnitRef[]> {
  return unitsAtLevel(t.db, level, [city.city.path]);
}

async function run(p: typeof casesProvider, level: IndexLevel, period = '2026-Q1') {
  const us = await units(level);
  const values = await p.compute(t.db, { level, period: parsePeriod(period)!, regionIds: us.map((u) => u.id), units: us, asOf: AS_OF });
  return (id: number, code: string) => values.get(id)?.get(code);
}

describe('regions provider', () => {
  it('rolls population and households up from the communities', async () => {
    const f = await unitFigures(t.db, [city.wuhua.id, city.wuhuaStreet.id, city.panlong.id, city.city.id]);
    expect(f.population.get(city.wuhua.id)).toBe(10_000);
    expect(f.population.get(city.wuhuaStreet.id)).toBe(10_000);
    expect(f.households.get(city.panlong.id)).toBe(8_000);
    expect(f.population.get(city.city.id)).toBe(30_000);
  });

  it('uses a unit\'s own figure over its descendants\' and never counts one twice', async () => {
    await t.db.query('UPDATE region SET population = 12000 WHERE id = $1', [city.wuhuaStreet.id]);
    try {
      const f = await unitFigures(t.db, [city.wuhua.id, city.city.id]);
      expect(f.population.get(city.wuhua.id)).toBe(12_000);
      expect(f.population.get(city.city.id)).toBe(32_000);
    } finally {
      await t.db.query('UPDATE region SET population = NULL WHERE id = $1', [city.wuhuaStreet.id]);
    }
  });

  it('counts grid staff active in the period per 1,000 households (3/4000, 4/8000)', async () => {
    const v = await run(regionsProvider, 'district');
    expect(v(city.wuhua.id, 'grid_staff_per_1k_households')).toBeCloseTo(0.75, 12);
    expect(v(city.panlong.id, 'grid_staff_per_1k_households')).toBeCloseTo(0.5, 12);
    expect(v(city.wuhua.id, 'population')).toBe(10_000);
    // 五华区's box is 1°×2° at 24–26°N: about 101.6 km × 222 km; density = 10,000 / area.
    const density = v(city.wuhua.id, 'population_density')!;
    expect(density).toBeGreaterThan(10_000 / 25_000);
    expect(density).toBeLessThan(10_000 / 20_000);
  });

  it('does not count a part-timer who left before the period, and counts them in a period they served', async () => {
    const v = await run(regionsProvider, 'district', '2025-11');
    // 2025-11: the part-timer (until 2025-12-01) counts; the second full-timer (since 2025-06-01) too.
    expect(v(city.wuhua.id, 'grid_staff_per_1k_households')).toBeCloseTo(4 / 4, 12);
  });
});

describe('cases provider (contract: cases module caseKpisByRegion)', () => {
  it('computes the KPIs per district as worked out by hand', async () => {
    const v = await run(casesProvider, 'district');
    const w = city.wuhua.id;
    // intake 6 (c1–c6), due 4 (c1, c2, c3, c6), handled 3 (c1, c2, c6)
    expect(v(w, 'disposal_rate')).toBeCloseTo(75, 10);
    // on time: c1, c6 of (c1, c2, c6 handled + c3 past deadline)
    expect(v(w, 'on_time_rate')).toBeCloseTo(50, 10);
    // answered c1, c2, c6: satisfied + basically satisfied = 2
    expect(v(w, 'callback_satisfaction')).toBeCloseTo((2 / 3) * 100, 10);
    // reworked c2 of 3 handled
    expect(v(w, 'rework_rate')).toBeCloseTo((1 / 3) * 100, 10);
    // supervised c3 of 4 due
    expect(v(w, 'supervised_case_rate')).toBeCloseTo(25, 10);
    // 6 cases × 10,000 / 10,000 residents
    expect(v(w, 'cases_per_10k_residents')).toBeCloseTo(6, 10);
    const p = city.panlong.id;
    expect(v(p, 'disposal_rate')).toBe(100);
    expect(v(p, 'rework_rate')).toBe(0);
    expect(v(p, 'cases_per_10k_residents')).toBeCloseTo(0.5, 12);
  });

  it('counts a case in every ancestor: the street and community levels', async () => {
    const s = await run(casesProvider, 'street');
    expect(s(city.wuhuaStreet.id, 'disposal_rate')).toBeCloseTo(75, 10);
    const c = await run(casesProvider, 'community');
    // c6 is filed at the street, above the community: the community has c1–c5 (due c1, c2, c3; handled c1, c2).
    expect(c(city.wuhuaCommunity.id, 'disposal_rate')).toBeCloseTo((2 / 3) * 100, 10);
    expect(c(city.wuhuaCommunity.id, 'cases_per_10k_residents')).toBeCloseTo(5, 10);
  });

  it('leaves a rate missing, not 0, when nothing is in its denominator', async () => {
    const v = await run(casesProvider, 'district', '2025-06');
    expect(v(city.wuhua.id, 'disposal_rate')).toBeUndefined();
    // no cases at all: 0 per 10,000 residents is a real figure
    expect(v(city.wuhua.id, 'cases_per_10k_residents')).toBe(0);
  });

  it('reads the rollups at asOf = the last fold, and the timeline before it, with the same figures', async () => {
    const us = await units('district');
    const period = parsePeriod('2026-Q1')!;
    const now = await caseKpisByRegion(t.db, { regionIds: us.map((u) => u.id), from: period.from, to: period.to, asOf: AS_OF });
    const before = await caseKpisByRegion(t.db, { regionIds: us.map((u) => u.id), from: period.from, to: period.to, asOf: new Date(AS_OF.getTime() - 1) });
    const w = now.get(city.wuhua.id)!;
    expect(w.source).toBe('rollup');
    expect(before.get(city.wuhua.id)!.source).toBe('timeline');
    expect(w.intake).toBe(6);
    expect(w.disposal).toEqual({ numerator: 3, denominator: 4, rate: 0.75 });
    expect(w.supervised).toEqual({ numerator: 1, denominator: 4, rate: 0.25 });
    for (const k of ['intake', 'disposal', 'onTimeDisposal', 'satisfaction', 'rework', 'supervised'] as const) {
      expect(before.get(city.wuhua.id)![k]).toEqual(w[k]);
    }
  });

  it('ignores events after asOf', async () => {
    const us = await units('district');
    const values = await casesProvider.compute(t.db, { level: 'district', period: parsePeriod('2026-Q1')!, regionIds: us.map((u) => u.id), units: us, asOf: new Date('2026-01-11T12:00:00Z') });
    // By 11 Jan 12:00 UTC: c1 (handled 11 Jan 03:00) and c6 are due and handled.
    expect(values.get(city.wuhua.id)?.get('disposal_rate')).toBe(100);
  });
});
