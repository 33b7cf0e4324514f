import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from './datadir-lock.js';
import { AppError } from './errors.js';

let dir: string;
let lockFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-lock-'));
  lockFile = path.join(dir, 'gongzhi.lock');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A pid that surely belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function lockedError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('data_dir_locked');
    return e as AppError;
  }
  throw new Error('expected data_dir_locked');
}

describe('acquireDataDirLock', () => {
  it('writes a lock naming this process and removes it on release', () => {
    const lock = acquireDataDirLock(dir);
    expect(lock.file).toBe(lockFile);
    const info = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, host: os.hostname() });
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
    lock.release(); // twice is harmless
    acquireDataDirLock(dir).release();
  });

  it('refuses a second lock on the same folder in the same process', () => {
    const lock = acquireDataDirLock(dir);
    try {
      expect(lockedError(() => acquireDataDirLock(dir)).message).toMatch(/already open in this process/);
    } finally {
      lock.release();
    }
  });

  it('refuses while another live process holds it, naming that pid', async () => {
    // A real second process that holds the lock file (written the way gongzhi writes it).
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(lockFile, JSON.stringify({ pid: holder.pid, host: os.hostname(), since: '2024-01-01T00:00:00Z', argv: 'gongzhi serve' }));
      const e = lockedError(() => acquireDataDirLock(dir));
      expect(e.message).toContain(`process ${holder.pid}`);
      expect(e.message).toContain('gongzhi serve');
      expect(e.details).toMatchObject({ pid: holder.pid });
      expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill();
    }
  });

  it('takes over a stale lock whose process is gone', () => {
    fs.writeFileSync(lockFile, JSON.stringify({ pid: deadPid(), host: os.hostname() }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a half-written (empty or garbled) lock', () => {
    fs.writeFileSync(lockFile, '');
    acquireDataDirLock(dir).release();
    fs.writeFileSync(lockFile, '{"pid": 12');
    acquireDataDirLock(dir).release();
  });

  it('takes over a lock with our own pid that this process does not hold (a restarted container is pid 1 again)', () => {
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, host: os.hostname(), procStart: '1' }));
    const lock = acquireDataDirLock(dir);
    lock.release();
  });

  it.runIf(process.platform === 'linux')('takes over a lock whose pid now belongs to another process (pid reuse)', () => {
    // process.ppid runs, but it is not the process that wrote this lock: its start time differs.
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: os.hostname(), procStart: '1' }));
    acquireDataDirLock(dir).release();
  });

  it.runIf(process.platform === 'linux')('takes over a lock written before the last reboot', () => {
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host: os.hostname(), bootId: 'an-earlier-boot' }));
    acquireDataDirLock(dir).release();
  });

  it('never takes over a lock written on another host, and says how to clear it', () => {
    fs.writeFileSync(lockFile, JSON.stringify({ pid: deadPid(), host: 'some-other-host' }));
    const e = lockedError(() => acquireDataDirLock(dir));
    expect(e.message).toMatch(/on host some-other-host/);
    expect(e.message).toContain(lockFile);
    expect(fs.existsSync(lockFile)).toBe(true);
  });

  it('release leaves a lock alone that is no longer ours', () => {
    const lock = acquireDataDirLock(dir);
    fs.writeFileSync(lockFile, JSON.stringify({ pid: 424242, host: os.hostname() }));
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(true);
  });

  it('adds no exit listener that outlives the lock', () => {
    const before = process.listenerCount('exit');
    for (let i = 0; i < 20; i++) acquireDataDirLock(dir).release();
    expect(process.listenerCount('exit')).toBe(before);
  });
});
