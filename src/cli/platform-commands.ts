/** The platform's own commands: serve, start, migrate, seed, backup, restore. */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { migrate } from '../platform/migrate.js';
import { backup, restore } from '../platform/backup.js';
import { MODULES } from '../modules/registry.js';
import type { CliHelpers } from '../modules/types.js';
import type { Database } from '../platform/db.js';
import { startServer, stopOnSignals } from '../server.js';
import { openConfigured } from './program.js';
import type { Ctx } from '../platform/context.js';

function serveConfig(o: { port?: string; host?: string }): Config {
  const config = loadConfig();
  if (o.port !== undefined) {
    if (!/^\d+$/.test(o.port) || Number(o.port) > 65535) throw new AppError('validation_failed', `--port: must be a port number, got "${o.port}"`);
    config.port = Number(o.port);
  }
  if (o.host !== undefined) config.host = o.host;
  return config;
}

export async function seedDemo(db: Database, ctx: Ctx, log: (m: string) => void): Promise<boolean> {
  const done = await db.query(`SELECT 1 FROM app_meta WHERE key = 'demo_seeded'`);
  if (done.rows.length > 0) {
    log('the demo city is already seeded');
    return false;
  }
  for (const m of MODULES) {
    if (!m.seedDemo) continue;
    log(`seeding ${m.name}…`);
    await m.seedDemo(db, ctx, log);
  }
  await db.query(`INSERT INTO app_meta (key, value) VALUES ('demo_seeded', $1)`, [JSON.stringify({ at: new Date().toISOString() })]);
  return true;
}

async function isEmpty(db: Database): Promise<boolean> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM app_meta`);
  const regions = await db.query<{ t: string | null }>(`SELECT to_regclass('region')::text AS t`);
  if (!regions.rows[0]?.t) return (r.rows[0]?.n ?? 0) === 0;
  const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM region`);
  return (r.rows[0]?.n ?? 0) === 0 && (n.rows[0]?.n ?? 0) === 0;
}

export function registerPlatformCommands(program: Command, h: CliHelpers): void {
  const log = (m: string) => process.stderr.write(`${m}\n`);

  program
    .command('serve')
    .description('start the server (applies pending migrations first)')
    .option('--port <port>', 'port to listen on (PORT, default 3000)')
    .option('--host <host>', 'address to listen on (HOST, default 127.0.0.1)')
    .action(async (o: { port?: string; host?: string }) => {
      const config = serveConfig(o);
      const db = await openConfigured(config);
      const server = await startServer(db, config);
      stopOnSignals(server);
      process.stdout.write(`gongzhi is running at ${server.url}  (API docs: ${server.url}/docs)\n`);
    });

  program
    .command('start')
    .description('what `npm start` runs: migrate, seed the demo city into an empty database, serve')
    .option('--port <port>', 'port to listen on (PORT, default 3000)')
    .option('--host <host>', 'address to listen on (HOST, default 127.0.0.1)')
    .option('--no-demo', 'do not seed the demo city into an empty database')
    .action(async (o: { port?: string; host?: string; demo: boolean }) => {
      const config = serveConfig(o);
      const db = await openConfigured(config);
      if (o.demo && (await isEmpty(db))) {
        log('empty database: seeding the demo city (Kunming), once…');
        await seedDemo(db, h.ctx(), log);
      }
      const server = await startServer(db, config);
      stopOnSignals(server);
      process.stdout.write(`gongzhi is running at ${server.url}  (API docs: ${server.url}/docs)\n`);
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfig();
      const db = await openConfigured(config, { migrate: false });
      try {
        const r = await migrate(db, { log });
        h.out(r);
      } finally {
        await db.close();
      }
    });

  const seed = program.command('seed').description('load data');
  seed
    .command('demo')
    .description('seed the demo city: Kunming\'s real hierarchy, generated boundaries, grids, staff, departments, demo users')
    .action(async () => {
      const seeded = await h.withDb((db) => seedDemo(db, h.ctx(), log));
      h.out({ seeded });
    });

  program
    .command('backup <file>')
    .description('write a backup of the database to FILE (embedded: data-folder dump; PostgreSQL: pg_dump custom format)')
    .action(async (file: string) => {
      const config = loadConfig();
      const db = await openConfigured(config, { migrate: false });
      try {
        h.out(await backup(db, config, file));
      } finally {
        await db.close();
      }
    });

  program
    .command('restore <file>')
    .description('replace the database with a backup made by `gongzhi backup` (stop the server first)')
    .option('--yes', 'confirm that the current database is replaced')
    .action(async (file: string, o: { yes?: boolean }) => {
      if (!o.yes) throw new AppError('validation_failed', '--yes: restore replaces the current database; pass --yes to confirm');
      h.out(await restore(loadConfig(), file));
    });
}
