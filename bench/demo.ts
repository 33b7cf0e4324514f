/**
 * The bench's data: a database with the demo city (regions with their generated boundaries,
 * grids, micro-grids, staff, departments, demo users, the case taxonomy and routing rules), on
 * each engine. The full run seeds all of Kunming (73,714 units); --quick seeds two districts
 * (西山区, 五华区) and says so. On the embedded engine the seeded data folder is kept in a cache
 * under the system's temp folder (seeding all of Kunming into PGlite takes minutes) and copied
 * for each run; on PostgreSQL every run gets a fresh database, dropped at the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { systemActor } from '../src/platform/actor.js';
import { cliCtx, type Ctx } from '../src/platform/context.js';
import { openDatabase, type Database } from '../src/platform/db.js';
import { migrate } from '../src/platform/migrate.js';
import { mulberry32 } from '../src/platform/prng.js';
import { seedDemo } from '../src/cli/platform-commands.js';
import { CITY_CODE, CITY_EXTENT, getLocateIndex, seedDemoSmall } from '../src/modules/regions/index.js';

export const QUICK_DISTRICTS = ['530112', '530102'];

export interface DemoDb {
  engine: 'pglite' | 'postgres';
  /** PGlite: the data folder (closed: open it with openDemo). */
  dataDir: string | undefined;
  /** PostgreSQL: the URL of this run's database. */
  databaseUrl: string | undefined;
  sizes: { regions: number; districts: number; streets: number; communities: number; grids: number; microgrids: number; staff: number; users: number; categories: number };
  cityPath: string;
  seededMs: number;
  fromCache: boolean;
  cleanup(): Promise<void>;
}

const log = (m: string) => process.stderr.write(`    ${m}\n`);

export function benchCtx(): Ctx {
  return cliCtx(systemActor('bench'));
}

export function openDemo(d: DemoDb, poolMax = 32): Promise<Database> {
  return d.engine === 'postgres' ? openDatabase({ databaseUrl: d.databaseUrl, poolMax, statementTimeoutMs: 3_600_000 }) : openDatabase({ dataDir: d.dataDir });
}

/**
 * The cases module seeds demo cases with the demo city (rework, reopen, merges): no demo cases in
 * the bench, whose KPI rows compare the rollups with an aggregate that is exact only for the
 * synthetic cases' simple path, and whose intake and import runs want a known case table.
 */
const DEMO_CASES = '0';

async function seed(db: Database, quick: boolean): Promise<void> {
  process.env.GONGZHI_DEMO_CASES = DEMO_CASES;
  await migrate(db, { log: () => {} });
  const ctx = benchCtx();
  // Two districts first: the regions module's own seed then finds the city and skips.
  if (quick) await seedDemoSmall(db, ctx, () => {}, QUICK_DISTRICTS);
  await seedDemo(db, ctx, () => {});
}

async function sizesOf(db: Database): Promise<{ sizes: DemoDb['sizes']; cityPath: string }> {
  const r = await db.query<{ level: string; n: number }>(`SELECT level, count(*)::int AS n FROM region WHERE valid_to IS NULL GROUP BY level`);
  const by = Object.fromEntries(r.rows.map((x) => [x.level, x.n])) as Record<string, number>;
  const one = async (q: string) => (await db.query<{ n: number }>(q)).rows[0]!.n;
  const city = await db.query<{ path: string }>(`SELECT path FROM region WHERE code = $1 AND valid_to IS NULL`, [CITY_CODE]);
  return {
    cityPath: city.rows[0]!.path,
    sizes: {
      regions: Object.values(by).reduce((a, b) => a + b, 0),
      districts: by.district ?? 0,
      streets: by.street ?? 0,
      communities: by.community ?? 0,
      grids: by.grid ?? 0,
      microgrids: by.microgrid ?? 0,
      staff: await one(`SELECT count(*)::int AS n FROM grid_staff`),
      users: await one(`SELECT count(*)::int AS n FROM app_user`),
      categories: await one(`SELECT count(*)::int AS n FROM case_category WHERE level = 2 AND active`),
    },
  };
}

function cacheKey(quick: boolean): string {
  const mig = fs.readdirSync('db/migrations').sort().map((f) => `${f}:${fs.statSync(path.join('db/migrations', f)).size}`);
  const seedSrc = ['src/modules/regions/seed-demo.ts', 'src/modules/identity/demo.ts', 'src/modules/cases/cases.seed.ts', 'src/modules/cases/index.ts'].map((f) => (fs.existsSync(f) ? fs.statSync(f).size : 0));
  return crypto.createHash('sha256').update(JSON.stringify({ quick, mig, seedSrc, demoCases: DEMO_CASES })).digest('hex').slice(0, 12);
}

/** The demo city in a fresh PGlite data folder (copied from the cache when there is one). */
export async function demoPglite(quick: boolean): Promise<DemoDb> {
  const cacheRoot = path.join(os.tmpdir(), 'gongzhi-bench-cache');
  const cached = path.join(cacheRoot, `demo-${quick ? 'quick' : 'full'}-${cacheKey(quick)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-bench-lite-'));
  const t0 = performance.now();
  let fromCache = false;
  if (fs.existsSync(path.join(cached, 'done'))) {
    fs.cpSync(path.join(cached, 'data'), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'gongzhi.lock'), { force: true });
    fromCache = true;
  } else {
    log(`seeding the demo city into PGlite (${quick ? 'two districts' : 'all of Kunming'}; cached for the next run)…`);
    const db = await openDatabase({ dataDir: dir });
    try {
      await seed(db, quick);
    } finally {
      await db.close();
    }
    fs.rmSync(cached, { recursive: true, force: true });
    fs.mkdirSync(cached, { recursive: true });
    fs.cpSync(dir, path.join(cached, 'data'), { recursive: true });
    fs.rmSync(path.join(cached, 'data', 'gongzhi.lock'), { force: true });
    fs.writeFileSync(path.join(cached, 'done'), new Date().toISOString());
  }
  const seededMs = performance.now() - t0;
  const db = await openDatabase({ dataDir: dir });
  let s;
  try {
    s = await sizesOf(db);
  } finally {
    await db.close();
  }
  return { engine: 'pglite', dataDir: dir, databaseUrl: undefined, ...s, seededMs, fromCache, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The demo city in a new database of the PostgreSQL server at `adminUrl` (dropped by cleanup). */
export async function demoPostgres(adminUrl: string, quick: boolean): Promise<DemoDb> {
  const name = `gongzhi_bench_${process.pid}_${Date.now() % 100000}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const t0 = performance.now();
  log(`seeding the demo city into PostgreSQL database ${name} (${quick ? 'two districts' : 'all of Kunming'})…`);
  const db = await openDatabase({ databaseUrl: url, poolMax: 4, statementTimeoutMs: 3_600_000 });
  let s;
  try {
    await seed(db, quick);
    s = await sizesOf(db);
  } finally {
    await db.close();
  }
  return {
    engine: 'postgres',
    dataDir: undefined,
    databaseUrl: url,
    ...s,
    seededMs: performance.now() - t0,
    fromCache: false,
    cleanup: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A deterministic pseudo-random generator (mulberry32), so that runs draw the same points. */
export function rng(seed: number): () => number {
  return mulberry32(seed);
}

/** Points drawn uniformly inside the city's extent. */
export function extentPoints(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const xy = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    xy[i * 2] = CITY_EXTENT.west + r() * (CITY_EXTENT.east - CITY_EXTENT.west);
    xy[i * 2 + 1] = CITY_EXTENT.south + r() * (CITY_EXTENT.north - CITY_EXTENT.south);
  }
  return xy;
}

/** n points that fall inside a micro-grid (intake reports come from inside the city). */
export async function pointsInMicrogrids(db: Database, n: number, seed: number): Promise<Array<[number, number]>> {
  const index = await getLocateIndex(db);
  const out: Array<[number, number]> = [];
  const r = rng(seed);
  while (out.length < n) {
    const x = CITY_EXTENT.west + r() * (CITY_EXTENT.east - CITY_EXTENT.west);
    const y = CITY_EXTENT.south + r() * (CITY_EXTENT.north - CITY_EXTENT.south);
    const hit = index.locate(x, y);
    if (hit && hit.chain[0]?.level === 'microgrid') out.push([x, y]);
  }
  return out;
}

/** API keys written straight into the table (the format of identity/credentials.ts: sha256 of the key). */
export async function createBenchApiKeys(db: Database, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const prefix = crypto.randomBytes(4).toString('hex');
    const key = `gz_${prefix}_${crypto.randomBytes(32).toString('base64url').slice(0, 43)}`;
    const hash = crypto.createHash('sha256').update(key).digest('hex');
    await db.query(`INSERT INTO api_key (name, prefix, key_hash, created_at) VALUES ($1, $2, $3, now())`, [`bench ${i}`, prefix, hash]);
    keys.push(key);
  }
  return keys;
}
