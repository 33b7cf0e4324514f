/**
 * Full intake over HTTP: `gongzhi serve` in its own process on the demo city, 32 autocannon
 * clients posting POST /api/cases (channel open311, authenticated by API keys) with points inside
 * micro-grids and varied categories, so locating, the duplicate check, routing and the rollup
 * marks all do real work. Measured: accepted cases per second, p99 latency, and the server's
 * resident memory at the end (VmRSS of the server process itself: bin/gongzhi.js registers tsx in
 * process, so the child we spawn is the server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createBenchApiKeys, openDemo, pointsInMicrogrids, rng, type DemoDb } from './demo.js';
import { freePort, startChild } from './lib.js';

export interface IntakeResult {
  perSecond: number;
  p50: number;
  p99: number;
  accepted: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  rssMb: number | null;
  rssAfterStartMb: number | null;
  categories: number;
  keys: number;
}

/**
 * The intake rate limit is 6,000 a minute per API key (cases.routes.ts INTAKE_RATE_LIMIT) and
 * there is no setting to lift it; the bench spreads its requests over this many keys, which
 * is what several integrations would do, so the limiter is exercised but never the bottleneck.
 */
const KEYS = 64;

export async function benchIntake(d: DemoDb, quick: boolean): Promise<IntakeResult> {
  const { points, categories, keys } = await intakeInputs(d, quick);
  const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-bench-srv-'));
  const env = d.engine === 'postgres'
    ? { DATABASE_URL: d.databaseUrl, GONGZHI_DATA_DIR: secretDir, GONGZHI_PG_POOL_MAX: '32' }
    : { DATABASE_URL: '', GONGZHI_DATA_DIR: d.dataDir };
  const child = await startChild(['bin/gongzhi.js', 'serve'], env, await freePort(), '/readyz', 300_000);
  const rssAfterStartMb = child.rssMb();
  try {
    const post = async (body: unknown, key: string) => {
      try {
        const r = await fetch(`${child.url}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
        return { status: r.status, body: await r.text() };
      } catch (e) {
        throw new Error(`POST /api/cases failed (${String(e)}); server exit code ${child.proc.exitCode}, signal ${child.proc.signalCode}; its stderr: ${child.stderrTail()}`);
      }
    };
    const load = await intakeLoad(child.url, points, keys, categories, post);
    await load.run(quick ? 2 : 5);
    const r = await load.run(quick ? 6 : 20);
    const codes: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.statusCodeStats ?? {})) codes[k] = (v as { count: number }).count;
    const accepted = codes['201'] ?? 0;
    return {
      perSecond: accepted / r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      accepted,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      statusCodes: codes,
      rssMb: child.rssMb(),
      rssAfterStartMb,
      categories: load.categories.length,
      keys: keys.length,
    };
  } finally {
    await child.stop();
    fs.rmSync(secretDir, { recursive: true, force: true });
  }
}

/** What the intake load needs from the demo city: points in micro-grids, the categories, API keys. */
export async function intakeInputs(d: DemoDb, quick: boolean): Promise<{ points: Array<[number, number]>; categories: string[]; keys: string[] }> {
  const db = await openDemo(d, 4);
  try {
    const points = await pointsInMicrogrids(db, quick ? 2000 : 8000, 11);
    const c = await db.query<{ code: string }>(`SELECT code FROM case_category WHERE level = 2 AND active AND code NOT LIKE 'import.%' ORDER BY code`);
    return { points, categories: c.rows.map((r) => r.code), keys: await createBenchApiKeys(db, KEYS) };
  } finally {
    await db.close();
  }
}

/**
 * The intake load the bench puts on a server: the categories intake accepts with the bench's body
 * (some need attributes of their own), and an autocannon run of 32 clients posting reports at
 * points inside micro-grids, a third of them a few metres from a recent one in the same category
 * (so the duplicate check finds candidates and scores them). bench/memory-server.ts uses it too.
 */
export async function intakeLoad(
  url: string,
  points: Array<[number, number]>,
  keys: string[],
  categories: string[],
  post: (body: unknown, key: string) => Promise<{ status: number }>,
): Promise<{ categories: string[]; run(seconds: number): Promise<autocannon.Result> }> {
  const bodyOf = (cat: string, p: [number, number], i: number) => ({
    channel: 'open311',
    categoryCode: cat,
    description: `压测上报 ${i}: 路边有问题需要处理`,
    location: { lng: p[0], lat: p[1] },
    reporterName: '压测',
    reporterPhone: '13800001234',
  });
  const ok: string[] = [];
  for (const [i, cat] of categories.entries()) {
    const r = await post(bodyOf(cat, points[i % points.length]!, i), keys[i % keys.length]!);
    if (r.status === 201) ok.push(cat);
  }
  if (ok.length === 0) throw new Error('intake accepted no category: check the bench body against IntakeBody');
  const rand = rng(5);
  let n = 0;
  const run = (duration: number) =>
    autocannon({
      url,
      connections: 32,
      duration,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          method: 'POST',
          path: '/api/cases',
          setupRequest: (req: autocannon.Request) => {
            const i = n++;
            const p = points[Math.floor(rand() * points.length)]!;
            const jitter = rand() < 0.33 ? 0.00005 : 0.002;
            const pt: [number, number] = [p[0] + (rand() - 0.5) * jitter, p[1] + (rand() - 0.5) * jitter];
            const cat = ok[Math.floor(rand() * ok.length)]!;
            return { ...req, headers: { ...req.headers, authorization: `Bearer ${keys[i % keys.length]}` }, body: JSON.stringify(bodyOf(cat, pt, i)) };
          },
        },
      ],
    });
  return { categories: ok, run };
}
