/**
 * `npm run bench [-- --quick] [-- --json FILE]`: the performance proof. Every measurement is
 * paired with a ceiling measured in the same run on the same machine, and the table prints the
 * ratio, because these machines are shared and noisy: a ratio is comparable across runs, an
 * absolute figure less so. Goals are the issue's; a missed goal is printed as missed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { benchIndex } from './index-bench.js';
import { cannon, closedLoop, freePort, percentile, startChild } from './lib.js';
import { openDatabase, type Database } from '../src/platform/db.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonIdx = args.indexOf('--json');
const jsonFile = jsonIdx >= 0 && args[jsonIdx + 1] ? args[jsonIdx + 1]! : 'bench/results.json';
const pgUrl = process.env.DATABASE_URL;

export interface Row {
  key: string;
  what: string;
  value: number | null;
  unit: string;
  ceilingKey?: string;
  /** 'higher' when more is better (throughput), 'lower' for latencies. */
  better: 'higher' | 'lower';
  goal?: { op: '>=' | '<='; value: number; ratio?: { op: '>='; value: number } };
  note?: string;
}

const results: Record<string, number | null> = {};
const rows: Row[] = [];
function record(r: Row): void {
  results[r.key] = r.value === null ? null : Math.round(r.value * 100) / 100;
  rows.push(r);
  const v = r.value === null ? 'n/a' : r.value.toFixed(r.value < 10 ? 2 : 0);
  process.stderr.write(`  ${r.key} = ${v} ${r.unit}${r.note ? ` (${r.note})` : ''}\n`);
}

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function benchHello(): Promise<void> {
  const port = await freePort();
  const child = await startChild(['--import', 'tsx', 'bench/hello-server.ts'], {}, port);
  try {
    await cannon({ url: `${child.url}/hello`, connections: 32, duration: 1 });
    const r = await cannon({ url: `${child.url}/hello`, connections: 32, duration: quick ? 3 : 10 });
    record({ key: 'ceiling.http.hello_per_s', what: 'bare Fastify route, 32 clients', value: r.perSecond, unit: 'req/s', better: 'higher' });
  } finally {
    await child.stop();
  }
}

async function bareInsert(db: Database, engine: string, concurrency: number): Promise<void> {
  await db.exec('DROP TABLE IF EXISTS bench_bare; CREATE TABLE bench_bare (id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  const n = quick ? 2000 : 10000;
  await closedLoop(200, concurrency, (i) => db.tx((tx) => tx.query('INSERT INTO bench_bare (payload) VALUES ($1)', [`warm ${i}`])));
  const r = await closedLoop(n, concurrency, (i) => db.tx((tx) => tx.query('INSERT INTO bench_bare (payload) VALUES ($1)', [`row ${i}`])));
  record({ key: `ceiling.${engine}.insert_per_s`, what: `bare one-row INSERT + commit (${concurrency} in flight)`, value: r.perSecond, unit: 'rows/s', better: 'higher', note: `p99 ${percentile(r.latencies, 99).toFixed(1)} ms` });
  await db.exec('DROP TABLE bench_bare');
}

async function benchStart(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-bench-start-'));
  try {
    // First start creates and migrates the folder; the measured start is the second one, on an
    // existing embedded data folder, as a restarted server would be.
    const first = await startChild(['bin/gongzhi.js', 'serve'], { GONGZHI_DATA_DIR: dir, DATABASE_URL: '' }, await freePort(), '/readyz', 180_000);
    await first.stop();
    const second = await startChild(['bin/gongzhi.js', 'serve'], { GONGZHI_DATA_DIR: dir, DATABASE_URL: '' }, await freePort(), '/readyz', 180_000);
    await second.stop();
    record({ key: 'start.embedded_ms', what: '`gongzhi serve` on an existing embedded data folder until /readyz', value: second.startedMs, unit: 'ms', better: 'lower', goal: { op: '<=', value: 15_000 } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ratio(r: Row): number | null {
  if (!r.ceilingKey || r.value === null) return null;
  const c = results[r.ceilingKey];
  if (c === null || c === undefined || c === 0) return null;
  return r.better === 'higher' ? r.value / c : c / r.value;
}

function verdict(r: Row): string {
  if (!r.goal || r.value === null) return '';
  const okValue = r.goal.op === '>=' ? r.value >= r.goal.value : r.value <= r.goal.value;
  const rt = ratio(r);
  const okRatio = !r.goal.ratio || (rt !== null && rt >= r.goal.ratio.value);
  return okValue && okRatio ? 'met' : 'MISSED';
}

function printTable(): void {
  const lines = [['key', 'value', 'unit', 'ceiling', 'ratio', 'goal', 'verdict']];
  for (const r of rows) {
    const rt = ratio(r);
    const goal = r.goal ? `${r.goal.op} ${r.goal.value}${r.goal.ratio ? ` and ≥ ${r.goal.ratio.value}× ceiling` : ''}` : '';
    lines.push([
      r.key,
      r.value === null ? 'n/a' : r.value >= 100 ? r.value.toFixed(0) : r.value.toFixed(2),
      r.unit,
      r.ceilingKey ? `${r.ceilingKey} = ${results[r.ceilingKey] ?? 'n/a'}` : '',
      rt === null ? '' : `${rt.toFixed(2)}×`,
      goal,
      verdict(r),
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const [n, l] of lines.entries()) {
    process.stdout.write(`${l.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
    if (n === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
}

async function main(): Promise<void> {
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
  const engines = { pglite: versionOf('@electric-sql/pglite'), pglitePostgis: versionOf('@electric-sql/pglite-postgis'), fastify: versionOf('fastify'), postgres: pgUrl ? 'DATABASE_URL' : 'not configured' };
  process.stderr.write(`gongzhi bench${quick ? ' (quick)' : ''} on ${machine.cores} cores, ${machine.memoryGb} GiB, ${machine.cpu}, Node ${machine.node}\n`);

  process.stderr.write('ceilings…\n');
  await benchHello();
  const lite = await openDatabase({});
  try {
    await bareInsert(lite, 'pglite', 1);
  } finally {
    await lite.close();
  }
  if (pgUrl) {
    const pg = await openDatabase({ databaseUrl: pgUrl, poolMax: 32 });
    try {
      await bareInsert(pg, 'postgres', 32);
    } finally {
      await pg.close();
    }
  }

  process.stderr.write('governance index…\n');
  const idx = await benchIndex(quick);
  record({ key: 'index.compute_ms', what: `index pipeline, ${idx.units} units × ${idx.indicators} indicators (median)`, value: idx.computeMs, unit: 'ms', better: 'lower', goal: { op: '<=', value: 200 } });
  record({ key: 'index.montecarlo_ms', what: `${idx.replications} Monte Carlo replications`, value: idx.montecarloMs, unit: 'ms', better: 'lower', goal: { op: '<=', value: 10_000 } });

  process.stderr.write('server start…\n');
  await benchStart();

  printTable();
  const out = { at: new Date().toISOString(), quick, machine, engines, results, rows: rows.map((r) => ({ ...r, ratio: ratio(r), verdict: verdict(r) })) };
  fs.mkdirSync(path.dirname(path.resolve(jsonFile)), { recursive: true });
  fs.writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`wrote ${jsonFile}\n`);
}

await main();
