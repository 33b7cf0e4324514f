/**
 * Reference test: COINr's ASEM example (51 units, 49 indicators, 8 pillars, 2 sub-indices,
 * 1 index) run through the engine with the pipeline stated in test/fixtures/coinr-asem/
 * PROVENANCE.md must match COINr's output at every stage to 1e-6.
 *
 * The stage files carry values rounded to ~10 significant digits where COINr did not compute
 * them (e.g. indicators without a denominator), so stage-by-stage deviations of ~1e-7 are
 * expected; the max deviations found are logged by the test and listed in the docs.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { aggregate } from './aggregate.js';
import { fromCoinrTables } from './coinr.js';
import { impute } from './impute.js';
import { normalise } from './normalise.js';
import { runPipeline } from './pipeline.js';
import type { PipelineConfig } from './pipeline.js';
import { treat } from './treat.js';

const dir = new URL('../../../../test/fixtures/coinr-asem/', import.meta.url);
const read = (f: string): Record<string, string>[] => parse(readFileSync(new URL(f, dir)), { columns: true }) as Record<string, string>[];

const tables = fromCoinrTables(read('ASEM_iData.csv'), read('ASEM_iMeta.csv'));
const fw = tables.framework;
const units = tables.input.units;

/** The pipeline of the reference, pinned (see docs/governance-index.md). */
const ASEM_CONFIG: PipelineConfig = {
  denominate: true,
  impute: { method: 'groupMean', group: 'EurAsia_group' },
  treat: { method: 'winsorise', winmax: 5, skewThreshold: 2, kurtThreshold: 3.5 },
  normalise: { method: 'minmax', lo: 0, hi: 100 },
  weights: { method: 'framework' },
  aggregate: 'amean',
};

const result = runPipeline(fw, tables.input, ASEM_CONFIG);

/** Reference stage file as columns aligned to `units` and the given codes. */
function refColumns(file: string, codes: readonly string[]): Float64Array[] {
  const rows = read(file);
  const byUnit = new Map(rows.map((r) => [r['UnitCode']!, r]));
  return codes.map((c) =>
    Float64Array.from(units, (u) => {
      const row = byUnit.get(u);
      if (!row) throw new Error(`${file}: no row for ${u}`);
      const s = row[c];
      if (s === undefined) throw new Error(`${file}: no column ${c}`);
      return s === 'NA' ? NaN : Number(s);
    }),
  );
}

function maxDeviation(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let max = 0;
  for (let j = 0; j < a.length; j++) {
    for (let i = 0; i < a[j]!.length; i++) {
      const x = a[j]![i]!;
      const y = b[j]![i]!;
      if (x !== x || y !== y) {
        // Missing must match missing exactly.
        if ((x !== x) !== (y !== y)) return Infinity;
        continue;
      }
      max = Math.max(max, Math.abs(x - y));
    }
  }
  return max;
}

describe('COINr ASEM reference, end to end from ASEM_iData.csv', () => {
  it('has the expected shape', () => {
    expect(units).toHaveLength(51);
    expect(fw.indicatorCodes).toHaveLength(49);
    expect(fw.aggregateCodes).toHaveLength(11);
    expect(fw.root).toBe('Index');
  });

  const stages = [
    ['denominated', 'Data_Denominated.csv'],
    ['imputed', 'Data_Imputed.csv'],
    ['treated', 'Data_Treated.csv'],
    ['normalised', 'Data_Normalised.csv'],
  ] as const;
  for (const [stage, file] of stages) {
    it(`matches ${file} for all 51 units × 49 indicators to 1e-6`, () => {
      const dev = maxDeviation(result[stage], refColumns(file, fw.indicatorCodes));
      console.info(`ASEM ${stage}: max abs deviation ${dev.toExponential(3)}`);
      expect(dev).toBeLessThan(1e-6);
    });
  }

  it('matches every aggregate of Data_Aggregated.csv (and its normalised indicators) to 1e-6', () => {
    const dev = maxDeviation(result.aggregated, refColumns('Data_Aggregated.csv', fw.aggregateCodes));
    const devInd = maxDeviation(result.normalised, refColumns('Data_Aggregated.csv', fw.indicatorCodes));
    console.info(`ASEM aggregated: max abs deviation ${dev.toExponential(3)} (indicators ${devInd.toExponential(3)})`);
    expect(dev).toBeLessThan(1e-6);
    expect(devInd).toBeLessThan(1e-6);
  });

  it('imputes exactly the missing cells (65 of them) and no others', () => {
    let missing = 0;
    for (const col of result.denominated) for (const v of col) if (v !== v) missing++;
    expect(missing).toBe(65);
    expect(result.logs.impute.imputed).toHaveLength(65);
    expect(result.logs.impute.stillMissing).toHaveLength(0);
  });

  it('winsorises the same indicators, the same number of points, as Analysis_TreatSummary.csv', () => {
    const summary = read('Analysis_TreatSummary.csv');
    for (const row of summary) {
      const log = result.logs.treat.find((e) => e.code === row['IndCode'])!;
      expect(log.lowUnits.length, `${row['IndCode']} low`).toBe(Number(row['Low']));
      expect(log.highUnits.length, `${row['IndCode']} high`).toBe(Number(row['High']));
    }
  });

  it('ranks the index as Results_AggregatesRank.csv', () => {
    const rows = read('Results_AggregatesRank.csv');
    const k = fw.aggregateCodes.indexOf('Index');
    for (const row of rows) {
      const i = units.indexOf(row['UnitCode']!);
      expect(result.ranks[k]![i], row['UnitCode']).toBe(Number(row['Index']));
    }
  });
});

describe('COINr ASEM reference, stage by stage from COINr’s own previous stage', () => {
  // Feeding each stage COINr's own input isolates the method from upstream rounding.
  it('group-mean imputation of Data_Denominated gives Data_Imputed', () => {
    const out = impute(fw.indicatorCodes, units, refColumns('Data_Denominated.csv', fw.indicatorCodes), ASEM_CONFIG.impute!, tables.input.groups);
    const dev = maxDeviation(out.columns, refColumns('Data_Imputed.csv', fw.indicatorCodes));
    console.info(`ASEM impute (from reference input): ${dev.toExponential(3)}`);
    expect(dev).toBeLessThan(1e-12);
  });
  it('treatment of Data_Imputed gives Data_Treated', () => {
    const out = treat(fw.indicatorCodes, units, refColumns('Data_Imputed.csv', fw.indicatorCodes), ASEM_CONFIG.treat!);
    const dev = maxDeviation(out.columns, refColumns('Data_Treated.csv', fw.indicatorCodes));
    console.info(`ASEM treat (from reference input): ${dev.toExponential(3)}`);
    expect(dev).toBeLessThan(1e-12);
  });
  it('normalisation of Data_Treated gives Data_Normalised', () => {
    const out = normalise(fw, units, refColumns('Data_Treated.csv', fw.indicatorCodes), ASEM_CONFIG.normalise!);
    const dev = maxDeviation(out.columns, refColumns('Data_Normalised.csv', fw.indicatorCodes));
    console.info(`ASEM normalise (from reference input): ${dev.toExponential(3)}`);
    expect(dev).toBeLessThan(1e-10);
  });
  it('aggregation of Data_Normalised gives Data_Aggregated', () => {
    const out = aggregate(fw, units, refColumns('Data_Normalised.csv', fw.indicatorCodes), fw.weights, 'amean');
    const dev = maxDeviation(out, refColumns('Data_Aggregated.csv', fw.aggregateCodes));
    console.info(`ASEM aggregate (from reference input): ${dev.toExponential(3)}`);
    expect(dev).toBeLessThan(1e-10);
  });
});
