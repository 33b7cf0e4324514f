import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeKpis } from '../sla/kpi.js';
import {
  importHistoricalCsv,
  normaliseRow,
  parseHistoricalCsv,
  parseMappingSpec,
  parseSourceTime,
  resolveMapping,
  toCaseSummary,
  type HistoricalCase,
  type ImportReport,
} from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(here, '../../../../test/fixtures/us311/us311-sample.csv');

describe('the us311 sample (36,100 real rows)', () => {
  let report: ImportReport;
  const records: HistoricalCase[] = [];
  let batches = 0;
  const raw = parse(fs.readFileSync(FIXTURE), { columns: true }) as Array<Record<string, string>>;

  beforeAll(async () => {
    report = await importHistoricalCsv(fs.createReadStream(FIXTURE), {
      batchSize: 1000,
      insert: async (batch) => {
        batches++;
        records.push(...batch);
      },
    });
  });

  it('parses every row, in order, in batches', () => {
    expect(report.rows).toBe(36_100);
    expect(report.imported).toBe(36_100);
    expect(report.rejected).toBe(0);
    expect(records).toHaveLength(36_100);
    expect(batches).toBe(37);
    expect(records[0]).toMatchObject({ line: 2, sourceId: '1-870704831', state: 'closed', channel: 'hotline', timeZone: 'America/Los_Angeles' });
    expect(records[0]!.reportedAt.toISOString()).toBe('2018-01-01T07:59:58.000Z');
    expect(records.map((r) => r.sourceId)).toEqual(raw.map((r) => r.request_id));
  });

  it('computes elapsed hours equal to hours_to_close within 0.01 h on every row with both times', () => {
    let max = 0;
    let compared = 0;
    for (const [i, r] of records.entries()) {
      const src = raw[i]!;
      if (!src.closed_at) {
        expect(r.elapsedHours).toBeNull();
        continue;
      }
      compared++;
      const dev = Math.abs(r.elapsedHours! - Number(src.hours_to_close));
      if (dev > max) max = dev;
    }
    expect(compared).toBe(35_097);
    expect(max).toBeLessThanOrEqual(0.01);
    // The file rounds to 2–3 decimals: the worst disagreement is that rounding, 0.0005 h (1.8 s).
    expect(max).toBeCloseTo(0.0005, 6);
    expect(report.handlingTime).toMatchObject({ compared: 35_097, overTolerance: 0 });
    expect(report.handlingTime.maxDeviationHours).toBeCloseTo(max, 12);
  });

  it('the rows where the naive wall-clock difference is wrong are exactly those spanning a DST change', () => {
    const naiveWrong = new Set<number>();
    const spanning = new Set<number>();
    records.forEach((r, i) => {
      const src = raw[i]!;
      if (src.closed_at && Math.abs(Number(src.hours_to_close) - Number(src.hours_to_close_naive_wallclock)) > 0.001) naiveWrong.add(i);
      if (r.spansOffsetChange) spanning.add(i);
    });
    // The shared README says 165; that is only the LA-2020-seed share (see PROVENANCE.md).
    expect(naiveWrong.size).toBe(857);
    expect([...spanning].sort((a, b) => a - b)).toEqual([...naiveWrong].sort((a, b) => a - b));
    expect(report.spansOffsetChange).toBe(857);
    expect(records.filter((r, i) => r.spansOffsetChange && r.dataset === 'LA-2020-seed' && naiveWrong.has(i))).toHaveLength(165);
  });

  it('counts each documented rule', () => {
    expect(report.rules).toEqual({
      negative_duration: 90,
      zero_duration: 1_581,
      cancelled: 893,
      referred: 21,
      no_location: 1_793,
      missing_close_time: 19,
      invalid_close_time: 0,
      close_time_on_open_record: 0,
      unknown_status: 0,
      ambiguous_local_time: 0,
      nonexistent_local_time: 0,
    });
    expect(report.states).toEqual({ accepted: 683, dispatched: 6, in_progress: 295, closed: 34_202, cancelled: 893, referred: 21 });
    // Closed with a positive duration: 34,202 closed − 19 without a time − 90 negative − 1,581 zero.
    expect(report.handlingTime.included).toBe(32_512);
  });

  it('keeps flagged records with the rule applied', () => {
    const neg = records.find((r) => r.flags.includes('negative_duration'))!;
    expect(neg.state).toBe('closed');
    expect(neg.elapsedHours!).toBeLessThan(0);
    expect(neg.countsForHandlingTime).toBe(false);
    const cancelled = records.find((r) => r.sourceStatus === 'Cancelled')!;
    expect(cancelled).toMatchObject({ state: 'cancelled', countsForHandlingTime: false });
    expect(cancelled.endedAt).not.toBeNull();
    expect(records.find((r) => r.sourceStatus === 'Referred Out')).toMatchObject({ state: 'referred', countsForHandlingTime: false });
    const noLoc = records.find((r) => r.flags.includes('no_location'))!;
    expect([noLoc.lat, noLoc.lon]).toEqual([null, null]);
    const zeros = records.filter((r) => r.flags.includes('zero_duration'));
    expect(zeros.every((r) => r.elapsedHours! >= 0 && r.elapsedHours! * 3600 <= 1 && !r.countsForHandlingTime)).toBe(true);
    // The same rows as the file's own hours_to_close = 0 (0 s: 1,527 rows; 1 s: 54 rows).
    expect(zeros.map((r) => r.line)).toEqual(raw.flatMap((r, i) => (r.closed_at && Number(r.hours_to_close) === 0 ? [i + 2] : [])));
    expect(zeros.filter((r) => r.elapsedHours === 0)).toHaveLength(1_527);
  });

  it('feeds the KPI functions: cancelled and referred stay out of disposal, flagged durations out of handling time', () => {
    const k = computeKpis(records.map((r) => toCaseSummary(r)), {
      from: new Date('2000-01-01T00:00:00Z'),
      to: new Date('2100-01-01T00:00:00Z'),
      asOf: new Date('2100-01-01T00:00:00Z'),
    });
    expect(k.intake).toBe(36_100);
    // 应处置 = 36,100 − 21 referred; disposed = 34,202 closed (cancelled excluded from the numerator).
    expect(k.disposal).toEqual({ numerator: 34_202, denominator: 36_079, rate: 34_202 / 36_079 });
    expect(k.closure.numerator).toBe(34_202);
    expect(k.handlingTime.elapsed.count).toBe(32_512);
    expect(k.handlingTime.excluded).toBe(90 + 1_581 + 19);
    expect(k.handlingTime.elapsed.medianMs! / 3_600_000).toBeCloseTo(report.handlingTime.medianHours!, 9);
    expect(k.backlog).toBe(683 + 6 + 295);
  });
});

describe('parseSourceTime', () => {
  it('reads ISO, US and explicit-offset forms', () => {
    const la = 'America/Los_Angeles';
    expect(parseSourceTime('2017-12-31T23:59:58', la)?.utcMs).toBe(Date.parse('2018-01-01T07:59:58Z'));
    expect(parseSourceTime('2017-12-31 23:59:58.5', la)?.utcMs).toBe(Date.parse('2018-01-01T07:59:58.500Z'));
    expect(parseSourceTime('12/31/2017 11:59:58 PM', la)?.utcMs).toBe(Date.parse('2018-01-01T07:59:58Z'));
    expect(parseSourceTime('01/01/2018 12:00:00 AM', la)?.utcMs).toBe(Date.parse('2018-01-01T08:00:00Z'));
    expect(parseSourceTime('2018-01-01T08:00:00+08:00', la)?.utcMs).toBe(Date.parse('2018-01-01T00:00:00Z'));
    expect(parseSourceTime('2018-01-01T08:00:00Z', la)?.utcMs).toBe(Date.parse('2018-01-01T08:00:00Z'));
    expect(parseSourceTime('2018-02-30T08:00:00', la)).toBeNull();
    expect(parseSourceTime('yesterday', la)).toBeNull();
    expect(parseSourceTime('13/01/2018', la)).toBeNull();
  });

  it('flags DST gaps and overlaps', () => {
    expect(parseSourceTime('2017-11-05T01:30:00', 'America/Los_Angeles')).toEqual({ utcMs: Date.parse('2017-11-05T08:30:00Z'), resolution: 'ambiguous' });
    expect(parseSourceTime('2018-03-11T02:30:00', 'America/Los_Angeles')).toEqual({ utcMs: Date.parse('2018-03-11T10:30:00Z'), resolution: 'nonexistent' });
  });
});

describe('normaliseRow and parseHistoricalCsv', () => {
  const m = resolveMapping();
  const base = { request_id: 'X1', tz: 'America/New_York', created_at: '2016-11-05T12:00:00', closed_at: '2016-11-06T12:00:00', status: 'Closed', lat: '40.7', lon: '-73.9', channel: 'PHONE' };

  it('measures a duration across the fall-back change as 25 elapsed hours', () => {
    const r = normaliseRow(base, 2, m);
    expect(r.ok && r.record).toMatchObject({ elapsedHours: 25, spansOffsetChange: true, flags: [], channel: 'hotline', countsForHandlingTime: true });
  });

  it('flags the rules on one row each', () => {
    const flagsOf = (over: Record<string, string>) => {
      const r = normaliseRow({ ...base, ...over }, 2, m);
      if (!r.ok) throw new Error(r.rejection.reason);
      return r.record;
    };
    expect(flagsOf({ closed_at: '2016-11-04T12:00:00' }).flags).toEqual(['negative_duration']);
    expect(flagsOf({ closed_at: base.created_at }).flags).toEqual(['zero_duration']);
    expect(flagsOf({ closed_at: '2016-11-05T12:00:01' }).flags).toEqual(['zero_duration']);
    expect(flagsOf({ closed_at: '2016-11-05T12:00:02' }).flags).toEqual([]);
    expect(flagsOf({ lat: '', lon: '' }).flags).toEqual(['no_location']);
    expect(flagsOf({ lat: '0', lon: '0' }).flags).toEqual(['no_location']);
    expect(flagsOf({ lat: '123', lon: '-73.9' }).flags).toEqual(['no_location']);
    expect(flagsOf({ closed_at: '' })).toMatchObject({ flags: ['missing_close_time'], state: 'closed', countsForHandlingTime: false });
    expect(flagsOf({ closed_at: 'soon' }).flags).toEqual(['invalid_close_time', 'missing_close_time']);
    expect(flagsOf({ status: 'Open' })).toMatchObject({ flags: ['close_time_on_open_record'], state: 'accepted' });
    expect(flagsOf({ status: 'Weird' })).toMatchObject({ flags: ['unknown_status', 'close_time_on_open_record'], state: 'accepted' });
    expect(flagsOf({ status: 'CANCELLED' })).toMatchObject({ state: 'cancelled', countsForHandlingTime: false });
    expect(flagsOf({ channel: 'Carrier pigeon' }).channel).toBe('import');
    expect(flagsOf({ channel: 'Mobile App' }).channel).toBe('h5');
    expect(flagsOf({ created_at: '2016-11-06T01:30:00', closed_at: '2016-11-07T01:30:00' }).flags).toEqual(['ambiguous_local_time']);
  });

  it('rejects rows that cannot become a case, naming the field', () => {
    expect(normaliseRow({ ...base, request_id: '' }, 7, m)).toEqual({ ok: false, rejection: { line: 7, field: 'request_id', reason: 'missing' } });
    expect(normaliseRow({ ...base, created_at: 'x' }, 7, m)).toMatchObject({ ok: false, rejection: { field: 'created_at' } });
    expect(normaliseRow({ ...base, tz: 'Mars/Base' }, 7, m)).toMatchObject({ ok: false, rejection: { field: 'tz' } });
    expect(normaliseRow({ ...base, tz: '' }, 7, m)).toMatchObject({ ok: false, rejection: { field: 'tz' } });
    expect(normaliseRow({ ...base, tz: '' }, 7, m, { defaultTimeZone: 'Asia/Shanghai' })).toMatchObject({ ok: true, record: { timeZone: 'Asia/Shanghai' } });
  });

  it('reads another shape through a column mapping and a default zone', async () => {
    const csv = '\uFEFFid,opened,closed,state,x,y\n' + 'A,2025-10-01 08:00:00,2025-10-01 10:30:00,Closed,102.7,25.04\n' + 'B,,,,,\n' + '"C, quoted",2025-10-02 09:00:00,,Open,,\n';
    const out = [];
    for await (const o of parseHistoricalCsv(csv, parseMappingSpec('request_id=id,created_at=opened,closed_at=closed,status=state,lon=x,lat=y,tz='), { defaultTimeZone: 'Asia/Shanghai' })) out.push(o);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ ok: true, record: { sourceId: 'A', elapsedHours: 2.5, lat: 25.04, lon: 102.7, timeZone: 'Asia/Shanghai' } });
    expect(out[0]!.ok && out[0]!.record.reportedAt.toISOString()).toBe('2025-10-01T00:00:00.000Z');
    expect(out[1]).toEqual({ ok: false, rejection: { line: 3, field: 'created_at', reason: 'missing' } });
    expect(out[2]).toMatchObject({ ok: true, record: { sourceId: 'C, quoted', state: 'accepted', line: 4 } });
  });

  it('reports rejections in the import report and keeps going', async () => {
    const csv = 'request_id,tz,created_at\nA,UTC,2020-01-01T00:00:00\nB,UTC,nonsense\n';
    const got: HistoricalCase[] = [];
    const r = await importHistoricalCsv(csv, { insert: async (b) => void got.push(...b) });
    expect(r).toMatchObject({ rows: 2, imported: 1, rejected: 1, rejections: [{ line: 3, field: 'created_at' }] });
    expect(got.map((x) => x.sourceId)).toEqual(['A']);
  });

  it('refuses a file without a required column, before importing anything', async () => {
    const insert = async () => {
      throw new Error('must not be called');
    };
    await expect(importHistoricalCsv('id,opened\nA,2020-01-01\n', { insert })).rejects.toMatchObject({ code: 'import_invalid' });
    await expect(importHistoricalCsv('request_id,created_at\n', { insert })).rejects.toThrow(/tz/);
    await expect(importHistoricalCsv('request_id,created_at\n', { insert, defaultTimeZone: 'Nowhere/X' })).rejects.toMatchObject({ code: 'import_invalid' });
  });

  it('reads a file given whole (string or Buffer) in pieces, whatever characters fall across a piece boundary', async () => {
    // Rows of three- and four-byte characters, quoted fields with line breaks and quotes, a BOM:
    // over 64 KB, so the pieces are cut inside characters and inside quoted fields.
    const lines = ['\uFEFFrequest_id,tz,created_at,description'];
    for (let i = 0; i < 3000; i++) lines.push(`R${i},Asia/Shanghai,2026-03-0${1 + (i % 9)}T08:00:00,"昆明市${'五华区'.repeat(i % 7)}, 第${i}行\n🚲 ""引号"""`);
    const text = lines.join('\n') + '\n';
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 65536);
    const read = async (input: string | Buffer | AsyncIterable<Buffer>) => {
      const out: HistoricalCase[] = [];
      const r = await importHistoricalCsv(input, { mapping: { description: 'description' }, batchSize: 700, insert: async (b) => void out.push(...b) });
      expect(r).toMatchObject({ rows: 3000, imported: 3000, rejected: 0 });
      return out.map((x) => [x.sourceId, x.description, x.line]);
    };
    async function* whole() {
      yield Buffer.from(text);
    }
    const expected = await read(whole());
    expect(expected[2999]).toEqual(['R2999', `昆明市${'五华区'.repeat(2999 % 7)}, 第2999行\n🚲 "引号"`, 6001]);
    expect(await read(text)).toEqual(expected);
    expect(await read(Buffer.from(text))).toEqual(expected);
  });

  it('parses --map specs and rejects unknown fields', () => {
    expect(parseMappingSpec('created_at=opened, closed_at=closed,hours_to_close=')).toMatchObject({ created_at: 'opened', closed_at: 'closed', hours_to_close: null, status: 'status' });
    expect(() => parseMappingSpec('opened_at=x')).toThrow(/unknown field/);
    expect(() => parseMappingSpec('created_at')).toThrow(/field=column/);
    expect(() => parseMappingSpec('created_at=a,created_at=b')).toThrow(/twice/);
  });
});
