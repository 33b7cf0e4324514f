import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from './errors.js';

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process at a time owns an embedded data folder: PGlite would corrupt a database that two
 * processes write. The lock is a file created with O_EXCL holding the owner's pid; a lock whose
 * process is gone (killed, crashed) is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = path.join(dataDir, 'gongzhi.lock');
  const me = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), argv: process.argv.slice(1).join(' ') });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number };
          if (cur.pid === process.pid) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { file, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid?: number; host?: string; since?: string; argv?: string } = {};
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof holder;
      } catch {
        /* half-written lock: treat as stale */
      }
      const sameHost = holder.host === undefined || holder.host === os.hostname();
      if (typeof holder.pid === 'number' && holder.pid !== process.pid && sameHost && alive(holder.pid)) {
        throw new AppError(
          'data_dir_locked',
          `The data folder ${dataDir} is in use by process ${holder.pid} (${holder.argv ?? 'gongzhi'}, since ${holder.since ?? '?'}). ` +
            'Stop that process first, or point GONGZHI_DATA_DIR at another folder.',
          { pid: holder.pid, file },
        );
      }
      if (holder.pid === process.pid) {
        throw new AppError('data_dir_locked', `The data folder ${dataDir} is already open in this process.`, { pid: holder.pid, file });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new AppError('data_dir_locked', `Could not lock the data folder ${dataDir}.`, { file });
}
