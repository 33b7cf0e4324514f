/**
 * Stage 3: outlier treatment.
 *
 * Winsorisation follows COINr's default rule (see docs/governance-index.md):
 * an indicator PASSES if |skewness| < skewThreshold OR kurtosis < kurtThreshold (sample "type 2"
 * definitions, as Excel's SKEW and KURT). While it fails, for at most `winmax` iterations: if
 * skewness ≥ 0, every value tied at the maximum is replaced by the next-highest distinct value,
 * else the same at the minimum. Iterations are counted, not points: a tie of three values at the
 * maximum is one iteration that moves three points.
 */
import { IndexEngineError } from './errors.js';
import { kurtosis, minMax, skewness } from './stats.js';

export type LogVariant =
  /** ln(x); every present value must be > 0. */
  | 'log'
  /** ln(x + 1); every present value must be > −1. */
  | 'log1p'
  /** COINr's "CTlog": ln(x − min + 0.01·(max − min)), defined for any column with a range. */
  | 'ctlog';

export type TreatSpec =
  | { method: 'none' }
  | {
      method: 'winsorise';
      /** Maximum number of iterations (default 5). */
      winmax?: number;
      skewThreshold?: number;
      kurtThreshold?: number;
      /** If still failing after winmax iterations: undo winsorisation and log-transform instead. */
      fallbackLog?: LogVariant;
    }
  | { method: 'log'; variant?: LogVariant };

export interface TreatLogEntry {
  code: string;
  status: 'passed' | 'winsorised' | 'still_failing' | 'log_transformed' | 'untreated';
  iterations: number;
  /** Units whose value was raised to a new minimum / lowered to a new maximum. */
  lowUnits: string[];
  highUnits: string[];
  skewBefore: number;
  kurtBefore: number;
  skewAfter: number;
  kurtAfter: number;
}

export interface TreatResult {
  columns: Float64Array[];
  log: TreatLogEntry[];
}

export function passesSkewKurt(x: ArrayLike<number>, skewThreshold = 2, kurtThreshold = 3.5): boolean {
  const s = skewness(x);
  const k = kurtosis(x);
  // Too few values to judge (NaN) counts as a pass: there is nothing to treat.
  if (s !== s || k !== k) return true;
  return Math.abs(s) < skewThreshold || k < kurtThreshold;
}

export function logTransform(code: string, x: ArrayLike<number>, variant: LogVariant): Float64Array {
  const out = new Float64Array(x.length);
  const [lo, hi] = minMax(x);
  const shift = variant === 'ctlog' ? -lo + 0.01 * (hi - lo) : variant === 'log1p' ? 1 : 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== v) {
      out[i] = NaN;
      continue;
    }
    const a = v + shift;
    if (!(a > 0)) {
      throw new IndexEngineError('log_nonpositive', `cannot take the ${variant} of indicator "${code}": value ${v} at position ${i} gives a non-positive argument`, {
        code,
        index: i,
        value: v,
        variant,
      });
    }
    out[i] = Math.log(a);
  }
  return out;
}

/**
 * Winsorise one column in place-free fashion. Returns the treated column and which positions
 * moved down (high) or up (low).
 */
export function winsoriseColumn(
  x: ArrayLike<number>,
  winmax = 5,
  skewThreshold = 2,
  kurtThreshold = 3.5,
): { column: Float64Array; iterations: number; low: number[]; high: number[]; passed: boolean } {
  const col = Float64Array.from(x);
  const lowSet = new Set<number>();
  const highSet = new Set<number>();
  let it = 0;
  let passed = passesSkewKurt(col, skewThreshold, kurtThreshold);
  while (!passed && it < winmax) {
    const s = skewness(col);
    const [lo, hi] = minMax(col);
    if (s >= 0) {
      let next = -Infinity;
      for (let i = 0; i < col.length; i++) {
        const v = col[i]!;
        if (v === v && v < hi && v > next) next = v;
      }
      if (next === -Infinity) break; // a single distinct value: nothing left to move
      for (let i = 0; i < col.length; i++) {
        if (col[i] === hi) {
          col[i] = next;
          highSet.add(i);
        }
      }
    } else {
      let next = Infinity;
      for (let i = 0; i < col.length; i++) {
        const v = col[i]!;
        if (v === v && v > lo && v < next) next = v;
      }
      if (next === Infinity) break;
      for (let i = 0; i < col.length; i++) {
        if (col[i] === lo) {
          col[i] = next;
          lowSet.add(i);
        }
      }
    }
    it++;
    passed = passesSkewKurt(col, skewThreshold, kurtThreshold);
  }
  return { column: col, iterations: it, low: [...lowSet].sort((a, b) => a - b), high: [...highSet].sort((a, b) => a - b), passed };
}

export function treat(
  codes: readonly string[],
  units: readonly string[],
  data: readonly Float64Array[],
  spec: TreatSpec,
  perIndicator: Readonly<Record<string, TreatSpec>> = {},
): TreatResult {
  const log: TreatLogEntry[] = [];
  const columns = data.map((x, j) => {
    const code = codes[j]!;
    const s = perIndicator[code] ?? spec;
    const skewBefore = skewness(x);
    const kurtBefore = kurtosis(x);
    const entry = (column: Float64Array, status: TreatLogEntry['status'], iterations: number, low: number[], high: number[]): Float64Array => {
      log.push({
        code,
        status,
        iterations,
        lowUnits: low.map((i) => units[i]!),
        highUnits: high.map((i) => units[i]!),
        skewBefore,
        kurtBefore,
        skewAfter: skewness(column),
        kurtAfter: kurtosis(column),
      });
      return column;
    };
    if (s.method === 'none') return entry(Float64Array.from(x), 'untreated', 0, [], []);
    if (s.method === 'log') return entry(logTransform(code, x, s.variant ?? 'log'), 'log_transformed', 0, [], []);
    const winmax = s.winmax ?? 5;
    if (!Number.isInteger(winmax) || winmax < 0) {
      throw new IndexEngineError('option_invalid', `winmax must be an integer ≥ 0, got ${winmax}`, { option: 'winmax', value: winmax });
    }
    const w = winsoriseColumn(x, winmax, s.skewThreshold ?? 2, s.kurtThreshold ?? 3.5);
    if (w.iterations === 0) return entry(w.column, w.passed ? 'passed' : 'still_failing', 0, [], []);
    if (!w.passed && s.fallbackLog) return entry(logTransform(code, x, s.fallbackLog), 'log_transformed', 0, [], []);
    return entry(w.column, w.passed ? 'winsorised' : 'still_failing', w.iterations, w.low, w.high);
  });
  return { columns, log };
}
