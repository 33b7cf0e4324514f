import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseAhpMatrixCsv, parseIndexCliOptions, runIndexCli } from './cli-run.js';
import { registerIndexCommands } from './cli.js';
import { IndexEngineError } from './engine/errors.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/coinr-asem/', import.meta.url));
const data = join(fixtures, 'ASEM_iData.csv');
const meta = join(fixtures, 'ASEM_iMeta.csv');
const tmp = mkdtempSync(join(tmpdir(), 'gongzhi-index-'));
const read = (f: string): Record<string, string>[] => parse(readFileSync(f), { columns: true }) as Record<string, string>[];

const asemOptions = { data, meta, denominate: true, impute: 'groupmean:EurAsia_group', treat: 'winsorise', normalise: 'minmax', weights: 'meta', aggregate: 'amean' };

describe('runIndexCli on the ASEM fixtures', () => {
  it('writes OUT.csv equal to Data_Aggregated.csv to 1e-6, with a rank column per aggregate', async () => {
    const out = join(tmp, 'asem.csv');
    const summary = await runIndexCli({ ...asemOptions, out });
    expect(summary.units).toBe(51);
    const got = read(out);
    const ref = read(join(fixtures, 'Data_Aggregated.csv'));
    const header = Object.keys(got[0]!);
    expect(header[0]).toBe('uCode');
    const codes = header.filter((h) => h !== 'uCode' && !h.endsWith('_rank'));
    expect(codes).toHaveLength(49 + 11);
    expect(header.slice(-11)).toEqual(['Physical_rank', 'ConEcFin_rank', 'Political_rank', 'Instit_rank', 'P2P_rank', 'Environ_rank', 'Social_rank', 'SusEcFin_rank', 'Conn_rank', 'Sust_rank', 'Index_rank']);
    let max = 0;
    const byUnit = new Map(got.map((r) => [r['uCode']!, r]));
    for (const r of ref) {
      const g = byUnit.get(r['UnitCode']!)!;
      for (const c of codes) max = Math.max(max, Math.abs(Number(g[c]) - Number(r[c])));
    }
    console.info(`CLI vs Data_Aggregated: max abs deviation ${max.toExponential(3)}`);
    expect(max).toBeLessThan(1e-6);
    const ranks = read(join(fixtures, 'Results_AggregatesRank.csv'));
    for (const r of ranks) expect(byUnit.get(r['UnitCode']!)!['Index_rank'], r['UnitCode']).toBe(r['Index']);
  });

  it('writes an earlier stage on request (denominated, with NA for missing)', async () => {
    const out = join(tmp, 'den.csv');
    await runIndexCli({ data, meta, out, denominate: true, stage: 'denominated' });
    const got = read(out);
    expect(Object.keys(got[0]!)).toHaveLength(50);
    expect(got.some((r) => Object.values(r).includes('NA'))).toBe(true);
  });

  it('accepts an AHP matrix file for one aggregate', async () => {
    const m = join(tmp, 'ahp.csv');
    writeFileSync(m, 'code,Conn,Sust\nConn,1,3\nSust,1/3,1\n');
    const out = join(tmp, 'ahp-out.csv');
    await runIndexCli({ ...asemOptions, out, weights: `ahp:${m}` });
    const row = read(out)[0]!;
    expect(Number(row['Index'])).toBeCloseTo(0.75 * Number(row['Conn']) + 0.25 * Number(row['Sust']), 9);
  });
});

describe('bad options', () => {
  it('throw IndexEngineError option_invalid naming the option', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ impute: 'sometimes' }, 'impute'],
      [{ treat: 'trim' }, 'treat'],
      [{ normalise: 'minmax:5:1' }, 'normalise'],
      [{ weights: 'magic' }, 'weights'],
      [{ aggregate: 'median' }, 'aggregate'],
      [{ stage: 'cooked' }, 'stage'],
    ];
    for (const [opt, name] of cases) {
      try {
        parseIndexCliOptions({ data, meta, out: join(tmp, 'x.csv'), ...opt });
        throw new Error(`no throw for ${name}`);
      } catch (e) {
        expect(e).toBeInstanceOf(IndexEngineError);
        expect((e as IndexEngineError).code).toBe('option_invalid');
        expect((e as IndexEngineError).details['option']).toBe(name);
        expect((e as IndexEngineError).message).toContain(`--${name}`);
        expect((e as IndexEngineError).exitCode).toBe(2);
      }
    }
    await expect(runIndexCli({ data, meta })).rejects.toThrow(/--out/);
    await expect(runIndexCli({ data, meta, out: join(tmp, 'g.csv'), impute: 'groupmean:Nope_group' })).rejects.toThrow(/--impute/);
  });

  it('gmean over min-max [0, 100] data fails with geometric_nonpositive, not NaN', async () => {
    await expect(runIndexCli({ ...asemOptions, out: join(tmp, 'g.csv'), aggregate: 'gmean' })).rejects.toMatchObject({ code: 'geometric_nonpositive' });
  });

  it('an AHP matrix that is not reciprocal is rejected with ahp_not_reciprocal', async () => {
    const [block] = parseAhpMatrixCsv('code,a,b\na,1,2\nb,2,1\n');
    expect(block!.matrix).toEqual([
      [1, 2],
      [2, 1],
    ]);
    const m = join(tmp, 'bad-ahp.csv');
    writeFileSync(m, 'code,Conn,Sust\nConn,1,3\nSust,3,1\n');
    await expect(runIndexCli({ ...asemOptions, out: join(tmp, 'h.csv'), weights: `ahp:${m}` })).rejects.toMatchObject({ code: 'ahp_not_reciprocal' });
  });
});

describe('registerIndexCommands', () => {
  it('adds `index run`; the action runs the pipeline', async () => {
    const program = new Command().exitOverride();
    registerIndexCommands(program);
    const out = join(tmp, 'cmd.csv');
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      writes.push(s);
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['index', 'run', '--data', data, '--meta', meta, '--out', out, '--denominate', '--impute', 'groupmean:EurAsia_group', '--treat', 'winsorise'], { from: 'user' });
    } finally {
      process.stdout.write = orig;
    }
    expect(writes.join('')).toMatch(/51 units/);
    expect(read(out)).toHaveLength(51);
  });
  it('a bad option rejects with IndexEngineError naming it', async () => {
    const program = new Command().exitOverride();
    registerIndexCommands(program);
    await expect(program.parseAsync(['index', 'run', '--data', data, '--meta', meta, '--out', join(tmp, 'b.csv'), '--normalise', 'cube'], { from: 'user' })).rejects.toMatchObject({
      code: 'option_invalid',
      details: { option: 'normalise' },
    });
  });
});
