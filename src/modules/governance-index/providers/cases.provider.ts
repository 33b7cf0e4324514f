/**
 * Indicators from the closed loop of cases (事件): disposal, on-time disposal, callback
 * satisfaction, rework, supervision, and reports per 10,000 residents.
 *
 * contract: cases module
 * The cases module does not export a KPI-per-region function yet (src/modules/cases/index.ts),
 * so this provider reads its table directly, on this documented contract (migration
 * 0010_cases.sql). TODO(lead): replace the SQL below by the cases module's public KPI roll-up
 * once it exports one; the definitions must stay those of docs/kpi-definitions.md
 * (src/modules/cases/sla/kpi.ts computeKpis), which this SQL mirrors:
 *
 *   case_file(city_code, id, state, region_path, reported_at, accepted_at, handled_at,
 *             handle_due_at, rework_count, satisfaction, evaluated_at)
 *   supervision_ticket(city_code, case_id, opened_at)
 *
 * - Cohort: cases with reported_at in [period start, period end) (Asia/Shanghai), counted in
 *   every ancestor of their region (region_path). Events after `asOf` are ignored.
 * - intake: every case of the cohort, merged duplicates included (as computeKpis).
 * - due (应处置): accepted_at ≤ asOf, not merged.
 * - disposal_rate = handled (handled_at ≤ asOf) / due.
 * - on_time_rate = handled by handle_due_at / (handled with a deadline + unhandled whose deadline
 *   has passed at asOf); handle_due_at is the deadline in force (extensions and suspensions
 *   applied by the cases module).
 * - callback_satisfaction = (satisfied + basically_satisfied) / answered callbacks (satisfaction
 *   set, not merged); 基本满意 counts fully (computeKpis' default weight 1).
 * - rework_rate = handled cases with rework_count > 0 / handled.
 * - supervised_case_rate = due cases with a 督办单 opened by asOf / due.
 * - cases_per_10k_residents = intake × 10,000 / population (roll-up of regions.provider).
 * A rate whose denominator is 0 is missing, never 0.
 *
 * Known differences from computeKpis, to go away with the switch to the cases module's roll-up
 * (case_kpi_fact / case_kpi_rollup, 0011_case_rollup.sql, which counts every callback and the
 * first 处置反馈): case_file keeps only the latest callback's satisfaction, and a reopened case
 * (发回重办) has handled_at cleared until it is handled again.
 */
import type { Sql } from '../../../platform/db.js';
import { unitFigures } from './regions.provider.js';
import { rate, setValue, unitsByDepth, type IndicatorDef, type IndicatorProvider, type ProviderValues } from './types.js';

const CODES: readonly IndicatorDef[] = [
  {
    code: 'disposal_rate',
    nameZh: '事件处置率',
    nameEn: 'Disposal rate',
    unit: '%',
    direction: 1,
    definition: 'cases handled / cases accepted (not merged), cohort reported in the period, ×100',
  },
  {
    code: 'on_time_rate',
    nameZh: '按期处置率',
    nameEn: 'On-time disposal rate',
    unit: '%',
    direction: 1,
    definition: 'handled by the handling deadline in force / (handled with a deadline + unhandled past their deadline), ×100',
  },
  {
    code: 'callback_satisfaction',
    nameZh: '回访满意率',
    nameEn: 'Callback satisfaction',
    unit: '%',
    direction: 1,
    definition: '(satisfied + basically satisfied) / answered callbacks, ×100',
  },
  {
    code: 'rework_rate',
    nameZh: '返工率',
    nameEn: 'Rework rate',
    unit: '%',
    direction: -1,
    definition: 'handled cases that failed verification at least once (rework_count > 0) / handled cases, ×100',
  },
  {
    code: 'supervised_case_rate',
    nameZh: '督办率',
    nameEn: 'Share of cases supervised',
    unit: '%',
    direction: -1,
    definition: 'accepted cases with a supervision ticket (督办单) / accepted cases, ×100',
  },
  {
    code: 'cases_per_10k_residents',
    nameZh: '每万人事件上报数',
    nameEn: 'Cases reported per 10,000 residents',
    unit: '件/万人',
    direction: 1,
    definition: 'cases reported in the period (merged duplicates included) × 10,000 / resident population',
  },
];

interface CountsRow {
  unit: string;
  intake: number;
  due: number;
  handled: number;
  on_time_num: number;
  on_time_den: number;
  answered: number;
  satisfied: number;
  reworked: number;
  supervised: number;
}

async function hasCaseTables(db: Sql): Promise<{ cases: boolean; tickets: boolean }> {
  const { rows } = await db.query<{ c: string | null; t: string | null }>(
    `SELECT to_regclass('case_file')::text AS c, to_regclass('supervision_ticket')::text AS t`,
  );
  return { cases: rows[0]?.c != null, tickets: rows[0]?.t != null };
}

export const casesProvider: IndicatorProvider = {
  name: 'cases',
  codes: CODES,
  async compute(db, req): Promise<ProviderValues> {
    const out: ProviderValues = new Map();
    const tables = await hasCaseTables(db);
    // Installed without the cases module: its indicators are missing, not an error.
    if (!tables.cases) return out;
    const supervised = tables.tickets
      ? `EXISTS (SELECT 1 FROM supervision_ticket t WHERE t.city_code = c.city_code AND t.case_id = c.id AND t.opened_at <= $5)`
      : 'false';
    const counts = new Map<number, CountsRow>();
    for (const [depth, group] of unitsByDepth(req.units)) {
      const { rows } = await db.query<CountsRow>(
        `WITH k AS (
           SELECT split_part(c.region_path, '/', $1::int + 1) AS unit,
                  c.state <> 'merged' AS live,
                  c.state <> 'merged' AND c.accepted_at IS NOT NULL AND c.accepted_at <= $5 AS due,
                  c.handled_at IS NOT NULL AND c.handled_at <= $5 AS handled,
                  c.handle_due_at, c.handled_at, c.rework_count, c.satisfaction, c.evaluated_at,
                  ${supervised} AS supervised
             FROM case_file c
            WHERE c.reported_at >= $3 AND c.reported_at < $4 AND c.reported_at <= $5
              AND split_part(c.region_path, '/', $1::int + 1) = ANY ($2::text[])
         )
         SELECT unit,
                count(*)::int AS intake,
                count(*) FILTER (WHERE due)::int AS due,
                count(*) FILTER (WHERE due AND handled)::int AS handled,
                count(*) FILTER (WHERE due AND handled AND handle_due_at IS NOT NULL AND handled_at <= handle_due_at)::int AS on_time_num,
                count(*) FILTER (WHERE due AND handle_due_at IS NOT NULL AND (handled OR handle_due_at < $5))::int AS on_time_den,
                count(*) FILTER (WHERE live AND satisfaction IS NOT NULL AND (evaluated_at IS NULL OR evaluated_at <= $5))::int AS answered,
                count(*) FILTER (WHERE live AND satisfaction IN ('satisfied', 'basically_satisfied') AND (evaluated_at IS NULL OR evaluated_at <= $5))::int AS satisfied,
                count(*) FILTER (WHERE due AND handled AND rework_count > 0)::int AS reworked,
                count(*) FILTER (WHERE due AND supervised)::int AS supervised
           FROM k GROUP BY unit`,
        [depth, group.map((u) => String(u.id)), req.period.from, req.period.to, req.asOf],
      );
      for (const r of rows) counts.set(Number(r.unit), r);
    }
    const { population } = await unitFigures(db, req.regionIds);
    for (const u of req.units) {
      const c = counts.get(u.id);
      const intake = c ? Number(c.intake) : 0;
      const pop = population.get(u.id);
      if (pop !== undefined) setValue(out, u.id, 'cases_per_10k_residents', rate(intake, pop, 10_000));
      if (!c) continue;
      setValue(out, u.id, 'disposal_rate', rate(Number(c.handled), Number(c.due), 100));
      setValue(out, u.id, 'on_time_rate', rate(Number(c.on_time_num), Number(c.on_time_den), 100));
      setValue(out, u.id, 'callback_satisfaction', rate(Number(c.satisfied), Number(c.answered), 100));
      setValue(out, u.id, 'rework_rate', rate(Number(c.reworked), Number(c.handled), 100));
      setValue(out, u.id, 'supervised_case_rate', rate(Number(c.supervised), Number(c.due), 100));
    }
    return out;
  },
};
