/** Stage 2: fill missing values. */
import { IndexEngineError } from './errors.js';
import { mean, median } from './stats.js';

export type ImputeSpec =
  | { method: 'none' }
  | { method: 'mean' }
  | { method: 'median' }
  /** Mean of the indicator over the units of the same group (the group column is named). */
  | { method: 'groupMean'; group: string }
  | { method: 'groupMedian'; group: string };

export interface ImputedCell {
  code: string;
  unit: string;
  value: number;
}

export interface ImputeResult {
  columns: Float64Array[];
  /** Every cell that was filled, so each imputed figure can be traced. */
  imputed: ImputedCell[];
  /** Cells that stayed missing (a group with no observed value). */
  stillMissing: { code: string; unit: string; reason: string }[];
}

export function impute(
  codes: readonly string[],
  units: readonly string[],
  data: readonly Float64Array[],
  spec: ImputeSpec,
  groups: Readonly<Record<string, readonly (string | undefined)[]>> = {},
): ImputeResult {
  const imputed: ImputedCell[] = [];
  const stillMissing: ImputeResult['stillMissing'] = [];
  if (spec.method === 'none') return { columns: data.map((c) => Float64Array.from(c)), imputed, stillMissing };

  let labels: readonly (string | undefined)[] | undefined;
  if (spec.method === 'groupMean' || spec.method === 'groupMedian') {
    labels = groups[spec.group];
    if (!labels) {
      throw new IndexEngineError('group_missing', `group column "${spec.group}" is not in the data`, { field: 'group', group: spec.group });
    }
  }
  const columns = data.map((col, j) => {
    const out = Float64Array.from(col);
    const code = codes[j]!;
    if (!labels) {
      const fill = spec.method === 'median' ? median(col) : mean(col);
      for (let i = 0; i < out.length; i++) {
        if (out[i] !== out[i]) {
          out[i] = fill;
          imputed.push({ code, unit: units[i]!, value: fill });
        }
      }
      return out;
    }
    // Group statistics are computed on the observed values only (never on values imputed
    // a moment ago), so the order of units does not matter.
    const cache = new Map<string, number>();
    for (let i = 0; i < out.length; i++) {
      if (out[i] === out[i]) continue;
      const g = labels[i];
      if (g === undefined || g === '') {
        stillMissing.push({ code, unit: units[i]!, reason: 'unit has no group' });
        continue;
      }
      let fill = cache.get(g);
      if (fill === undefined) {
        const members: number[] = [];
        for (let k = 0; k < col.length; k++) if (labels[k] === g && col[k]! === col[k]!) members.push(col[k]!);
        fill = members.length === 0 ? NaN : spec.method === 'groupMedian' ? median(members) : mean(members);
        cache.set(g, fill);
      }
      if (fill !== fill) {
        stillMissing.push({ code, unit: units[i]!, reason: `group "${g}" has no observed value` });
        continue;
      }
      out[i] = fill;
      imputed.push({ code, unit: units[i]!, value: fill });
    }
    return out;
  });
  return { columns, imputed, stillMissing };
}
