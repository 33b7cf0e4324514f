/**
 * What opening the embedded engine costs in resident memory, one configuration per process:
 *   node --expose-gc --import tsx bench/pglite-memory.ts VARIANT [PG_DATA_DIR]
 * VARIANT is a '+'-joined list of: bare (no extensions) | trgm | postgis (pglite-postgis as
 * shipped) | trimmed (src/platform/pglite-postgis.ts) | nodecode (Emscripten's noWasmDecoding:
 * .so files compiled on dlopen, not at start) | mem=MB (initialMemory) | c:name=value (a -c
 * start parameter). PG_DATA_DIR is a PGlite data folder (a gongzhi data folder's pg/); without
 * it, in memory (a fresh initdb). Prints VmRSS and smaps groups after each step.
 */
import fs from 'node:fs';
import type { Extensions } from '@electric-sql/pglite';
import { printSmaps } from './pglite-smaps.js';

const mb = (n: number) => Math.round(n / 1_048_576);
const vmRss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024);
function snap(step: string, smaps = false): void {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`${step.padEnd(36)} VmRSS ${String(vmRss()).padStart(5)} MB  heapUsed ${String(mb(m.heapUsed)).padStart(4)}  external ${String(mb(m.external)).padStart(5)}  arrayBuffers ${String(mb(m.arrayBuffers)).padStart(5)}\n`);
  if (smaps) printSmaps(step);
}

const variant = (process.argv[2] ?? 'postgis').split('+');
const dataDir = process.argv[3];
const has = (v: string) => variant.includes(v);
snap('node + tsx');
const { PGlite } = await import('@electric-sql/pglite');
const { postgis } = await import('@electric-sql/pglite-postgis');
const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
const { trimmedPostgis } = await import('../src/platform/pglite-postgis.js');

type Ext = typeof postgis;
const withNoDecoding = (e: Ext): Ext => ({
  name: e.name,
  async setup(pg, opts) {
    const r = await e.setup(pg, opts);
    (r.emscriptenOpts as { noWasmDecoding?: boolean }).noWasmDecoding = true;
    return r;
  },
});
let gis: Ext | undefined = has('postgis') ? postgis : has('trimmed') ? trimmedPostgis(postgis) : undefined;
if (gis && has('nodecode')) gis = withNoDecoding(gis);
const extensions: Extensions = {};
if (gis) extensions.postgis = gis;
if (!has('bare')) extensions.pg_trgm = pg_trgm;
const memArg = variant.find((v) => v.startsWith('mem='));
const cArgs = variant.filter((v) => v.startsWith('c:')).flatMap((v) => ['-c', v.slice(2)]);
const t0 = Date.now();
const db = await PGlite.create({
  ...(dataDir ? { dataDir } : {}),
  extensions,
  ...(memArg ? { initialMemory: Number(memArg.slice(4)) * 1_048_576 } : {}),
  ...(cArgs.length ? { startParams: [...PGlite.defaultStartParams, ...cArgs] } : {}),
});
const wasmMem = () => mb((db as unknown as { mod: { HEAPU8: Uint8Array } }).mod.HEAPU8.byteLength);
snap(`open ${variant.join('+')} (${Date.now() - t0} ms)`, true);
if (!dataDir && gis) await db.exec('CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;');
const show = await db.query<{ s: string }>(
  `SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) AS s FROM pg_settings
    WHERE name IN ('shared_buffers','work_mem','wal_buffers','temp_buffers','maintenance_work_mem','max_connections')`,
);
process.stdout.write(`  settings: ${show.rows[0]?.s}  wasm memory ${wasmMem()} MB\n`);
if (gis) {
  // Makes PostgreSQL dlopen postgis-3.so and PROJ resolve EPSG:4326 (geography spheroid).
  const r = await db.query(`SELECT ST_Area(ST_MakeEnvelope(102, 24, 103, 25, 4326)::geography) AS a,
    ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(102.7, 25.0), 4326), 3857)) AS t`);
  process.stdout.write(`  postgis answers: ${JSON.stringify(r.rows[0])}\n`);
  snap('postgis functions called', true);
}
if (dataDir) {
  await db.query('SELECT count(*) FROM region');
  await db.query(`SELECT count(*) FROM region WHERE geom IS NOT NULL AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(102.7, 25.04), 4326))`);
  const rows = await db.query(`SELECT id, ST_AsBinary(geom) AS g FROM region WHERE geom IS NOT NULL`);
  snap(`${rows.rows.length} region geometries read (wasm ${wasmMem()} MB)`, true);
}
if (process.env.MEMPROBE_HOLD) {
  // Time to look at the process from outside (gdb: malloc_stats(), malloc_trim(0); smaps).
  process.stdout.write(`holding pid ${process.pid} for ${process.env.MEMPROBE_HOLD} s\n`);
  await new Promise((r) => setTimeout(r, Number(process.env.MEMPROBE_HOLD) * 1000));
  snap('after hold', true);
}
await db.close();
snap('closed');
