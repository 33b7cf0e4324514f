/**
 * A small city with hand-countable live data for the governance-index tests: populations and
 * households on the communities (districts and streets have none, so they roll up), grid staff,
 * and cases in 2026-Q1 (Asia/Shanghai) with every KPI outcome once. The expected figures are
 * worked out by hand in providers.test.ts.
 */
import type { Sql } from '../../src/platform/db.js';
import { createMiniCity, type MiniCity, type RegionRow } from '../helpers/fixtures.js';

export const AS_OF = new Date('2026-05-01T00:00:00Z');

let caseSeq = 0;

async function ensureCategory(db: Sql): Promise<void> {
  await db.query(
    `INSERT INTO case_category (code, level, name_zh, name_en, deadlines) VALUES ('gi-test', 1, '测试', 'test', '{}'::jsonb) ON CONFLICT (code) DO NOTHING`,
  );
}

interface CaseSpec {
  region: RegionRow;
  reportedAt: string;
  state?: string;
  acceptedAt?: string;
  handledAt?: string;
  handleDueAt?: string;
  satisfaction?: 'satisfied' | 'basically_satisfied' | 'dissatisfied';
  reworkCount?: number;
  mergedInto?: number;
}

export async function insertCase(db: Sql, city: MiniCity, c: CaseSpec): Promise<number> {
  caseSeq += 1;
  const state = c.state ?? (c.handledAt ? 'handled' : c.acceptedAt ? 'dispatched' : 'reported');
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO case_file (city_code, public_id, state, channel, category_code, response_level, description, region_id, region_path,
                            centre_region_id, centre_path, reported_at, accepted_at, handled_at, handle_due_at, satisfaction, rework_count, merged_into)
     VALUES ($1, $2, $3, 'web', 'gi-test', 3, 'test case', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [
      city.city.code,
      `GI-${city.city.code}-${caseSeq}`,
      state,
      c.region.id,
      c.region.path,
      city.city.id,
      city.city.path,
      c.reportedAt,
      c.acceptedAt ?? null,
      c.handledAt ?? null,
      c.handleDueAt ?? null,
      c.satisfaction ?? null,
      c.reworkCount ?? 0,
      c.mergedInto ?? null,
    ],
  );
  return Number(rows[0]!.id);
}

async function staff(db: Sql, region: RegionRow, role: string, since: string, until: string | null = null): Promise<void> {
  await db.query(`INSERT INTO grid_staff (region_id, name, role, since, until) VALUES ($1, '测试网格员', $2, $3, $4)`, [region.id, role, since, until]);
}

export interface IndexCity extends MiniCity {
  /** The Wuhua case with a supervision ticket (the unhandled one). */
  supervisedCase: number;
}

export async function createIndexCity(db: Sql, cityCode: string): Promise<IndexCity> {
  const city = await createMiniCity(db, cityCode);
  await ensureCategory(db);
  await db.query('UPDATE region SET population = $1, households = $2 WHERE id = $3', [10_000, 4_000, city.wuhuaCommunity.id]);
  await db.query('UPDATE region SET population = $1, households = $2 WHERE id = $3', [20_000, 8_000, city.panlongCommunity.id]);

  // Wuhua: 3 counted (2 full-time + 1 leader); a red armband and a part-timer who left in 2025 are not.
  await staff(db, city.wuhuaGrid, 'full_time', '2025-01-01');
  await staff(db, city.wuhuaGrid, 'full_time', '2025-06-01');
  await staff(db, city.wuhuaCommunity, 'grid_leader', '2024-01-01');
  await staff(db, city.wuhuaGrid, 'red_armband', '2025-01-01');
  await staff(db, city.wuhuaGrid, 'part_time', '2024-01-01', '2025-12-01');
  // Panlong: 4 part-timers.
  for (let i = 0; i < 4; i++) await staff(db, city.panlongCommunity, 'part_time', '2025-03-01');

  const g = city.wuhuaGrid;
  // c1 handled on time, satisfied
  await insertCase(db, city, { region: g, reportedAt: '2026-01-10T02:00:00Z', acceptedAt: '2026-01-10T03:00:00Z', handledAt: '2026-01-11T03:00:00Z', handleDueAt: '2026-01-12T03:00:00Z', satisfaction: 'satisfied' });
  // c2 handled late, dissatisfied, reworked once
  await insertCase(db, city, { region: g, reportedAt: '2026-02-10T02:00:00Z', acceptedAt: '2026-02-10T03:00:00Z', handledAt: '2026-02-15T03:00:00Z', handleDueAt: '2026-02-12T03:00:00Z', satisfaction: 'dissatisfied', reworkCount: 1 });
  // c3 accepted, never handled, deadline passed; supervised
  const c3 = await insertCase(db, city, { region: city.wuhuaCommunity, reportedAt: '2026-03-01T02:00:00Z', acceptedAt: '2026-03-01T03:00:00Z', handleDueAt: '2026-03-03T03:00:00Z' });
  await db.query(
    `INSERT INTO supervision_ticket (city_code, case_id, region_id, region_path, level, kind, reason, opened_at, opened_by_type)
     VALUES ($1, $2, $3, $4, 'district', 'overdue', 'overdue', '2026-03-04T00:00:00Z', 'system')`,
    [city.city.code, c3, city.wuhua.id, city.wuhua.path],
  );
  // c4 not accepted: intake only
  await insertCase(db, city, { region: g, reportedAt: '2026-03-05T02:00:00Z', state: 'not_accepted' });
  // c5 merged into c3: intake only
  await insertCase(db, city, { region: g, reportedAt: '2026-03-06T02:00:00Z', state: 'merged', mergedInto: c3 });
  // c6 reported 00:30 on 1 January Beijing time: in Q1; on time, basically satisfied
  await insertCase(db, city, { region: city.wuhuaStreet, reportedAt: '2025-12-31T16:30:00Z', acceptedAt: '2026-01-01T01:00:00Z', handledAt: '2026-01-02T01:00:00Z', handleDueAt: '2026-01-03T01:00:00Z', satisfaction: 'basically_satisfied' });
  // c7 reported 23:30 on 31 December Beijing time: not in Q1
  await insertCase(db, city, { region: g, reportedAt: '2025-12-31T15:30:00Z', acceptedAt: '2025-12-31T16:00:00Z', handledAt: '2026-01-05T01:00:00Z', handleDueAt: '2026-01-01T01:00:00Z' });
  // Panlong c8: handled on time, satisfied
  await insertCase(db, city, { region: city.panlongCommunity, reportedAt: '2026-02-01T02:00:00Z', acceptedAt: '2026-02-01T03:00:00Z', handledAt: '2026-02-02T03:00:00Z', handleDueAt: '2026-02-03T03:00:00Z', satisfaction: 'satisfied' });
  return { ...city, supervisedCase: c3 };
}
