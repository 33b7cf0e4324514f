/**
 * Stage 4: bring every indicator to a common scale where more is better.
 *
 * Direction is applied by every method except 'none': for min-max, z-score, rank and percentile
 * rank the column is first multiplied by its direction (COINr's convention); goalposts,
 * fraction of max, distance to target and distance to a reference have their own −1 formulas
 * (see each case below and docs/governance-index.md).
 */
import { IndexEngineError } from './errors.js';
import type { Framework, Goalposts } from './framework.js';
import { mean, minMax, rankAscendingAverage, sd } from './stats.js';

export type NormaliseSpec =
  | { method: 'none' }
  | { method: 'minmax'; lo?: number; hi?: number }
  | { method: 'zscore'; mean?: number; sd?: number }
  | { method: 'goalposts'; scale?: number; goalposts?: Readonly<Record<string, Goalposts>> }
  | { method: 'fracmax'; scale?: number }
  | { method: 'dist2target'; scale?: number; cap?: boolean; targets?: Readonly<Record<string, number>> }
  | { method: 'dist2ref'; unit: string; scale?: number }
  | { method: 'dist2ref'; value: number | Readonly<Record<string, number>>; scale?: number }
  | { method: 'rank' }
  | { method: 'prank' };

export interface NormaliseResult {
  columns: Float64Array[];
  warnings: { code: string; message: string }[];
}

function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new IndexEngineError('normalise_invalid', message, { code, ...details });
}

export function normaliseColumn(
  code: string,
  x: ArrayLike<number>,
  direction: number,
  spec: NormaliseSpec,
  ctx: { units: readonly string[]; target?: number | undefined; goalposts?: Goalposts | undefined; warn?: (msg: string) => void },
): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const d = direction;
  switch (spec.method) {
    case 'none':
      out.set(x as ArrayLike<number>);
      return out;
    case 'minmax': {
      const lo = spec.lo ?? 0;
      const hi = spec.hi ?? 100;
      const [a, b] = minMax(x);
      const mn = d > 0 ? a : -b;
      const mx = d > 0 ? b : -a;
      const range = mx - mn;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v !== v) out[i] = NaN;
        // A constant indicator carries no information: every unit gets the middle of the range.
        else if (range === 0) out[i] = (lo + hi) / 2;
        else out[i] = lo + ((d * v - mn) / range) * (hi - lo);
      }
      if (range === 0) ctx.warn?.(`indicator "${code}" is constant; min-max gave every unit ${(lo + hi) / 2}`);
      return out;
    }
    case 'zscore': {
      const tm = spec.mean ?? 0;
      const ts = spec.sd ?? 1;
      const m = d * mean(x);
      const s = sd(x);
      const ok = s > 0;
      if (!ok) ctx.warn?.(`indicator "${code}" has zero spread; z-score gave every unit ${tm}`);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v !== v ? NaN : ok ? ((d * v - m) / s) * ts + tm : tm;
      }
      return out;
    }
    case 'goalposts': {
      const gp = spec.goalposts?.[code] ?? ctx.goalposts;
      if (!gp) fail(code, `indicator "${code}" has no goalposts`, { field: 'goalposts' });
      const scale = spec.scale ?? 100;
      const w = gp.upper - gp.lower;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v !== v) {
          out[i] = NaN;
          continue;
        }
        let f = d > 0 ? (v - gp.lower) / w : (gp.upper - v) / w;
        f = f < 0 ? 0 : f > 1 ? 1 : f; // clamped: beyond a goalpost earns nothing extra
        out[i] = f * scale;
      }
      return out;
    }
    case 'fracmax': {
      // +1: x / max(x) (best unit scores `scale`). −1: min(x) / x, the same idea for "less is
      // better"; needs every value > 0. +1 needs max > 0.
      const scale = spec.scale ?? 100;
      const [a, b] = minMax(x);
      if (d > 0 && !(b > 0)) fail(code, `fraction of max needs a positive maximum for indicator "${code}" (max is ${b})`);
      if (d < 0 && !(a > 0)) fail(code, `fraction of max with direction −1 needs every value of "${code}" > 0 (min is ${a})`);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v !== v ? NaN : d > 0 ? (v / b) * scale : (a / v) * scale;
      }
      return out;
    }
    case 'dist2target': {
      // COINr n_dist2targ: +1: (x − min) / (target − min); −1: (max − x) / (max − target);
      // capped at 1 by default (reaching the target is the best score).
      const t = spec.targets?.[code] ?? ctx.target;
      if (t === undefined || !Number.isFinite(t)) fail(code, `indicator "${code}" has no target`, { field: 'target' });
      const scale = spec.scale ?? 100;
      const cap = spec.cap ?? true;
      const [a, b] = minMax(x);
      const worst = d > 0 ? a : b;
      const span = d > 0 ? t - a : b - t;
      if (!(span > 0) && !cap) fail(code, `target ${t} of "${code}" is not beyond the worst value ${worst}`, { field: 'target' });
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v !== v) {
          out[i] = NaN;
          continue;
        }
        let f = span > 0 ? (d > 0 ? v - a : b - v) / span : 1;
        if (cap && f > 1) f = 1;
        out[i] = f * scale;
      }
      return out;
    }
    case 'dist2ref': {
      // Ratio to a reference: +1: x / ref; −1: ref / x. The reference scores `scale`.
      const scale = spec.scale ?? 100;
      let ref: number;
      if ('unit' in spec) {
        const k = ctx.units.indexOf(spec.unit);
        if (k < 0) throw new IndexEngineError('reference_unknown', `reference unit "${spec.unit}" is not in the data`, { unit: spec.unit });
        ref = x[k]!;
        if (ref !== ref) fail(code, `reference unit "${spec.unit}" has no value for "${code}"`, { unit: spec.unit });
      } else {
        const r = typeof spec.value === 'number' ? spec.value : spec.value[code];
        if (r === undefined) fail(code, `no reference value for "${code}"`, { field: 'value' });
        ref = r;
      }
      if (ref === 0 || !Number.isFinite(ref)) fail(code, `reference value for "${code}" is ${ref}; a ratio needs a non-zero reference`, { ref });
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v !== v) {
          out[i] = NaN;
          continue;
        }
        if (d < 0 && v === 0) fail(code, `distance to reference with direction −1 divides by the value of "${code}", which is 0 for unit "${ctx.units[i]}"`, { unit: ctx.units[i] });
        out[i] = (d > 0 ? v / ref : ref / v) * scale;
      }
      return out;
    }
    case 'rank': {
      // Ascending rank of direction-adjusted values (best = n); ties share the average rank.
      const tmp = new Float64Array(n);
      for (let i = 0; i < n; i++) tmp[i] = d * x[i]!;
      return rankAscendingAverage(tmp);
    }
    case 'prank': {
      // Percentile rank in [0, 100]: 100·(r − 1)/(n − 1), r the average-tie ascending rank among
      // the n present values; a single present value scores 100.
      const tmp = new Float64Array(n);
      let present = 0;
      for (let i = 0; i < n; i++) {
        tmp[i] = d * x[i]!;
        if (x[i]! === x[i]!) present++;
      }
      const r = rankAscendingAverage(tmp);
      for (let i = 0; i < n; i++) {
        const v = r[i]!;
        out[i] = v !== v ? NaN : present === 1 ? 100 : (100 * (v - 1)) / (present - 1);
      }
      return out;
    }
  }
}

export function normalise(fw: Framework, units: readonly string[], data: readonly Float64Array[], spec: NormaliseSpec): NormaliseResult {
  const warnings: NormaliseResult['warnings'] = [];
  const columns = fw.indicators.map((ind, j) =>
    normaliseColumn(ind.code, data[j]!, ind.direction, spec, {
      units,
      target: ind.target,
      goalposts: ind.goalposts,
      warn: (message) => warnings.push({ code: ind.code, message }),
    }),
  );
  return { columns, warnings };
}
