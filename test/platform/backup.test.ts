/**
 * `gongzhi backup FILE` / `gongzhi restore FILE --yes` through the real binary, on the engine of
 * the run: the embedded data folder under `npm test`, PostgreSQL (pg_dump/pg_restore) under
 * `npm run test:pg`. A round trip must give back every table exactly: same rows, same checksum.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { backup, tableChecksums } from '../../src/platform/backup.js';
import { openDatabase, type Database } from '../../src/platform/db.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/db.js';
import { createMiniCity } from '../helpers/fixtures.js';
import { runCli } from './cli-process.js';

const engine = testEngine();
let tmp: string;
let dataDir: string;
let t: TestDatabase | undefined;
/** The variables that point a child gongzhi at this test's database. */
let target: Record<string, string | undefined>;

/**
 * The embedded engine's data folder can be open in one process at a time, and opening it takes
 * seconds: each step opens it once, does all it needs, and closes it for the child process.
 */
async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  if (t) return fn(t.db);
  const db = await openDatabase({ dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function addFixtures(db: Database): Promise<void> {
  await createMiniCity(db, '5391');
  await db.query(`INSERT INTO app_meta (key, value) VALUES ('backup_test', '{"n": 1, "名": "昆明"}')`);
  await db.query(`INSERT INTO outbox (topic, payload) VALUES ('backup.test', '{"a": [1, 2, 3]}'), ('backup.test', '{"b": null}')`);
}

/** The state the tests start from, and the one the round trip must give back. */
let initial: Awaited<ReturnType<typeof tableChecksums>>;
let beforeRefusals: Awaited<ReturnType<typeof tableChecksums>> | undefined;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-backup-'));
  dataDir = path.join(tmp, 'data');
  if (engine === 'pg') {
    t = await createTestDatabase();
    target = { DATABASE_URL: t.url };
    await addFixtures(t.db);
    initial = await tableChecksums(t.db);
  } else {
    // A data folder holding the run's migrated template (faster than migrating a fresh one).
    const db = await openDatabase({ dataDir, loadDataDir: new Blob([fs.readFileSync(inject('gongzhiTemplate'))]) });
    try {
      await addFixtures(db);
      initial = await tableChecksums(db);
    } finally {
      await db.close();
    }
    target = { GONGZHI_DATA_DIR: dataDir };
  }
});

afterAll(async () => {
  await t?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Each test runs several `gongzhi` processes, each opening the embedded engine (seconds apiece on a
// loaded machine): more than the default minute.
describe(`gongzhi backup / restore (${engine})`, { timeout: 180_000 }, () => {
  const file = () => path.join(tmp, 'round-trip.backup');

  it('round trip: restore gives back every table as it was at backup', async () => {
    expect(initial.region?.rows).toBeGreaterThanOrEqual(8);
    const b = await runCli(['backup', file()], target);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const out = JSON.parse(b.stdout) as { file: string; engine: string; bytes: number };
    expect(out).toMatchObject({ file: file(), engine });
    expect(out.bytes).toBe(fs.statSync(file()).size);
    expect(fs.existsSync(`${file()}.partial`)).toBe(false);

    // Change, delete and add rows, and a table the backup never had.
    const changed = await withDb(async (db) => {
      await db.query(`UPDATE region SET name = name || '（改）', population = 12345 WHERE code LIKE '5391%'`);
      await db.query(`DELETE FROM region WHERE code = '539102001001001'`);
      await db.query(`DELETE FROM outbox WHERE topic = 'backup.test'`);
      await db.query(`UPDATE app_meta SET value = '{"n": 2}' WHERE key = 'backup_test'`);
      await db.query(`INSERT INTO app_meta (key, value) VALUES ('after_backup', 'true')`);
      await db.exec(`CREATE TABLE made_after_backup (id int)`);
      return tableChecksums(db);
    });
    expect(changed).not.toEqual(initial);

    const r = await runCli(['restore', file(), '--yes'], target);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: file(), engine });

    await withDb(async (db) => {
      expect(await tableChecksums(db)).toEqual(initial);
      // The restored database takes writes (its sequences came back with the rows).
      const ins = await db.query<{ id: number }>(`INSERT INTO outbox (topic, payload) VALUES ('backup.after', '{}') RETURNING id`);
      const max = await db.query<{ m: number }>(`SELECT max(id)::int AS m FROM outbox WHERE topic <> 'backup.after'`);
      expect(ins.rows[0]!.id).toBeGreaterThan(max.rows[0]!.m);
      await db.query(`DELETE FROM outbox WHERE topic = 'backup.after'`);
      // The next test's starting point, taken while the folder is open anyway (opening costs seconds).
      await db.query(`INSERT INTO app_meta (key, value) VALUES ('before_refusals', 'true')`);
      beforeRefusals = await tableChecksums(db);
    });
  });

  it('restore refuses: without --yes, a file that is not a backup, a backup of the other engine, a missing or damaged file; nothing changes', async () => {
    const before =
      beforeRefusals ??
      (await withDb(async (db) => {
        await db.query(`INSERT INTO app_meta (key, value) VALUES ('before_refusals', 'true')`);
        return tableChecksums(db);
      }));

    const noYes = await runCli(['restore', file()], target);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('--yes');

    const junk = path.join(tmp, 'junk.backup');
    fs.writeFileSync(junk, 'this is not a backup');
    const r1 = await runCli(['restore', junk, '--yes'], target);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/is not a gongzhi backup/);

    const other = path.join(tmp, 'other-engine.backup');
    // The first bytes name the format: PGDMP for pg_dump's custom format, gzip's 1f 8b for the data folder.
    fs.writeFileSync(other, engine === 'pg' ? Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]) : Buffer.from('PGDMP\u0001\u000e\u0000'));
    const r2 = await runCli(['restore', other, '--yes'], target);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(engine === 'pg' ? /backup of the embedded engine/ : /backup of the PostgreSQL engine/);

    const r3 = await runCli(['restore', path.join(tmp, 'missing.backup'), '--yes'], target);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/does not exist/);

    // The header is kept (so the file is recognised) and the rest cut short.
    const bytes = fs.readFileSync(file());
    const damaged = path.join(tmp, 'damaged.backup');
    fs.writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r4 = await runCli(['restore', damaged, '--yes'], target);
    expect(r4.code).not.toBe(0);
    expect(r4.stderr).toMatch(/^gongzhi: /);

    await withDb(async (db) => {
      expect(await tableChecksums(db)).toEqual(before);
      await db.query(`DELETE FROM app_meta WHERE key = 'before_refusals'`);
    });
  });

  it('backup refuses a database that was never migrated (a wrong GONGZHI_DATA_DIR or DATABASE_URL)', async () => {
    const out = path.join(tmp, 'empty.backup');
    let db: Database;
    let config = testConfig();
    let cleanup = async () => {};
    if (engine === 'pg') {
      const base = new URL(process.env.DATABASE_URL!);
      const name = `gongzhi_empty_${process.pid}`;
      const admin = await openDatabase({ databaseUrl: base.toString(), poolMax: 1 });
      await admin.exec(`DROP DATABASE IF EXISTS ${name}`);
      await admin.exec(`CREATE DATABASE ${name}`);
      base.pathname = `/${name}`;
      config = testConfig({ databaseUrl: base.toString() });
      db = await openDatabase({ databaseUrl: base.toString(), poolMax: 1 });
      cleanup = async () => {
        await db.close();
        await admin.exec(`DROP DATABASE IF EXISTS ${name}`);
        await admin.close();
      };
    } else {
      // Spawning a CLI on a new folder would spend most of a minute creating a database; the
      // check is the same on a loaded template whose migration record is gone.
      db = await openDatabase({ loadDataDir: new Blob([fs.readFileSync(inject('gongzhiTemplate'))]) });
      await db.exec('DROP TABLE schema_migration');
      config = testConfig({ dataDir: path.join(tmp, 'wrong-data') });
      cleanup = () => db.close();
    }
    try {
      await expect(backup(db, config, out)).rejects.toThrow(/holds no gongzhi database/);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      await cleanup();
    }
  });
});
