/**
 * The offline geocoder and the gazetteer import. Region names are matched in memory: the name
 * index is rebuilt only when the locate index is (the same region revision), so geocoding costs no
 * database round trip for region names; gazetteer entries are looked up with one indexed query.
 */
import { parse } from 'csv-parse/sync';
import type { Actor } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import { isCrs, toWgs84, type Crs } from './crs.js';
import { MAX_QUERY_CHARS, NameIndex, candidateSubstrings, matchAddress, normalizeAddress, type GeocodeResult, type NameUnit } from './gazetteer.js';
import { gazetteerPolicy } from './gazetteer.policy.js';
import * as repo from './gazetteer.repository.js';
import { getLocateIndex } from './locate.js';
import type { LocateIndex } from './locate-index.js';
import { findCurrentByCode } from './regions.repository.js';

// Keyed by the locate index object: a new one is built exactly when regions changed, so the
// revision check (at most once a second) is shared with locating.
const nameIndexes = new WeakMap<LocateIndex, Promise<NameIndex>>();

/** The region-name index for a database (`via`: the open transaction, when inside one). */
export async function getNameIndex(db: Database, via: Sql = db): Promise<NameIndex> {
  const li = await getLocateIndex(db, via);
  let p = nameIndexes.get(li);
  if (!p) {
    p = repo.loadNameUnits(via).then((units: NameUnit[]) => new NameIndex(units));
    nameIndexes.set(li, p);
    p.catch(() => nameIndexes.delete(li));
  }
  return p;
}

// Inside a transaction with no Database at hand (intake called by Open311 or an import): one name
// index per transaction, so a bulk import in one transaction loads the names once.
const txIndexes = new WeakMap<Sql, Promise<NameIndex>>();

const isDatabase = (x: Database | Sql): x is Database => typeof (x as Database).tx === 'function' && 'engine' in x;

function indexFor(db: Database | Sql, via?: Sql): Promise<NameIndex> {
  if (isDatabase(db)) return getNameIndex(db, via ?? db);
  let p = txIndexes.get(db);
  if (!p) {
    p = repo.loadNameUnits(db).then((units) => new NameIndex(units));
    txIndexes.set(db, p);
  }
  return p;
}

export interface GeocodeOptions {
  /** Only this city (12-digit code) and what lies in it. */
  cityCode?: string | undefined;
  /** Run queries in this transaction (PGlite is one connection). */
  via?: Sql | undefined;
}

export type { GeocodeResult };

/**
 * Geocode an address offline: the deepest region it names (with a confidence), a gazetteer point
 * when exactly one entry fits, or `ambiguous` with the candidates — never a guess.
 */
export async function geocodeAddress(db: Database | Sql, address: string, o: GeocodeOptions = {}): Promise<GeocodeResult> {
  const via = o.via ?? db;
  const index = await indexFor(db, o.via);
  let within: string | undefined;
  let cityId: number | null = null;
  if (o.cityCode) {
    const city = cityUnits(index).find((u) => u.code === o.cityCode);
    if (!city) throw invalid('cityCode', `no city ${o.cityCode}`);
    within = city.path;
    cityId = city.id;
  }
  const normalized = normalizeAddress(address).slice(0, MAX_QUERY_CHARS);
  const hits = normalized.length >= 2 ? await repo.entriesByNames(via, candidateSubstrings(normalized), cityId) : [];
  return matchAddress(address, normalized, index, hits, within);
}

const cityUnits = (index: NameIndex): NameUnit[] => index.roots();

export interface GeocodeSuggestion {
  type: 'region' | 'road' | 'poi' | 'address';
  name: string;
  regionId: number;
  regionCode: string | null;
  chainNames: string[];
  point: { lng: number; lat: number } | null;
}

/** Names that contain what was typed (for the UI's autocomplete), regions first. */
export async function suggestNames(db: Database, q: string, o: GeocodeOptions & { limit?: number } = {}): Promise<GeocodeSuggestion[]> {
  const index = await getNameIndex(db, o.via ?? db);
  const text = normalizeAddress(q).slice(0, 50);
  if (text.length < 2) return [];
  const limit = o.limit ?? 10;
  let within: string | undefined;
  let cityId: number | null = null;
  if (o.cityCode) {
    const city = cityUnits(index).find((u) => u.code === o.cityCode);
    if (!city) throw invalid('cityCode', `no city ${o.cityCode}`);
    within = city.path;
    cityId = city.id;
  }
  const regions = index.suggest(text, limit, within).map((u) => ({
    type: 'region' as const,
    name: u.name,
    regionId: u.id,
    regionCode: u.code,
    chainNames: index.chain(u.id).map((x) => x.name).reverse(),
    point: null,
  }));
  const entries = (await repo.suggestEntries(o.via ?? db, text, cityId, limit)).map((e) => ({
    type: e.kind,
    name: e.name,
    regionId: e.regionId,
    regionCode: index.unit(e.regionId)?.code ?? null,
    chainNames: index.chain(e.regionId).map((x) => x.name).reverse(),
    point: { lng: e.lng, lat: e.lat },
  }));
  return [...regions, ...entries].slice(0, limit);
}

// ---------------------------------------------------------------------------------------------
// import

export interface GazetteerRowProblem {
  row: number;
  field: string;
  problem: string;
}

export interface GazetteerImportSummary {
  rows: number;
  created: number;
  updated: number;
  dryRun: boolean;
}

const KINDS = ['road', 'poi', 'address'] as const;
export const GAZETTEER_MAX_ROWS = 200_000;
const MAX_ROW_ERRORS = 100;

/**
 * Import a CSV of named places: `name,kind,lng,lat,crs[,aliases]` (a header row is optional;
 * aliases separated by `|`). Every row is checked first — its point must lie in a region the
 * actor administers (and inside `regionCode` when given); any bad row → 400 listing the rows,
 * nothing written. A row with the same normalised name, kind and region as an existing entry
 * replaces it, so re-importing a file is harmless.
 */
export async function importGazetteer(
  db: Database,
  ctx: Ctx,
  csv: string | Buffer,
  o: { regionCode?: string | undefined; dryRun?: boolean | undefined; source?: string | undefined } = {},
): Promise<GazetteerImportSummary> {
  gazetteerPolicy.importAny(ctx.actor);
  let scopePath: string | null = null;
  if (o.regionCode) {
    const r = await findCurrentByCode(db, o.regionCode);
    if (!r || !gazetteerPolicy.canImportAt(ctx.actor, r.path)) throw new AppError('region_not_found', `No region has the code ${o.regionCode}.`);
    scopePath = r.path;
  }
  let records: string[][];
  try {
    records = parse(typeof csv === 'string' ? csv : csv.toString('utf8'), { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new AppError('import_invalid', `file: not a readable CSV (${(e as Error).message})`, [{ row: 0, field: 'file', problem: (e as Error).message }]);
  }
  const first = records[0];
  const header = first !== undefined && first[0]?.toLowerCase() === 'name' && first[1]?.toLowerCase() === 'kind';
  const firstLine = header ? 2 : 1;
  const data = header ? records.slice(1) : records;
  if (data.length === 0) throw new AppError('import_invalid', 'file: has no rows (name,kind,lng,lat,crs[,aliases])', [{ row: 0, field: 'file', problem: 'has no rows' }]);
  if (data.length > GAZETTEER_MAX_ROWS) throw new AppError('import_invalid', `file: more than ${GAZETTEER_MAX_ROWS} rows; split it`, [{ row: 0, field: 'file', problem: 'too many rows' }]);

  const index = await getLocateIndex(db);
  const problems: GazetteerRowProblem[] = [];
  const entries: repo.NewEntry[] = [];
  const seen = new Map<string, number>();
  data.forEach((cells, i) => {
    const row = firstLine + i;
    const bad = (field: string, problem: string) => problems.push({ row, field, problem });
    const [name = '', kind = '', lngRaw = '', latRaw = '', crsRaw = '', aliasRaw = ''] = cells;
    if (cells.length < 4 || cells.length > 6) return bad('row', `has ${cells.length} columns; expected name,kind,lng,lat,crs[,aliases]`);
    const nameNorm = normalizeAddress(name);
    if (name.length > 200) return bad('name', 'is longer than 200 characters');
    if (nameNorm.length < 2) return bad('name', 'needs at least two characters besides spaces and punctuation');
    if (!(KINDS as readonly string[]).includes(kind)) return bad('kind', 'must be road, poi or address');
    const num = (raw: string, field: string, lim: number): number | null => {
      const n = /^[-+]?(\d+\.?\d*|\.\d+)$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n) || n < -lim || n > lim) {
        bad(field, `must be a number between -${lim} and ${lim}`);
        return null;
      }
      return n;
    };
    const lng = num(lngRaw, 'lng', 180);
    const lat = num(latRaw, 'lat', 90);
    if (lng === null || lat === null) return;
    const crs = (crsRaw === '' ? 'wgs84' : crsRaw.toLowerCase()) as Crs;
    if (!isCrs(crs)) return bad('crs', 'must be wgs84, cgcs2000, gcj02 or bd09');
    const aliases = aliasRaw === '' ? [] : aliasRaw.split('|').map((a) => a.trim()).filter((a) => a !== '');
    if (aliases.some((a) => normalizeAddress(a).length < 2 || a.length > 200)) return bad('aliases', 'each alias needs 2–200 characters (separate aliases with |)');
    const [x, y] = toWgs84(lng, lat, crs);
    const hit = index.locate(x, y);
    if (!hit) return bad('lng', 'the point lies outside every region');
    if (scopePath && !hit.path.startsWith(scopePath)) return bad('lng', `the point lies outside ${o.regionCode}`);
    if (!gazetteerPolicy.canImportAt(ctx.actor, hit.path)) return bad('lng', 'the point lies outside the regions you administer');
    const city = hit.chain[hit.chain.length - 1]!;
    const key = `${nameNorm}\u0000${kind}\u0000${hit.regionId}`;
    const dup = seen.get(key);
    if (dup !== undefined) return bad('name', `same name, kind and region as row ${dup}; give one of them a distinguishing name`);
    seen.set(key, row);
    entries.push({
      name: name.normalize('NFKC').trim(),
      kind: kind as repo.NewEntry['kind'],
      regionId: hit.regionId,
      cityId: city.id,
      lng: x,
      lat: y,
      aliases,
      names: [...new Set([nameNorm, ...aliases.map(normalizeAddress)])],
      nameNorm,
    });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_ROW_ERRORS);
    const p0 = shown[0]!;
    throw new AppError('import_invalid', `row ${p0.row}, ${p0.field}: ${p0.problem}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}; nothing was imported`, shown);
  }
  if (o.dryRun) return { rows: entries.length, created: 0, updated: 0, dryRun: true };
  return inTx(db, ctx, async (c) => {
    const r = await repo.upsertEntries(c.tx, entries, c.now);
    await recordAudit(c, {
      action: 'regions.gazetteer_import',
      targetType: 'gazetteer',
      targetId: null,
      regionId: null,
      after: { rows: entries.length, created: r.created, updated: r.updated, source: o.source ?? null, regionCode: o.regionCode ?? null },
    });
    return { rows: entries.length, ...r, dryRun: false };
  });
}

/** For callers outside HTTP (CLI, tests): the actor must be allowed to geocode. */
export function assertMayGeocode(a: Actor): void {
  gazetteerPolicy.geocode(a);
}
