/**
 * Where historical records land: batches of HistoricalCase written into case_file and its timeline
 * (case_event), one transaction per batch: each batch is copied (Database.copyFrom, COPY's text
 * format) into a temporary staging table and written from there by set-based INSERT … SELECT and
 * UPDATE … FROM, so that a batch of thousands of records costs a handful of statements, and its
 * values travel as data rather than as SQL text the server parses.
 *
 * Rules (the parsing rules are docs/kpi-definitions.md § "Historical import"; these are how the
 * records are stored):
 * - an imported record is keyed by (city, dataset, source id): importing the same file again
 *   updates the rows it changed and appends a closing event only when a record newly ended;
 * - a point is located in the region tree with the regions module's in-memory index; a point
 *   outside every region of the city (a US 311 record imported into 昆明), or a record without
 *   coordinates, is kept at the city with out_of_region = true (the latter: no geometry);
 * - the source category maps to one of ours through `categoryMap` ("category/subcategory" first,
 *   then "category", case-insensitive), else to `import.other`; the source category,
 *   subcategory, agency, channel, status and area stay in `attributes` (keys `source_*`);
 * - timeline: a `reported` event at the source's created time and, for a record that ended, a
 *   `closed` / `cancelled` / `referred` event at its end time (the created time when the source
 *   gives none: flagged missing_close_time, excluded from handling time).
 */
import { actorLabel, type Actor } from '../../../platform/actor.js';
import type { Ctx } from '../../../platform/context.js';
import type { Database, Sql } from '../../../platform/db.js';
import { copyLine } from '../../../platform/copy.js';
import { AppError } from '../../../platform/errors.js';
import { recordAudit } from '../../audit/index.js';
import { getLocateIndex, getRegionByCode, type LocateIndex, type LocateResult } from '../../regions/index.js';
import { importHistoricalCsv, type CsvInput, type HistoricalCase, type ImportReport } from './import311.js';
import type { MappableField } from './mapping.js';
import { PUBLIC_ID_PREFIX } from '../cases.service.js';
import { putBack, setAside, type AsideOptions, type SetAside } from '../bulk-load.js';

export const DEFAULT_IMPORT_CATEGORY = 'import.other';

/**
 * Records per transaction. Larger batches mean fewer statements and commits (5,000 measured
 * faster than 1,000 on both engines); each batch's COPY data stays a few MB (PGlite takes it as
 * one Blob).
 */
export const DEFAULT_BATCH_SIZE = 5000;

/** States in which an imported record has ended; each gets an event at its end time. */
const ENDED: ReadonlySet<string> = new Set(['closed', 'cancelled', 'referred']);

const END_TEXT: Record<string, string> = { closed: '已结案', cancelled: '已取消', referred: '已转出' };
const REPORTED_TEXT = '已上报';


export interface StoreOptions {
  /** The city the records belong to (12-digit code). Default: the only city of the installation. */
  cityCode?: string | undefined;
  /** Dataset name for records whose file gives none (the `dataset` column). Default 'import'. */
  dataset?: string | undefined;
  /** Source "category/subcategory" or "category" (case-insensitive) → a minor case category code. */
  categoryMap?: Readonly<Record<string, string>> | undefined;
  /** The category of records the map does not cover. Default `import.other`. */
  defaultCategory?: string | undefined;
}

export interface StoreStats {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records appearing twice in one batch: the later one wins. */
  duplicatesInBatch: number;
  events: number;
  located: number;
  /** Records kept at the city: coordinates outside every region of the city. */
  outOfRegion: number;
  /** Records without coordinates (also at the city, no geometry). */
  noLocation: number;
  /** Records per platform category. */
  categories: Record<string, number>;
}

interface CityRef {
  id: number;
  code: string;
  path: string;
}

interface CategoryInfo {
  code: string;
  private: boolean;
  responseLevel: number;
  deadlineMode: string;
}

export interface HistoricalStore {
  readonly city: CityRef;
  readonly stats: StoreStats;
  /** Write one batch in one transaction (pass it as importHistoricalCsv's `insert`). */
  insert(batch: readonly HistoricalCase[]): Promise<void>;
  /**
   * The bulk load's writer: batches written inside the caller's transaction (one for the whole
   * file), which is left with gongzhi.kpi_bulk on: insert no other case events in it.
   */
  bulkWriter(tx: Sql): Promise<{ prepare(batch: readonly HistoricalCase[]): unknown; write(batch: readonly HistoricalCase[], prepared?: unknown): Promise<void> }>;
}

const emptyStats = (): StoreStats => ({ inserted: 0, updated: 0, unchanged: 0, duplicatesInBatch: 0, events: 0, located: 0, outOfRegion: 0, noLocation: 0, categories: {} });

/**
 * Parse `--category-map`: comma-separated `source=CODE` pairs, where source is a source category
 * or "category/subcategory" (e.g. `Bulky Items=SANITATION.STREET_DIRTY,Graffiti=CITY.ILLEGAL_POSTING`).
 */
export function parseCategoryMapSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.lastIndexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new AppError('import_invalid', `--category-map: '${p}' is not source=CODE`, [{ field: 'category-map', problem: 'not source=CODE' }]);
    const key = p.slice(0, eq).trim().toLowerCase();
    if (key in out) throw new AppError('import_invalid', `--category-map: '${key}' is mapped twice`, [{ field: 'category-map', problem: 'mapped twice' }]);
    out[key] = p.slice(eq + 1).trim();
  }
  return out;
}

async function resolveCity(sql: Sql, code: string | undefined): Promise<CityRef> {
  if (code) {
    const r = await getRegionByCode(sql, code);
    if (!r || r.level !== 'city') throw new AppError('import_invalid', `--city: no current city with the code ${code}.`, [{ field: 'city', problem: 'no such city' }]);
    return { id: r.id, code: r.code, path: r.path };
  }
  const { rows } = await sql.query<CityRef>(`SELECT id, code, path FROM region WHERE level = 'city' AND valid_to IS NULL ORDER BY id LIMIT 2`);
  if (rows.length !== 1) {
    throw new AppError('import_invalid', rows.length === 0 ? 'There is no city yet: import the regions first.' : 'There are several cities: say which with --city CODE.', [{ field: 'city', problem: 'required' }]);
  }
  return rows[0]!;
}

async function loadCategories(sql: Sql, codes: string[]): Promise<Map<string, CategoryInfo>> {
  const { rows } = await sql.query<{ code: string; level: number; private: boolean; default_response_level: number; deadlines: Record<string, { mode?: string }> }>(
    'SELECT code, level, private, default_response_level, deadlines FROM case_category WHERE code = ANY ($1::text[])',
    [codes],
  );
  const out = new Map<string, CategoryInfo>();
  for (const r of rows) {
    if (r.level !== 2) throw new AppError('import_invalid', `Category ${r.code} is a major category: map to a minor (second-level) one.`, [{ field: 'category-map', problem: 'not a minor category' }]);
    const level = r.default_response_level;
    out.set(r.code, { code: r.code, private: r.private, responseLevel: level, deadlineMode: r.deadlines?.[String(level)]?.mode === 'calendar' ? 'calendar' : 'working' });
  }
  const missing = codes.filter((c) => !out.has(c));
  if (missing.length > 0) throw new AppError('import_invalid', `No case category ${missing.join(', ')}.`, [{ field: 'category-map', problem: 'unknown category' }]);
  return out;
}

interface Row {
  r: HistoricalCase;
  dataset: string;
  category: CategoryInfo;
  loc: LocateResult | null;
  endAt: Date | null;
  /** Position in the batch (after duplicates are dropped): the staging table's `ord`. */
  ord: number;
  /** The record as a line of the staging table's COPY (STAGE_COLS). */
  line: string;
}

/** Open a store for one import run: resolves the city and the categories up front (fails fast). */
export async function createHistoricalStore(db: Database, ctx: Ctx, opts: StoreOptions = {}): Promise<HistoricalStore> {
  const city = await resolveCity(db, opts.cityCode);
  const defaultCode = opts.defaultCategory ?? DEFAULT_IMPORT_CATEGORY;
  const map = Object.fromEntries(Object.entries(opts.categoryMap ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const cats = await loadCategories(db, [...new Set([defaultCode, ...Object.values(map)])]);
  const fallbackDataset = opts.dataset?.trim() || 'import';
  const prefix = PUBLIC_ID_PREFIX[city.code.slice(0, 4)] ?? city.code.slice(0, 4);
  const stats = emptyStats();
  // Build (and cache) the locate index now, outside any transaction: getLocateIndex(db, tx) with
  // nothing cached builds a throwaway index from the transaction for every batch (the whole
  // region table read and parsed again per 1,000 rows: a third of the import's time).
  await getLocateIndex(db);

  const categoryOf = (r: HistoricalCase): CategoryInfo => {
    const cat = r.category?.toLowerCase() ?? '';
    const code = (r.subcategory ? map[`${cat}/${r.subcategory.toLowerCase()}`] : undefined) ?? map[cat] ?? defaultCode;
    return cats.get(code)!;
  };

  // Dataset → it had no record in the table when this import first met it.
  const newDatasets = new Map<string, boolean>();
  const learnNewDatasets = async (tx: Sql, rows: Row[]): Promise<void> => {
    const unseen = [...new Set(rows.map((x) => x.dataset))].filter((d) => !newDatasets.has(d));
    if (unseen.length === 0) return;
    const { rows: found } = await tx.query<{ ds: string; present: boolean }>(
      `SELECT u.ds, EXISTS (SELECT 1 FROM case_file c WHERE c.city_code = $1 AND c.source_dataset = u.ds) AS present FROM unnest($2::text::text[]) AS u(ds)`,
      [city.code, pgArray(unseen)],
    );
    for (const f of found) newDatasets.set(f.ds, !f.present);
  };

  /** The batch's records, located and encoded: no database work, so it can run ahead of the writes. */
  const prepareRows = (batch: readonly HistoricalCase[], index: LocateIndex): Row[] => {
    // Later records win over earlier ones with the same key (one INSERT cannot hit a row twice).
    const byKey = new Map<string, Row>();
    for (const r of batch) {
      const dataset = r.dataset ?? fallbackDataset;
      let loc: LocateResult | null = null;
      if (r.lat !== null && r.lon !== null) {
        const found = index.locate(r.lon, r.lat);
        // Only this city's regions count: a point in another city's tree is outside ours.
        if (found && found.chain.some((l) => l.level === 'city' && l.id === city.id)) loc = found;
      }
      const endAt = ENDED.has(r.state) ? (r.endedAt ?? r.reportedAt) : null;
      const key = `${dataset}\u0000${r.sourceId}`;
      if (byKey.has(key)) stats.duplicatesInBatch++;
      byKey.set(key, { r, dataset, category: categoryOf(r), loc, endAt, ord: 0, line: '' });
    }
    const rows = [...byKey.values()];
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i]!;
      x.ord = i + 1;
      x.line = copyLine([x.ord, x.dataset, x.r.sourceId, x.endAt !== null && x.r.endedAt === null, ...caseValues(x)]);
    }
    return rows;
  };

  const writeBatch = async (tx: Sql, batch: readonly HistoricalCase[], inBulk: boolean, prepared?: Row[]): Promise<void> => {
    const rows = prepared ?? prepareRows(batch, await getLocateIndex(db, tx));
    for (const x of rows) {
      if (x.r.lat === null || x.r.lon === null) stats.noLocation++;
      else if (x.loc) stats.located++;
      else stats.outOfRegion++;
      stats.categories[x.category.code] = (stats.categories[x.category.code] ?? 0) + 1;
    }

    // Records of a dataset that had none in the table when this import first met it are inserted
    // without looking them up first (an index probe per row, the whole cost of an initial load's
    // look-up); the few the insert finds taken (the same id again later in the file, or a
    // concurrent import) are looked up and updated after it, so the later record still wins.
    await stageRows(db, tx, rows);
    await learnNewDatasets(tx, rows);
    const keyOf = (x: Row) => `${x.dataset}\u0000${x.r.sourceId}`;
    const existing = await findExisting(tx, city.code, rows.filter((x) => !newDatasets.get(x.dataset)));
    let fresh = rows.filter((x) => !existing.has(keyOf(x)));
    const old = rows.filter((x) => existing.has(keyOf(x)));

    // Every KPI mark of this batch is written set-wise (insertCases, insertEvents), not by the
    // per-event trigger; the setting lasts until the transaction ends (the bulk load sets it once).
    if (!inBulk) await tx.query(`SELECT set_config('gongzhi.kpi_bulk', 'on', true)`);
    const inserted = await insertCases(tx, city, prefix, ctx.now, fresh.length === rows.length ? 'all' : fresh, ctx.actor, ctx.requestId);
    const taken = fresh.filter((x) => !inserted.has(keyOf(x)));
    if (taken.length > 0) {
      const found = await findExisting(tx, city.code, taken);
      for (const [k, v] of found) existing.set(k, v);
      old.push(...taken.filter((x) => found.has(keyOf(x))));
      fresh = fresh.filter((x) => inserted.has(keyOf(x)));
    }
    const changed = await updateCases(tx, city.code, ctx.now, old.map((x) => ({ ...x, id: existing.get(keyOf(x))!.id })));

    // Timeline: new records got their whole (short) history from insertCases; updated ones get
    // only an end that is new.
    const freshEvents = fresh.length + fresh.filter((x) => x.endAt).length;
    const events: EventRow[] = [];
    for (const x of old) {
      const prev = existing.get(`${x.dataset}\u0000${x.r.sourceId}`)!;
      if (x.endAt && prev.state !== x.r.state && changed.has(prev.id)) events.push(endEvent(prev.id, x, prev.state));
    }
    await insertEvents(tx, city.code, ctx.actor, ctx.requestId, events);

    stats.inserted += inserted.size;
    stats.updated += changed.size;
    stats.unchanged += old.length - changed.size;
    stats.events += freshEvents + events.length;
    await recordAudit(
      { ...ctx, tx },
      {
        action: 'case.import',
        targetType: 'case_import',
        targetId: [...new Set(rows.map((x) => x.dataset))].join(',').slice(0, 200),
        regionId: city.id,
        after: { lines: [batch[0]!.line, batch[batch.length - 1]!.line], inserted: inserted.size, updated: changed.size, unchanged: old.length - changed.size, events: freshEvents + events.length },
      },
    );
  };

  return {
    city,
    stats,
    async insert(batch) {
      if (batch.length === 0) return;
      await db.tx((tx) => writeBatch(tx, batch, false));
    },
    async bulkWriter(tx) {
      // The bulk transaction holds the case tables alone: the region tree it locates in is read
      // once, and the KPI trigger is off for all of it (each batch writes its marks set-wise).
      // Locating and encoding a batch needs no database, so it runs while the previous one is written.
      const index = await getLocateIndex(db, tx);
      await tx.query(`SELECT set_config('gongzhi.kpi_bulk', 'on', true)`);
      return {
        prepare: (batch) => prepareRows(batch, index),
        write: async (batch, prepared) => {
          if (batch.length > 0) await writeBatch(tx, batch, true, prepared as Row[] | undefined);
        },
      };
    },
  };
}

/** The records (staged) already in case_file, locked for the update. */
async function findExisting(tx: Sql, cityCode: string, rows: Row[]): Promise<Map<string, { id: number; state: string }>> {
  const out = new Map<string, { id: number; state: string }>();
  if (rows.length === 0) return out;
  const { rows: found } = await tx.query<{ id: number; source_dataset: string; external_id: string; state: string }>(
    `SELECT c.id, c.source_dataset, c.external_id, c.state
       FROM ${STAGE} k JOIN case_file c ON c.city_code = $1 AND c.source_dataset = k.dataset AND c.external_id = k.external_id
      WHERE k.ord = ANY ($2::text::int[])
      ORDER BY c.id
      FOR UPDATE OF c`,
    [cityCode, pgArray(rows.map((x) => x.ord))],
  );
  for (const f of found) out.set(`${f.source_dataset}\u0000${f.external_id}`, { id: Number(f.id), state: f.state });
  return out;
}

type Value = string | number | boolean | null;

/** One record's values for INPUT_COLS, in that order. */
function caseValues(x: Row): Value[] {
  const r = x.r;
  let district: number | null = null;
  let street: number | null = null;
  let community: number | null = null;
  let grid: number | null = null;
  if (x.loc) {
    for (const l of x.loc.chain) {
      if (l.level === 'district') district = l.id;
      else if (l.level === 'street') street = l.id;
      else if (l.level === 'community') community = l.id;
      else if (l.level === 'grid') grid = l.id;
    }
  }
  // Not the file line: the same record sits on another line in the next export, and that is no change.
  const attributes: Record<string, unknown> = {
    source_id: r.sourceId,
    source_status: r.sourceStatus || null,
    source_category: r.category,
    source_subcategory: r.subcategory,
    source_agency: r.agency,
    source_channel: r.sourceChannel,
    source_admin_area: r.adminArea,
    source_time_zone: r.timeZone,
    source_hours_to_close: r.sourceHoursToClose,
  };
  // An open record with a close time keeps that time here (its state comes from the status).
  if (!x.endAt && r.endedAt) attributes.source_closed_at = r.endedAt.toISOString();
  const description = r.description ?? ([r.category, r.subcategory].filter(Boolean).join(' / ') || '历史导入记录');
  const located = r.lat !== null && r.lon !== null;
  const end = x.endAt ? x.endAt.toISOString() : null;
  return [
    r.state, r.channel, x.category.code, x.category.responseLevel, description, JSON.stringify(attributes), x.category.private,
    located ? r.lon : null, located ? r.lat : null, r.address, x.loc === null, x.loc?.regionId ?? null, x.loc?.path ?? null,
    district, street, community, grid, x.category.deadlineMode, r.reportedAt.toISOString(),
    r.state === 'closed' ? end : null, r.state === 'closed' ? end : null, r.state === 'cancelled' ? end : null, r.state === 'referred' ? end : null,
    r.flags.join(','),
  ];
}

/**
 * Each batch is copied (Database.copyFrom) into this temporary table, dropped at commit, and
 * written from it with set-based statements: the rows travel as COPY data rather than as array
 * literals the server would parse for every statement (docs/performance.md, "Historical import").
 * `ord` is the record's place in the batch; `end_unknown`: it ended without a time in the source.
 */
const STAGE = 'gz_import_stage';

const INPUT_COLS: Array<[string, string]> = [
  ['state', 'text'], ['channel', 'text'], ['category_code', 'text'], ['response_level', 'int'], ['description', 'text'], ['attributes', 'text'],
  ['private', 'boolean'], ['lng', 'float8'], ['lat', 'float8'], ['address', 'text'], ['out_of_region', 'boolean'], ['region_id', 'bigint'],
  ['region_path', 'text'], ['district_id', 'bigint'], ['street_id', 'bigint'], ['community_id', 'bigint'], ['grid_id', 'bigint'],
  ['deadline_mode', 'text'], ['reported_at', 'timestamptz'], ['handled_at', 'timestamptz'], ['closed_at', 'timestamptz'],
  ['cancelled_at', 'timestamptz'], ['referred_at', 'timestamptz'], ['data_quality', 'text'],
];

const STAGE_COLS: Array<[string, string]> = [['ord', 'int'], ['dataset', 'text'], ['external_id', 'text'], ['end_unknown', 'boolean'], ...INPUT_COLS];

const STAGE_DDL = `CREATE TEMP TABLE ${STAGE} (${STAGE_COLS.map(([n, t]) => `${n} ${t}`).join(', ')}) ON COMMIT DROP`;

/** Transactions whose staging table exists (a bulk load's one transaction stages every batch). */
const staged = new WeakSet<Sql>();

/** The batch into the staging table (created by the transaction's first batch, emptied by the next). */
async function stageRows(db: Database, tx: Sql, rows: Row[]): Promise<void> {
  if (staged.has(tx)) {
    await tx.exec(`TRUNCATE ${STAGE}`);
  } else {
    await tx.exec(STAGE_DDL);
    staged.add(tx);
  }
  let text = '';
  for (const x of rows) text += x.line;
  await db.copyFrom(tx, STAGE, STAGE_COLS.map(([n]) => n), Buffer.from(text, 'utf8'));
}

/**
 * An array parameter as PostgreSQL's array literal ('{"a",NULL,"b"}'), cast in SQL with
 * `$n::text::T[]`. PGlite serialises JS arrays element by element (≈ 40 ms for 1,000 strings);
 * one text literal costs next to nothing on both engines.
 */
export function pgArray(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `{${values.map(element).join(',')}}`;
}

const NEEDS_ESCAPE = /["\\]/;

function element(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`pgArray: ${v} is not a finite number`);
    return String(v);
  }
  return NEEDS_ESCAPE.test(v) ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${v}"`;
}

/**
 * A new record's public id, as intake numbers a live case: the prefix, the report day (Asia/Shanghai,
 * a fixed +8 h) and a running number (at least six digits) from the sequence intake uses, drawn in
 * file order (u.public_no in insertCases).
 */
const PUBLIC_ID = `$9::text || '-' || to_char((u.reported_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYYMMDD') || '-'
  || lpad(u.public_no::text, greatest(6, length(u.public_no::text)), '0')`;

const GEOM = (t = 't') => `CASE WHEN ${t}.lng IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(${t}.lng, ${t}.lat), 4326) END`;
const DQ = (t = 't') => `COALESCE(string_to_array(NULLIF(${t}.data_quality, ''), ','), '{}')`;

/**
 * Inserts new records with their timeline (a `reported` event and, for a record that ended, its
 * end event, with the data endEvent gives an updated record's) and their KPI marks, in one
 * statement: the events come from the inserted rows themselves, so no per-event array is built in
 * JavaScript and parsed again by the server. Returns (dataset, source id) → case id.
 */
async function insertCases(tx: Sql, city: CityRef, prefix: string, now: Date, rows: Row[] | 'all', actor: Actor, requestId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (rows !== 'all' && rows.length === 0) return out;
  const who = actorLabel(actor);
  // All the staged records (an initial load), or those of them that are new.
  const params: unknown[] = [city.code, now.toISOString(), city.id, city.path, who.type, who.id, who.name, requestId, prefix];
  if (rows !== 'all') params.push(pgArray(rows.map((x) => x.ord)));
  const { rows: ids } = await tx.query<{ id: number; source_dataset: string; external_id: string }>(
    `WITH t AS (SELECT * FROM ${STAGE}${rows === 'all' ? '' : ' WHERE ord = ANY ($10::text::int[])'}),
     u AS MATERIALIZED (SELECT t.*, nextval('case_public_no_seq') AS public_no FROM t ORDER BY t.ord),
     ins AS (
       INSERT INTO case_file (city_code, public_id, state, channel, category_code, response_level, description, attributes, private, geom,
         input_lng, input_lat, input_crs, address, out_of_region, region_id, region_path, city_id, district_id, street_id, community_id, grid_id,
         anonymous, centre_region_id, centre_path, deadline_mode, reported_at, accepted_at, handled_at, closed_at, cancelled_at, referred_at,
         source_dataset, external_id, data_quality, created_at, updated_at)
       SELECT $1, ${PUBLIC_ID}, u.state, u.channel, u.category_code, u.response_level, u.description, u.attributes::jsonb, u.private, ${GEOM('u')},
         u.lng, u.lat, CASE WHEN u.lng IS NULL THEN NULL ELSE 'wgs84' END, u.address, u.out_of_region,
         COALESCE(u.region_id, $3::bigint), COALESCE(u.region_path, $4::text), $3::bigint, u.district_id, u.street_id, u.community_id, u.grid_id,
         false, $3::bigint, $4::text, u.deadline_mode, u.reported_at, u.reported_at, u.handled_at, u.closed_at, u.cancelled_at, u.referred_at,
         u.dataset, u.external_id, ${DQ('u')}, $2::timestamptz, $2::timestamptz
         FROM u
        ORDER BY u.ord
       ON CONFLICT (city_code, source_dataset, external_id) DO NOTHING
       RETURNING id, source_dataset, external_id, state, channel, category_code, private, out_of_region, reported_at,
         COALESCE(closed_at, cancelled_at, referred_at) AS end_at, data_quality, attributes->>'source_status' AS source_status
     ),
     ev AS (
       INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_id, actor_name, data, public, public_text, request_id)
       SELECT $1, e.id, e.at, e.type, e.from_state, e.to_state, $5, $6, $7, e.data, e.public, e.public_text, $8
         FROM (
           -- A record that ended was accepted before (a 311 record exists because it was taken in).
           SELECT i.id, 0 AS k, i.reported_at AS at, 'reported' AS type, NULL::text AS from_state,
                  CASE WHEN i.state IN ('closed', 'cancelled', 'referred') THEN 'accepted' ELSE i.state END AS to_state,
                  jsonb_build_object('channel', i.channel, 'imported', true, 'dataset', i.source_dataset, 'sourceId', i.external_id,
                    'outOfRegion', i.out_of_region, 'categoryCode', i.category_code) AS data,
                  NOT i.private AS public, '${REPORTED_TEXT}' AS public_text
             FROM ins i
           UNION ALL
           SELECT i.id, 1, i.end_at, i.state, 'accepted', i.state,
                  jsonb_build_object('imported', true, 'dataset', i.source_dataset, 'sourceStatus', i.source_status, 'flags', to_jsonb(i.data_quality))
                    || CASE WHEN t.end_unknown THEN '{"endTimeUnknown": true}'::jsonb ELSE '{}'::jsonb END,
                  NOT i.private, CASE i.state ${Object.entries(END_TEXT).map(([k, v]) => `WHEN '${k}' THEN '${v}'`).join(' ')} END
             FROM ins i JOIN t ON t.dataset = i.source_dataset AND t.external_id = i.external_id
            WHERE i.state IN ('closed', 'cancelled', 'referred')
         ) e
        ORDER BY e.id, e.k
     ),
     -- The KPI marks (the caller has set gongzhi.kpi_bulk: see insertEvents).
     mark AS (
       INSERT INTO kpi_dirty_case (city_code, case_id, touched_at) SELECT $1, i.id, now() FROM ins i ORDER BY i.id
       ON CONFLICT (city_code, case_id) DO UPDATE SET touched_at = EXCLUDED.touched_at
     )
     SELECT id, source_dataset, external_id FROM ins`,
    params,
  );
  for (const r of ids) out.set(`${r.source_dataset}\u0000${r.external_id}`, Number(r.id));
  return out;
}

/** Updates records imported before; returns the ids of those that actually changed. */
async function updateCases(tx: Sql, cityCode: string, now: Date, rows: Array<Row & { id: number }>): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const params: unknown[] = [cityCode, now.toISOString(), pgArray(rows.map((x) => x.ord)), pgArray(rows.map((x) => x.id))];
  const { rows: changed } = await tx.query<{ id: number }>(
    `UPDATE case_file c SET state = t.state, channel = t.channel, category_code = t.category_code, response_level = t.response_level,
            description = t.description, attributes = t.attributes::jsonb, private = t.private, geom = ${GEOM()}, input_lng = t.lng, input_lat = t.lat,
            input_crs = CASE WHEN t.lng IS NULL THEN NULL ELSE 'wgs84' END, address = t.address, out_of_region = t.out_of_region,
            region_id = COALESCE(t.region_id, c.city_id), region_path = COALESCE(t.region_path, c.centre_path), district_id = t.district_id,
            street_id = t.street_id, community_id = t.community_id, grid_id = t.grid_id, deadline_mode = t.deadline_mode,
            reported_at = t.reported_at, accepted_at = t.reported_at, handled_at = t.handled_at, closed_at = t.closed_at,
            cancelled_at = t.cancelled_at, referred_at = t.referred_at, data_quality = ${DQ()}, version = c.version + 1, updated_at = $2::timestamptz
       FROM ${STAGE} t JOIN unnest($3::text::int[], $4::text::bigint[]) AS k(ord, id) ON k.ord = t.ord
      WHERE c.city_code = $1 AND c.id = k.id
        AND (c.state, c.channel, c.category_code, c.description, c.attributes, c.private, ST_X(c.geom), ST_Y(c.geom), c.address, c.out_of_region,
             c.region_id, c.reported_at, c.handled_at, c.closed_at, c.cancelled_at, c.referred_at, c.data_quality)
            IS DISTINCT FROM
            (t.state, t.channel, t.category_code, t.description, t.attributes::jsonb, t.private, t.lng, t.lat, t.address, t.out_of_region,
             COALESCE(t.region_id, c.city_id), t.reported_at, t.handled_at, t.closed_at, t.cancelled_at, t.referred_at, ${DQ()})
      RETURNING c.id`,
    params,
  );
  return new Set(changed.map((r) => Number(r.id)));
}

interface EventRow {
  caseId: number;
  at: Date;
  type: string;
  from: string | null;
  to: string;
  data: Record<string, unknown>;
  public: boolean;
  publicText: string;
}

function endEvent(caseId: number, x: Row, from: string): EventRow {
  return {
    caseId,
    at: x.endAt!,
    type: x.r.state,
    from,
    to: x.r.state,
    data: { imported: true, dataset: x.dataset, sourceStatus: x.r.sourceStatus || null, flags: x.r.flags, ...(x.r.endedAt ? {} : { endTimeUnknown: true }) },
    public: !x.category.private,
    publicText: END_TEXT[x.r.state]!,
  };
}

async function insertEvents(tx: Sql, cityCode: string, actor: Actor, requestId: string, events: EventRow[]): Promise<void> {
  if (events.length === 0) return;
  const who = actorLabel(actor);
  // The KPI mark (kpi_dirty_case) of every event's case, once per batch instead of once per event
  // from the row trigger (a PL/pgSQL call and an upsert per event: ≈ 45 µs each on PostgreSQL;
  // the caller has set gongzhi.kpi_bulk). The same rows, the same DO UPDATE that holds their lock
  // until commit (the fold's SKIP LOCKED relies on it); ids sorted so that two concurrent imports
  // lock in the same order.
  await tx.query(
    `INSERT INTO kpi_dirty_case (city_code, case_id, touched_at)
     SELECT $1, u.id, now() FROM (SELECT DISTINCT id FROM unnest($2::text::bigint[]) AS x(id)) u ORDER BY u.id
     ON CONFLICT (city_code, case_id) DO UPDATE SET touched_at = EXCLUDED.touched_at`,
    [cityCode, pgArray(events.map((e) => e.caseId))],
  );
  await insertEventRows(tx, cityCode, who, requestId, events);
}

async function insertEventRows(tx: Sql, cityCode: string, who: ReturnType<typeof actorLabel>, requestId: string, events: EventRow[]): Promise<void> {
  await tx.query(
    `INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_id, actor_name, data, public, public_text, request_id)
     SELECT $1, e.case_id, e.at, e.type, e.from_state, e.to_state, $2, $3, $4, e.data::jsonb, e.public, e.public_text, $5
       FROM unnest($6::text::bigint[], $7::text::timestamptz[], $8::text::text[], $9::text::text[], $10::text::text[], $11::text::text[], $12::text::boolean[], $13::text::text[])
            WITH ORDINALITY AS e(case_id, at, type, from_state, to_state, data, public, public_text, ord)
      ORDER BY e.ord`,
    [
      cityCode, who.type, who.id, who.name, requestId,
      pgArray(events.map((e) => e.caseId)), pgArray(events.map((e) => e.at.toISOString())), pgArray(events.map((e) => e.type)), pgArray(events.map((e) => e.from)),
      pgArray(events.map((e) => e.to)), pgArray(events.map((e) => JSON.stringify(e.data))), pgArray(events.map((e) => e.public)), pgArray(events.map((e) => e.publicText)),
    ],
  );
}

/**
 * What a bulk load sets aside on case_file and case_event while it runs (bulk-load.ts): the indexes
 * that cost the most per row (every one that is not a btree: the trigram GIN on the description,
 * the GiST on the point, the GINs on arrays) and the foreign keys of both tables (each checked row
 * by row by a trigger otherwise: about half of an event's cost), and the KPI trigger on case_event
 * is disabled (each batch writes the marks itself). Btree indexes stay: they are cheap to maintain
 * and, measured at 20,000 rows, rebuilding the 15 of them cost more than it saved (the rebuild
 * reads the whole table each time, not just the file); the unique ones also find the records
 * imported before and keep the keys unique.
 */
const BULK_TABLES = ['case_file', 'case_event'];
const BULK_ASIDE: AsideOptions = { indexes: 'costly', triggers: [{ table: 'case_event', name: 'case_event_kpi_dirty' }] };

async function setAsideForBulk(tx: Sql): Promise<SetAside> {
  const { rows: owners } = await tx.query<{ relname: string; owner: boolean }>(
    `SELECT c.relname, pg_has_role(c.relowner, 'USAGE') AS owner FROM pg_class c WHERE c.oid = ANY (ARRAY[${BULK_TABLES.map((t) => `'${t}'::regclass`).join(', ')}])`,
  );
  const notOwned = owners.filter((o) => !o.owner).map((o) => o.relname);
  if (notOwned.length > 0) {
    throw new AppError('import_invalid', `--bulk rebuilds the indexes of ${notOwned.join(', ')}, which only the role that owns them (the migrations' role) may do; import without --bulk.`, [
      { field: 'bulk', problem: 'not the owner of the case tables' },
    ]);
  }
  // Fail fast rather than queue behind a long reader (and make every later reader queue behind us).
  await tx.exec(`SET LOCAL lock_timeout = '10s'; LOCK TABLE ${BULK_TABLES.join(', ')} IN ACCESS EXCLUSIVE MODE; SET LOCAL lock_timeout TO DEFAULT`);
  return setAside(tx, BULK_TABLES, BULK_ASIDE);
}

async function restoreAfterBulk(tx: Sql, engine: Database['engine'], aside: SetAside): Promise<void> {
  // Index builds sort in maintenance_work_mem (default 64 MB): more memory, fewer passes. PGlite
  // runs in a WebAssembly heap of its own, so it keeps its default. Each statement gets the whole
  // statement timeout (GONGZHI_STATEMENT_TIMEOUT_MS, 30 s by default: raise it for a bulk load
  // into a table of millions of cases).
  if (engine === 'pg') await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`);
  await putBack(tx, aside);
}

export interface CaseImportOptions extends StoreOptions {
  /** Column mapping overrides (parseMappingSpec of `--map`). */
  mapping?: Partial<Record<MappableField, string | null>> | undefined;
  /** Zone of rows whose tz column is missing or empty. */
  defaultTimeZone?: string | undefined;
  batchSize?: number | undefined;
  onProgress?: ((rowsRead: number) => void) | undefined;
  /**
   * Bulk load (`--bulk`): the whole file in ONE transaction that holds case_file and case_event
   * exclusively, with their costliest indexes and their foreign keys set aside and rebuilt at the
   * end (setAsideForBulk). Faster for a large load, and all or nothing; but every reader and
   * writer of cases waits until it commits, and the rebuild costs time in proportion to the whole
   * table, not the file. For an initial load or a maintenance window, not a live city's day.
   */
  bulk?: boolean | undefined;
}

export interface CaseImportResult extends ImportReport {
  /** What the database received (inserted / updated / unchanged, located, per category). */
  stored: StoreStats & { cityCode: string };
  /** With `bulk`: what was set aside and rebuilt. */
  bulk?: { indexesRebuilt: number; foreignKeysRevalidated: number };
}

/**
 * Parse a historical CSV and store it, batch by batch (each batch its own transaction: a failure
 * keeps the batches before it, and importing again completes the rest without duplicates). With
 * `bulk`, one transaction for the whole file instead (see CaseImportOptions.bulk).
 */
export async function importCasesFromCsv(db: Database, ctx: Ctx, input: CsvInput, opts: CaseImportOptions = {}): Promise<CaseImportResult> {
  const store = await createHistoricalStore(db, ctx, opts);
  const parse = (insert: (b: HistoricalCase[], prepared?: unknown) => Promise<void>, prepare?: (b: HistoricalCase[]) => unknown) =>
    importHistoricalCsv(input, {
      mapping: opts.mapping ?? {},
      ...(opts.defaultTimeZone ? { defaultTimeZone: opts.defaultTimeZone } : {}),
      batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
      insert,
      ...(prepare ? { prepare } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  if (!opts.bulk) {
    const report = await parse((b) => store.insert(b));
    return { ...report, stored: { ...store.stats, cityCode: store.city.code } };
  }
  return db.tx(async (tx) => {
    const aside = await setAsideForBulk(tx);
    const writer = await store.bulkWriter(tx);
    const report = await parse(writer.write, writer.prepare);
    await restoreAfterBulk(tx, db.engine, aside);
    return { ...report, stored: { ...store.stats, cityCode: store.city.code }, bulk: { indexesRebuilt: aside.indexes, foreignKeysRevalidated: aside.foreignKeys } };
  });
}
