/**
 * One process at a time owns an embedded data folder, across real processes: a second gongzhi
 * gets a clear error naming the holder (never a second writer on the database), and a lock left
 * by a process that died is taken over. (Embedded engine only: PostgreSQL has no data folder.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { acquireDataDirLock } from '../../src/platform/datadir-lock.js';
import { testEngine } from '../helpers/db.js';
import { dataDirFromTemplate, runCli } from './cli-process.js';

let tmp: string;
let dataDir: string;
let lockFile: string;

describe.skipIf(testEngine() === 'pg')('data-folder lock across processes', () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-dirlock-'));
    dataDir = path.join(tmp, 'data');
    lockFile = path.join(dataDir, 'gongzhi.lock');
    await dataDirFromTemplate(dataDir, inject('gongzhiTemplate'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a second process exits non-zero with a message naming the process that holds the folder', async () => {
    // This test process plays the server that holds the folder.
    const lock = acquireDataDirLock(dataDir);
    try {
      for (const args of [['migrate'], ['backup', path.join(tmp, 'b.backup')]]) {
        const r = await runCli(args, { GONGZHI_DATA_DIR: dataDir });
        expect(r.code, `gongzhi ${args.join(' ')}`).not.toBe(0);
        expect(r.stderr).toContain(`in use by process ${process.pid}`);
        expect(r.stderr).toContain(dataDir);
      }
      expect(fs.existsSync(path.join(tmp, 'b.backup'))).toBe(false);
      // The holder's lock is untouched.
      expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    } finally {
      lock.release();
    }
  });

  it('restore refuses while another process holds the folder, and leaves the database in place', async () => {
    const lock = acquireDataDirLock(dataDir);
    try {
      const file = path.join(tmp, 'fake.backup');
      fs.writeFileSync(file, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
      const r = await runCli(['restore', file, '--yes'], { GONGZHI_DATA_DIR: dataDir });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`in use by process ${process.pid}`);
      expect(fs.readdirSync(dataDir).sort()).toEqual(['gongzhi.lock', 'pg']);
    } finally {
      lock.release();
    }
  });

  it('a stale lock (its process is gone) is taken over, and released at exit', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    fs.writeFileSync(lockFile, JSON.stringify({ pid: deadPid, host: os.hostname(), since: '2024-01-01T00:00:00Z', argv: 'gongzhi serve' }));
    const r = await runCli(['migrate'], { GONGZHI_DATA_DIR: dataDir });
    expect(r.stderr).not.toMatch(/in use/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: [] });
    expect(fs.existsSync(lockFile)).toBe(false);
  });
});
