/**
 * COINr-shaped tables (iData + iMeta, as rows of strings) → framework and engine input.
 * Pure: reading the files is the caller's job (see ../cli-run.ts).
 */
import { IndexEngineError } from './errors.js';
import { compileFramework, frameworkSpecFromCoinrMeta } from './framework.js';
import type { Framework, MetaRow } from './framework.js';
import type { IndexInput } from './pipeline.js';

/** Spellings read as "missing" in numeric cells. */
export const NA_SPELLINGS: ReadonlySet<string> = new Set(['', 'NA', 'NaN', 'nan', 'N/A', 'n/a', 'na', 'null', 'NULL', '#N/A', '.']);

export function parseCell(s: string | undefined, column: string, unit: string): number {
  if (s === undefined) return NaN;
  const t = s.trim();
  if (NA_SPELLINGS.has(t)) return NaN;
  const v = Number(t);
  if (!Number.isFinite(v)) {
    throw new IndexEngineError('data_invalid', `column "${column}" has "${s}" for unit "${unit}", which is not a number`, { column, unit, value: s });
  }
  return v;
}

export interface CoinrTables {
  framework: Framework;
  input: IndexInput;
  /** Unit names (uName) by position, if present. */
  unitNames: string[];
}

export function fromCoinrTables(dataRows: Record<string, string | undefined>[], metaRows: MetaRow[]): CoinrTables {
  const framework = compileFramework(frameworkSpecFromCoinrMeta(metaRows));
  if (dataRows.length === 0) throw new IndexEngineError('data_invalid', 'iData has no rows', {});
  if (!('uCode' in dataRows[0]!)) throw new IndexEngineError('data_invalid', 'iData has no "uCode" column', { column: 'uCode' });
  const units = dataRows.map((r, i) => {
    const u = r['uCode']?.trim();
    if (!u) throw new IndexEngineError('data_invalid', `iData row ${i + 2} has an empty uCode`, { row: i + 2 });
    return u;
  });
  const cols = new Set(Object.keys(dataRows[0]!));
  const num = (code: string): Float64Array => {
    if (!cols.has(code)) throw new IndexEngineError('indicator_missing_column', `iData has no column "${code}"`, { code });
    return Float64Array.from(dataRows, (r, i) => parseCell(r[code], code, units[i]!));
  };
  const indicators: Record<string, Float64Array> = {};
  for (const c of framework.indicatorCodes) indicators[c] = num(c);
  const denominators: Record<string, Float64Array> = {};
  const groups: Record<string, (string | undefined)[]> = {};
  for (const r of metaRows) {
    const code = r['iCode']?.trim();
    if (!code || !cols.has(code)) continue;
    if (r['Type'] === 'Denominator') denominators[code] = num(code);
    else if (r['Type'] === 'Group') groups[code] = dataRows.map((d) => (NA_SPELLINGS.has((d[code] ?? '').trim()) ? undefined : d[code]!.trim()));
  }
  // Groups not declared in iMeta but named *_group in iData are groups too (COINr's convention).
  for (const c of cols) if (c.endsWith('_group') && !groups[c]) groups[c] = dataRows.map((d) => (NA_SPELLINGS.has((d[c] ?? '').trim()) ? undefined : d[c]!.trim()));
  return {
    framework,
    input: { units, indicators, denominators, groups },
    unitNames: dataRows.map((r) => r['uName'] ?? ''),
  };
}
