/**
 * Cancelled and referred-out cases in the KPIs (docs/kpi-definitions.md § The KPIs, § Historical
 * import): records imported through the module's own historical import, folded into the rollups,
 * read back through caseKpisByRegion (rollups, and the timeline path), against figures worked out by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseKpisByRegion } from '../../src/modules/cases/index.js';
import { importCasesFromCsv } from '../../src/modules/cases/import311/index.js';
import { foldKpiRollups } from '../../src/modules/cases/kpi/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';

let t: TestDatabase;
let city: MiniCity;

// Five records reported 2–7 March 2026 (Shanghai):
//   A closed after 8 h · B closed after 24 h · C cancelled (with a close time) · D referred out · E open.
const CSV = [
  'request_id,tz,created_at,closed_at,status,channel',
  'A,Asia/Shanghai,2026-03-02T09:00:00,2026-03-02T17:00:00,Closed,Call',
  'B,Asia/Shanghai,2026-03-03T09:00:00,2026-03-04T09:00:00,Closed,Mobile App',
  'C,Asia/Shanghai,2026-03-05T09:00:00,2026-03-05T12:00:00,Cancelled,Call',
  'D,Asia/Shanghai,2026-03-06T09:00:00,2026-03-06T10:00:00,Referred Out,Call',
  'E,Asia/Shanghai,2026-03-07T09:00:00,,Open,Call',
].join('\n');
const FROM = new Date('2026-03-01T00:00:00+08:00');
const TO = new Date('2026-04-01T00:00:00+08:00');
const NOW = new Date('2026-03-20T00:00:00+08:00');

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, '5301');
  await importCasesFromCsv(t.db, { ...cliCtx(systemActor('test')), now: NOW }, CSV, { cityCode: city.city.code, dataset: 'kpi-cr' });
  await foldKpiRollups(t.db, NOW);
});
afterAll(async () => {
  await t?.close();
});

describe('cancelled and referred cases in the KPIs', () => {
  it('caseKpisByRegion: cancelled stays in 应处置 and out of the numerators; referred counts in intake and acceptance only', async () => {
    const k = (await caseKpisByRegion(t.db, { regionIds: [city.city.id], from: FROM, to: TO })).get(city.city.id)!;
    expect(k.source).toBe('rollup');
    expect(k.intake).toBe(5); // A–E
    expect(k.acceptance).toEqual({ numerator: 5, denominator: 5, rate: 1 }); // every imported record was taken in
    expect(k.disposal).toEqual({ numerator: 2, denominator: 4, rate: 0.5 }); // A, B of A, B, C, E (D referred out)
    expect(k.closure).toEqual({ numerator: 2, denominator: 4, rate: 0.5 }); // C's close time is not a closure
    expect(k.onTimeDisposal.denominator).toBe(0); // imports carry no deadline
    expect(k.backlog).toBe(1); // E: cancelled and referred cases have ended
  });

  it('the timeline path (asOf before the fold) gives the same figures', async () => {
    const k = (await caseKpisByRegion(t.db, { regionIds: [city.city.id], from: FROM, to: TO, asOf: new Date(NOW.getTime() - 60_000) })).get(city.city.id)!;
    expect(k.source).toBe('timeline');
    expect([k.intake, k.disposal.numerator, k.disposal.denominator, k.closure.numerator, k.backlog]).toEqual([5, 2, 4, 2, 1]);
  });
});
