/**
 * Imported indicators (survey scores, statistics): a CSV or XLSX file per region and period.
 *
 * Two layouts, told apart by the header:
 * - long: columns region_code, period, indicator_code, value (one value per row);
 * - wide: columns region_code, period, then one column per indicator code (an empty cell is
 *   simply not imported).
 * A region_name column is allowed and ignored. Every row is checked first (region code known and
 * inside the importer's scope, period well-formed, indicator code well-formed, value a finite
 * number, no cell twice); any error answers 400 naming the row and the column, and nothing is
 * written. A valid file is written in one transaction with its batch and audit record; a value
 * replaces any earlier value of the same (indicator, region, period).
 */
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { actorLabel } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import { INDICATOR_CODE_PATTERN } from './framework.service.js';
import * as repo from './governance-index.repository.js';
import { authorize, scopeFor } from './governance-index.policy.js';
import { isPeriod } from './periods.js';

const CODE_RE = new RegExp(INDICATOR_CODE_PATTERN);
const MAX_ERRORS = 50;
const MAX_VALUES = 500_000;

export type ImportFormat = 'csv' | 'xlsx';

export interface ImportProblem {
  row: number;
  column: string;
  problem: string;
  value?: string;
}

interface Cell {
  row: number;
  regionCode: string;
  period: string;
  code: string;
  /** Header of the column the value came from ('value' in the long layout, the code in wide). */
  column: string;
  raw: string;
}

interface Table {
  header: string[];
  /** [file row number, cells as strings] */
  rows: [number, string[]][];
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: unknown };
    if (o.richText) return o.richText.map((t) => t.text).join('');
    if ('result' in o) return cellText(o.result);
    if (typeof o.text === 'string') return o.text;
    if (o.error !== undefined) return String(o.error);
  }
  return String(v);
}

/** What kind of file this is: by name, then by content (an XLSX is a zip: "PK"). */
export function detectFormat(buf: Buffer, fileName?: string, mime?: string): ImportFormat {
  const name = (fileName ?? '').toLowerCase();
  if (name.endsWith('.xlsx') || (mime ?? '').includes('spreadsheetml')) return 'xlsx';
  if (name.endsWith('.csv') || (mime ?? '').includes('csv')) return 'csv';
  return buf.length >= 2 && buf[0] === 0x50 && buf[1] === 0x4b ? 'xlsx' : 'csv';
}

async function readTable(buf: Buffer, format: ImportFormat): Promise<Table> {
  if (format === 'csv') {
    let records: string[][];
    try {
      records = parseCsv(buf, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
    } catch (e) {
      throw new AppError('index_import_invalid', `file: not a readable CSV (${(e as Error).message})`, [{ row: 0, column: 'file', problem: 'not a readable CSV' }]);
    }
    const [header, ...rest] = records;
    return { header: (header ?? []).map((h) => h.trim()), rows: rest.map((r, i) => [i + 2, r]) };
  }
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new AppError('index_import_invalid', `file: not a readable XLSX workbook (${(e as Error).message})`, [{ row: 0, column: 'file', problem: 'not a readable XLSX workbook' }]);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new AppError('index_import_invalid', 'file: the workbook has no sheet', [{ row: 0, column: 'file', problem: 'no sheet' }]);
  const header: string[] = [];
  const rows: [number, string[]][] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: string[] = [];
    const n = Math.max(row.cellCount, header.length);
    for (let c = 1; c <= n; c++) values.push(cellText(row.getCell(c).value).trim());
    if (header.length === 0) header.push(...values);
    else if (values.some((v) => v !== '')) rows.push([rowNumber, values]);
  });
  return { header, rows };
}

export interface ParsedImport {
  format: ImportFormat;
  layout: 'long' | 'wide';
  cells: Cell[];
  rowCount: number;
}

/** Parse and check the shape of the file (not yet the regions). Throws index_import_invalid. */
export async function parseIndicatorFile(buf: Buffer, fileName?: string, mime?: string): Promise<ParsedImport> {
  const format = detectFormat(buf, fileName, mime);
  const t = await readTable(buf, format);
  const h = t.header.map((x) => x.replace(/^\uFEFF/, '').trim().toLowerCase());
  const problems: ImportProblem[] = [];
  const col = (name: string): number => h.indexOf(name);
  if (t.header.length === 0) throw new AppError('index_import_invalid', 'file: is empty', [{ row: 1, column: 'file', problem: 'is empty' }]);
  for (const need of ['region_code', 'period']) {
    if (col(need) < 0) throw new AppError('index_import_invalid', `row 1, column ${need}: the header has no "${need}" column`, [{ row: 1, column: need, problem: 'missing from the header' }]);
  }
  const long = col('indicator_code') >= 0 || col('value') >= 0;
  const cells: Cell[] = [];
  const iRegion = col('region_code');
  const iPeriod = col('period');
  if (long) {
    for (const need of ['indicator_code', 'value']) {
      if (col(need) < 0) throw new AppError('index_import_invalid', `row 1, column ${need}: the header has no "${need}" column`, [{ row: 1, column: need, problem: 'missing from the header' }]);
    }
    const iCode = col('indicator_code');
    const iValue = col('value');
    for (const [row, r] of t.rows) cells.push({ row, regionCode: r[iRegion] ?? '', period: r[iPeriod] ?? '', code: r[iCode] ?? '', column: 'value', raw: r[iValue] ?? '' });
  } else {
    const indicatorCols: [number, string][] = [];
    h.forEach((name, i) => {
      if (i === iRegion || i === iPeriod || name === 'region_name' || name === '') return;
      if (!CODE_RE.test(name)) problems.push({ row: 1, column: t.header[i]!, problem: 'is not an indicator code (lower-case letters, digits and _, starting with a letter)' });
      else indicatorCols.push([i, name]);
    });
    if (indicatorCols.length === 0 && problems.length === 0) {
      problems.push({ row: 1, column: 'indicator_code', problem: 'the header has neither indicator_code/value columns (long layout) nor indicator columns (wide layout)' });
    }
    for (const [row, r] of t.rows) {
      for (const [i, code] of indicatorCols) {
        const raw = r[i] ?? '';
        // Wide layout: an empty cell is a value nobody measured, not an error.
        if (raw === '') continue;
        cells.push({ row, regionCode: r[iRegion] ?? '', period: r[iPeriod] ?? '', code, column: code, raw });
      }
    }
  }
  if (problems.length) throw importError(problems);
  if (t.rows.length === 0 || cells.length === 0) throw new AppError('index_import_invalid', 'file: has no values', [{ row: 2, column: 'file', problem: 'no values' }]);
  if (cells.length > MAX_VALUES) throw new AppError('index_import_invalid', `file: more than ${MAX_VALUES} values; split it`, [{ row: 0, column: 'file', problem: 'too many values' }]);
  return { format, layout: long ? 'long' : 'wide', cells, rowCount: t.rows.length };
}

function importError(problems: ImportProblem[]): AppError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new AppError('index_import_invalid', `row ${first.row}, column ${first.column}: ${first.problem}${more}`, problems.slice(0, MAX_ERRORS));
}

// Plain decimal notation only (no hex, no "Infinity"); a thousands separator is refused, as it
// is ambiguous.
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export interface ImportResult {
  batchId: number;
  format: ImportFormat;
  layout: 'long' | 'wide';
  rows: number;
  values: number;
  indicators: string[];
  periods: string[];
  regions: number;
}

export async function importIndicators(db: Database, ctx: Ctx, file: { buffer: Buffer; fileName?: string | undefined; mime?: string | undefined; note?: string | undefined }): Promise<ImportResult> {
  authorize(ctx.actor, 'index.indicators.import');
  const parsed = await parseIndicatorFile(file.buffer, file.fileName, file.mime);
  const scope = scopeFor(ctx.actor, 'index.indicators.import');
  const regions = await repo.regionsByCodes(db, [...new Set(parsed.cells.map((c) => c.regionCode).filter((c) => c !== ''))], scope);
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  const values: { indicatorCode: string; regionId: number; period: string; value: number }[] = [];
  const badRows = new Set<string>();
  const report = (p: ImportProblem): void => {
    const k = `${p.row}:${p.column}`;
    if (badRows.has(k)) return;
    badRows.add(k);
    problems.push(p);
  };
  for (const c of parsed.cells) {
    let ok = true;
    const region = regions.get(c.regionCode);
    if (c.regionCode === '') {
      report({ row: c.row, column: 'region_code', problem: 'is empty' });
      ok = false;
    } else if (!region) {
      // Outside the importer's scope reads exactly like unknown: no existence leak.
      report({ row: c.row, column: 'region_code', problem: `unknown region code "${c.regionCode}"`, value: c.regionCode });
      ok = false;
    }
    if (!isPeriod(c.period)) {
      report({ row: c.row, column: 'period', problem: `"${c.period}" is not a period (2026, 2026-Q3 or 2026-11)`, value: c.period });
      ok = false;
    }
    if (!CODE_RE.test(c.code)) {
      report({ row: c.row, column: 'indicator_code', problem: `"${c.code}" is not an indicator code (lower-case letters, digits and _, starting with a letter)`, value: c.code });
      ok = false;
    }
    const v = NUMBER_RE.test(c.raw) ? Number(c.raw) : NaN;
    if (!Number.isFinite(v)) {
      report({ row: c.row, column: c.column, problem: c.raw === '' ? 'is empty' : `"${c.raw}" is not a number`, value: c.raw });
      ok = false;
    }
    if (!ok) continue;
    const key = `${c.code}|${region!.id}|${c.period}`;
    const dup = seen.get(key);
    if (dup !== undefined) {
      report({ row: c.row, column: c.column, problem: `${c.code} for ${c.regionCode} in ${c.period} is already given on row ${dup}` });
      continue;
    }
    seen.set(key, c.row);
    values.push({ indicatorCode: c.code, regionId: region!.id, period: c.period, value: v });
  }
  if (problems.length) throw importError(problems.sort((a, b) => a.row - b.row));
  const indicators = [...new Set(values.map((v) => v.indicatorCode))].sort();
  const periods = [...new Set(values.map((v) => v.period))].sort();
  const who = actorLabel(ctx.actor);
  const batchId = await inTx(db, ctx, async (c) => {
    const id = await repo.insertImportBatch(c.tx, {
      fileName: file.fileName ?? null,
      format: parsed.format,
      layout: parsed.layout,
      rowCount: parsed.rowCount,
      valueCount: values.length,
      indicatorCodes: indicators,
      periods,
      note: file.note ?? null,
      createdByType: who.type,
      createdById: who.id,
      createdByName: who.name,
      createdAt: c.now,
    });
    await repo.upsertImportedValues(c.tx, id, values, c.now);
    await recordAudit(c, {
      action: 'index.indicators.import',
      targetType: 'index_import_batch',
      targetId: id,
      before: null,
      after: { fileName: file.fileName ?? null, format: parsed.format, layout: parsed.layout, values: values.length, indicators, periods },
    });
    return id;
  });
  return { batchId, format: parsed.format, layout: parsed.layout, rows: parsed.rowCount, values: values.length, indicators, periods, regions: new Set(values.map((v) => v.regionId)).size };
}
