/**
 * A migrated database for one test file: PGlite loaded from the run's template, or (test:pg) a
 * fresh PostgreSQL database copied from the template database. Share it across the file's tests
 * and keep tests independent by giving them their own data (unique codes, phones).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/db.js';
import { withDb } from './global-setup.js';

export const testEngine = (): 'pg' | 'pglite' => (process.env.GONGZHI_TEST_ENGINE === 'pg' ? 'pg' : 'pglite');

export interface TestDatabase {
  db: Database;
  /** The database URL (PostgreSQL only), for tests that spawn a CLI or server against it. */
  url: string | undefined;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('gongzhiTemplate');
  if (testEngine() === 'pg') {
    const base = process.env.DATABASE_URL!;
    const name = `gongzhi_t_${crypto.randomBytes(6).toString('hex')}`;
    const admin = await openDatabase({ databaseUrl: base, poolMax: 1 });
    await admin.exec(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    await admin.close();
    const url = withDb(base, name);
    const db = await openDatabase({ databaseUrl: url, poolMax: 5 });
    return {
      db,
      url,
      async close() {
        await db.close();
        const a = await openDatabase({ databaseUrl: base, poolMax: 1 });
        await a.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => a.exec(`DROP DATABASE IF EXISTS ${name}`));
        await a.close();
      },
    };
  }
  const blob = new Blob([fs.readFileSync(template)]);
  const db = await openDatabase({ loadDataDir: blob });
  return { db, url: undefined, close: () => db.close() };
}
