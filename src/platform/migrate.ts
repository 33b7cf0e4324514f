/**
 * Numbered plain-SQL migrations from db/migrations, applied in order, each in its own
 * transaction, recorded in schema_migration, under an advisory lock so that two servers starting
 * together cannot both migrate. The same files run on PGlite and on PostgreSQL.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './db.js';
import { AppError } from './errors.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../db/migrations');

// Any constant; it names "the gongzhi migrator" among the advisory locks of this database.
const MIGRATION_LOCK_KEY = 7_311_2023;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const version = Number(file.slice(0, 4));
    if (seen.has(version)) throw new AppError('migration_failed', `Two migrations share the number ${version}: ${file}`);
    seen.add(version);
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    return { version, name: file.replace(/\.sql$/, ''), file, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
  });
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(db: Database, opts: { dir?: string; log?: (msg: string) => void } = {}): Promise<MigrateResult> {
  const migrations = listMigrations(opts.dir);
  const log = opts.log ?? (() => {});
  // An advisory lock belongs to the connection that took it: the lock, every migration and the
  // unlock run on one session (through a pool they could land on three different connections,
  // and the unlock would leave the lock held by an idle pooled connection).
  return db.session(async (s) => {
    await s.query(`SELECT pg_advisory_lock($1)`, [MIGRATION_LOCK_KEY]);
    try {
      await s.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await s.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migration ORDER BY version',
      );
      const done = new Map(rows.map((r) => [r.version, r]));
      const applied: string[] = [];
      for (const m of migrations) {
        const prev = done.get(m.version);
        if (prev) {
          if (prev.checksum !== m.checksum) {
            throw new AppError(
              'migration_failed',
              `Migration ${m.file} was changed after it was applied (checksum differs). Add a new migration instead of editing an applied one.`,
            );
          }
          continue;
        }
        log(`applying ${m.file}`);
        try {
          await s.exec('BEGIN');
          await s.exec(m.sql);
          await s.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
          await s.exec('COMMIT');
        } catch (e) {
          await s.exec('ROLLBACK').catch(() => {});
          throw new AppError('migration_failed', `Migration ${m.file} failed: ${(e as Error).message}`);
        }
        applied.push(m.file);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await s.query(`SELECT pg_advisory_unlock($1)`, [MIGRATION_LOCK_KEY]);
    }
  });
}

/** Pending migrations (for /readyz). */
export async function pendingMigrations(db: Database, dir?: string): Promise<string[]> {
  const migrations = listMigrations(dir);
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migration')::text AS t`);
  if (!exists.rows[0]?.t) return migrations.map((m) => m.file);
  const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migration');
  const done = new Set(rows.map((r) => r.version));
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.file);
}
