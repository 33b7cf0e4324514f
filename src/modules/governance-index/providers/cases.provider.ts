/**
 * Indicators from the closed loop of cases (事件): disposal, on-time disposal, callback
 * satisfaction, rework, supervision, and reports per 10,000 residents.
 *
 * contract: cases module — `caseKpisByRegion` (src/modules/cases/index.ts), the KPI rollups of
 * docs/kpi-definitions.md: the cohort of cases reported in the period (Asia/Shanghai days),
 * counted in every ancestor of their region, as of `asOf` (the rollups as folded; case by case
 * from the timeline when `asOf` lies before the last fold). Every callback of a cohort case
 * counts, and handling is the first 处置反馈, exactly as the cases module's own KPI pages.
 *
 * - disposal_rate = 处置率 (disposed / 应处置) ×100; on_time_rate = 按期处置率 ×100;
 * - callback_satisfaction = (satisfied + basically satisfied) / answered callbacks ×100;
 * - rework_rate = 返工率 (disposed cases with a failed verification / disposed) ×100;
 * - supervised_case_rate = cases of 应处置 with a 督办单 opened by asOf / 应处置 ×100;
 * - cases_per_10k_residents = intake × 10,000 / population (roll-up of regions.provider).
 * A rate whose denominator is 0 is missing, never 0.
 */
import { caseKpisByRegion } from '../../cases/index.js';
import { unitFigures } from './regions.provider.js';
import { rate, setValue, type IndicatorDef, type IndicatorProvider, type ProviderValues } from './types.js';

const CODES: readonly IndicatorDef[] = [
  {
    code: 'disposal_rate',
    nameZh: '事件处置率',
    nameEn: 'Disposal rate',
    unit: '%',
    direction: 1,
    definition: '处置率: disposed / 应处置 (accepted, not merged, not referred out), cohort reported in the period, ×100',
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
    definition: 'disposed cases that failed verification at least once / disposed cases, ×100',
  },
  {
    code: 'supervised_case_rate',
    nameZh: '督办率',
    nameEn: 'Share of cases supervised',
    unit: '%',
    direction: -1,
    definition: 'cases of 应处置 with a supervision ticket (督办单) opened by the computation time / 应处置, ×100',
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

export const casesProvider: IndicatorProvider = {
  name: 'cases',
  codes: CODES,
  async compute(db, req): Promise<ProviderValues> {
    const out: ProviderValues = new Map();
    const kpis = await caseKpisByRegion(db, { regionIds: req.regionIds, from: req.period.from, to: req.period.to, asOf: req.asOf });
    const { population } = await unitFigures(db, req.regionIds);
    for (const u of req.units) {
      const k = kpis.get(u.id);
      const pop = population.get(u.id);
      if (pop !== undefined) setValue(out, u.id, 'cases_per_10k_residents', rate(k?.intake ?? 0, pop, 10_000));
      if (!k) continue;
      const pct = (r: { numerator: number; denominator: number }) => rate(r.numerator, r.denominator, 100);
      setValue(out, u.id, 'disposal_rate', pct(k.disposal));
      setValue(out, u.id, 'on_time_rate', pct(k.onTimeDisposal));
      setValue(out, u.id, 'callback_satisfaction', pct(k.satisfaction));
      setValue(out, u.id, 'rework_rate', pct(k.rework));
      setValue(out, u.id, 'supervised_case_rate', pct(k.supervised));
    }
    return out;
  },
};
