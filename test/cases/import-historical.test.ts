/**
 * Historical import into the database (src/modules/cases/import311/store.ts, cli.ts) with the real
 * us311 sample: a subset of a few thousand rows chosen so that every rule of the import is present
 * (negative and zero durations, cancelled and referred records, missing coordinates, closed without
 * a close time, times straddling a DST change), plus a few synthetic rows inside the test city and
 * one row the parser rejects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { seedTaxonomy } from '../../src/modules/cases/index.js';
import {
  DATA_QUALITY_FLAGS,
  importCasesFromCsv,
  parseCategoryMapSpec,
  parseHistoricalCsv,
  pgArray,
  registerCaseImportCommands,
  runCaseImportCli,
  type CaseImportResult,
} from '../../src/modules/cases/import311/index.js';
import type { CliHelpers } from '../../src/modules/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(here, '../fixtures/us311/us311-sample.csv');
const CITY = '5377';

let t: TestDatabase;
let city: MiniCity;
let subset: string;
let header: string;
let first: CaseImportResult;
let firstMs = 0;
const ctx = () => cliCtx(systemActor('import-test'));
const rawById = new Map<string, Record<string, string>>();

/** Keyed like the store: dataset + source id. */
const k = (dataset: string, id: string) => `${dataset}|${id}`;

const SYNTHETIC = [
  // Inside the mini city's grid (WGS-84) and in 盘龙区; a zone-less row gets the --tz default in the CLI test.
  'Kunming,KM-synthetic,KM-1,Asia/Shanghai,2026-03-02T09:00:00,2026-03-02T17:30:00,Closed,Bulky Items,SR Created,城管,Call,24.05,102.05,西仓坡,8.5,8.5',
  'Kunming,KM-synthetic,KM-2,Asia/Shanghai,2026-03-03T09:00:00,,Open,Graffiti,,城管,Mobile App,24.1,103.1,拓东,,',
];
const REJECTED = 'Kunming,KM-synthetic,KM-BAD,Asia/Shanghai,not-a-date,,Closed,Bulky Items,,城管,Call,24.05,102.05,西仓坡,,';

beforeAll(async () => {
  t = await createTestDatabase();
  city = await createMiniCity(t.db, CITY);
  await seedTaxonomy(t.db);

  // The fixture has CRLF line ends; the synthetic rows are joined with LF, so normalise to LF.
  const lines = fs.readFileSync(FIXTURE, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  header = lines[0]!;
  for (const r of parse(fs.readFileSync(FIXTURE), { columns: true }) as Array<Record<string, string>>) rawById.set(k(r.dataset!, r.request_id!), r);

  // Every 12th row, plus up to 60 rows of each rule (flags, cancelled, referred, DST-spanning).
  const pick = new Set<number>();
  for (let i = 1; i < lines.length; i += 12) pick.add(i);
  const perRule = new Map<string, number>();
  const take = (rule: string, line: number) => {
    const n = perRule.get(rule) ?? 0;
    if (n < 60) {
      perRule.set(rule, n + 1);
      pick.add(line - 1);
    }
  };
  for await (const o of parseHistoricalCsv(fs.readFileSync(FIXTURE))) {
    if (!o.ok) continue;
    const r = o.record;
    for (const f of r.flags) take(f, r.line);
    if (r.state === 'cancelled' || r.state === 'referred') take(r.state, r.line);
    if (r.spansOffsetChange) take('dst', r.line);
    if (r.state !== 'closed' && r.state !== 'cancelled' && r.state !== 'referred') take('open', r.line);
  }
  subset = [header, ...[...pick].sort((a, b) => a - b).map((i) => lines[i]!), ...SYNTHETIC, REJECTED].join('\n') + '\n';

  const started = performance.now();
  first = await importCasesFromCsv(t.db, ctx(), subset, { cityCode: city.city.code, batchSize: 500 });
  firstMs = performance.now() - started;
  // Speed belongs in the bench; this line only lets a reader see the order of magnitude.
  console.info(`import-historical: ${first.rows} rows in ${Math.round(firstMs)} ms (${Math.round((first.rows / firstMs) * 1000)} rows/s on ${t.db.engine})`);
}, 600_000);

afterAll(async () => {
  await t?.close();
});

const q = async <R>(sql: string, params: unknown[] = []): Promise<R[]> => (await t.db.query<R>(sql, params)).rows;
const importedCount = async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM case_file WHERE city_code = $1 AND source_dataset IS NOT NULL`, [city.city.code]))[0]!.n;
const eventCount = async () =>
  (await q<{ n: number }>(`SELECT count(*)::int AS n FROM case_event e JOIN case_file c ON c.city_code = e.city_code AND c.id = e.case_id WHERE c.city_code = $1`, [city.city.code]))[0]!.n;

describe('importCasesFromCsv: the us311 subset', () => {
  it('imports every row the parser accepts, rejects the bad one, and covers every rule', async () => {
    expect(first.rows).toBeGreaterThan(3000);
    expect(first.rejected).toBe(1);
    expect(first.rejections[0]).toMatchObject({ field: 'created_at' });
    expect(first.stored.inserted).toBe(first.imported);
    expect(await importedCount()).toBe(first.imported);
    for (const rule of ['negative_duration', 'zero_duration', 'no_location', 'missing_close_time', 'cancelled', 'referred'] as const) {
      expect(first.rules[rule], rule).toBeGreaterThan(0);
    }
    expect(first.spansOffsetChange).toBeGreaterThan(0);
  });

  it('the rule counts in the database match the parser\'s report', async () => {
    const flags = await q<{ flag: string; n: number }>(
      `SELECT f AS flag, count(*)::int AS n FROM case_file, unnest(data_quality) AS f WHERE city_code = $1 GROUP BY f`,
      [city.city.code],
    );
    const inDb = Object.fromEntries(flags.map((r) => [r.flag, r.n]));
    for (const f of DATA_QUALITY_FLAGS) expect(inDb[f] ?? 0, f).toBe(first.rules[f]);
    const states = await q<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM case_file WHERE city_code = $1 GROUP BY state`, [city.city.code]);
    const byState = Object.fromEntries(states.map((r) => [r.state, r.n]));
    for (const [s, n] of Object.entries(first.states)) expect(byState[s] ?? 0, s).toBe(n);
    expect(byState.cancelled).toBe(first.rules.cancelled);
    expect(byState.referred).toBe(first.rules.referred);
  });

  it('handling hours computed in the database (end − reported) agree with hours_to_close to 0.01 h, across DST changes', async () => {
    const rows = await q<{ source_dataset: string; external_id: string; hours: number; closed: boolean }>(
      `SELECT source_dataset, external_id, extract(epoch FROM COALESCE(closed_at, cancelled_at, referred_at) - reported_at)::float8 / 3600 AS hours,
              closed_at IS NOT NULL AS closed
         FROM case_file
        WHERE city_code = $1 AND source_dataset <> 'KM-synthetic' AND NOT ('missing_close_time' = ANY (data_quality))
          AND COALESCE(closed_at, cancelled_at, referred_at) IS NOT NULL`,
      [city.city.code],
    );
    let compared = 0;
    let dst = 0;
    const off: string[] = [];
    for (const r of rows) {
      const raw = rawById.get(k(r.source_dataset, r.external_id))!;
      if (raw.hours_to_close === '') continue;
      compared++;
      const expected = Number(raw.hours_to_close);
      if (Math.abs(r.hours - expected) > 0.01) off.push(`${r.external_id}: db ${r.hours} vs file ${expected}`);
      if (Number(raw.hours_to_close_naive_wallclock) !== expected) dst++;
    }
    expect(off).toEqual([]);
    expect(compared).toBeGreaterThan(2500);
    // Rows whose naive wall-clock difference is an hour off are in the comparison, and they agree.
    expect(dst).toBeGreaterThan(20);
  });

  it('every case has a reported event at its source time and, when it ended, one end event at its end time', async () => {
    const bad = await q<{ id: number }>(
      `SELECT c.id FROM case_file c
        WHERE c.city_code = $1
          AND (1 <> (SELECT count(*) FROM case_event e WHERE e.city_code = c.city_code AND e.case_id = c.id AND e.type = 'reported' AND e.at = c.reported_at)
            OR (c.state IN ('closed', 'cancelled', 'referred')) <>
               EXISTS (SELECT 1 FROM case_event e WHERE e.city_code = c.city_code AND e.case_id = c.id AND e.type = c.state
                          AND e.at = COALESCE(c.closed_at, c.cancelled_at, c.referred_at)))`,
      [city.city.code],
    );
    expect(bad).toEqual([]);
    const ended = first.states.closed + first.states.cancelled + first.states.referred;
    expect(await eventCount()).toBe(first.imported + ended);
    expect(first.stored.events).toBe(first.imported + ended);
  });

  it('cancelled records are not closed: no closed_at, a cancelled_at, and no handling time', async () => {
    const [r] = await q<{ n: number; closed: number; cancelled: number }>(
      `SELECT count(*)::int AS n, count(closed_at)::int AS closed, count(cancelled_at)::int AS cancelled FROM case_file WHERE city_code = $1 AND state = 'cancelled'`,
      [city.city.code],
    );
    expect(r).toEqual({ n: first.rules.cancelled, closed: 0, cancelled: first.rules.cancelled });
  });

  it('US points lie outside every region: kept at the city with out_of_region; rows without coordinates have no geometry', async () => {
    const rows = await q<{ dataset: string; out: boolean; region: number; has_geom: boolean; n: number }>(
      `SELECT (source_dataset = 'KM-synthetic') AS dataset, out_of_region AS out, region_id AS region, geom IS NOT NULL AS has_geom, count(*)::int AS n
         FROM case_file WHERE city_code = $1 AND source_dataset <> 'KM-synthetic' GROUP BY 1, 2, 3, 4`,
      [city.city.code],
    );
    expect(rows.every((r) => r.out && Number(r.region) === city.city.id)).toBe(true);
    expect(rows.find((r) => !r.has_geom)?.n).toBe(first.rules.no_location);
    expect(first.stored.noLocation).toBe(first.rules.no_location);
    expect(first.stored.located).toBe(2);
  });

  it('a point inside the city is located in its region chain and grid', async () => {
    const [a, b] = await q<{ external_id: string; region_id: number; grid_id: number | null; district_id: number; out_of_region: boolean; channel: string }>(
      `SELECT external_id, region_id, grid_id, district_id, out_of_region, channel FROM case_file WHERE city_code = $1 AND source_dataset = 'KM-synthetic' ORDER BY external_id`,
      [city.city.code],
    );
    expect(a).toMatchObject({ external_id: 'KM-1', out_of_region: false, channel: 'hotline' });
    expect(Number(a!.region_id)).toBe(city.wuhuaGrid.id);
    expect(Number(a!.grid_id)).toBe(city.wuhuaGrid.id);
    expect(b).toMatchObject({ external_id: 'KM-2', out_of_region: false, channel: 'h5' });
    expect(Number(b!.district_id)).toBe(city.panlong.id);
  });

  it('unmapped categories land in import.other with the source category, subcategory and agency in attributes', async () => {
    const [r] = await q<{ category_code: string; attributes: Record<string, unknown>; public_id: string }>(
      `SELECT category_code, attributes, public_id FROM case_file WHERE city_code = $1 AND source_dataset = 'KM-synthetic' AND external_id = 'KM-1'`,
      [city.city.code],
    );
    expect(r!.category_code).toBe('import.other');
    expect(r!.attributes).toMatchObject({ source_category: 'Bulky Items', source_subcategory: 'SR Created', source_agency: '城管', source_channel: 'Call', source_id: 'KM-1' });
    // Numbered on the day it was reported (Asia/Shanghai), like a live case.
    expect(r!.public_id).toMatch(/^5377-20260302-\d{6}$/);
    expect(first.stored.categories['import.other']).toBe(first.imported);
  });

  it('the rejected row wrote nothing', async () => {
    expect(await q(`SELECT 1 FROM case_file WHERE external_id = 'KM-BAD'`)).toEqual([]);
  });

  it('each batch is audited', async () => {
    const [r] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM audit_record WHERE action = 'case.import' AND region_id = $1`, [city.city.id]);
    expect(r!.n).toBe(Math.ceil(first.imported / 500));
  });
});

describe('importing again', () => {
  it('is idempotent: no new cases, no new events, every record unchanged', async () => {
    const before = { cases: await importedCount(), events: await eventCount() };
    const again = await importCasesFromCsv(t.db, ctx(), subset, { cityCode: city.city.code, batchSize: 500 });
    expect(again.stored).toMatchObject({ inserted: 0, updated: 0, unchanged: first.imported, events: 0 });
    expect({ cases: await importedCount(), events: await eventCount() }).toEqual(before);
  });

  it('updates a record that changed at the source and appends only the new end event', async () => {
    const changed = SYNTHETIC[1]!.replace(',,Open,', ',2026-03-04T09:00:00,Closed,').replace(/,$/, '48');
    const before = await eventCount();
    const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${SYNTHETIC[0]}\n${changed}\n`, { cityCode: city.city.code });
    expect(r.stored).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, events: 1 });
    expect(await eventCount()).toBe(before + 1);
    const [c] = await q<{ state: string; hours: number; version: number }>(
      `SELECT state, extract(epoch FROM closed_at - reported_at)::float8 / 3600 AS hours, version FROM case_file WHERE external_id = 'KM-2' AND city_code = $1`,
      [city.city.code],
    );
    expect(c).toEqual({ state: 'closed', hours: 24, version: 2 });
  });

  it('a duplicated id within one file is stored once (the later row wins)', async () => {
    const a = 'Kunming,KM-dup,D-1,Asia/Shanghai,2026-03-05T09:00:00,,Open,Graffiti,,城管,Call,,,,,';
    const b = 'Kunming,KM-dup,D-1,Asia/Shanghai,2026-03-05T09:00:00,2026-03-05T10:00:00,Closed,Graffiti,,城管,Call,,,,1,1';
    const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${a}\n${b}\n`, { cityCode: city.city.code });
    expect(r.stored).toMatchObject({ inserted: 1, duplicatesInBatch: 1 });
    expect(await q(`SELECT state FROM case_file WHERE source_dataset = 'KM-dup'`)).toEqual([{ state: 'closed' }]);
  });
});

describe('text that COPY must escape', () => {
  // Each batch reaches the database through COPY's text format (a staging table): tabs, line
  // breaks, backslashes and a literal \N must come back as the file had them, in both modes.
  const category = 'Tab\there \\N "quoted"';
  const subcategory = 'line\nbreak\r\nback\\slash \\. \\t';
  const agency = '昆明市城管局 🚲';
  const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const row = (dataset: string) =>
    `Kunming,${dataset},H-\\N\t1,Asia/Shanghai,2026-03-06T09:00:00,,Open,${csvField(category)},${csvField(subcategory)},${csvField(agency)},Call,,,,,`;

  for (const bulk of [false, true]) {
    it(`comes back exactly as the file had it${bulk ? ' (--bulk)' : ''}`, async () => {
      const dataset = bulk ? 'KM-hostile-bulk' : 'KM-hostile';
      const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${row(dataset)}\n`, { cityCode: city.city.code, bulk });
      expect(r.stored).toMatchObject({ inserted: 1 });
      const [c] = await q<{ external_id: string; description: string; address: string | null; a: Record<string, unknown> }>(
        `SELECT external_id, description, address, attributes AS a FROM case_file WHERE source_dataset = $1`,
        [dataset],
      );
      expect(c!.external_id).toBe('H-\\N\t1');
      expect(c!.description).toBe(`${category} / ${subcategory}`);
      expect(c!.address).toBeNull();
      expect(c!.a).toMatchObject({ source_id: 'H-\\N\t1', source_category: category, source_subcategory: subcategory, source_agency: agency, source_admin_area: null });
      const events = await q<{ data: Record<string, unknown> }>(
        `SELECT e.data FROM case_event e JOIN case_file c ON c.city_code = e.city_code AND c.id = e.case_id WHERE c.source_dataset = $1`,
        [dataset],
      );
      expect(events.map((e) => e.data.sourceId)).toEqual(['H-\\N\t1']);
      // Imported again: the same text is no change.
      const again = await importCasesFromCsv(t.db, ctx(), `${header}\n${row(dataset)}\n`, { cityCode: city.city.code, bulk });
      expect(again.stored).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    });
  }
});

describe('a record met again in a later batch of the same file', () => {
  it('updates the record the earlier batch inserted (the later row wins), with one case and its end event', async () => {
    const a = 'Kunming,KM-dup2,D-2,Asia/Shanghai,2026-03-05T09:00:00,,Open,Graffiti,,城管,Call,,,,,';
    const b = 'Kunming,KM-dup2,D-2,Asia/Shanghai,2026-03-05T09:00:00,2026-03-05T10:00:00,Closed,Graffiti,,城管,Call,,,,1,1';
    const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${a}\n${b}\n`, { cityCode: city.city.code, batchSize: 1 });
    expect(r.stored).toMatchObject({ inserted: 1, updated: 1, duplicatesInBatch: 0, events: 2 });
    expect(await q(`SELECT state FROM case_file WHERE source_dataset = 'KM-dup2'`)).toEqual([{ state: 'closed' }]);
    const events = await q<{ type: string; from_state: string | null }>(
      `SELECT e.type, e.from_state FROM case_event e JOIN case_file c ON c.city_code = e.city_code AND c.id = e.case_id WHERE c.source_dataset = 'KM-dup2' ORDER BY e.id`,
    );
    expect(events).toEqual([{ type: 'reported', from_state: null }, { type: 'closed', from_state: 'accepted' }]);
  });
});

describe('the timeline of a new record', () => {
  it('has the reported event and the end event with the data, texts and visibility of an imported record', async () => {
    const rows = [
      'Kunming,KM-ev,E-1,Asia/Shanghai,2026-03-10T09:00:00,2026-03-10T11:00:00,Closed,Graffiti,,城管,Call,24.05,102.05,,2,2',
      'Kunming,KM-ev,E-2,Asia/Shanghai,2026-03-10T09:00:00,,Cancelled,Graffiti,,城管,Mobile App,,,,,',
      'Kunming,KM-ev,E-3,Asia/Shanghai,2026-03-10T09:00:00,,Closed,Graffiti,,城管,,,,,,',
    ];
    const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${rows.join('\n')}\n`, { cityCode: city.city.code });
    expect(r.stored).toMatchObject({ inserted: 3, events: 6 });
    // Numbered in file order, on the report day in Asia/Shanghai.
    const ids = await q<{ public_id: string }>(`SELECT public_id FROM case_file WHERE source_dataset = 'KM-ev' ORDER BY external_id`);
    expect(ids.every((i) => /^5377-20260310-\d{6,}$/.test(i.public_id))).toBe(true);
    const nos = ids.map((i) => Number(i.public_id.split('-')[2]));
    expect(nos).toEqual([...nos].sort((a, b) => a - b));
    expect(new Set(nos).size).toBe(3);
    const events = await q<{ ext: string; type: string; from_state: string | null; to_state: string; at: string; data: unknown; public: boolean; public_text: string; actor_type: string }>(
      `SELECT c.external_id AS ext, e.type, e.from_state, e.to_state, e.data, e.public, e.public_text, e.actor_type, to_char(e.at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS at
         FROM case_event e JOIN case_file c ON c.city_code = e.city_code AND c.id = e.case_id
        WHERE c.source_dataset = 'KM-ev' ORDER BY c.external_id, e.id`,
    );
    const base = { imported: true, dataset: 'KM-ev' };
    expect(events).toEqual([
      { ext: 'E-1', type: 'reported', from_state: null, to_state: 'accepted', at: '09:00', public: true, public_text: '已上报', actor_type: expect.any(String), data: { ...base, channel: 'hotline', sourceId: 'E-1', outOfRegion: false, categoryCode: 'import.other' } },
      { ext: 'E-1', type: 'closed', from_state: 'accepted', to_state: 'closed', at: '11:00', public: true, public_text: '已结案', actor_type: expect.any(String), data: { ...base, sourceStatus: 'Closed', flags: [] } },
      { ext: 'E-2', type: 'reported', from_state: null, to_state: 'accepted', at: '09:00', public: true, public_text: '已上报', actor_type: expect.any(String), data: { ...base, channel: 'h5', sourceId: 'E-2', outOfRegion: true, categoryCode: 'import.other' } },
      { ext: 'E-2', type: 'cancelled', from_state: 'accepted', to_state: 'cancelled', at: '09:00', public: true, public_text: '已取消', actor_type: expect.any(String), data: { ...base, sourceStatus: 'Cancelled', flags: ['no_location'], endTimeUnknown: true } },
      { ext: 'E-3', type: 'reported', from_state: null, to_state: 'accepted', at: '09:00', public: true, public_text: '已上报', actor_type: expect.any(String), data: { ...base, channel: 'import', sourceId: 'E-3', outOfRegion: true, categoryCode: 'import.other' } },
      { ext: 'E-3', type: 'closed', from_state: 'accepted', to_state: 'closed', at: '09:00', public: true, public_text: '已结案', actor_type: expect.any(String), data: { ...base, sourceStatus: 'Closed', flags: ['missing_close_time', 'no_location'], endTimeUnknown: true } },
    ]);
  });
});

describe('KPI marks', () => {
  it('every imported case is queued for the KPI fold (kpi_dirty_case), as the event trigger would have', async () => {
    const missing = await q<{ id: number }>(
      `SELECT c.id FROM case_file c WHERE c.city_code = $1 AND c.source_dataset IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM kpi_dirty_case d WHERE d.city_code = c.city_code AND d.case_id = c.id)`,
      [city.city.code],
    );
    expect(missing).toEqual([]);
    // The bulk setting is local to the import's transactions: a live event still marks its case.
    expect((await q<{ v: string | null }>(`SELECT current_setting('gongzhi.kpi_bulk', true) AS v`))[0]!.v ?? '').not.toBe('on');
  });
});

/** Every index and constraint of the case tables, as the catalogue defines them. */
const caseSchema = async () =>
  q<{ def: string }>(
    `SELECT def FROM (
       SELECT indexrelid::regclass::text || ': ' || pg_get_indexdef(indexrelid) || ' valid=' || indisvalid AS def FROM pg_index WHERE indrelid IN ('case_file'::regclass, 'case_event'::regclass)
       UNION ALL
       SELECT conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid) || ' validated=' || convalidated FROM pg_constraint WHERE conrelid IN ('case_file'::regclass, 'case_event'::regclass)
       UNION ALL
       SELECT 'trigger ' || tgname || ' enabled=' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('case_file'::regclass, 'case_event'::regclass)
     ) s ORDER BY def`,
  );

describe('bulk load (--bulk)', () => {
  const bulkRows = (dataset: string, n: number) =>
    Array.from({ length: n }, (_, i) => `Kunming,${dataset},B-${i},Asia/Shanghai,2026-03-09T09:00:00,${i % 2 ? '2026-03-09T12:00:00' : ''},${i % 2 ? 'Closed' : 'Open'},Graffiti,,城管,Call,24.05,102.05,,,`);

  it('stores what the batch-by-batch import stores, and leaves every index and constraint exactly as before', async () => {
    const schema = await caseSchema();
    expect(schema.some((s) => s.def.startsWith('case_file_description_trgm_idx'))).toBe(true);
    const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${bulkRows('KM-bulk', 7).join('\n')}\n`, { cityCode: city.city.code, batchSize: 3, bulk: true });
    expect(r.stored).toMatchObject({ inserted: 7, updated: 0, events: 7 + 3, located: 7 });
    expect(r.bulk!.indexesRebuilt).toBeGreaterThanOrEqual(4); // trigram, GiST and two array GINs
    expect(r.bulk!.foreignKeysRevalidated).toBeGreaterThanOrEqual(5);
    expect(await caseSchema()).toEqual(schema);
    const rows = await q<{ state: string; n: number; marked: number; located: number }>(
      `SELECT c.state, count(*)::int AS n, count(d.case_id)::int AS marked, count(*) FILTER (WHERE c.grid_id = $2)::int AS located
         FROM case_file c LEFT JOIN kpi_dirty_case d ON d.city_code = c.city_code AND d.case_id = c.id
        WHERE c.city_code = $1 AND c.source_dataset = 'KM-bulk' GROUP BY c.state ORDER BY c.state`,
      [city.city.code, city.wuhuaGrid.id],
    );
    expect(rows).toEqual([
      { state: 'accepted', n: 4, marked: 4, located: 4 },
      { state: 'closed', n: 3, marked: 3, located: 3 },
    ]);
    // The rebuilt indexes answer: the trigram index finds the description, the GiST the point.
    const found = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM case_file WHERE source_dataset = 'KM-bulk' AND ST_DWithin(geom, ST_SetSRID(ST_MakePoint(102.05, 24.05), 4326), 0.001)`,
    );
    expect(found[0]!.n).toBe(7);
    const [audits] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM audit_record WHERE action = 'case.import' AND target_id = 'KM-bulk'`);
    expect(audits!.n).toBe(3);
  });

  it('is idempotent: importing the us311 subset again in bulk changes nothing', async () => {
    const before = { cases: await importedCount(), events: await eventCount() };
    const again = await importCasesFromCsv(t.db, ctx(), subset, { cityCode: city.city.code, bulk: true });
    // KM-2 was changed by an earlier test: the file puts it back (one update, no event: it did not end).
    expect(again.stored).toMatchObject({ inserted: 0, updated: 1, unchanged: first.imported - 1, events: 0 });
    expect(again.rejected).toBe(1);
    expect({ cases: await importedCount(), events: await eventCount() }).toEqual(before);
  });

  it('is all or nothing: a batch that fails undoes the batches before it and puts every index back', async () => {
    const schema = await caseSchema();
    const before = { cases: await importedCount(), events: await eventCount() };
    // external_id is at most 200 characters (CHECK): the third batch fails in the database.
    const rows = [...bulkRows('KM-bulk-fail', 2), `Kunming,KM-bulk-fail,${'x'.repeat(201)},Asia/Shanghai,2026-03-09T09:00:00,,Open,Graffiti,,城管,Call,,,,,`];
    await expect(importCasesFromCsv(t.db, ctx(), `${header}\n${rows.join('\n')}\n`, { cityCode: city.city.code, batchSize: 1, bulk: true })).rejects.toThrow();
    expect({ cases: await importedCount(), events: await eventCount() }).toEqual(before);
    expect(await caseSchema()).toEqual(schema);
    // Without --bulk the same file keeps the batches before the failing one (documented).
    await expect(importCasesFromCsv(t.db, ctx(), `${header}\n${rows.join('\n')}\n`, { cityCode: city.city.code, batchSize: 1 })).rejects.toThrow();
    expect(await importedCount()).toBe(before.cases + 2);
  });
});

describe('category mapping', () => {
  it('maps "category/subcategory" before "category", case-insensitively', async () => {
    const rows = [
      'Kunming,KM-map,M-1,Asia/Shanghai,2026-03-06T09:00:00,,Open,Bulky Items,SR Created,城管,Call,,,,,',
      'Kunming,KM-map,M-2,Asia/Shanghai,2026-03-06T09:00:00,,Open,Bulky Items,Other,城管,Call,,,,,',
      'Kunming,KM-map,M-3,Asia/Shanghai,2026-03-06T09:00:00,,Open,Noise,,城管,Call,,,,,',
    ];
    const r = await importCasesFromCsv(t.db, ctx(), `${header}\n${rows.join('\n')}\n`, {
      cityCode: city.city.code,
      categoryMap: parseCategoryMapSpec('bulky items=SANITATION.STREET_DIRTY, Bulky Items/SR Created=CITY.MATERIAL_PILE'),
    });
    expect(r.stored.categories).toEqual({ 'CITY.MATERIAL_PILE': 1, 'SANITATION.STREET_DIRTY': 1, 'import.other': 1 });
    const got = await q<{ external_id: string; category_code: string }>(`SELECT external_id, category_code FROM case_file WHERE source_dataset = 'KM-map' ORDER BY external_id`);
    expect(got.map((g) => g.category_code)).toEqual(['CITY.MATERIAL_PILE', 'SANITATION.STREET_DIRTY', 'import.other']);
  });

  it('an unknown or major target category is refused before anything is written', async () => {
    const before = await importedCount();
    const csv = `${header}\nKunming,KM-x,X-1,Asia/Shanghai,2026-03-06T09:00:00,,Open,Noise,,城管,Call,,,,,\n`;
    await expect(importCasesFromCsv(t.db, ctx(), csv, { cityCode: city.city.code, categoryMap: { noise: 'NO.SUCH' } })).rejects.toMatchObject({ code: 'import_invalid' });
    await expect(importCasesFromCsv(t.db, ctx(), csv, { cityCode: city.city.code, categoryMap: { noise: 'ORDER' } })).rejects.toMatchObject({ code: 'import_invalid' });
    expect(await importedCount()).toBe(before);
  });

  it('parseCategoryMapSpec refuses pairs that are not source=CODE', () => {
    expect(() => parseCategoryMapSpec('Noise')).toThrow(/source=CODE/);
    expect(() => parseCategoryMapSpec('a=X,A=Y')).toThrow(/twice/);
  });
});

describe('refusals', () => {
  it('a file without a required column writes nothing', async () => {
    const before = { cases: await importedCount(), events: await eventCount() };
    const noCreated = header.replace('created_at', 'opened');
    await expect(importCasesFromCsv(t.db, ctx(), `${noCreated}\n${SYNTHETIC[0]}\n`, { cityCode: city.city.code })).rejects.toMatchObject({ code: 'import_invalid' });
    expect({ cases: await importedCount(), events: await eventCount() }).toEqual(before);
  });

  it('an unknown city is refused', async () => {
    await expect(importCasesFromCsv(t.db, ctx(), `${header}\n${SYNTHETIC[0]}\n`, { cityCode: '999900000000' })).rejects.toMatchObject({ code: 'import_invalid' });
  });
});

describe('gongzhi cases import (runCaseImportCli)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-import-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const helpers = (): CliHelpers => ({ withDb: (fn) => fn(t.db, {} as never), ctx, out: () => {} });

  it('reads the file with --map and --tz, stores it, and returns the report with the stored counts', async () => {
    // Another export's shape: other column names, no tz column.
    const file = path.join(dir, 'export.csv');
    fs.writeFileSync(file, 'id,opened,closed,state,kind\nC-1,2026-03-07 09:00:00,2026-03-07 11:30:00,Closed,Noise\nC-2,2026-03-07 10:00:00,,Open,Noise\n');
    const r = await runCaseImportCli(helpers(), file, {
      map: 'request_id=id,created_at=opened,closed_at=closed,status=state,category=kind,tz=,city=,dataset=,lat=,lon=,subcategory=,agency=,channel=,admin_area=,hours_to_close=',
      tz: 'Asia/Shanghai',
      city: city.city.code,
      dataset: 'cli-export',
      batch: '1',
      bulk: true,
    });
    expect(r).toMatchObject({ rows: 2, imported: 2, rejected: 0, stored: { inserted: 2, cityCode: city.city.code }, bulk: { indexesRebuilt: expect.any(Number) } });
    expect(r.handlingTime.medianHours).toBe(2.5);
    const got = await q<{ external_id: string; hours: number | null }>(
      `SELECT external_id, extract(epoch FROM closed_at - reported_at)::float8 / 3600 AS hours FROM case_file WHERE source_dataset = 'cli-export' ORDER BY external_id`,
    );
    expect(got).toEqual([{ external_id: 'C-1', hours: 2.5 }, { external_id: 'C-2', hours: null }]);
  });

  it('registers `cases import` on the program, under an existing `cases` command, and prints the report', async () => {
    const program = new Command().exitOverride();
    program.command('cases').description('from the cases manifest');
    let printed: unknown;
    registerCaseImportCommands(program, { ...helpers(), out: (v) => (printed = v) });
    expect(program.commands.filter((c) => c.name() === 'cases')).toHaveLength(1);
    const file = path.join(dir, 'export2.csv');
    fs.writeFileSync(file, 'request_id,created_at,status\nE-1,2026-03-08T09:00:00+08:00,Open\n');
    await program.parseAsync(['node', 'gongzhi', 'cases', 'import', file, '--city', city.city.code, '--dataset', 'cli-2', '--batch', '50', '--tz', 'Asia/Shanghai']);
    expect(printed).toMatchObject({ rows: 1, imported: 1, rules: { no_location: 1 }, stored: { inserted: 1 } });
  });

  it('bad options are refused naming the option', async () => {
    await expect(runCaseImportCli(helpers(), FIXTURE, { batch: '0' })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^--batch/) });
    await expect(runCaseImportCli(helpers(), FIXTURE, { batch: '10', city: '5301' })).rejects.toMatchObject({ message: expect.stringMatching(/^--city/) });
    await expect(runCaseImportCli(helpers(), path.join(dir, 'missing.csv'), { batch: '10' })).rejects.toMatchObject({ code: 'import_invalid' });
    await expect(runCaseImportCli(helpers(), FIXTURE, { batch: '10', map: 'nonsense' })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('pgArray', () => {
  it('quotes and escapes elements so PostgreSQL reads them back unchanged', async () => {
    const values = ['a', 'b,c', 'd"e', 'f\\g', '{h}', '', null, '中文 NULL'];
    const { rows } = await t.db.query<{ v: (string | null)[] }>('SELECT $1::text::text[] AS v', [pgArray(values)]);
    expect(rows[0]!.v).toEqual(values);
    const nums = await t.db.query<{ v: number[] }>('SELECT $1::text::float8[] AS v', [pgArray([1.5, -2, null])]);
    expect(nums.rows[0]!.v).toEqual([1.5, -2, null]);
  });
});
