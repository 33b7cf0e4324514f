/**
 * What the resilience scripts share: a target database (a fresh embedded data folder, or a
 * database in a throwaway PostgreSQL cluster of our own), a small city with a user of every role
 * prepared in-process (seconds, not the minutes of `seed demo`), and a `gongzhi serve` child that
 * can be killed and started again. Scripts, not vitest files: they run for minutes and spawn
 * servers (see README.md).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openDatabase, type Database } from '../../src/platform/db.js';
import { listMigrations, migrate } from '../../src/platform/migrate.js';
import { seedTaxonomy } from '../../src/modules/cases/index.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { createTestApiKey, createTestDepartment, createUserWithGrants, sessionHeaders, type SessionHeaders } from '../helpers/identity.js';
import { cliEnv, freePort } from '../platform/cli-process.js';

const run = promisify(execFile);
export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const BIN = path.join(ROOT, 'bin/gongzhi.js');
export const SECRET = 'resilience-secret-0123456789abcdef0123456789';

export type EngineName = 'pglite' | 'pg';

export function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length && !process.argv[i + 1]!.startsWith('--')) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : def;
}
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// a throwaway PostgreSQL cluster (scripts/pg-local.sh), ours alone: stopping it hurts nobody

export interface PgCluster {
  dir: string;
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and delete its files. */
  destroy(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-resilience-pg-'));
  // Far from 55432, where test:pg and the bench keep theirs.
  let port = 56_000 + crypto.randomInt(0, 2_000);
  const script = path.join(ROOT, 'scripts/pg-local.sh');
  const start = async () => {
    const r = await run('bash', [script, 'start', dir, String(port)], { timeout: 120_000 });
    const url = r.stdout.trim().split('\n').pop()!;
    port = Number(new URL(url).port);
    return url;
  };
  const url = await start();
  return {
    dir,
    get port() {
      return port;
    },
    url,
    stop: async () => {
      await run('bash', [script, 'stop', dir], { timeout: 120_000 });
    },
    start: async () => {
      const again = await start();
      if (again !== url) throw new Error(`the cluster came back on another address (${again}, was ${url}): port ${port} was taken meanwhile`);
    },
    destroy: async () => {
      await run('bash', [script, 'stop', dir], { timeout: 120_000 }).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the target: where the server's data lives

export interface Target {
  engine: EngineName;
  /** Environment for `gongzhi serve` and other CLI children. */
  env: Record<string, string>;
  /** Open the database in this process (the server must not be running on an embedded folder). */
  open(): Promise<Database>;
  cluster?: PgCluster;
  /** The city prepared while the database was first open (one embedded open fewer: ~10 s). */
  world: World;
  cleanup(): Promise<void>;
}

/** The run's migrated template of `npm test`, when one for the current migrations exists. */
function testTemplate(): string | undefined {
  const hash = crypto.createHash('sha256').update(listMigrations().map((m) => m.checksum).join(',')).digest('hex').slice(0, 12);
  const file = path.join(ROOT, 'node_modules/.cache/gongzhi-test', `template-${hash}.tgz`);
  return fs.existsSync(file) ? file : undefined;
}

export async function createTarget(engine: EngineName, opts: { keep?: boolean } = {}): Promise<Target> {
  if (engine === 'pg') {
    const cluster = await startPgCluster();
    const name = `gz_res_${crypto.randomBytes(4).toString('hex')}`;
    const admin = await openDatabase({ databaseUrl: cluster.url, poolMax: 1 });
    await admin.exec(`CREATE DATABASE ${name}`);
    await admin.close();
    const u = new URL(cluster.url);
    u.pathname = `/${name}`;
    const url = u.toString();
    const db = await openDatabase({ databaseUrl: url, poolMax: 2 });
    let world: World;
    try {
      await migrate(db);
      world = await prepareWorld(db);
    } finally {
      await db.close();
    }
    return {
      engine,
      world,
      env: { DATABASE_URL: url, GONGZHI_SECRET: SECRET, GONGZHI_DATA_DIR: cluster.dir },
      open: () => openDatabase({ databaseUrl: url, poolMax: 4 }),
      cluster,
      cleanup: async () => {
        if (!opts.keep) await cluster.destroy();
      },
    };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-resilience-data-'));
  const tpl = testTemplate();
  const db = await openDatabase({ dataDir, ...(tpl ? { loadDataDir: new Blob([fs.readFileSync(tpl)]) } : {}) });
  let world: World;
  try {
    await migrate(db);
    world = await prepareWorld(db);
  } finally {
    await db.close();
  }
  return {
    engine,
    world,
    env: { GONGZHI_DATA_DIR: dataDir, GONGZHI_SECRET: SECRET },
    open: () => openDatabase({ dataDir }),
    cleanup: async () => {
      if (!opts.keep) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// a small city with someone of every role

export interface Who {
  id: number;
  headers: Record<string, string>;
}

export interface World {
  city: MiniCity;
  apiKey: { authorization: string };
  deptCode: string;
  deptId: number;
  resident: Who;
  grid: Who;
  operator: Who;
  handler: Who;
  analyst: Who;
  supervisor: Who;
  admin: Who;
  /** A point inside 五华区's grid (WGS-84). */
  inGrid: { lng: number; lat: number };
}

export async function prepareWorld(db: Database): Promise<World> {
  const city = await createMiniCity(db, '5301');
  await seedTaxonomy(db);
  const deptCode = 'WH-CGJ';
  const deptId = await createTestDepartment(db, { code: deptCode, name: '五华区城市管理局', regionCode: city.wuhua.code });
  const who = async (role: Parameters<typeof createUserWithGrants>[1]['grants'][number]): Promise<Who> => {
    const u = await createUserWithGrants(db, { grants: [role] });
    const h: SessionHeaders = await sessionHeaders(db, u.id);
    return { id: u.id, headers: { ...h } };
  };
  return {
    city,
    deptCode,
    deptId,
    apiKey: (await createTestApiKey(db, { role: 'operator', regionCode: city.city.code, name: 'resilience load' })).headers,
    resident: await who({ role: 'resident', regionCode: city.city.code }),
    grid: await who({ role: 'grid_worker', regionCode: city.wuhuaGrid.code }),
    operator: await who({ role: 'operator', regionCode: city.city.code }),
    handler: await who({ role: 'handler', regionCode: city.wuhua.code, departmentCode: deptCode }),
    analyst: await who({ role: 'analyst', regionCode: city.city.code }),
    supervisor: await who({ role: 'supervisor', regionCode: city.city.code }),
    admin: await who({ role: 'admin', regionCode: city.city.code }),
    inGrid: { lng: 102.05, lat: 24.05 },
  };
}

// ---------------------------------------------------------------------------------------------
// the server child

export class ServerChild {
  proc: ChildProcess | undefined;
  url = '';
  port = 0;
  stderrTail: string[] = [];
  starts = 0;

  constructor(
    private readonly target: Target,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Start `gongzhi serve` and wait until it prints its address and /readyz answers ready. */
  async start(timeoutMs = 180_000): Promise<number> {
    const t0 = Date.now();
    if (!this.port) this.port = await freePort();
    const env = cliEnv({ ...this.target.env, LOG_LEVEL: 'warn', ...this.extraEnv });
    const p = spawn(process.execPath, [BIN, 'serve', '--port', String(this.port)], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    this.proc = p;
    this.starts += 1;
    p.stderr!.on('data', (d: Buffer) => {
      this.stderrTail.push(...d.toString().split('\n').filter(Boolean));
      if (this.stderrTail.length > 200) this.stderrTail.splice(0, this.stderrTail.length - 200);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start in ${timeoutMs} ms\n${this.stderrTail.slice(-30).join('\n')}`)), timeoutMs);
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/is running at (\S+)/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      p.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${code ?? sig}) before it was ready\n${this.stderrTail.slice(-30).join('\n')}`));
      });
    });
    this.url = `http://127.0.0.1:${this.port}`;
    for (;;) {
      const r = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (r?.status === 200) break;
      if (Date.now() - t0 > timeoutMs) throw new Error('serve never became ready');
      await sleep(100);
    }
    return Date.now() - t0;
  }

  /** SIGKILL: no shutdown handler runs, nothing is flushed: a power cut for the process. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM and wait (graceful stop). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(t);
  }

  /** Resident set size of the server process in kB (Linux /proc). */
  rssKb(): number {
    const s = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(s);
    return m ? Number(m[1]) : NaN;
  }
}

/** Run the gongzhi CLI against the target; resolves with its output (rejects on a non-zero exit). */
export async function cli(target: Target, args: string[], timeoutMs = 180_000): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: cliEnv({ ...target.env, LOG_LEVEL: 'warn' }), cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
  ms: number;
}

/** One request with a hard timeout: a hang is a failure the scripts count, never a wait forever. */
export async function http(base: string, method: string, url: string, opts: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {}): Promise<Answer> {
  const t0 = performance.now();
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const r = await fetch(`${base}${url}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: r.status, body: parsed, headers: r.headers, ms: performance.now() - t0 };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
