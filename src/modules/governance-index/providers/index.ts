/**
 * The registry of indicator providers: the one list to extend. A later module (disputes,
 * volunteers, deliberation) adds its provider here (`import { disputesProvider } from
 * '../../disputes/index.js'` or a file in this folder reading that module's public API) and
 * removes the codes it now computes from PLANNED_INDICATORS below.
 */
import { casesProvider } from './cases.provider.js';
import { regionsProvider } from './regions.provider.js';
import type { IndicatorDef, IndicatorProvider } from './types.js';

export const PROVIDERS: readonly IndicatorProvider[] = [regionsProvider, casesProvider];

/**
 * Indicators the default framework names whose provider is not built yet. Until it is, their
 * values can be imported; without any, the framework marks them optional and the computation
 * leaves them out (the engine re-normalises the weights over what is present).
 */
export const PLANNED_INDICATORS: readonly (IndicatorDef & { plannedProvider: string })[] = [
  {
    code: 'dispute_mediation_success_rate',
    nameZh: '矛盾纠纷调解成功率',
    nameEn: 'Dispute mediation success rate',
    unit: '%',
    direction: 1,
    definition: 'disputes closed with a mediation agreement / disputes closed, ×100',
    plannedProvider: 'disputes',
  },
  {
    code: 'volunteer_hours_per_capita',
    nameZh: '人均志愿服务时长',
    nameEn: 'Volunteer hours per resident',
    unit: '小时/人',
    direction: 1,
    definition: 'volunteer service hours recorded in the period / resident population',
    plannedProvider: 'volunteers',
  },
  {
    code: 'deliberation_coverage',
    nameZh: '协商议事覆盖率',
    nameEn: 'Deliberation coverage',
    unit: '%',
    direction: 1,
    definition: 'communities that held at least one deliberation meeting in the period / communities, ×100',
    plannedProvider: 'deliberation',
  },
];

/** Indicators that come from imported files (surveys, statistics), documented for importers. */
export const IMPORTED_INDICATORS: readonly IndicatorDef[] = [
  {
    code: 'public_safety_sense',
    nameZh: '群众安全感',
    nameEn: 'Public sense of safety (survey)',
    unit: '分',
    direction: 1,
    definition: 'survey score 0–100 from the public-safety sense survey (群众安全感调查), imported per region and period',
  },
  {
    code: 'public_service_satisfaction',
    nameZh: '公共服务满意度',
    nameEn: 'Public-service satisfaction (survey)',
    unit: '分',
    direction: 1,
    definition: 'survey score 0–100 from the public-service satisfaction survey, imported per region and period',
  },
  {
    code: 'law_popularisation_rate',
    nameZh: '法治宣传教育覆盖率',
    nameEn: 'Rule-of-law education coverage',
    unit: '%',
    direction: 1,
    definition: 'share of residents reached by rule-of-law education (普法) in the period, imported from the justice bureau',
  },
];

export function providerOf(code: string): IndicatorProvider | undefined {
  return PROVIDERS.find((p) => p.codes.some((c) => c.code === code));
}

export interface CatalogueEntry extends IndicatorDef {
  /** 'computed' (a provider exists), 'planned' (its provider is not built: import it), 'imported'. */
  status: 'computed' | 'planned' | 'imported';
  provider: string | null;
}

export function indicatorCatalogue(): CatalogueEntry[] {
  return [
    ...PROVIDERS.flatMap((p) => p.codes.map((c) => ({ ...c, status: 'computed' as const, provider: p.name }))),
    ...PLANNED_INDICATORS.map(({ plannedProvider, ...c }) => ({ ...c, status: 'planned' as const, provider: plannedProvider })),
    ...IMPORTED_INDICATORS.map((c) => ({ ...c, status: 'imported' as const, provider: null })),
  ];
}

export type { IndicatorDef, IndicatorProvider, ProviderRequest, ProviderValues, UnitRef, IndexLevel } from './types.js';
export { INDEX_LEVELS } from './types.js';
