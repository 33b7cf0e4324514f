/**
 * Historical import: the code path of `gongzhi cases import` (importCasesFromCsv: streaming CSV
 * parse, normalisation, locate, batched writes of cases + timeline + audit; `--bulk` for an initial load) on a CSV generated from
 * the US 311 sample's shape (../shared/data/us311-sample.csv, repeated with new ids, its points
 * moved into the demo city so locating and the region columns do real work). Ceiling: COPY of the
 * same rows into a bare table of text columns on the same engine, through Database.copyFrom, the
 * COPY the import stages its batches with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../src/platform/db.js';
import { importCasesFromCsv } from '../src/modules/cases/index.js';
import { CITY_CODE, CITY_EXTENT } from '../src/modules/regions/index.js';
import { benchCtx, rng } from './demo.js';

const SAMPLE = path.resolve('../shared/data/us311-sample.csv');

/** N rows in the sample's columns: new request ids, points spread over the demo city. */
export function generateCsv(n: number): { csv: string; columns: string[] } {
  const rows = parse(fs.readFileSync(SAMPLE, 'utf8'), { skip_empty_lines: true }) as string[][];
  const header = rows[0]!;
  const data = rows.slice(1);
  const iId = header.indexOf('request_id');
  const iLat = header.indexOf('lat');
  const iLon = header.indexOf('lon');
  const r = rng(77);
  const out: string[][] = [header];
  for (let i = 0; i < n; i++) {
    const src = data[i % data.length]!.slice();
    src[iId] = `${src[iId]}-b${Math.floor(i / data.length)}`;
    if (src[iLat] && src[iLon]) {
      src[iLon] = (CITY_EXTENT.west + r() * (CITY_EXTENT.east - CITY_EXTENT.west)).toFixed(6);
      src[iLat] = (CITY_EXTENT.south + r() * (CITY_EXTENT.north - CITY_EXTENT.south)).toFixed(6);
    }
    out.push(src);
  }
  return { csv: stringify(out), columns: header };
}

export interface ImportBenchResult {
  rows: number;
  perSecond: number;
  copyPerSecond: number;
  inserted: number;
  located: number;
  rejected: number;
  /** Whether it ran as `gongzhi cases import --bulk` (the file at least as large as the case table). */
  bulk: boolean;
  /** Cases in the table before the import. */
  existing: number;
}

export async function benchImport(db: Database, n: number): Promise<ImportBenchResult> {
  const { csv, columns } = generateCsv(n);
  const bytes = Buffer.from(csv, 'utf8');
  // The ceiling first, on the same engine and through the same COPY as the import's staging
  // (Database.copyFrom): the file's rows, already split, into a bare table of text columns. Timed:
  // their encoding into COPY's text format and the COPY.
  const rows = (parse(bytes, { skip_empty_lines: true }) as string[][]).slice(1);
  const names = columns.map((_, i) => `c${i}`);
  await db.exec(`DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (${names.map((c) => `${c} text`).join(', ')})`);
  let copyMs: number;
  try {
    const t0 = performance.now();
    const copied = await db.copyFrom(undefined, 'bench_copy', names, rows);
    copyMs = performance.now() - t0;
    if (copied !== n) throw new Error(`bench: COPY wrote ${copied} rows of ${n}`);
  } finally {
    await db.exec('DROP TABLE IF EXISTS bench_copy');
  }

  // `--bulk` is for an initial load: it rebuilds the case tables' GIN/GiST indexes over the whole
  // table, so into a table that already holds more cases than the file (the full run's millions of
  // synthetic KPI cases) it costs more than it saves: 1,928 rows/s into 5.1 M cases on PostgreSQL.
  // The bench does what an operator would: --bulk when the file is at least the table's size.
  const existing = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_file')).rows[0]!.n;
  const bulk = n >= existing;
  const t0 = performance.now();
  const r = await importCasesFromCsv(db, benchCtx(), bytes, { cityCode: CITY_CODE, dataset: 'bench', bulk });
  const ms = performance.now() - t0;
  return { rows: n, perSecond: n / (ms / 1000), copyPerSecond: n / (copyMs / 1000), inserted: r.stored.inserted, located: r.stored.located, rejected: r.rejected, bulk, existing };
}
