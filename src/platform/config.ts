import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from './errors.js';

/** Configuration, read from the environment once and validated; every bad value is named. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimit: number;
  /** Demo mode: the login page lists the demo users. On when the demo city was seeded. */
  demo: boolean;
  /** Secret for cookie signing and field encryption. From GONGZHI_SECRET or <dataDir>/secret.key. */
  secret: string | undefined;
  /** Trust X-Forwarded-For (behind a load balancer). */
  trustProxy: boolean;
  /** Login attempts per client IP per minute (on each node). */
  loginRatePerMin: number;
  pgPoolMax: number;
  statementTimeoutMs: number;
  /** When set, /metrics answers only `Authorization: Bearer <token>` (scrapers outside a closed network). */
  metricsToken: string | undefined;
  /** An S3-compatible object store for uploaded files; unset: files live under <dataDir>/files. */
  s3: S3Config | undefined;
}

export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** https://endpoint/bucket/key (MinIO, Ceph; the default) rather than https://bucket.endpoint/key. */
  forcePathStyle: boolean;
}

/** Required together: any one set without the others is a startup error naming the missing ones. */
const S3_VARS = ['GONGZHI_S3_ENDPOINT', 'GONGZHI_S3_BUCKET', 'GONGZHI_S3_REGION', 'GONGZHI_S3_ACCESS_KEY_ID', 'GONGZHI_S3_SECRET_ACCESS_KEY'] as const;

/**
 * A variable or its `<NAME>_FILE` twin (a path whose content is the value: Docker/Kubernetes
 * secrets), trimmed; both set is a problem, so nobody wonders which one wins.
 */
function varOrFile(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const direct = env[name] !== undefined && env[name]!.trim() !== '' ? env[name]!.trim() : undefined;
  const file = env[`${name}_FILE`] !== undefined && env[`${name}_FILE`]!.trim() !== '' ? env[`${name}_FILE`]!.trim() : undefined;
  if (direct !== undefined && file !== undefined) {
    problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
    return direct;
  }
  if (file === undefined) return direct;
  try {
    const v = fs.readFileSync(file, 'utf8').trim();
    if (v === '') problems.push(`${name}_FILE: the file ${file} is empty`);
    return v === '' ? undefined : v;
  } catch (e) {
    problems.push(`${name}_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
}

function s3Config(env: NodeJS.ProcessEnv, problems: string[]): S3Config | undefined {
  const vals = Object.fromEntries(S3_VARS.map((n) => [n, varOrFile(env, n, problems)])) as Record<(typeof S3_VARS)[number], string | undefined>;
  const given = S3_VARS.filter((n) => vals[n] !== undefined);
  const pathStyle = boolVar(env, 'GONGZHI_S3_FORCE_PATH_STYLE', true, problems);
  if (given.length === 0) return undefined;
  const missing = S3_VARS.filter((n) => vals[n] === undefined);
  if (missing.length > 0) {
    for (const m of missing) problems.push(`${m}: is required when ${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set (the S3 variables go together)`);
    return undefined;
  }
  const endpoint = vals.GONGZHI_S3_ENDPOINT!.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(endpoint)) problems.push('GONGZHI_S3_ENDPOINT: must be an http:// or https:// URL');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(vals.GONGZHI_S3_BUCKET!)) problems.push('GONGZHI_S3_BUCKET: must be a bucket name (3–63 lower-case letters, digits, dots, hyphens)');
  if (!/^[a-z0-9-]{1,64}$/.test(vals.GONGZHI_S3_REGION!)) problems.push('GONGZHI_S3_REGION: must be a region name like us-east-1 or cn-north-1');
  return {
    endpoint,
    bucket: vals.GONGZHI_S3_BUCKET!,
    region: vals.GONGZHI_S3_REGION!,
    accessKeyId: vals.GONGZHI_S3_ACCESS_KEY_ID!,
    secretAccessKey: vals.GONGZHI_S3_SECRET_ACCESS_KEY!,
    forcePathStyle: pathStyle,
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function intVar(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name}: must be a whole number, got "${raw}"`);
    return def;
  }
  const n = Number(raw);
  if (n < min || n > max) problems.push(`${name}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolVar(env: NodeJS.ProcessEnv, name: string, def: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  problems.push(`${name}: must be true or false, got "${raw}"`);
  return def;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const port = intVar(env, 'PORT', 3000, 0, 65535, problems);
  const host = env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : '127.0.0.1';
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL.trim() !== '' ? env.DATABASE_URL.trim() : undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
  }
  const dataDir = path.resolve(env.GONGZHI_DATA_DIR && env.GONGZHI_DATA_DIR.trim() !== '' ? env.GONGZHI_DATA_DIR : './data');
  const rawLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(rawLevel)) {
    problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const logLevel = ((LOG_LEVELS as readonly string[]).includes(rawLevel) ? rawLevel : 'info') as Config['logLevel'];
  const bodyLimit = intVar(env, 'GONGZHI_BODY_LIMIT', 1_048_576, 1024, 100 * 1_048_576, problems);
  const demo = boolVar(env, 'GONGZHI_DEMO', false, problems);
  const secret = env.GONGZHI_SECRET && env.GONGZHI_SECRET !== '' ? env.GONGZHI_SECRET : undefined;
  if (secret !== undefined && secret.length < 32) problems.push('GONGZHI_SECRET: must be at least 32 characters');
  const trustProxy = boolVar(env, 'GONGZHI_TRUST_PROXY', false, problems);
  const loginRatePerMin = intVar(env, 'GONGZHI_LOGIN_RATE_LIMIT', 30, 1, 100_000, problems);
  const pgPoolMax = intVar(env, 'GONGZHI_PG_POOL_MAX', 20, 1, 500, problems);
  const statementTimeoutMs = intVar(env, 'GONGZHI_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000, problems);
  const metricsToken = env.GONGZHI_METRICS_TOKEN && env.GONGZHI_METRICS_TOKEN !== '' ? env.GONGZHI_METRICS_TOKEN : undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('GONGZHI_METRICS_TOKEN: must be at least 16 characters');
  const s3 = s3Config(env, problems);
  if (problems.length > 0) {
    throw new AppError('config_invalid', `The configuration is not valid:\n  ${problems.join('\n  ')}`, problems);
  }
  return { port, host, databaseUrl, dataDir, logLevel, bodyLimit, demo, secret, trustProxy, loginRatePerMin, pgPoolMax, statementTimeoutMs, metricsToken, s3, ...overrides };
}

/**
 * The installation secret for cookie signing and field encryption: GONGZHI_SECRET, or else
 * `<dataDir>/secret.key`, created (mode 0600) on first use. Losing it makes stored ID-card numbers
 * unreadable; several app nodes must share it, so a PostgreSQL deployment sets GONGZHI_SECRET.
 */
export function resolveSecret(config: { secret: string | undefined; dataDir: string }): string {
  if (config.secret) return config.secret;
  const file = path.join(config.dataDir, 'secret.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw e;
  }
}
