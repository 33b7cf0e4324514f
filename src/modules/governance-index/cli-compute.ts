/**
 * `gongzhi index compute --framework CODE --period P --level L`: the same command as
 * POST /api/index/snapshots, run by the machine's operator (the system actor: whole city).
 * Also `gongzhi index frameworks` (list) and `gongzhi index seed-framework` (define the default).
 */
import type { Command } from 'commander';
import { AppError } from '../../platform/errors.js';
import type { CliHelpers } from '../types.js';
import { computeSnapshot, type ComputeOptions } from './compute.service.js';
import { ensureDefaultFramework } from './demo.js';
import * as repo from './governance-index.repository.js';
import { INDEX_LEVELS, type IndexLevel } from './providers/types.js';

export function registerComputeCommands(index: Command, h: CliHelpers): void {
  index
    .command('compute')
    .description('compute and store an index snapshot from live and imported data')
    .requiredOption('--framework <code>', 'framework code (e.g. gzi-default)')
    .requiredOption('--period <period>', "period: '2026', '2026-Q3' or '2026-11'")
    .requiredOption('--level <level>', `unit level: ${INDEX_LEVELS.join(' | ')}`)
    .option('--version <n>', 'framework version (default: the latest)')
    .option('--scope <regionCode>', 'only the units under this region')
    .option('--options <json>', 'computation options as JSON, as in the API (e.g. \'{"impute":{"method":"mean"}}\')')
    .action(async (o: { framework: string; period: string; level: string; version?: string; scope?: string; options?: string }) => {
      if (!INDEX_LEVELS.includes(o.level as IndexLevel)) throw new AppError('validation_failed', `--level: must be one of ${INDEX_LEVELS.join(', ')}`);
      let options: ComputeOptions | undefined;
      if (o.options) {
        try {
          options = JSON.parse(o.options) as ComputeOptions;
        } catch {
          throw new AppError('validation_failed', '--options: is not valid JSON');
        }
      }
      const version = o.version === undefined ? undefined : Number(o.version);
      if (version !== undefined && !(Number.isInteger(version) && version >= 1)) throw new AppError('validation_failed', '--version: must be a positive integer');
      const s = await h.withDb(async (db) => {
        // The built-in framework is there even before `gongzhi seed demo`.
        await ensureDefaultFramework(db, h.ctx());
        return computeSnapshot(db, h.ctx(), { framework: o.framework, version, period: o.period, level: o.level as IndexLevel, scope: o.scope, options });
      });
      h.out(s);
    });
  index
    .command('frameworks')
    .description('list the index frameworks (latest version of each)')
    .action(async () => {
      const rows = await h.withDb(async (db) => {
        await ensureDefaultFramework(db, h.ctx());
        return repo.listFrameworks(db);
      });
      h.out(rows.map((f) => ({ code: f.code, version: f.version, versions: f.versions, nameZh: f.nameZh, indicators: f.tree.indicators.length })));
    });
}
