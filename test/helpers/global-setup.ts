/**
 * Runs once per test run: prepares a migrated database that every test file clones cheaply.
 * - embedded: a migrated PGlite dumped to a tarball (loading one takes ~3 s, a fresh one ~12 s);
 * - PostgreSQL: a migrated template database, copied per file with CREATE DATABASE … TEMPLATE.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/platform/db.js';
import { listMigrations, migrate } from '../../src/platform/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gongzhiTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const hash = crypto
    .createHash('sha256')
    .update(listMigrations().map((m) => m.checksum).join(','))
    .digest('hex')
    .slice(0, 12);
  if (process.env.GONGZHI_TEST_ENGINE === 'pg') {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('test:pg needs DATABASE_URL');
    const tpl = `gongzhi_tpl_${hash}`;
    const admin = await openDatabase({ databaseUrl: url, poolMax: 1 });
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [tpl]);
      if (exists.rows.length === 0) {
        // Built under a temporary name and renamed when complete: a run that died half-way, or
        // two runs starting together, never leave a half-migrated template behind.
        const building = `${tpl}_b${crypto.randomBytes(4).toString('hex')}`;
        await admin.exec(`CREATE DATABASE ${building}`);
        try {
          const db = await openDatabase({ databaseUrl: withDb(url, building), poolMax: 1 });
          try {
            await migrate(db);
          } finally {
            await db.close();
          }
          await admin.exec(`ALTER DATABASE ${building} RENAME TO ${tpl}`);
        } catch (e) {
          await admin.exec(`DROP DATABASE IF EXISTS ${building}`);
          const raced = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [tpl]);
          if (raced.rows.length === 0) throw e;
        }
      }
    } finally {
      await admin.close();
    }
    project.provide('gongzhiTemplate', tpl);
    return;
  }
  const dir = path.resolve('node_modules/.cache/gongzhi-test');
  const file = path.join(dir, `template-${hash}.tgz`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const db = await openDatabase({});
    await migrate(db);
    const blob = await db.dumpDataDir!();
    await db.close();
    fs.writeFileSync(`${file}.${process.pid}`, Buffer.from(await blob.arrayBuffer()));
    fs.renameSync(`${file}.${process.pid}`, file);
  }
  project.provide('gongzhiTemplate', file);
}

export function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
