/**
 * The `gongzhi` binary as an operator meets it: `serve` comes up ready, holds its data folder
 * against a second process, and shuts down cleanly on SIGTERM; bad configuration stops it before
 * it touches anything, with a message naming the variable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, testEngine } from '../helpers/db.js';
import { dataDirFromTemplate, exited, freePort, runCli, startCli, waitForOutput } from './cli-process.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Engine-independent: run once, in the embedded suite.
describe.skipIf(testEngine() === 'pg')('gongzhi: configuration and arguments', () => {
  it('PORT=abc: exits before starting, naming PORT and the bad value', async () => {
    const dataDir = path.join(tmp, 'never-created');
    const r = await runCli(['serve'], { PORT: 'abc', GONGZHI_DATA_DIR: dataDir });
    // A bad configuration is a usage error: exit 2, like a bad argument.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PORT: must be a whole number, got "abc"');
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('several bad variables: each is named in one message', async () => {
    const r = await runCli(['migrate'], { PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', GONGZHI_DEMO: 'maybe' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('PORT: must be between 0 and 65535, got 70000');
    expect(r.stderr).toContain('LOG_LEVEL: must be one of');
    expect(r.stderr).toContain('DATABASE_URL: must start with postgres:// or postgresql://');
    expect(r.stderr).toContain('GONGZHI_DEMO: must be true or false, got "maybe"');
  });

  it('serve --port abc: exit code 2 naming --port', async () => {
    const r = await runCli(['serve', '--port', 'abc'], { GONGZHI_DATA_DIR: path.join(tmp, 'never-created') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port: must be a port number, got "abc"');
  });

  it('an unknown command: exit code 2 with help', async () => {
    const r = await runCli(['frobnicate'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe.skipIf(testEngine() === 'pg')('gongzhi serve (embedded)', () => {
  let server: ChildProcess | undefined;
  let dataDir: string;
  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  it('comes up ready, holds its data folder against a second process, and on SIGTERM exits 0 and releases the folder', async () => {
    dataDir = path.join(tmp, 'serve-data');
    await dataDirFromTemplate(dataDir, inject('gongzhiTemplate'));
    const port = await freePort();
    server = startCli(['serve', '--port', String(port)], { GONGZHI_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const [, url] = await waitForOutput(server, /gongzhi is running at (http:\/\/\S+)/, 90_000);
    expect(url).toBe(`http://localhost:${port}`);

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', engine: 'pglite' });
    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'gongzhi.lock'), 'utf8'));
    expect(lock.pid).toBe(server.pid);

    // A CLI command while the server runs: refused, naming the server's pid.
    const second = await runCli(['migrate'], { GONGZHI_DATA_DIR: dataDir });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`in use by process ${server.pid}`);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const t0 = Date.now();
    server.kill('SIGTERM');
    const { code, signal } = await exited(server);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(fs.existsSync(path.join(dataDir, 'gongzhi.lock'))).toBe(false);
  });
});

describe.runIf(testEngine() === 'pg')('gongzhi serve (PostgreSQL)', () => {
  it('comes up ready on DATABASE_URL and on SIGTERM exits 0 within seconds', async () => {
    const t = await createTestDatabase();
    const port = await freePort();
    const server = startCli(['serve', '--port', String(port)], { DATABASE_URL: t.url, GONGZHI_SECRET: 'x'.repeat(32) });
    try {
      await waitForOutput(server, /gongzhi is running at/, 60_000);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', engine: 'pg' });
      const t0 = Date.now();
      server.kill('SIGTERM');
      expect(await exited(server)).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
      await t.close();
    }
  });
});
