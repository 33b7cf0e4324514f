/**
 * Indicator providers: the platform's live data turned into indicator values per region and
 * period. Each provider owns a set of indicator codes (framework-independent: one code feeds
 * every framework that names it) and computes them for a set of units in one pass.
 */
import type { Sql } from '../../../platform/db.js';
import type { Period } from '../periods.js';

export type IndexLevel = 'district' | 'street' | 'community' | 'grid';
export const INDEX_LEVELS: readonly IndexLevel[] = ['district', 'street', 'community', 'grid'];

export interface IndicatorDef {
  /** Stable snake_case code, e.g. 'disposal_rate'. */
  code: string;
  nameZh: string;
  nameEn: string;
  unit: string;
  /** +1 more is better, −1 less is better (the default a framework starts from). */
  direction: 1 | -1;
  /** How the figure is defined, precisely enough to recompute it by hand. */
  definition: string;
}

/** One unit the index is computed for. */
export interface UnitRef {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
  depth: number;
  parentCode: string | null;
}

export interface ProviderRequest {
  level: IndexLevel;
  period: Period;
  regionIds: readonly number[];
  /** The same units with their paths (providers roll data up by ancestor path). */
  units: readonly UnitRef[];
  /** Events after this instant are ignored (the computation time, recorded in the snapshot). */
  asOf: Date;
}

/** regionId → (indicator code → value). A value that is undefined for a unit is simply absent. */
export type ProviderValues = Map<number, Map<string, number>>;

export interface IndicatorProvider {
  /** Short name recorded as the source of its values ('regions', 'cases', …). */
  name: string;
  codes: readonly IndicatorDef[];
  compute(db: Sql, req: ProviderRequest): Promise<ProviderValues>;
}

export function setValue(out: ProviderValues, regionId: number, code: string, value: number | null | undefined): void {
  if (value === null || value === undefined || !Number.isFinite(value)) return;
  let m = out.get(regionId);
  if (!m) out.set(regionId, (m = new Map()));
  m.set(code, value);
}

/** Units grouped by depth: rolling up by `split_part(path, '/', depth + 1)` needs one depth per query. */
export function unitsByDepth(units: readonly UnitRef[]): Map<number, UnitRef[]> {
  const by = new Map<number, UnitRef[]>();
  for (const u of units) {
    let g = by.get(u.depth);
    if (!g) by.set(u.depth, (g = []));
    g.push(u);
  }
  return by;
}

/** A ratio that is missing (not 0) when its denominator is 0, as in docs/kpi-definitions.md. */
export const rate = (num: number, den: number, scale = 1): number | null => (den > 0 ? (num / den) * scale : null);
