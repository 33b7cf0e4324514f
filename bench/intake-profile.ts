/**
 * Where an intake's time goes, statement by statement: the server's app in this process on the
 * quick demo city, N intakes (the bench's body, open311 with API keys) at C concurrent requests
 * through app.inject, every SQL statement timed from its call to its answer (a pooled statement's
 * time includes waiting for its connection). Prints, per statement shape, how many ran per
 * intake and their mean and total milliseconds, then the request rate. For finding the cost
 * behind `intake.*` in `npm run bench`; it measures no goal itself.
 *
 *   node --import tsx bench/intake-profile.ts [--n 400] [--c 32]          # PGlite
 *   DATABASE_URL=… node --import tsx bench/intake-profile.ts [--url URL]   # PostgreSQL
 *   … --background       # with the server's background loops (SLA scan, KPI fold, audit sealing, outbox relay)
 *   … --explain          # then EXPLAIN ANALYZE of one intake statement (rolled back)
 *   … --cpu-prof FILE    # also a V8 CPU profile of the measured intakes only (open in Chrome's DevTools)
 *
 * With PostgreSQL, `--url` reuses a database a previous run seeded (the run prints its URL).
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { startRelay, type OutboxHandler } from '../src/platform/outbox.js';
import { MODULES } from '../src/modules/registry.js';
import { createBenchApiKeys, demoPglite, demoPostgres, openDemo, pointsInMicrogrids, rng, type DemoDb } from './demo.js';

const arg = (name: string, d: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : d;
};
/** A bare switch (`--explain`, `--background`): present or not, it takes no value. */
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const N = Number(arg('n', '400'));
const C = Number(arg('c', '32'));

interface Stat { n: number; ms: number; rows: number }
const stats = new Map<string, Stat>();
let recording = false;
const shape = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 90);
function record(text: string, ms: number, rows = 0) {
  if (!recording) return;
  const k = shape(text);
  const s = stats.get(k) ?? { n: 0, ms: 0, rows: 0 };
  s.n++;
  s.ms += ms;
  s.rows += rows;
  stats.set(k, s);
}
let slowest: { text: string; params: unknown[] } | null = null;
function timeQueries(proto: { query: (...a: unknown[]) => unknown }) {
  const orig = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const text = typeof a[0] === 'string' ? a[0] : ((a[0] as { text?: string })?.text ?? '?');
    const params = Array.isArray(a[1]) ? a[1] : (a[0] as { values?: unknown[] })?.values;
    if (recording && text.includes('WITH s AS') && Array.isArray(params)) slowest = { text, params };
    const t0 = performance.now();
    // pg's pool passes a callback (and gets no promise back).
    const cb = a[a.length - 1];
    if (typeof cb === 'function') {
      a[a.length - 1] = (...r: unknown[]) => {
        record(text, performance.now() - t0);
        return (cb as (...x: unknown[]) => unknown)(...r);
      };
      return orig.apply(this, a);
    }
    const out = orig.apply(this, a);
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      return (out as Promise<{ rows?: unknown[] }>).then((r) => {
        record(text, performance.now() - t0, r?.rows?.length ?? 0);
        return r;
      });
    }
    return out;
  };
}

async function main() {
  const url = process.env.DATABASE_URL;
  const reuse = arg('url', '');
  let d: DemoDb;
  if (url && reuse) {
    d = { engine: 'postgres', databaseUrl: reuse, dataDir: undefined, cleanup: async () => {} } as unknown as DemoDb;
  } else d = url ? await demoPostgres(url, true) : await demoPglite(true);
  if (d.engine === 'postgres') console.log(`database: ${d.databaseUrl} (pass --url to reuse)`);
  const db = await openDemo(d, 32);
  const points = await pointsInMicrogrids(db, 2000, 11);
  const cats = (await db.query<{ code: string }>(`SELECT code FROM case_category WHERE level = 2 AND active AND code NOT LIKE 'import.%' ORDER BY code`)).rows.map((r) => r.code);
  const keys = await createBenchApiKeys(db, 64);
  timeQueries(pg.Client.prototype as never);
  if (d.engine === 'pglite') {
    // PGlite's statements run through db.ts's handles (platform/pglite-query.ts), not through a
    // client class of its own: time them there, on the database and on every transaction handle.
    timeQueries(db as never);
    for (const m of ['tx', 'session'] as const) {
      const orig = db[m].bind(db);
      (db as unknown as Record<string, unknown>)[m] = (fn: (s: never) => Promise<unknown>) =>
        orig((s) => {
          timeQueries(s as never);
          return fn(s as never);
        });
    }
  }
  const app = await buildApp({ db, config: loadConfig({ ...process.env, LOG_LEVEL: 'silent' }, { secret: 'profile-secret-0123456789abcdef0123456789' }), logger: false });
  await app.ready();
  const stops: Array<() => Promise<void>> = [];
  if (flag('background')) {
    // As src/server.ts starts them.
    const deps = { db, config: loadConfig({ ...process.env, LOG_LEVEL: 'silent' }, { secret: 'profile-secret-0123456789abcdef0123456789' }), now: () => new Date() };
    const log = (m: string, e?: unknown) => console.error(m, e);
    for (const m of MODULES) if (m.onReady) await m.onReady(deps);
    for (const m of MODULES) if (m.background) stops.push(m.background(deps, log));
    const handlers: Record<string, OutboxHandler[]> = {};
    for (const m of MODULES) for (const [topic, hs] of Object.entries(m.outboxHandlers?.(deps) ?? {})) (handlers[topic] ??= []).push(...hs);
    stops.push(startRelay(db, handlers, log));
  }
  const rand = rng(5);
  const bodyOf = (cat: string, p: [number, number], i: number) => ({
    channel: 'open311', categoryCode: cat, description: `压测上报 ${i}: 路边有问题需要处理`, location: { lng: p[0], lat: p[1] }, reporterName: '压测', reporterPhone: '13800001234',
  });
  const ok: string[] = [];
  for (const [i, cat] of cats.entries()) {
    const r = await app.inject({ method: 'POST', url: '/api/cases', headers: { authorization: `Bearer ${keys[i % keys.length]}` }, payload: bodyOf(cat, points[i % points.length]!, i) });
    if (r.statusCode === 201) ok.push(cat);
  }
  let i = 0;
  const codes: Record<number, number> = {};
  const lat: number[] = [];
  const one = async () => {
    const k = i++;
    const p = points[Math.floor(rand() * points.length)]!;
    const jitter = rand() < 0.33 ? 0.00005 : 0.002;
    const body = bodyOf(ok[Math.floor(rand() * ok.length)]!, [p[0] + (rand() - 0.5) * jitter, p[1] + (rand() - 0.5) * jitter], k);
    const t0 = performance.now();
    const r = await app.inject({ method: 'POST', url: '/api/cases', headers: { authorization: `Bearer ${keys[k % keys.length]}` }, payload: body });
    lat.push(performance.now() - t0);
    codes[r.statusCode] = (codes[r.statusCode] ?? 0) + 1;
  };
  const worker = async () => {
    while (i < N) await one();
  };
  // Warm-up, then the measured run.
  await Promise.all(Array.from({ length: C }, () => (async () => { for (let j = 0; j < 3; j++) await one(); })()));
  i = 0;
  recording = true;
  const profFile = arg('cpu-prof', '');
  const session = profFile ? new inspector.Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  recording = false;
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(profFile, JSON.stringify(profile));
    session.disconnect();
  }
  lat.sort((a, b) => a - b);
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, v]) => s + v.ms, 0);
  console.log(`engine ${d.engine}, ${N} intakes at ${C} concurrent: ${(N / (wall / 1000)).toFixed(1)}/s, statuses ${JSON.stringify(codes)}, latency p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(1)} ms p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(1)} ms; node CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms per intake`);
  console.log(`statements per intake ${(rows.reduce((s, [, v]) => s + v.n, 0) / N).toFixed(1)}, statement time per intake ${(total / N).toFixed(1)} ms (summed over concurrent statements)`);
  console.log('per intake  mean ms  total %  rows/call  statement');
  for (const [k, v] of rows.slice(0, 30)) console.log(`${(v.n / N).toFixed(2).padStart(10)}  ${(v.ms / v.n).toFixed(2).padStart(7)}  ${((100 * v.ms) / total).toFixed(1).padStart(6)}%  ${(v.rows / v.n).toFixed(1).padStart(9)}  ${k}`);
  if (d.engine === 'pglite') {
    // PGlite is one session: its named statements, and whether the engine keeps a generic plan.
    const ps = await db.query<{ statement: string; generic_plans: number; custom_plans: number }>(
      `SELECT left(statement, 60) AS statement, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY generic_plans + custom_plans DESC`,
    );
    for (const p of ps.rows) console.log(`prepared: generic ${p.generic_plans}, custom ${p.custom_plans}  ${p.statement.replace(/\s+/g, ' ')}`);
  }
  if (flag('explain') && slowest) {
    // The intake statement once more, under EXPLAIN ANALYZE, rolled back.
    const st = slowest as { text: string; params: unknown[] };
    await db.tx(async (t) => {
      const e = await t.query<Record<string, string>>(`EXPLAIN (ANALYZE, SUMMARY) ${st.text}`, st.params);
      console.log(e.rows.map((x) => Object.values(x)[0]).join('\n'));
      throw new Error('rolled back');
    }).catch((e: Error) => {
      if (e.message !== 'rolled back') console.error(`EXPLAIN failed: ${e.message}`);
    });
  }
  for (const stop of stops) await stop();
  await app.close();
  await db.close();
  // A PostgreSQL database stays for --url (drop it by hand); a PGlite copy is removed.
  if (d.engine === 'pglite') await d.cleanup();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
