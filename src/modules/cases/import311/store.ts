/**
 * Where historical records land: batches of HistoricalCase written into case_file and its timeline
 * (case_event), one transaction per batch, with multi-row INSERT … SELECT FROM unnest(…) so that a
 * batch of a thousand records costs a handful of statements, not thousands.
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
import { AppError } from '../../../platform/errors.js';
import { recordAudit } from '../../audit/index.js';
import { getLocateIndex, getRegionByCode, type LocateResult } from '../../regions/index.js';
import { importHistoricalCsv, type CsvInput, type HistoricalCase, type ImportReport } from './import311.js';
import type { ImportedState, MappableField } from './mapping.js';
import { PUBLIC_ID_PREFIX } from '../cases.service.js';

export const DEFAULT_IMPORT_CATEGORY = 'import.other';

/** States in which an imported record has ended; each gets an event at its end time. */
const ENDED: ReadonlySet<string> = new Set(['closed', 'cancelled', 'referred']);

const END_TEXT: Record<string, string> = { closed: '已结案', cancelled: '已取消', referred: '已转出' };


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

/** YYYY-MM-DD of the instant in Asia/Shanghai (no DST: a fixed +8 h), as public ids use. */
const shanghaiDay = (d: Date): string => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

interface Row {
  r: HistoricalCase;
  dataset: string;
  category: CategoryInfo;
  loc: LocateResult | null;
  endAt: Date | null;
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

  return {
    city,
    stats,
    async insert(batch) {
      if (batch.length === 0) return;
      await db.tx(async (tx) => {
        const index = await getLocateIndex(db, tx);
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
          byKey.set(key, { r, dataset, category: categoryOf(r), loc, endAt });
        }
        const rows = [...byKey.values()];
        for (const x of rows) {
          if (x.r.lat === null || x.r.lon === null) stats.noLocation++;
          else if (x.loc) stats.located++;
          else stats.outOfRegion++;
          stats.categories[x.category.code] = (stats.categories[x.category.code] ?? 0) + 1;
        }

        const existing = await findExisting(tx, city.code, rows);
        const fresh = rows.filter((x) => !existing.has(`${x.dataset}\u0000${x.r.sourceId}`));
        const old = rows.filter((x) => existing.has(`${x.dataset}\u0000${x.r.sourceId}`));

        const publicIds = await reservePublicIds(tx, prefix, fresh.map((x) => x.r.reportedAt));
        const inserted = await insertCases(tx, city, ctx.now, fresh, publicIds);
        const changed = await updateCases(tx, city.code, ctx.now, old.map((x) => ({ ...x, id: existing.get(`${x.dataset}\u0000${x.r.sourceId}`)!.id })));

        // Timeline: new records get their whole (short) history; updated ones only an end that is new.
        const events: EventRow[] = [];
        for (const x of fresh) {
          const id = inserted.get(`${x.dataset}\u0000${x.r.sourceId}`);
          if (id === undefined) continue; // taken by a concurrent import meanwhile: the next run updates it
          events.push(reportedEvent(id, x));
          if (x.endAt) events.push(endEvent(id, x, openStateOf(x.r.state)));
        }
        for (const x of old) {
          const prev = existing.get(`${x.dataset}\u0000${x.r.sourceId}`)!;
          if (x.endAt && prev.state !== x.r.state && changed.has(prev.id)) events.push(endEvent(prev.id, x, prev.state));
        }
        await insertEvents(tx, city.code, ctx.actor, ctx.requestId, events);

        stats.inserted += inserted.size;
        stats.updated += changed.size;
        stats.unchanged += old.length - changed.size;
        stats.events += events.length;
        await recordAudit(
          { ...ctx, tx },
          {
            action: 'case.import',
            targetType: 'case_import',
            targetId: [...new Set(rows.map((x) => x.dataset))].join(',').slice(0, 200),
            regionId: city.id,
            after: { lines: [batch[0]!.line, batch[batch.length - 1]!.line], inserted: inserted.size, updated: changed.size, unchanged: old.length - changed.size, events: events.length },
          },
        );
      });
    },
  };
}

/** The state a record was in before it ended (a 311 record exists because it was taken in). */
const openStateOf = (s: ImportedState): string => (ENDED.has(s) ? 'accepted' : s);

async function findExisting(tx: Sql, cityCode: string, rows: Row[]): Promise<Map<string, { id: number; state: string }>> {
  const out = new Map<string, { id: number; state: string }>();
  if (rows.length === 0) return out;
  const { rows: found } = await tx.query<{ id: number; source_dataset: string; external_id: string; state: string }>(
    `SELECT c.id, c.source_dataset, c.external_id, c.state
       FROM case_file c JOIN unnest($2::text::text[], $3::text::text[]) AS k(ds, ext) ON c.source_dataset = k.ds AND c.external_id = k.ext
      WHERE c.city_code = $1
      FOR UPDATE OF c`,
    [cityCode, pgArray(rows.map((x) => x.dataset)), pgArray(rows.map((x) => x.r.sourceId))],
  );
  for (const f of found) out.set(`${f.source_dataset}\u0000${f.external_id}`, { id: Number(f.id), state: f.state });
  return out;
}

/** Public ids for new records: the (Asia/Shanghai) report day and a running number from the sequence intake uses. */
async function reservePublicIds(tx: Sql, prefix: string, reportedAt: Date[]): Promise<string[]> {
  if (reportedAt.length === 0) return [];
  const { rows } = await tx.query<{ n: number }>(`SELECT nextval('case_public_no_seq')::int8 AS n FROM generate_series(1, $1::int)`, [reportedAt.length]);
  return reportedAt.map((at, i) => `${prefix}-${shanghaiDay(at).replace(/-/g, '')}-${String(rows[i]!.n).padStart(6, '0')}`);
}

function caseColumns(x: Row) {
  const r = x.r;
  const chain = x.loc?.chain ?? [];
  const at = (level: string) => chain.find((l) => l.level === level)?.id ?? null;
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
  return {
    state: r.state as string,
    channel: r.channel,
    category: x.category.code,
    level: x.category.responseLevel,
    description,
    attributes: JSON.stringify(attributes),
    private: x.category.private,
    lng: r.lat !== null && r.lon !== null ? r.lon : null,
    lat: r.lat !== null && r.lon !== null ? r.lat : null,
    address: r.address,
    outOfRegion: x.loc === null,
    regionId: x.loc?.regionId ?? null,
    regionPath: x.loc?.path ?? null,
    district: at('district'),
    street: at('street'),
    community: at('community'),
    grid: at('grid'),
    deadlineMode: x.category.deadlineMode,
    reportedAt: r.reportedAt.toISOString(),
    handledAt: r.state === 'closed' ? iso(x.endAt) : null,
    closedAt: r.state === 'closed' ? iso(x.endAt) : null,
    cancelledAt: r.state === 'cancelled' ? iso(x.endAt) : null,
    referredAt: r.state === 'referred' ? iso(x.endAt) : null,
    dataQuality: r.flags.join(','),
  };
}

type Cols = ReturnType<typeof caseColumns>;
const col = <K extends keyof Cols>(cs: Cols[], k: K): string => pgArray(cs.map((c) => c[k]));

// The per-row input as a relation: one array per column, one element per record, $3…$26, then
// the caller's extra columns from $27 on.
const INPUT_COLS: Array<[string, string]> = [
  ['state', 'text'], ['channel', 'text'], ['category_code', 'text'], ['response_level', 'int'], ['description', 'text'], ['attributes', 'text'],
  ['private', 'boolean'], ['lng', 'float8'], ['lat', 'float8'], ['address', 'text'], ['out_of_region', 'boolean'], ['region_id', 'bigint'],
  ['region_path', 'text'], ['district_id', 'bigint'], ['street_id', 'bigint'], ['community_id', 'bigint'], ['grid_id', 'bigint'],
  ['deadline_mode', 'text'], ['reported_at', 'timestamptz'], ['handled_at', 'timestamptz'], ['closed_at', 'timestamptz'],
  ['cancelled_at', 'timestamptz'], ['referred_at', 'timestamptz'], ['data_quality', 'text'],
];

function input(extra: Array<[string, string]>): string {
  const cols = [...INPUT_COLS, ...extra];
  return `unnest(${cols.map(([, type], i) => `$${i + 3}::text::${type}[]`).join(', ')}) WITH ORDINALITY AS t(${cols.map(([name]) => name).join(', ')}, ord)`;
}

function inputParams(cs: Cols[]): unknown[] {
  return [
    col(cs, 'state'), col(cs, 'channel'), col(cs, 'category'), col(cs, 'level'), col(cs, 'description'), col(cs, 'attributes'), col(cs, 'private'),
    col(cs, 'lng'), col(cs, 'lat'), col(cs, 'address'), col(cs, 'outOfRegion'), col(cs, 'regionId'), col(cs, 'regionPath'), col(cs, 'district'),
    col(cs, 'street'), col(cs, 'community'), col(cs, 'grid'), col(cs, 'deadlineMode'), col(cs, 'reportedAt'), col(cs, 'handledAt'), col(cs, 'closedAt'),
    col(cs, 'cancelledAt'), col(cs, 'referredAt'), col(cs, 'dataQuality'),
  ];
}

/**
 * An array parameter as PostgreSQL's array literal ('{"a",NULL,"b"}'), cast in SQL with
 * `$n::text::T[]`. PGlite serialises JS arrays element by element (≈ 40 ms for 1,000 strings);
 * one text literal costs next to nothing on both engines.
 */
export function pgArray(values: readonly (string | number | boolean | null | undefined)[]): string {
  const parts = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'boolean') return v ? 't' : 'f';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`pgArray: ${v} is not a finite number`);
      return String(v);
    }
    return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

const GEOM = `CASE WHEN t.lng IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(t.lng, t.lat), 4326) END`;
const DQ = `COALESCE(string_to_array(NULLIF(t.data_quality, ''), ','), '{}')`;

/** Inserts new records; returns (dataset, source id) → case id. */
async function insertCases(tx: Sql, city: CityRef, now: Date, rows: Row[], publicIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (rows.length === 0) return out;
  const cs = rows.map(caseColumns);
  const params: unknown[] = [city.code, now.toISOString(), ...inputParams(cs), pgArray(publicIds), pgArray(rows.map((x) => x.dataset)), pgArray(rows.map((x) => x.r.sourceId)), city.id, city.path];
  const { rows: ids } = await tx.query<{ id: number; source_dataset: string; external_id: string }>(
    `INSERT INTO case_file (city_code, public_id, state, channel, category_code, response_level, description, attributes, private, geom,
       input_lng, input_lat, input_crs, address, out_of_region, region_id, region_path, city_id, district_id, street_id, community_id, grid_id,
       anonymous, centre_region_id, centre_path, deadline_mode, reported_at, accepted_at, handled_at, closed_at, cancelled_at, referred_at,
       source_dataset, external_id, data_quality, created_at, updated_at)
     SELECT $1, t.public_id, t.state, t.channel, t.category_code, t.response_level, t.description, t.attributes::jsonb, t.private, ${GEOM},
       t.lng, t.lat, CASE WHEN t.lng IS NULL THEN NULL ELSE 'wgs84' END, t.address, t.out_of_region,
       COALESCE(t.region_id, $30::bigint), COALESCE(t.region_path, $31::text), $30::bigint, t.district_id, t.street_id, t.community_id, t.grid_id,
       false, $30::bigint, $31::text, t.deadline_mode, t.reported_at, t.reported_at, t.handled_at, t.closed_at, t.cancelled_at, t.referred_at,
       t.dataset, t.external_id, ${DQ}, $2::timestamptz, $2::timestamptz
       FROM ${input([['public_id', 'text'], ['dataset', 'text'], ['external_id', 'text']])}
      ORDER BY t.ord
     ON CONFLICT (city_code, source_dataset, external_id) DO NOTHING
     RETURNING id, source_dataset, external_id`,
    params,
  );
  for (const r of ids) out.set(`${r.source_dataset}\u0000${r.external_id}`, Number(r.id));
  return out;
}

/** Updates records imported before; returns the ids of those that actually changed. */
async function updateCases(tx: Sql, cityCode: string, now: Date, rows: Array<Row & { id: number }>): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const cs = rows.map(caseColumns);
  const params: unknown[] = [cityCode, now.toISOString(), ...inputParams(cs), pgArray(rows.map((x) => x.id))];
  const { rows: changed } = await tx.query<{ id: number }>(
    `UPDATE case_file c SET state = t.state, channel = t.channel, category_code = t.category_code, response_level = t.response_level,
            description = t.description, attributes = t.attributes::jsonb, private = t.private, geom = ${GEOM}, input_lng = t.lng, input_lat = t.lat,
            input_crs = CASE WHEN t.lng IS NULL THEN NULL ELSE 'wgs84' END, address = t.address, out_of_region = t.out_of_region,
            region_id = COALESCE(t.region_id, c.city_id), region_path = COALESCE(t.region_path, c.centre_path), district_id = t.district_id,
            street_id = t.street_id, community_id = t.community_id, grid_id = t.grid_id, deadline_mode = t.deadline_mode,
            reported_at = t.reported_at, accepted_at = t.reported_at, handled_at = t.handled_at, closed_at = t.closed_at,
            cancelled_at = t.cancelled_at, referred_at = t.referred_at, data_quality = ${DQ}, version = c.version + 1, updated_at = $2::timestamptz
       FROM ${input([['id', 'bigint']])}
      WHERE c.city_code = $1 AND c.id = t.id
        AND (c.state, c.channel, c.category_code, c.description, c.attributes, c.private, ST_X(c.geom), ST_Y(c.geom), c.address, c.out_of_region,
             c.region_id, c.reported_at, c.handled_at, c.closed_at, c.cancelled_at, c.referred_at, c.data_quality)
            IS DISTINCT FROM
            (t.state, t.channel, t.category_code, t.description, t.attributes::jsonb, t.private, t.lng, t.lat, t.address, t.out_of_region,
             COALESCE(t.region_id, c.city_id), t.reported_at, t.handled_at, t.closed_at, t.cancelled_at, t.referred_at, ${DQ})
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

function reportedEvent(caseId: number, x: Row): EventRow {
  return {
    caseId,
    at: x.r.reportedAt,
    type: 'reported',
    from: null,
    to: openStateOf(x.r.state),
    data: { channel: x.r.channel, imported: true, dataset: x.dataset, sourceId: x.r.sourceId, outOfRegion: x.loc === null, categoryCode: x.category.code },
    public: !x.category.private,
    publicText: '已上报',
  };
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

export interface CaseImportOptions extends StoreOptions {
  /** Column mapping overrides (parseMappingSpec of `--map`). */
  mapping?: Partial<Record<MappableField, string | null>> | undefined;
  /** Zone of rows whose tz column is missing or empty. */
  defaultTimeZone?: string | undefined;
  batchSize?: number | undefined;
  onProgress?: ((rowsRead: number) => void) | undefined;
}

export interface CaseImportResult extends ImportReport {
  /** What the database received (inserted / updated / unchanged, located, per category). */
  stored: StoreStats & { cityCode: string };
}

/**
 * Parse a historical CSV and store it, batch by batch (each batch its own transaction: a failure
 * keeps the batches before it, and importing again completes the rest without duplicates).
 */
export async function importCasesFromCsv(db: Database, ctx: Ctx, input: CsvInput, opts: CaseImportOptions = {}): Promise<CaseImportResult> {
  const store = await createHistoricalStore(db, ctx, opts);
  const report = await importHistoricalCsv(input, {
    mapping: opts.mapping ?? {},
    ...(opts.defaultTimeZone ? { defaultTimeZone: opts.defaultTimeZone } : {}),
    batchSize: opts.batchSize ?? 1000,
    insert: (b) => store.insert(b),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { ...report, stored: { ...store.stats, cityCode: store.city.code } };
}
