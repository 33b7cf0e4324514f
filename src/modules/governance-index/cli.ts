/**
 * Commander wiring for `gongzhi index run`. Thin: parses nothing itself, hands the options to
 * runIndexCli, which throws IndexEngineError (exitCode 2) on bad input; the gongzhi binary
 * prints the message and sets the exit code.
 */
import type { Command } from 'commander';
import { runIndexCli } from './cli-run.js';

export function registerIndexCommands(program: Command): Command {
  const index = program.command('index').description('governance index: composite indicators (OECD/JRC pipeline)');
  index
    .command('run')
    .description('run the composite-indicator pipeline over COINr-shaped iData/iMeta CSV files and write one CSV')
    .option('--data <file>', 'iData CSV: uCode, optional uName/Time, *_group columns, denominators, indicators')
    .option('--meta <file>', 'iMeta CSV: Level, iCode, iName, Direction, Weight, Unit, Target, Denominator, Parent, Type')
    .option('--out <file>', 'output CSV: one row per unit, uCode first')
    .option('--denominate', 'divide each indicator by its iMeta Denominator column', false)
    .option('--impute <method>', 'none | mean | median | groupmean:COLUMN', 'none')
    .option('--treat <method>', 'none | winsorise[:WINMAX] | log', 'none')
    .option('--normalise <method>', 'none | minmax[:LO:HI] | zscore | goalposts | fracmax | dist2target | rank | prank | dist2ref:UNIT', 'minmax')
    .option('--weights <method>', 'meta | equal | ahp:MATRIX.csv | entropy | pca', 'meta')
    .option('--aggregate <method>', 'amean | gmean | hmean', 'amean')
    .option('--stage <stage>', 'denominated | imputed | treated | normalised | aggregated (adds <code>_rank columns)', 'aggregated')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const s = (k: string): string | undefined => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
      const summary = await runIndexCli({
        data: s('data'),
        meta: s('meta'),
        out: s('out'),
        denominate: opts['denominate'] === true,
        impute: s('impute'),
        treat: s('treat'),
        normalise: s('normalise'),
        weights: s('weights'),
        aggregate: s('aggregate'),
        stage: s('stage'),
      });
      for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`wrote ${summary.out}: ${summary.units} units × ${summary.columns.length - 1} columns (stage ${summary.stage})\n`);
    });
  return index;
}
