/** Stage 1: divide each indicator by the denominator column its framework row names. */
import { IndexEngineError } from './errors.js';
import type { Framework } from './framework.js';

export type Columns = Readonly<Record<string, ArrayLike<number>>>;

/**
 * Returns new columns (framework indicator order). Indicators without a denominator are
 * copied. A missing denominator value makes the result missing; a zero or non-finite
 * denominator value is an error (it would make ±Infinity), naming the unit and indicator.
 */
export function denominate(fw: Framework, units: readonly string[], data: readonly Float64Array[], denominators: Columns): Float64Array[] {
  return fw.indicators.map((ind, j) => {
    const x = data[j]!;
    if (!ind.denominator) return Float64Array.from(x);
    const d = denominators[ind.denominator];
    if (!d) {
      throw new IndexEngineError('denominator_missing', `denominator column "${ind.denominator}" of indicator "${ind.code}" is not in the data`, {
        code: ind.code,
        field: 'denominator',
        denominator: ind.denominator,
      });
    }
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const q = d[i]!;
      if (v !== v || q !== q) {
        out[i] = NaN;
        continue;
      }
      if (q === 0 || !Number.isFinite(q)) {
        throw new IndexEngineError('denominator_invalid', `denominator "${ind.denominator}" is ${q} for unit "${units[i]}" (indicator "${ind.code}")`, {
          code: ind.code,
          unit: units[i],
          denominator: ind.denominator,
          value: q,
        });
      }
      out[i] = v / q;
    }
    return out;
  });
}
