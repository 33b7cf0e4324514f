/**
 * Backup and restore for both engines, in each engine's own native format:
 * - embedded (PGlite): the data folder as a gzipped tarball (PGlite's dumpDataDir);
 * - PostgreSQL: pg_dump's custom format, restored in ONE transaction (gongzhi's objects wiped,
 *   then pg_restore's script, through psql), so a failed restore leaves the database as it was.
 * The file's first bytes say which it is, so a backup is never restored into the wrong engine.
 *
 * PostgreSQL extensions (PostGIS needs a superuser to create) belong to whoever provisioned the
 * database: restore neither drops nor re-creates them, it only checks that the target has them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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
  // Opening an empty data folder creates an empty database: backing that up would hide a wrong
  // GONGZHI_DATA_DIR or DATABASE_URL behind a file that looks fine.
  const migrated = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migration')::text AS t`);
  if (!migrated.rows[0]?.t) {
    const where = db.engine === 'pg' ? 'the database at DATABASE_URL' : `the data folder ${config.dataDir}`;
    throw new AppError('validation_failed', `database: ${where} holds no gongzhi database (never migrated); nothing to back up`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Write to a temporary name first: a half-written backup must never look like a good one.
  const partial = `${target}.partial`;
  try {
    if (db.engine === 'pglite') {
      // A checkpoint first, so the copied files are consistent without replaying the WAL.
      await db.exec('CHECKPOINT');
      const blob = await db.dumpDataDir!();
      fs.writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
    } else {
      const t = libpqTarget(config.databaseUrl!);
      await run('pg_dump', ['--format=custom', '--no-owner', '--file', partial, '--dbname', t.dbname], { env: t.env });
    }
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
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
  if (!fs.existsSync(source) || !fs.statSync(source).isFile()) throw new AppError('validation_failed', `file: ${source} does not exist`);
  const kind = kindOf(source);
  const engine = config.databaseUrl ? 'pg' : 'pglite';
  if (kind !== engine) {
    throw new AppError('validation_failed', `file: this is a backup of the ${kind === 'pg' ? 'PostgreSQL' : 'embedded'} engine, but gongzhi is configured for the ${engine === 'pg' ? 'PostgreSQL' : 'embedded'} engine`);
  }
  if (engine === 'pg') {
    await restorePg(config.databaseUrl!, source);
    return { file: source, engine, bytes: fs.statSync(source).size };
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const lock = acquireDataDirLock(config.dataDir);
  const live = path.join(config.dataDir, 'pg');
  const aside = path.join(config.dataDir, `pg.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  try {
    if (fs.existsSync(live)) fs.renameSync(live, aside);
    const blob = new Blob([fs.readFileSync(source)]);
    try {
      const db = await openDatabase({ dataDir: config.dataDir, loadDataDir: blob, lock: false });
      try {
        await db.query('SELECT 1');
      } finally {
        await db.close();
      }
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

/**
 * Drops what gongzhi created, keeps what extensions own. `schemas` are the extra schemas the
 * backup will re-create (public is emptied, never dropped: the database owner's, not ours).
 */
function wipeSql(schemas: string[]): string {
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const extra = schemas.length > 0 ? `ARRAY[${schemas.map(lit).join(',')}]::text[]` : `ARRAY[]::text[]`;
  return `
SET lock_timeout = '15s';
DO $wipe$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace WHERE nspname = ANY (${extra}) AND nspname <> 'public' LOOP
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);
  END LOOP;
  FOR r IN
    SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY c.relkind DESC
  LOOP
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = r.oid) THEN
      EXECUTE format('DROP %s IF EXISTS %s CASCADE',
        CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
        r.oid::regclass);
    END IF;
  END LOOP;
  FOR r IN
    SELECT p.oid, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    IF EXISTS (SELECT 1 FROM pg_proc WHERE oid = r.oid) THEN
      EXECUTE format('DROP %s IF EXISTS %s CASCADE', CASE r.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, r.oid::regprocedure);
    END IF;
  END LOOP;
  FOR r IN
    SELECT t.oid, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE n.nspname = 'public' AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    IF EXISTS (SELECT 1 FROM pg_type WHERE oid = r.oid) THEN
      EXECUTE format('DROP %s IF EXISTS %s CASCADE', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.oid::regtype);
    END IF;
  END LOOP;
END
$wipe$;
`;
}

async function restorePg(url: string, source: string): Promise<void> {
  const t = libpqTarget(url);
  const toc = await run('pg_restore', ['--list', source], { capture: true });
  const lines = toc.split('\n');
  // TOC lines: "<id>; <catalog oid> <oid> <TYPE> <schema|-> <name> <owner>".
  const extensions = lines.map((l) => /^\d+; \d+ \d+ EXTENSION - (\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);
  const schemas = lines.map((l) => /^\d+; \d+ \d+ SCHEMA - (\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);

  const db = await openDatabase({ databaseUrl: url, poolMax: 1 });
  let extensionTables: Set<string>;
  try {
    const have = await db.query<{ extname: string }>('SELECT extname FROM pg_extension');
    const present = new Set(have.rows.map((r) => r.extname));
    for (const ext of extensions.filter((e) => !present.has(e))) {
      try {
        await db.exec(`CREATE EXTENSION IF NOT EXISTS "${ext.replace(/"/g, '""')}"`);
      } catch (e) {
        throw new AppError(
          'validation_failed',
          `database: the backup uses the extension ${ext}, which the target database lacks and this role cannot create (${(e as Error).message}); ask the DBA to run CREATE EXTENSION ${ext} in it`,
        );
      }
    }
    // Data of extension-owned tables (PostGIS's spatial_ref_sys) is the extension's, already there.
    const owned = await db.query<{ name: string }>(
      `SELECT n.nspname || ' ' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'`,
    );
    extensionTables = new Set(owned.rows.map((r) => r.name));
  } finally {
    await db.close();
  }

  const keep = lines.filter((l) => {
    if (/^\d+; \d+ \d+ (EXTENSION - |COMMENT - EXTENSION )/.test(l)) return false;
    const data = /^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) /.exec(l);
    if (data && extensionTables.has(`${data[1]} ${data[2]}`)) return false;
    return true;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-restore-'));
  const listFile = path.join(dir, 'toc.list');
  try {
    fs.writeFileSync(listFile, keep.join('\n'));
    await restoreThroughPsql(
      ['--no-owner', '--no-privileges', '--use-list', listFile, '--file', '-', source],
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--dbname', t.dbname],
      wipeSql(schemas),
      t.env,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The URL without its password (which would show in `ps`), and the password as PGPASSWORD. */
function libpqTarget(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { dbname: u.toString(), env };
}

const VERSION_HINT =
  ' (the PostgreSQL client tools must be of the server\'s major version or newer: install postgresql-client-NN and put its bin folder first on PATH)';

function failure(cmd: string, code: number | null, stderr: string): AppError {
  const msg = stderr.trim();
  return new AppError('internal', `${cmd} failed (exit ${code}): ${msg}${/version mismatch/i.test(msg) ? VERSION_HINT : ''}`);
}

function notStarted(cmd: string, e: Error): AppError {
  return new AppError('internal', `${cmd} could not be started (${e.message}); install the PostgreSQL client tools (Debian: postgresql-client)`);
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; capture?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', opts.capture ? 'pipe' : 'ignore', 'pipe'], env: opts.env ?? process.env });
    let out = '';
    let err = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => reject(notStarted(cmd, e)));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(failure(cmd, code, err))));
  });
}

/**
 * `pg_restore … | psql`, committed only when pg_restore finished cleanly: psql gets BEGIN, the
 * wipe and pg_restore's script, and COMMIT only after pg_restore exits 0. (psql's own
 * --single-transaction would commit whatever arrived before a pg_restore that died half-way.)
 */
function restoreThroughPsql(restoreArgs: string[], psqlArgs: string[], prelude: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const pa = spawn('pg_restore', restoreArgs, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const pb = spawn('psql', psqlArgs, { stdio: ['pipe', 'ignore', 'pipe'], env });
    let errA = '';
    let errB = '';
    let startError: AppError | undefined;
    pa.stderr.on('data', (d: Buffer) => (errA += d.toString()));
    pb.stderr.on('data', (d: Buffer) => (errB += d.toString()));
    // psql stopping early (ON_ERROR_STOP) closes its stdin; that is reported through psql's exit.
    pb.stdin.on('error', () => {});
    pb.stdin.write(`BEGIN;\n${prelude}\n`);
    pa.stdout.pipe(pb.stdin, { end: false });
    pa.on('error', (e) => {
      startError ??= notStarted('pg_restore', e);
      pb.kill();
    });
    pb.on('error', (e) => {
      startError ??= notStarted('psql', e);
      pa.kill();
    });
    let codeA: number | null | undefined;
    let codeB: number | null | undefined;
    const done = () => {
      if (codeA === undefined || codeB === undefined) return;
      if (startError) reject(startError);
      else if (codeA !== 0) reject(failure('pg_restore', codeA, errA));
      else if (codeB !== 0) reject(failure('psql', codeB, errB));
      else resolve();
    };
    pa.on('close', (c) => {
      codeA = c;
      // Without COMMIT, psql's end of input rolls the whole restore back.
      pb.stdin.end(c === 0 ? 'COMMIT;\n' : undefined);
      done();
    });
    pb.on('close', (c) => {
      codeB = c;
      if (codeA === undefined) pa.kill();
      done();
    });
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
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) AS h FROM "${t.replace(/"/g, '""')}" x`,
    );
    out[t] = { rows: r.rows[0]?.n ?? 0, md5: r.rows[0]?.h ?? '' };
  }
  return out;
}
