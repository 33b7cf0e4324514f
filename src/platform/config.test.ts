import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { AppError } from './errors.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('config_invalid');
    const problems = (e as AppError).details as string[];
    // The message carries every problem too: it is what an operator sees on the terminal.
    for (const p of problems) expect((e as AppError).message).toContain(p);
    return problems;
  }
  throw new Error('expected config_invalid');
}

describe('loadConfig', () => {
  it('defaults: port 3000 on 127.0.0.1, embedded engine in ./data', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      loginRatePerMin: 30,
      databaseUrl: undefined,
      dataDir: path.resolve('./data'),
      logLevel: 'info',
      bodyLimit: 1_048_576,
      demo: false,
      secret: undefined,
      trustProxy: false,
      pgPoolMax: 20,
      statementTimeoutMs: 30_000,
    });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: ' 0.0.0.0 ',
      DATABASE_URL: 'postgresql://u:p@db:5432/gongzhi',
      GONGZHI_DATA_DIR: '/var/lib/gongzhi',
      LOG_LEVEL: 'DEBUG',
      GONGZHI_BODY_LIMIT: '2048',
      GONGZHI_DEMO: 'yes',
      GONGZHI_SECRET: 'x'.repeat(32),
      GONGZHI_TRUST_PROXY: 'on',
      GONGZHI_LOGIN_RATE_LIMIT: '120',
      GONGZHI_PG_POOL_MAX: '50',
      GONGZHI_STATEMENT_TIMEOUT_MS: '5000',
    });
    expect(c).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://u:p@db:5432/gongzhi',
      dataDir: '/var/lib/gongzhi',
      logLevel: 'debug',
      bodyLimit: 2048,
      demo: true,
      secret: 'x'.repeat(32),
      trustProxy: true,
      loginRatePerMin: 120,
      pgPoolMax: 50,
      statementTimeoutMs: 5000,
    });
  });

  it('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ', GONGZHI_DATA_DIR: '', GONGZHI_DEMO: '' })).toMatchObject({ port: 3000, databaseUrl: undefined, dataDir: path.resolve('./data'), demo: false });
  });

  it('PORT 0 is allowed (the system picks a free port)', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be a whole number, got "abc"'],
    ['PORT', '-1', 'PORT: must be a whole number, got "-1"'],
    ['PORT', '3.5', 'PORT: must be a whole number, got "3.5"'],
    ['PORT', '65536', 'PORT: must be between 0 and 65535, got 65536'],
    ['DATABASE_URL', 'mysql://localhost/x', 'DATABASE_URL: must start with postgres:// or postgresql://'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['GONGZHI_BODY_LIMIT', '10', 'GONGZHI_BODY_LIMIT: must be between 1024 and 104857600, got 10'],
    ['GONGZHI_BODY_LIMIT', '1mb', 'GONGZHI_BODY_LIMIT: must be a whole number, got "1mb"'],
    ['GONGZHI_DEMO', 'maybe', 'GONGZHI_DEMO: must be true or false, got "maybe"'],
    ['GONGZHI_SECRET', 'short', 'GONGZHI_SECRET: must be at least 32 characters'],
    ['GONGZHI_TRUST_PROXY', '2', 'GONGZHI_TRUST_PROXY: must be true or false, got "2"'],
    ['GONGZHI_PG_POOL_MAX', '0', 'GONGZHI_PG_POOL_MAX: must be between 1 and 500, got 0'],
    ['GONGZHI_LOGIN_RATE_LIMIT', '0', 'GONGZHI_LOGIN_RATE_LIMIT: must be between 1 and 100000, got 0'],
    ['GONGZHI_STATEMENT_TIMEOUT_MS', '99', 'GONGZHI_STATEMENT_TIMEOUT_MS: must be between 100 and 3600000, got 99'],
  ])('%s=%s is refused, naming the variable', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([message]);
  });

  it('reports every bad variable at once, not just the first', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', GONGZHI_DEMO: 'perhaps', GONGZHI_PG_POOL_MAX: '9999' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'LOG_LEVEL', 'GONGZHI_DEMO', 'GONGZHI_PG_POOL_MAX']);
  });

  it('overrides win over the environment', () => {
    expect(loadConfig({ PORT: '8080' }, { port: 9090 }).port).toBe(9090);
  });

  describe('S3 file store (GONGZHI_S3_*)', () => {
    const full = {
      GONGZHI_S3_ENDPOINT: 'https://minio.gov.internal:9000/',
      GONGZHI_S3_BUCKET: 'gongzhi-files',
      GONGZHI_S3_REGION: 'cn-km-1',
      GONGZHI_S3_ACCESS_KEY_ID: 'AKIDGONGZHI',
      GONGZHI_S3_SECRET_ACCESS_KEY: 's3cr3t/value',
    };

    it('unset: no S3 (files in the data folder)', () => {
      expect(loadConfig({}).s3).toBeUndefined();
    });

    it('all set: read, trailing slash of the endpoint dropped, path style by default', () => {
      expect(loadConfig(full).s3).toEqual({
        endpoint: 'https://minio.gov.internal:9000',
        bucket: 'gongzhi-files',
        region: 'cn-km-1',
        accessKeyId: 'AKIDGONGZHI',
        secretAccessKey: 's3cr3t/value',
        forcePathStyle: true,
      });
      expect(loadConfig({ ...full, GONGZHI_S3_FORCE_PATH_STYLE: 'false' }).s3?.forcePathStyle).toBe(false);
    });

    it('a partial set is a startup error naming each missing variable', () => {
      const problems = problemsOf({ GONGZHI_S3_ENDPOINT: full.GONGZHI_S3_ENDPOINT, GONGZHI_S3_BUCKET: full.GONGZHI_S3_BUCKET });
      expect(problems.map((p) => p.split(':')[0])).toEqual(['GONGZHI_S3_REGION', 'GONGZHI_S3_ACCESS_KEY_ID', 'GONGZHI_S3_SECRET_ACCESS_KEY']);
      expect(problems[0]).toContain('GONGZHI_S3_ENDPOINT, GONGZHI_S3_BUCKET');
    });

    it('_FILE variants read the secret from a file; both forms at once, or an unreadable file, are refused', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-cfg-'));
      try {
        const f = path.join(dir, 'secret');
        fs.writeFileSync(f, 'from-a-file\n');
        const { GONGZHI_S3_SECRET_ACCESS_KEY: _drop, ...rest } = full;
        expect(loadConfig({ ...rest, GONGZHI_S3_SECRET_ACCESS_KEY_FILE: f }).s3?.secretAccessKey).toBe('from-a-file');
        expect(problemsOf({ ...full, GONGZHI_S3_SECRET_ACCESS_KEY_FILE: f })[0]).toMatch(/^GONGZHI_S3_SECRET_ACCESS_KEY: set either/);
        expect(problemsOf({ ...rest, GONGZHI_S3_SECRET_ACCESS_KEY_FILE: path.join(dir, 'missing') })[0]).toMatch(/^GONGZHI_S3_SECRET_ACCESS_KEY_FILE: cannot read/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('bad values are named', () => {
      expect(problemsOf({ ...full, GONGZHI_S3_ENDPOINT: 'minio:9000' })).toEqual(['GONGZHI_S3_ENDPOINT: must be an http:// or https:// URL']);
      expect(problemsOf({ ...full, GONGZHI_S3_BUCKET: 'Bad_Bucket' })[0]).toMatch(/^GONGZHI_S3_BUCKET:/);
      expect(problemsOf({ ...full, GONGZHI_S3_FORCE_PATH_STYLE: 'maybe' })[0]).toMatch(/^GONGZHI_S3_FORCE_PATH_STYLE:/);
    });
  });
});
