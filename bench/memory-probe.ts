/**
 * Where the server's resident memory goes: the start-up steps of `gongzhi serve`, one by one,
 * with process.memoryUsage() and VmRSS after each (run: node --import tsx bench/memory-probe.ts
 * DATA_DIR [pg-url]). Used to write docs/performance.md § Memory; not part of the table.
 * MEMPROBE_SMAPS=1 also prints resident memory by kind of mapping after each step (what no JS
 * counter shows: malloc heap, WASM memory, compiled code; bench/pglite-smaps.ts).
 * MEMPROBE_DB=FILE opens the database with FILE's openDatabase instead of src/platform/db.ts
 * (a saved copy of an earlier version, for a before/after on the same data folder).
 */
import fs from 'node:fs';
import { printSmaps } from './pglite-smaps.js';
const mb = (n: number) => Math.round(n / 1_048_576);
function snap(step: string): void {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  const line = `${step.padEnd(34)} rss ${String(mb(m.rss)).padStart(5)} MB  heapUsed ${String(mb(m.heapUsed)).padStart(4)}  heapTotal ${String(mb(m.heapTotal)).padStart(4)}  external ${String(mb(m.external)).padStart(5)}  arrayBuffers ${String(mb(m.arrayBuffers)).padStart(5)}  (VmRSS ${Math.round(Number(rss) / 1024)} MB)\n`;
  process.stdout.write(line);
  if (process.env.MEMPROBE_SMAPS) printSmaps(step);
}
snap('node + tsx');
const { openDatabase } = (await import(process.env.MEMPROBE_DB ?? '../src/platform/db.js')) as typeof import('../src/platform/db.js');
const { loadConfig } = await import('../src/platform/config.js');
const { buildApp } = await import('../src/app.js');
const { MODULES } = await import('../src/modules/registry.js');
snap('modules imported');
const dataDir = process.argv[2];
const url = process.argv[3];
const db = await openDatabase(url ? { databaseUrl: url } : { dataDir });
snap(`database open (${db.engine})`);
await db.query('SELECT count(*) FROM region');
snap('first query on region');
const config = { ...loadConfig({ ...process.env, GONGZHI_DATA_DIR: dataDir }), secret: 'x'.repeat(32) };
const app = await buildApp({ db, config });
snap('buildApp');
const deps = { db, config, now: () => new Date() };
for (const m of MODULES) {
  if (!m.onReady) continue;
  await m.onReady(deps);
  snap(`onReady ${m.name}`);
}
await db.close();
snap('database closed');
await app.close();
