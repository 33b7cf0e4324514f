/**
 * Historical import: the code path of `gongzhi cases import` (importCasesFromCsv: streaming CSV
 * parse, normalisation, locate, batched writes of cases + timeline + audit; `--bulk` for an initial load) on a CSV generated from
 * the US 311 sample's shape (../shared/data/us311-sample.csv, repeated with new ids, its points
 * moved into the demo city so locating and the region columns do real work). Ceiling: COPY of the
 * same bytes into a bare table of text columns on the same engine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import pg from 'pg';
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

/** COPY … FROM STDIN through node-postgres without pg-copy-streams: a minimal Submittable. */
function copyIn(client: pg.Client, sql: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let err: Error | undefined;
    const q = {
      submit(connection: { query(text: string): void }) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }) {
        for (let i = 0; i < data.length; i += 1 << 20) connection.sendCopyFromChunk(data.subarray(i, i + (1 << 20)));
        connection.endCopyFrom();
      },
      handleCommandComplete() {},
      handleError(e: Error) {
        err = e;
      },
      handleReadyForQuery() {
        if (err) reject(err);
        else resolve();
      },
    };
    void client.query(q as never);
  });
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

export async function benchImport(db: Database, engine: 'pglite' | 'postgres', databaseUrl: string | undefined, n: number): Promise<ImportBenchResult> {
  const { csv, columns } = generateCsv(n);
  const bytes = Buffer.from(csv, 'utf8');
  const table = `CREATE TABLE bench_copy (${columns.map((c) => `"${c}" text`).join(', ')})`;

  // The ceiling first, on the same engine: COPY of the same bytes into a bare table.
  let copyMs: number;
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP TABLE IF EXISTS bench_copy; ${table}`);
      const t0 = performance.now();
      await copyIn(client, `COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)`, bytes);
      copyMs = performance.now() - t0;
      await client.query('DROP TABLE bench_copy');
    } finally {
      await client.end();
    }
  } else {
    // The Database wrapper does not expose PGlite's COPY from a blob: a second, bare PGlite
    // instance on its own data folder (same engine and build, no extensions needed).
    const { PGlite } = await import('@electric-sql/pglite');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-bench-copy-'));
    const lite = await PGlite.create({ dataDir: dir });
    try {
      await lite.exec(table);
      const t0 = performance.now();
      await lite.query(`COPY bench_copy FROM '/dev/blob' WITH (FORMAT csv, HEADER true)`, [], { blob: new Blob([bytes]) });
      copyMs = performance.now() - t0;
    } finally {
      await lite.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
