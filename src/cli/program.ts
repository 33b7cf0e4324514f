/**
 * The `gongzhi` command line, built (never run) here so tests can drive it; gongzhi.ts runs it. Thin: parse, open the database, call a module's service, print.
 * Modules add their own commands through their manifest's `cli`.
 */
import { Command } from 'commander';
import { systemActor } from '../platform/actor.js';
import { loadConfig, type Config } from '../platform/config.js';
import { cliCtx } from '../platform/context.js';
import { openDatabase, type Database } from '../platform/db.js';
import { migrate } from '../platform/migrate.js';
import { MODULES } from '../modules/registry.js';
import type { CliHelpers } from '../modules/types.js';
import { registerPlatformCommands } from './platform-commands.js';

export async function openConfigured(config: Config, opts: { migrate?: boolean } = {}): Promise<Database> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    poolMax: config.pgPoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
  });
  if (opts.migrate !== false) {
    try {
      await migrate(db, { log: (m) => process.stderr.write(`migrate: ${m}\n`) });
    } catch (e) {
      await db.close();
      throw e;
    }
  }
  return db;
}

export const helpers: CliHelpers = {
  async withDb(fn) {
    const config = loadConfig();
    const db = await openConfigured(config);
    try {
      return await fn(db, config);
    } finally {
      await db.close();
    }
  },
  ctx: () => cliCtx(systemActor('cli')),
  out: (v) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`),
};

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('gongzhi')
    .description('共治 gongzhi: one network for a city\'s social governance')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerPlatformCommands(program, helpers);
  for (const m of MODULES) m.cli?.(program, helpers);
  return program;
}
