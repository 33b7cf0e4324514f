import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from './errors.js';

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

interface LockInfo {
  pid?: number;
  host?: string;
  since?: string;
  argv?: string;
  /** Linux: the process's start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  procStart?: string;
  /** Linux: this boot's id; a lock from an earlier boot is stale whatever its pid. */
  bootId?: string;
}

/** Locks this process holds, by file: a pid match alone can be an earlier process with our pid. */
const held = new Set<string>();

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function procStart(pid: number | 'self'): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const bootId = (): string | undefined => readText('/proc/sys/kernel/random/boot_id')?.trim();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that wrote this lock (on this host) still runs. */
function holderRuns(h: LockInfo): boolean {
  if (typeof h.pid !== 'number' || !Number.isInteger(h.pid) || h.pid <= 0) return false;
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return false;
  if (!alive(h.pid)) return false;
  // The pid runs, but is it still the same process? After a crash and restart (a container's
  // pid 1, say) the number is often given to someone else, or to us.
  if (h.procStart) {
    const now = procStart(h.pid);
    if (now !== undefined && now !== h.procStart) return false;
  }
  return h.pid !== process.pid;
}

function parse(text: string | undefined): LockInfo | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as LockInfo) : {};
  } catch {
    // Half-written (the writer died between create and write): nobody holds it.
    return {};
  }
}

/**
 * Removing a stale lock is done by one process at a time, under this short-lived second lock,
 * and only after reading the lock again under it: otherwise two processes that both saw the same
 * stale lock could each remove it, the second removing the first's fresh lock.
 */
function takeOverStale(file: string, staleText: string): void {
  const guard = `${file}.takeover`;
  try {
    fs.writeFileSync(guard, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Someone else is taking over: give them a moment before looking again.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    // A guard older than a few seconds belongs to a process that died while taking over.
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > 10_000) fs.rmSync(guard, { force: true });
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    if (readText(file) === staleText) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/**
 * One process at a time owns an embedded data folder: PGlite would corrupt a database that two
 * processes write. The lock is a file created with O_EXCL holding the owner's pid (and, on Linux,
 * the process's start time and the boot id, so a recycled pid is not mistaken for the owner);
 * a lock whose process is gone (killed, crashed, rebooted) is taken over. A lock written on
 * another host (a shared folder, another container) cannot be checked and is never taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = path.join(path.resolve(dataDir), 'gongzhi.lock');
  if (held.has(file)) {
    throw new AppError('data_dir_locked', `The data folder ${dataDir} is already open in this process.`, { pid: process.pid, file });
  }
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    argv: process.argv.slice(1).join(' '),
    procStart: procStart('self'),
    bootId: bootId(),
  };
  const me = JSON.stringify(info);
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const text = readText(file);
      const holder = parse(text);
      if (holder === undefined) continue; // released meanwhile: try again
      if (holder.host !== undefined && holder.host !== os.hostname()) {
        throw new AppError(
          'data_dir_locked',
          `The data folder ${dataDir} is in use by process ${holder.pid ?? '?'} on host ${holder.host} (since ${holder.since ?? '?'}). ` +
            `Stop that process first; if that host or container is gone for good, delete ${file}.`,
          { pid: holder.pid, host: holder.host, file },
        );
      }
      if (holderRuns(holder)) {
        throw new AppError(
          'data_dir_locked',
          `The data folder ${dataDir} is in use by process ${holder.pid} (${holder.argv ?? 'gongzhi'}, since ${holder.since ?? '?'}). ` +
            'Stop that process first, or point GONGZHI_DATA_DIR at another folder.',
          { pid: holder.pid, file },
        );
      }
      takeOverStale(file, text!);
      continue;
    }
    held.add(file);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.delete(file);
      process.off('exit', release);
      // Only our own lock: after a takeover by someone else (we were presumed dead) it is theirs.
      if (readText(file) === me) fs.rmSync(file, { force: true });
    };
    process.once('exit', release);
    return { file, release };
  }
  throw new AppError('data_dir_locked', `Could not lock the data folder ${dataDir}: another process keeps taking it.`, { file });
}
