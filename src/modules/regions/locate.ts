/**
 * The locate index per database, kept in step with the region table through region_revision.
 * Locating must not cost a database round trip, so the counter is read at most once per
 * REVISION_CHECK_MS: changes made in this process (imports, seeds) refresh the index at once
 * (refreshLocateIndex after commit); changes committed by another node are seen within that
 * interval. A test that writes regions with plain SQL calls refreshLocateIndex itself.
 */
import type { Database, Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { isCrs, toWgs84, type Crs } from './crs.js';
import { LocateIndex, type LocateResult } from './locate-index.js';
import { loadIndexUnits, revision } from './regions.repository.js';

interface State {
  rev: number;
  index: LocateIndex;
  checkedAt: number;
}

const REVISION_CHECK_MS = 1000;

const states = new WeakMap<Database, State>();
const building = new WeakMap<Database, Promise<State>>();

async function build(db: Database): Promise<State> {
  // Read the counter first: a change committed while loading makes the next lookup rebuild again.
  const rev = await revision(db);
  const index = new LocateIndex(await loadIndexUnits(db));
  const s = { rev, index, checkedAt: Date.now() };
  const cur = states.get(db);
  if (!cur || cur.rev <= rev) states.set(db, s);
  return s;
}

/**
 * The current index for a database, rebuilt if regions changed. `via` runs the queries (pass the
 * open transaction when called inside one: PGlite is one connection and would otherwise wait).
 */
export async function getLocateIndex(db: Database, via: Sql = db): Promise<LocateIndex> {
  const s = states.get(db);
  if (s && Date.now() - s.checkedAt < REVISION_CHECK_MS) return s.index;
  const rev = await revision(via);
  if (s && s.rev === rev) {
    s.checkedAt = Date.now();
    return s.index;
  }
  // Inside a transaction that changed regions (or before a commit this copy has not seen): an
  // index of what this transaction sees, never cached — the transaction may still roll back.
  if (via !== db) return new LocateIndex(await loadIndexUnits(via));
  let p = building.get(db);
  if (!p) {
    p = build(db).finally(() => building.delete(db));
    building.set(db, p);
  }
  return (await p).index;
}

/**
 * Regions changed (a command committed): the next lookup re-reads the revision and rebuilds.
 * Every command that writes regions calls this after its commit, so this process never serves a
 * stale chain; other nodes catch up within REVISION_CHECK_MS.
 */
export function invalidateLocateIndex(db: Database): void {
  const s = states.get(db);
  if (s) s.checkedAt = 0;
}

/** Build (or rebuild) the index now: at server start and after an import commits. */
export async function refreshLocateIndex(db: Database): Promise<LocateIndex> {
  return (await build(db)).index;
}

/** Validate a point as given by a caller (400 naming the field), convert it to WGS-84. */
export function checkPoint(lng: unknown, lat: unknown, crs: unknown = 'wgs84'): [number, number] {
  const num = (v: unknown, field: string, lim: number): number => {
    if (v === undefined || v === null || v === '') throw invalid(field, 'is required');
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw invalid(field, 'must be a number');
    if (n < -lim || n > lim) throw invalid(field, `must be between -${lim} and ${lim}`);
    return n;
  };
  const x = num(lng, 'lng', 180);
  const y = num(lat, 'lat', 90);
  const c = crs ?? 'wgs84';
  if (typeof c !== 'string' || !isCrs(c)) throw invalid('crs', 'must be one of wgs84, cgcs2000, gcj02, bd09');
  return toWgs84(x, y, c);
}

/**
 * The deepest current unit whose boundary covers the point, with its chain up to the root
 * (deepest first), or null. lng/lat in `crs` (default WGS-84). The answer objects are shared and
 * frozen: do not mutate them.
 */
export async function locatePoint(db: Database, lng: number, lat: number, crs: Crs = 'wgs84', via?: Sql): Promise<LocateResult | null> {
  const [x, y] = checkPoint(lng, lat, crs);
  const index = await getLocateIndex(db, via ?? db);
  return index.locate(x, y);
}
