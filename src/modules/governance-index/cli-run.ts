/**
 * `gongzhi index run`: read COINr-shaped iData / iMeta CSV files, run the pipeline, write one
 * CSV. The parsing of options is pure (parseIndexCliOptions) so that bad input fails before any
 * file is touched, always with an IndexEngineError (code option_invalid, details.option naming
 * the option) that the CLI maps to exit code 2.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AGGREGATION_METHODS } from './engine/aggregate.js';
import type { AggregationMethod } from './engine/aggregate.js';
import { fromCoinrTables } from './engine/coinr.js';
import { IndexEngineError } from './engine/errors.js';
import type { ImputeSpec } from './engine/impute.js';
import type { NormaliseSpec } from './engine/normalise.js';
import { runPipeline } from './engine/pipeline.js';
import type { PipelineConfig, PipelineResult } from './engine/pipeline.js';
import type { TreatSpec } from './engine/treat.js';
import type { AhpBlock, WeightSpec } from './engine/weights.js';

export type CliStage = 'denominated' | 'imputed' | 'treated' | 'normalised' | 'aggregated';
export const CLI_STAGES: readonly CliStage[] = ['denominated', 'imputed', 'treated', 'normalised', 'aggregated'];

export interface IndexCliOptions {
  data?: string | undefined;
  meta?: string | undefined;
  out?: string | undefined;
  denominate?: boolean | undefined;
  /** none | mean | median | groupmean:COLUMN (default none) */
  impute?: string | undefined;
  /** none | winsorise[:WINMAX] | log (default none) */
  treat?: string | undefined;
  /** none | minmax[:LO:HI] | zscore | goalposts | fracmax | dist2target | rank | prank | dist2ref:UNIT (default minmax 0..100) */
  normalise?: string | undefined;
  /** meta | equal | ahp:MATRIX.csv | entropy | pca (default meta) */
  weights?: string | undefined;
  /** amean | gmean | hmean (default amean) */
  aggregate?: string | undefined;
  /** denominated | imputed | treated | normalised | aggregated (default aggregated) */
  stage?: string | undefined;
}

export interface ParsedCliOptions {
  data: string;
  meta: string;
  out: string;
  stage: CliStage;
  config: PipelineConfig;
  /** Set when weights = ahp:FILE; the matrix file is read by runIndexCli. */
  ahpFile?: string;
}

function bad(option: string, value: unknown, expected: string): never {
  throw new IndexEngineError('option_invalid', `invalid --${option} "${String(value)}": expected ${expected}`, { option, value, expected });
}

function need(option: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new IndexEngineError('option_invalid', `missing required option --${option}`, { option });
  return v;
}

export function parseIndexCliOptions(opts: IndexCliOptions): ParsedCliOptions {
  const data = need('data', opts.data);
  const meta = need('meta', opts.meta);
  const out = need('out', opts.out);
  const config: PipelineConfig = { denominate: opts.denominate === true };

  const imp = (opts.impute ?? 'none').trim();
  let impute: ImputeSpec;
  if (imp === 'none' || imp === 'mean' || imp === 'median') impute = { method: imp };
  else if (imp.startsWith('groupmean:') && imp.length > 'groupmean:'.length) impute = { method: 'groupMean', group: imp.slice('groupmean:'.length) };
  else bad('impute', opts.impute, 'none | mean | median | groupmean:COLUMN');
  config.impute = impute;

  const tr = (opts.treat ?? 'none').trim();
  let treat: TreatSpec;
  const win = /^winsori[sz]e(?::(\d+))?$/.exec(tr);
  if (tr === 'none') treat = { method: 'none' };
  else if (tr === 'log') treat = { method: 'log', variant: 'log' };
  else if (win) treat = { method: 'winsorise', winmax: win[1] === undefined ? 5 : Number(win[1]) };
  else bad('treat', opts.treat, 'none | winsorise[:WINMAX] | log');
  config.treat = treat;

  const nm = (opts.normalise ?? 'minmax').trim();
  let normalise: NormaliseSpec;
  const mm = /^minmax(?::(-?[\d.]+):(-?[\d.]+))?$/.exec(nm);
  if (mm) {
    const lo = mm[1] === undefined ? 0 : Number(mm[1]);
    const hi = mm[2] === undefined ? 100 : Number(mm[2]);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) bad('normalise', opts.normalise, 'minmax:LO:HI with LO < HI');
    normalise = { method: 'minmax', lo, hi };
  } else if (nm === 'none' || nm === 'zscore' || nm === 'goalposts' || nm === 'fracmax' || nm === 'dist2target' || nm === 'rank' || nm === 'prank') {
    normalise = { method: nm };
  } else if (nm.startsWith('dist2ref:') && nm.length > 'dist2ref:'.length) {
    normalise = { method: 'dist2ref', unit: nm.slice('dist2ref:'.length) };
  } else bad('normalise', opts.normalise, 'none | minmax[:LO:HI] | zscore | goalposts | fracmax | dist2target | rank | prank | dist2ref:UNIT');
  config.normalise = normalise;

  const wt = (opts.weights ?? 'meta').trim();
  let weights: WeightSpec;
  let ahpFile: string | undefined;
  if (wt === 'meta') weights = { method: 'framework' };
  else if (wt === 'equal' || wt === 'entropy' || wt === 'pca') weights = { method: wt };
  else if (wt.startsWith('ahp:') && wt.length > 4) {
    ahpFile = wt.slice(4);
    weights = { method: 'ahp', blocks: [] };
  } else bad('weights', opts.weights, 'meta | equal | ahp:MATRIX.csv | entropy | pca');
  config.weights = weights;

  const ag = (opts.aggregate ?? 'amean').trim();
  if (!AGGREGATION_METHODS.includes(ag as AggregationMethod)) bad('aggregate', opts.aggregate, AGGREGATION_METHODS.join(' | '));
  config.aggregate = ag as AggregationMethod;

  const st = (opts.stage ?? 'aggregated').trim();
  if (!CLI_STAGES.includes(st as CliStage)) bad('stage', opts.stage, CLI_STAGES.join(' | '));

  const parsed: ParsedCliOptions = { data, meta, out, stage: st as CliStage, config };
  if (ahpFile !== undefined) parsed.ahpFile = ahpFile;
  return parsed;
}

function parseRatio(s: string, where: string): number {
  const t = s.trim();
  const m = /^(-?[\d.eE+-]+)\s*\/\s*(-?[\d.eE+-]+)$/.exec(t);
  const v = m ? Number(m[1]) / Number(m[2]) : Number(t);
  if (!Number.isFinite(v) || t === '') throw new IndexEngineError('ahp_invalid', `AHP matrix entry ${where} is "${s}", not a number`, { value: s });
  return v;
}

/**
 * AHP matrix file: one or more blocks separated by a blank line. Each block has a header row
 * (first cell ignored, e.g. "code", then the criteria codes) and one row per code (the code,
 * then its comparisons). Entries may be written as fractions ("1/3"). The codes of a block must
 * be exactly the children of one aggregate; other aggregates keep the iMeta weights.
 */
export function parseAhpMatrixCsv(text: string): AhpBlock[] {
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (blocks.length === 0) throw new IndexEngineError('ahp_invalid', 'the AHP matrix file is empty', {});
  return blocks.map((b) => {
    const rows = parse(b, { relax_column_count: true, trim: true }) as string[][];
    const header = rows[0]!.slice(1);
    const body = rows.slice(1);
    if (body.length !== header.length) {
      throw new IndexEngineError('ahp_invalid', `the AHP matrix for ${header.join(', ')} has ${body.length} rows, expected ${header.length}`, { codes: header });
    }
    const byCode = new Map(body.map((r) => [r[0]!, r.slice(1)]));
    const matrix = header.map((rc) => {
      const r = byCode.get(rc);
      if (!r) throw new IndexEngineError('ahp_invalid', `the AHP matrix has no row for "${rc}"`, { code: rc });
      if (r.length !== header.length) throw new IndexEngineError('ahp_invalid', `AHP row "${rc}" has ${r.length} entries, expected ${header.length}`, { code: rc });
      return r.map((cell, j) => parseRatio(cell, `(${rc}, ${header[j]})`));
    });
    return { codes: header, matrix };
  });
}

async function readText(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new IndexEngineError('file_invalid', `cannot read --${option} file "${path}": ${(e as Error).message}`, { option, path });
  }
}

function readCsv(text: string, option: string, path: string): Record<string, string>[] {
  try {
    return parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new IndexEngineError('file_invalid', `--${option} file "${path}" is not valid CSV: ${(e as Error).message}`, { option, path });
  }
}

const fmt = (v: number): string => (v === v ? String(v) : 'NA');

/** The output table: header and rows (strings), one row per unit, uCode first. */
export function stageTable(result: PipelineResult, stage: CliStage): { header: string[]; rows: string[][] } {
  const fw = result.framework;
  const cols: Float64Array[] =
    stage === 'aggregated' ? result.normalised : stage === 'denominated' ? result.denominated : stage === 'imputed' ? result.imputed : stage === 'treated' ? result.treated : result.normalised;
  const header = ['uCode', ...fw.indicatorCodes];
  const series: Float64Array[] = [...cols];
  if (stage === 'aggregated') {
    // Aggregates by level, then in framework order (pillars, sub-indices, index), then their ranks.
    const order = fw.aggregateCodes.map((c, k) => ({ c, k, lvl: fw.levels[fw.nodeIndex.get(c)!]! })).sort((a, b) => a.lvl - b.lvl || a.k - b.k);
    for (const { c, k } of order) {
      header.push(c);
      series.push(result.aggregated[k]!);
    }
    for (const { c, k } of order) {
      header.push(`${c}_rank`);
      series.push(result.ranks[k]!);
    }
  }
  const rows = result.units.map((u, i) => [u, ...series.map((s) => fmt(s[i]!))]);
  return { header, rows };
}

export interface IndexCliSummary {
  out: string;
  units: number;
  columns: string[];
  stage: CliStage;
  warnings: string[];
}

export async function runIndexCli(opts: IndexCliOptions): Promise<IndexCliSummary> {
  const p = parseIndexCliOptions(opts);
  const [dataText, metaText] = await Promise.all([readText(p.data, 'data'), readText(p.meta, 'meta')]);
  const tables = fromCoinrTables(readCsv(dataText, 'data', p.data), readCsv(metaText, 'meta', p.meta));
  if (p.ahpFile !== undefined) {
    p.config.weights = { method: 'ahp', blocks: parseAhpMatrixCsv(await readText(p.ahpFile, 'weights')) };
  }
  if (p.config.impute?.method === 'groupMean' && !tables.input.groups?.[p.config.impute.group]) {
    bad('impute', opts.impute, `groupmean:COLUMN with COLUMN a group column of the data (${Object.keys(tables.input.groups ?? {}).join(', ') || 'none found'})`);
  }
  if (p.config.normalise?.method === 'dist2ref' && 'unit' in p.config.normalise && !tables.input.units.includes(p.config.normalise.unit)) {
    bad('normalise', opts.normalise, 'dist2ref:UNIT with UNIT a uCode of the data');
  }
  const result = runPipeline(tables.framework, tables.input, p.config);
  const { header, rows } = stageTable(result, p.stage);
  await writeFile(p.out, stringify([header, ...rows]), 'utf8');
  const warnings = [...result.logs.normalise.map((w) => w.message), ...result.logs.weights.warnings, ...result.logs.impute.stillMissing.map((s) => `${s.code} stays missing for ${s.unit}: ${s.reason}`)];
  return { out: p.out, units: rows.length, columns: header, stage: p.stage, warnings };
}
