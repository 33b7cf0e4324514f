/**
 * Soak suite: a steady mixed load from every role for N minutes against a `gongzhi serve` child.
 *
 *   npm run soak -- --minutes 30 [--engine pglite|pg] [--rate 1]
 *   node --import tsx test/resilience/soak.ts --minutes 1          (what CI runs)
 *
 * Roles and what they do, each in its own loop at a steady pace (--rate scales every pace):
 * an integration (API key) and a resident report cases; the resident reads "my reports"; the
 * centre operator reads the queue, accepts and dispatches; the department handler signs for and
 * handles; the grid worker verifies; the operator closes; the analyst reads KPIs; the command
 * screen reads the KPI summary and the case map; the public reads public case pages and regions.
 * Passes when no response has a status ≥ 500 (nor a hang past 30 s) and the server's resident
 * memory (VmRSS) grows less than 10 % between the baseline sample (minute 2; 20 s into runs of
 * 2 minutes or less) and the end.
 */
import { arg, createTarget, http, log, percentile, ServerChild, sleep, type EngineName } from './lib.js';

const minutes = Number(arg('minutes', '1'));
const engine = (arg('engine', 'pglite') as EngineName) ?? 'pglite';
const rate = Number(arg('rate', '1'));
const durationMs = minutes * 60_000;
const baselineMs = minutes > 2 ? 120_000 : 20_000;
const maxGrowth = 0.1;

interface RouteStats {
  n: number;
  byStatus: Record<string, number>;
  ms: number[];
}
const stats = new Map<string, RouteStats>();
const failures: string[] = [];

const target = await createTarget(engine);
const server = new ServerChild(target);
let exitCode = 1;
try {
  const w = target.world;
  log(`soak/${engine}: serve ready in ${await server.start()} ms; running ${minutes} min`);
  server.proc!.once('exit', (code, sig) => failures.push(`the server exited (${code ?? sig})`));

  const t0 = Date.now();
  const deadline = t0 + durationMs;
  const call = async (name: string, method: string, url: string, headers: Record<string, string>, body?: unknown) => {
    let s = stats.get(name);
    if (!s) stats.set(name, (s = { n: 0, byStatus: {}, ms: [] }));
    s.n += 1;
    try {
      const r = await http(server.url, method, url, { headers, ...(body !== undefined ? { body } : {}), timeoutMs: 30_000 });
      s.byStatus[r.status] = (s.byStatus[r.status] ?? 0) + 1;
      s.ms.push(r.ms);
      if (r.status >= 500 && failures.length < 50) failures.push(`${name}: ${method} ${url} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return r;
    } catch (e) {
      const k = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      s.byStatus[k] = (s.byStatus[k] ?? 0) + 1;
      if (failures.length < 50) failures.push(`${name}: ${method} ${url} → ${k} ${(e as Error).message}`);
      return undefined;
    }
  };
  /** A loop that runs `step` every `everyMs` (scaled by --rate) until the end. */
  const every = async (everyMs: number, step: () => Promise<unknown>) => {
    const period = everyMs / rate;
    while (Date.now() < deadline) {
      const started = Date.now();
      await step();
      await sleep(Math.max(0, period - (Date.now() - started)));
    }
  };
  const queues = { reported: [] as number[], dispatched: [] as number[], handled: [] as number[], verified: [] as number[], publicIds: [] as string[] };
  const take = (q: number[]) => q.shift();
  const newCase = (r: Awaited<ReturnType<typeof call>>) => {
    if (r?.status !== 201) return;
    const k = (r.body as { case: { id: number; publicId: string } }).case;
    queues.reported.push(k.id);
    queues.publicIds.push(k.publicId);
    if (queues.publicIds.length > 200) queues.publicIds.shift();
  };
  let n = 0;
  const spot = () => ({ lng: w.inGrid.lng + (Math.random() - 0.5) * 0.05, lat: w.inGrid.lat + (Math.random() - 0.5) * 0.05 });

  // Memory: one sample every 5 s.
  const rss: Array<{ at: number; kb: number }> = [];
  const sampler = every(5_000 * rate, async () => {
    if (server.running) rss.push({ at: Date.now() - t0, kb: server.rssKb() });
  });

  const loops = [
    sampler,
    // intake: an integration at 5/s, a resident under the 60-a-minute personal limit
    every(200, async () => newCase(await call('intake (api key)', 'POST', '/api/cases', w.apiKey, { channel: 'open311', categoryCode: 'CITY.STREET_VENDING', description: `soak report ${(n += 1)}`, location: spot() }))),
    every(1_500, async () => newCase(await call('intake (resident)', 'POST', '/api/cases', w.resident.headers, { channel: 'web', categoryCode: 'CITY.STREET_VENDING', description: `居民上报 ${(n += 1)}`, location: spot() }))),
    every(1_000, () => call('my reports (resident)', 'GET', '/api/cases?mine=true&limit=20', w.resident.headers)),
    // the centre's queue, accept and dispatch
    every(1_000, () => call('queue (operator)', 'GET', '/api/cases?state=reported&limit=50', w.operator.headers)),
    every(300, async () => {
      const id = take(queues.reported);
      if (id === undefined) return;
      const a = await call('accept (operator)', 'POST', `/api/cases/${id}/accept`, w.operator.headers, {});
      if (a?.status !== 200) return;
      const d = await call('dispatch (operator)', 'POST', `/api/cases/${id}/dispatch`, w.operator.headers, { leadDepartmentId: w.deptId });
      if (d?.status === 200) queues.dispatched.push(id);
    }),
    // the department
    every(300, async () => {
      const id = take(queues.dispatched);
      if (id === undefined) return;
      const s = await call('sign-for (handler)', 'POST', `/api/cases/${id}/sign-for`, w.handler.headers, {});
      if (s?.status !== 200) return;
      const h = await call('handle (handler)', 'POST', `/api/cases/${id}/handle`, w.handler.headers, { summary: '已清理占道摊点' });
      if (h?.status === 200) queues.handled.push(id);
    }),
    every(2_000, () => call('tasks (handler)', 'GET', '/api/cases?state=dispatched&limit=50', w.handler.headers)),
    // the grid worker verifies, the centre closes
    every(300, async () => {
      const id = take(queues.handled);
      if (id === undefined) return;
      const v = await call('verify (grid worker)', 'POST', `/api/cases/${id}/verify`, w.grid.headers, { result: 'pass', comment: '现场核查已整改' });
      if (v?.status === 200) queues.verified.push(id);
    }),
    every(300, async () => {
      const id = take(queues.verified);
      if (id !== undefined) await call('close (operator)', 'POST', `/api/cases/${id}/close`, w.operator.headers, {});
    }),
    every(2_000, async () => {
      const id = queues.dispatched[0] ?? queues.handled[0];
      if (id !== undefined) await call('timeline (operator)', 'GET', `/api/cases/${id}/timeline`, w.operator.headers);
    }),
    // the analyst and the command-centre screen
    every(2_000, () => call('kpi table (analyst)', 'GET', '/api/kpi?by=region', w.analyst.headers)),
    every(3_000, () => call('kpi by day (analyst)', 'GET', '/api/kpi?by=day', w.analyst.headers)),
    every(2_000, () => call('kpi summary (screen)', 'GET', '/api/kpi/summary', w.analyst.headers)),
    every(2_000, () => call('case map (screen)', 'GET', '/api/cases/map?bbox=102,24,103,25&zoom=10', w.analyst.headers)),
    every(3_000, () => call('supervision (supervisor)', 'GET', '/api/supervision-tickets', w.supervisor.headers)),
    // the public
    every(500, async () => {
      const p = queues.publicIds[Math.floor(Math.random() * queues.publicIds.length)];
      if (p) await call('public case', 'GET', `/api/public/cases/${p}`, {});
    }),
    every(1_000, () => call('regions (public)', 'GET', `/api/regions/${w.city.city.code}/children`, {})),
    every(2_000, () => call('public map', 'GET', '/api/public/cases/map?bbox=102,24,103,25&zoom=10', {})),
  ];
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    await sleep(1_000);
    if (Date.now() - lastReport >= 30_000) {
      lastReport = Date.now();
      const total = [...stats.values()].reduce((a, s) => a + s.n, 0);
      log(`soak: ${Math.round((Date.now() - t0) / 1000)} s, ${total} requests, RSS ${Math.round((rss.at(-1)?.kb ?? 0) / 1024)} MB, ≥500: ${failures.length}`);
    }
  }
  await Promise.all(loops);
  if (server.running) rss.push({ at: Date.now() - t0, kb: server.rssKb() });
  const elapsedS = (Date.now() - t0) / 1000;

  // One sample lands before or after a garbage collection by chance: compare the median of the
  // three samples from the baseline on with the median of the last three.
  const median3 = (xs: Array<{ at: number; kb: number }>) => {
    const s = [...xs].sort((a, b) => a.kb - b.kb);
    return s[Math.floor(s.length / 2)];
  };
  const from = rss.findIndex((r) => r.at >= baselineMs);
  const baseline = median3(rss.slice(from < 0 ? 0 : from, (from < 0 ? 0 : from) + 3));
  const end = median3(rss.slice(-3));
  const growth = baseline && end ? (end.kb - baseline.kb) / baseline.kb : NaN;
  const memoryOk = Number.isFinite(growth) && growth < maxGrowth;
  console.log(`\nsoak suite (${engine}, ${minutes} min, rate ×${rate})`);
  console.log(`  ${'route'.padEnd(26)} ${'n'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  statuses`);
  let total = 0;
  for (const [name, s] of stats) {
    total += s.n;
    console.log(`  ${name.padEnd(26)} ${String(s.n).padStart(6)} ${percentile(s.ms, 50).toFixed(0).padStart(7)} ${percentile(s.ms, 99).toFixed(0).padStart(7)}  ${JSON.stringify(s.byStatus)}`);
  }
  const fivexx = [...stats.values()].reduce((a, s) => a + Object.entries(s.byStatus).filter(([k]) => !/^[1-4]\d\d$/.test(k)).reduce((b, [, v]) => b + v, 0), 0);
  console.log(`  total ${total} requests in ${elapsedS.toFixed(0)} s (${(total / elapsedS).toFixed(1)}/s); ≥500 or no answer: ${fivexx}`);
  console.log(
    `  RSS (median of 3 samples, 5 s apart): ${Math.round((baseline?.kb ?? 0) / 1024)} MB from ${Math.round(baselineMs / 1000)} s (baseline${minutes > 2 ? ': minute 2' : ': 20 s, the run is too short for minute 2'}) → ${Math.round((end?.kb ?? 0) / 1024)} MB at the end: ${(growth * 100).toFixed(1)} % (limit ${maxGrowth * 100} %); max ${Math.round(Math.max(...rss.map((r) => r.kb)) / 1024)} MB`,
  );
  const ok = fivexx === 0 && failures.length === 0 && memoryOk;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}`);
  for (const f of failures.slice(0, 20)) console.log(`    - ${f}`);
  if (!memoryOk) console.log(`    - resident memory grew ${(growth * 100).toFixed(1)} % (limit ${maxGrowth * 100} %)`);
  exitCode = ok ? 0 : 1;
  await server.stop();
} catch (e) {
  console.log(`soak suite FAILED to run: ${(e as Error).stack}\n${server.stderrTail.slice(-20).join('\n')}`);
} finally {
  await server.kill().catch(() => undefined);
  await target.cleanup().catch(() => undefined);
}
process.exit(exitCode);
