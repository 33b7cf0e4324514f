/**
 * `gongzhi cases import FILE.csv`: load a historical case file (a 311 / 12345 export) into the case
 * tables. Thin: parse the options, open the database, call importCasesFromCsv, print the report.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { AppError } from '../../../platform/errors.js';
import type { CliHelpers } from '../../types.js';
import { parseMappingSpec } from './mapping.js';
import { DEFAULT_BATCH_SIZE, importCasesFromCsv, parseCategoryMapSpec } from './store.js';

const bad = (opt: string, problem: string) => new AppError('validation_failed', `${opt}: ${problem}`, [{ field: opt, problem }]);

export interface CaseImportCliOptions {
  map?: string;
  city?: string;
  dataset?: string;
  batch: string;
  tz?: string;
  categoryMap?: string;
  defaultCategory?: string;
  bulk?: boolean;
}

/** Adds `import` under the `cases` command (creating `cases` when the manifest has none yet). */
export function registerCaseImportCommands(program: Command, h: CliHelpers): void {
  const cases = program.commands.find((c) => c.name() === 'cases') ?? program.command('cases').description('reported problems (事件) and their closed loop');
  cases
    .command('import <file>')
    .description('import historical cases from a CSV export (rules: docs/kpi-definitions.md § Historical import); importing the same file again updates, never duplicates')
    .option('--map <pairs>', 'column mapping, field=column pairs separated by commas, e.g. created_at=opened,closed_at=closed (field= unmaps it)')
    .option('--city <code>', 'the city the records belong to (12-digit code; default: the only city)')
    .option('--dataset <name>', 'dataset name for rows without a dataset column value (default: import)')
    .option('--batch <n>', 'records per transaction', String(DEFAULT_BATCH_SIZE))
    .option('--tz <zone>', 'IANA time zone of rows without a tz column value, e.g. Asia/Shanghai')
    .option('--category-map <pairs>', 'source category → case category, e.g. "Bulky Items=SANITATION.STREET_DIRTY,Graffiti/Tagging=CITY.ILLEGAL_POSTING"')
    .option('--default-category <code>', 'category of records the map does not cover (default: import.other)')
    .option(
      '--bulk',
      'initial or very large load: the whole file in one transaction (all or nothing), the case tables locked, their GIN/GiST indexes and foreign keys rebuilt at the end; faster, but no case can be read or written until it finishes',
    )
    .action(async (file: string, o: CaseImportCliOptions) => {
      const result = await runCaseImportCli(h, file, o);
      h.out(result);
    });
}

/** The command's work, callable from tests without a process. */
export async function runCaseImportCli(h: CliHelpers, file: string, o: CaseImportCliOptions) {
  if (!/^\d{1,6}$/.test(o.batch) || Number(o.batch) < 1 || Number(o.batch) > 10_000) throw bad('--batch', 'must be a number from 1 to 10000');
  if (o.city !== undefined && !/^\d{12}$/.test(o.city)) throw bad('--city', 'must be a 12-digit city code');
  const mapping = o.map ? parseMappingSpec(o.map) : {};
  const categoryMap = o.categoryMap ? parseCategoryMapSpec(o.categoryMap) : undefined;
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new AppError('import_invalid', `${file}: no such file.`, [{ field: 'file', problem: 'not found' }]);
  }
  return h.withDb(async (db) => {
    // Progress reads stream.bytesRead: a 'data' listener would start the stream flowing before the
    // importer consumes it, and the chunks read meanwhile would be lost.
    const stream = fs.createReadStream(file);
    const bar = process.stderr.isTTY
      ? new SingleBar({ format: 'importing [{bar}] {percentage}% | {rows} rows | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic)
      : null;
    bar?.start(size, 0, { rows: 0 });
    try {
      return await importCasesFromCsv(db, h.ctx(), stream, {
        mapping,
        cityCode: o.city,
        dataset: o.dataset,
        defaultTimeZone: o.tz,
        categoryMap,
        defaultCategory: o.defaultCategory,
        batchSize: Number(o.batch),
        bulk: o.bulk === true,
        onProgress: (rows) => bar?.update(Math.min(stream.bytesRead, size), { rows }),
      });
    } finally {
      bar?.update(size);
      bar?.stop();
    }
  });
}
