/**
 * Where the server's resident memory goes under the intake load: starts `gongzhi serve` the way
 * bench/intake-bench.ts does (its own process, 32 clients posting POST /api/cases), and reads
 * the child's VmRSS, smaps groups (bench/pglite-smaps.ts) and, through a small preload, its
 * process.memoryUsage() and V8 heap spaces at each step: ready, after the warm-up, after the
 * load, after 5 s idle, after a full GC (with --expose-gc in --node-args). Not part of the table.
 *
 *   node --import tsx bench/memory-server.ts [--quick] [--engine postgres|pglite]
 *        [--url URL | --data-dir DIR] [--keep] [--seconds 20] [--entry bin/gongzhi.js]
 *        [--node-args "--max-semi-space-size=2"] [--runtime-flags "--heap-growing-percent=30"]
 *        [--env K=V,K=V] [--no-preload] [--alloc-prof FILE.heapprofile] [--detail]
 *
 * --url / --data-dir reuse a seeded demo city (--keep prints the one it seeds and leaves it).
 * --entry runs another entry point (a compiled copy of src, bench/memory-compile.ts).
 * --no-preload: only VmRSS and smaps (no preload module in the child at all).
 * The heap figures are the main thread's isolate only: a worker thread's heap shows in VmRSS and
 * smaps, not in heapUsed.
 * --alloc-prof: V8's sampling heap profiler over the load, counting objects already collected,
 *   i.e. what the requests allocate, not what they keep (bench/memory-allocs.ts sums it up).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { demoPglite, demoPostgres, type DemoDb } from './demo.js';
import { intakeInputs, intakeLoad } from './intake-bench.js';
import { freePort } from './lib.js';
import { largestAnon, smapsGroups } from './pglite-smaps.js';

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(n);
const opt = (n: string, d?: string) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : d;
};
const quick = flag('--quick');
const engine = (opt('--engine', process.env.DATABASE_URL ? 'postgres' : 'pglite') as 'postgres' | 'pglite');
const seconds = Number(opt('--seconds', quick ? '6' : '20'));
const entry = opt('--entry', 'bin/gongzhi.js')!;
const nodeArgs = (opt('--node-args', '') ?? '').split(' ').filter(Boolean);
// v8.setFlagsFromString in the child's preload, after V8 started: what a line in the server's own
// start-up code would do (flags read at each GC, such as --heap-growing-percent, take effect).
const runtimeFlags = opt('--runtime-flags', '');
const extraEnv = Object.fromEntries((opt('--env', '') ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const log = (m: string) => process.stdout.write(`${m}\n`);

let demo: DemoDb | undefined;
let d: Pick<DemoDb, 'engine' | 'dataDir' | 'databaseUrl'>;
if (opt('--url')) d = { engine: 'postgres', databaseUrl: opt('--url'), dataDir: undefined };
else if (opt('--data-dir')) d = { engine: 'pglite', dataDir: opt('--data-dir'), databaseUrl: undefined };
else {
  demo = engine === 'postgres' ? await demoPostgres(process.env.DATABASE_URL!, quick) : await demoPglite(quick);
  d = demo;
  log(`demo city: ${JSON.stringify(demo.sizes)} ${demo.databaseUrl ?? demo.dataDir}`);
}

const { points, categories, keys } = await intakeInputs(d as DemoDb, quick);

// The preload: on SIGUSR2 it writes memoryUsage, heap spaces and heap statistics to a file.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-memsrv-'));
const report = path.join(work, 'report.json');
const gcFlag = path.join(work, 'gc');
const preload = path.join(work, 'preload.mjs');
fs.writeFileSync(
  preload,
  `import fs from 'node:fs'; import v8 from 'node:v8'; import { PerformanceObserver } from 'node:perf_hooks';
${runtimeFlags ? `v8.setFlagsFromString(${JSON.stringify(runtimeFlags)});` : ''}
const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
new PerformanceObserver((l) => { for (const e of l.getEntries()) { const major = e.detail?.kind === 4 || e.detail?.kind === 8; gc[major ? 'major' : 'minor']++; gc[major ? 'majorMs' : 'minorMs'] += e.duration; } }).observe({ entryTypes: ['gc'] });
import { Session } from 'node:inspector';
let session;
const profDir = ${JSON.stringify(work)};
process.on('SIGUSR2', () => {
  if (fs.existsSync(profDir + '/prof-start')) {
    fs.rmSync(profDir + '/prof-start');
    session = new Session(); session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return;
  }
  if (fs.existsSync(profDir + '/prof-stop')) {
    fs.rmSync(profDir + '/prof-stop');
    session.post('HeapProfiler.stopSampling', (err, r) => { fs.writeFileSync(profDir + '/alloc.heapprofile', JSON.stringify(err ?? r.profile)); session.disconnect(); });
    return;
  }
  if (fs.existsSync(${JSON.stringify(gcFlag)})) { fs.rmSync(${JSON.stringify(gcFlag)}); globalThis.gc?.(); }
  const out = { gc: { ...gc }, mem: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces: v8.getHeapSpaceStatistics(), handles: process.getActiveResourcesInfo().length };
  fs.writeFileSync(${JSON.stringify(report)} + '.tmp', JSON.stringify(out)); fs.renameSync(${JSON.stringify(report)} + '.tmp', ${JSON.stringify(report)});
});\n`,
);
const usePreload = !flag('--no-preload');
const secretDir = path.join(work, 'data');
fs.mkdirSync(secretDir);
const env = d.engine === 'postgres'
  ? { DATABASE_URL: d.databaseUrl, GONGZHI_DATA_DIR: secretDir, GONGZHI_PG_POOL_MAX: '32' }
  : { DATABASE_URL: '', GONGZHI_DATA_DIR: d.dataDir };
const port = await freePort();
const args = [...nodeArgs, ...(usePreload ? ['--import', preload] : []), entry, 'serve'];
log(`child: node ${args.join(' ')}  (${d.engine}${runtimeFlags ? `, runtime flags ${runtimeFlags}` : ''}${Object.keys(extraEnv).length ? `, env ${JSON.stringify(extraEnv)}` : ''})`);
const t0 = performance.now();
const proc = spawn(process.execPath, args, { env: { ...process.env, ...env, ...extraEnv, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
proc.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
const url = `http://127.0.0.1:${port}`;
for (;;) {
  if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${stderr}`);
  try {
    if ((await fetch(`${url}/readyz`)).status === 200) break;
  } catch {
    /* not yet */
  }
  await new Promise((r) => setTimeout(r, 50));
}
log(`ready in ${Math.round(performance.now() - t0)} ms`);

const mb = (n: number) => Math.round(n / 1_048_576);
/** The server's CPU time (user + system, all threads: GC helpers and the engine included). */
const cpuMs = () => {
  const stat = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
};
const vmRss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1]) / 1024);
interface Report {
  gc: { minor: number; minorMs: number; major: number; majorMs: number };
  mem: NodeJS.MemoryUsage;
  heap: { total_heap_size: number; used_heap_size: number; malloced_memory: number; peak_malloced_memory: number; external_memory: number };
  spaces: Array<{ space_name: string; space_size: number; space_used_size: number; physical_space_size: number }>;
}
let lastGc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
async function snap(step: string, gc = false): Promise<void> {
  let r: Report | undefined;
  if (usePreload) {
    fs.rmSync(report, { force: true });
    if (gc) fs.writeFileSync(gcFlag, '1');
    proc.kill('SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(report); i++) await new Promise((res) => setTimeout(res, 50));
    if (fs.existsSync(report)) r = JSON.parse(fs.readFileSync(report, 'utf8')) as Report;
  }
  const line = [`${step.padEnd(28)} VmRSS ${String(vmRss()).padStart(5)} MB`];
  if (r) {
    const m = r.mem;
    const g = r.gc;
    line.push(`gc since last step: ${g.minor - lastGc.minor} minor ${Math.round(g.minorMs - lastGc.minorMs)} ms, ${g.major - lastGc.major} major ${Math.round(g.majorMs - lastGc.majorMs)} ms;`);
    lastGc = g;
    line.push(`heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} malloced(v8) ${mb(r.heap.malloced_memory)}`);
    line.push(
      '\n    spaces (physical/used MB): ' +
        r.spaces
          .filter((s) => s.physical_space_size > 512 * 1024)
          .map((s) => `${s.space_name.replace('_space', '')} ${mb(s.physical_space_size)}/${mb(s.space_used_size)}`)
          .join(', '),
    );
  }
  log(line.join('  '));
  log(
    '    smaps: ' +
      smapsGroups(proc.pid!)
        .filter((g) => g.rssKb >= 2048)
        .map((g) => `${g.group} ${Math.round(g.rssKb / 1024)}${flag('--detail') ? ` (virt ${Math.round(g.sizeKb / 1024)}, ${g.mappings} maps)` : ''}`)
        .join('; '),
  );
  if (flag('--detail')) log(`    largest anon: ${largestAnon(proc.pid!, 16).join('; ')}`);
}

try {
  await snap('ready');
  const post = async (body: unknown, key: string) => {
    const r = await fetch(`${url}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    await r.text();
    return { status: r.status };
  };
  const { run } = await intakeLoad(url, points, keys, categories, post);
  await run(quick ? 2 : 5);
  await snap('after warm-up');
  const allocProf = opt('--alloc-prof');
  if (allocProf) {
    fs.writeFileSync(path.join(work, 'prof-start'), '');
    proc.kill('SIGUSR2');
    await new Promise((res) => setTimeout(res, 300));
  }
  const cpuBefore = cpuMs();
  const r = await run(seconds);
  const cpu = cpuMs() - cpuBefore;
  const accepted = (r.statusCodeStats as Record<string, { count: number }> | undefined)?.['201']?.count ?? 0;
  log(`load: ${seconds} s, ${accepted} accepted (${(accepted / r.duration).toFixed(1)}/s), p99 ${r.latency.p99} ms, non2xx ${r.non2xx}, errors ${r.errors + r.timeouts}; server CPU ${Math.round(cpu)} ms = ${(cpu / Math.max(1, accepted)).toFixed(2)} ms per accepted case`);
  if (allocProf) {
    fs.writeFileSync(path.join(work, 'prof-stop'), '');
    proc.kill('SIGUSR2');
    const f = path.join(work, 'alloc.heapprofile');
    for (let i = 0; i < 200 && !fs.existsSync(f); i++) await new Promise((res) => setTimeout(res, 100));
    await new Promise((res) => setTimeout(res, 500));
    fs.copyFileSync(f, allocProf);
    log(`allocation profile (sampled, objects collected included) of the load: ${allocProf}`);
  }
  await snap('after load (= bench figure)');
  await new Promise((res) => setTimeout(res, 5000));
  await snap('after 5 s idle');
  if (usePreload) await snap('after full GC', true);
} finally {
  proc.kill('SIGTERM');
  await new Promise((res) => proc.once('exit', res));
  fs.rmSync(work, { recursive: true, force: true });
  if (demo && !flag('--keep')) await demo.cleanup();
  else if (demo) log(`kept: ${demo.databaseUrl ?? demo.dataDir}`);
}
