/**
 * Backup and restore for both engines, in each engine's own native format:
 * - embedded (PGlite): the data folder as a gzipped tarball (PGlite's dumpDataDir);
 * - PostgreSQL: pg_dump's custom format, restored with pg_restore into an emptied schema.
 * The file's first bytes say which it is, so a backup is never restored into the wrong engine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type Database, type Sql } from './db.js';
import { AppError } from './errors.js';
import { acquireDataDirLock } from './datadir-lock.js';

export interface BackupResult {
  file: string;
  engine: 'pglite' | 'pg';
  bytes: number;
}

export async function backup(db: Database, config: Config, file: string): Promise<BackupResult> {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (db.engine === 'pglite') {
    const blob = await db.dumpDataDir!();
    // Write to a temporary name first: a half-written backup must never look like a good one.
    fs.writeFileSync(`${target}.partial`, Buffer.from(await blob.arrayBuffer()));
    fs.renameSync(`${target}.partial`, target);
  } else {
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', `${target}.partial`, config.databaseUrl!]);
    fs.renameSync(`${target}.partial`, target);
  }
  return { file: target, engine: db.engine, bytes: fs.statSync(target).size };
}

function kindOf(file: string): 'pglite' | 'pg' {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(5);
  fs.readSync(fd, head, 0, 5, 0);
  fs.closeSync(fd);
  if (head[0] === 0x1f && head[1] === 0x8b) return 'pglite';
  if (head.toString('latin1') === 'PGDMP') return 'pg';
  throw new AppError('validation_failed', `file: ${file} is not a gongzhi backup (neither an embedded data-folder dump nor a pg_dump custom-format file)`);
}

export async function restore(config: Config, file: string): Promise<BackupResult> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new AppError('validation_failed', `file: ${source} does not exist`);
  const kind = kindOf(source);
  const engine = config.databaseUrl ? 'pg' : 'pglite';
  if (kind !== engine) {
    throw new AppError('validation_failed', `file: this is a backup of the ${kind === 'pg' ? 'PostgreSQL' : 'embedded'} engine, but gongzhi is configured for the ${engine === 'pg' ? 'PostgreSQL' : 'embedded'} engine`);
  }
  if (engine === 'pg') {
    const db = await openDatabase({ databaseUrl: config.databaseUrl });
    try {
      // pg_restore --clean would try to drop objects one by one around PostGIS's own; an emptied
      // schema is simpler and leaves nothing of the old database behind.
      await db.exec('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
    } finally {
      await db.close();
    }
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', config.databaseUrl!, source]);
    return { file: source, engine, bytes: fs.statSync(source).size };
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const lock = acquireDataDirLock(config.dataDir);
  const live = path.join(config.dataDir, 'pg');
  const aside = path.join(config.dataDir, `pg.before-restore-${Date.now()}`);
  try {
    if (fs.existsSync(live)) fs.renameSync(live, aside);
    const blob = new Blob([fs.readFileSync(source)]);
    try {
      const db = await openDatabase({ dataDir: config.dataDir, loadDataDir: blob, lock: false });
      await db.query('SELECT 1');
      await db.close();
    } catch (e) {
      fs.rmSync(live, { recursive: true, force: true });
      if (fs.existsSync(aside)) fs.renameSync(aside, live);
      throw new AppError('validation_failed', `file: could not restore ${source}: ${(e as Error).message}`);
    }
    // The replaced database stays beside the new one until the operator removes it.
    return { file: source, engine, bytes: fs.statSync(source).size };
  } finally {
    lock.release();
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => reject(new AppError('internal', `${cmd} could not be started (${e.message}); install the PostgreSQL client tools`)));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new AppError('internal', `${cmd} failed (exit ${code}): ${err.trim()}`))));
  });
}

/**
 * Row count and an order-independent checksum of every table in the public schema: the tool
 * that backup tests and the bad-input suite use to prove "nothing changed".
 */
export async function tableChecksums(db: Sql): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = await db.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('spatial_ref_sys') ORDER BY 1`,
  );
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const { t } of tables.rows) {
    const r = await db.query<{ n: number; h: string | null }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS h FROM "${t}" x`,
    );
    out[t] = { rows: r.rows[0]?.n ?? 0, md5: r.rows[0]?.h ?? '' };
  }
  return out;
}
