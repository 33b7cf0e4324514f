/**
 * The offline geocoder's core, free of I/O: Chinese address normalisation and the matcher that
 * turns an address into the deepest region it names (and a gazetteer point when one matches).
 *
 * Matching is exact on substrings of the normalised address, never fuzzy: a city's intranet has
 * no internet geocoder, and a wrong guess sends a case to the wrong street. Rules:
 * - the longest name wins where names overlap ("福海路" over the community short name "福海");
 * - a name shared by several units (two 福海社区 in two streets) is resolved by the higher levels
 *   named in the same address; where they do not decide, the answer is `ambiguous` with the
 *   candidates, and the region is only what all candidates share;
 * - a gazetteer point is used only when exactly one entry fits the regions the address names.
 */
import type { Level } from './codes.js';
import type { RegionRow } from './regions.repository.js';

/** A region as the name index needs it: its identity and place in the tree, no geometry. */
export type NameUnit = Pick<RegionRow, 'id' | 'code' | 'name' | 'level' | 'parentId' | 'path' | 'depth'>;

export interface GazetteerHit {
  id: number;
  name: string;
  kind: 'road' | 'poi' | 'address';
  regionId: number;
  regionPath: string;
  lng: number;
  lat: number;
  /** Normalised name and aliases. */
  names: string[];
}

export interface GeocodeRegion {
  id: number;
  code: string;
  name: string;
  level: Level;
  path: string;
}

export interface GeocodeMatch {
  text: string;
  start: number;
  end: number;
  /** A region level, or the gazetteer kind. */
  kind: Level | GazetteerHit['kind'];
  /** The region matched by a short form ("五华" for 五华区). */
  short: boolean;
}

export interface GeocodeResult {
  query: string;
  normalized: string;
  status: 'matched' | 'ambiguous' | 'none';
  /** The deepest region the address certainly names (null: none). */
  region: GeocodeRegion | null;
  /** Its chain, the region first, up to the city. */
  chain: GeocodeRegion[];
  /** WGS-84, when exactly one gazetteer entry fits. */
  point: { lng: number; lat: number } | null;
  /** 0–1: how sure the answer is (see confidenceOf). */
  confidence: number;
  source: 'gazetteer' | 'region' | null;
  gazetteerEntryId: number | null;
  matches: GeocodeMatch[];
  /** When ambiguous: the regions (or gazetteer entries' regions) the address could mean. */
  candidates: Array<GeocodeRegion & { chainNames: string[]; entryId?: number }>;
}

// ---------------------------------------------------------------------------------------------
// normalisation

const TRAILING = /(附近|旁边|旁|周边|周围|一带|对面|门口|处)$/u;

/**
 * NFKC (full-width digits, letters and spaces become ASCII), no whitespace or punctuation,
 * lower-case Latin, trailing 号/附近/旁… removed. The same function normalises gazetteer names on
 * import, so both sides compare equal.
 */
export function normalizeAddress(s: string): string {
  let t = s.normalize('NFKC').toLowerCase();
  t = t.replace(/[\s\p{P}\p{S}]+/gu, '');
  for (let i = 0; i < 4; i++) {
    const before = t;
    t = t.replace(TRAILING, '');
    // "123号" → "123"; a lone trailing 号 after a number or a name ("5栋2单元号") too.
    if (t.length > 1) t = t.replace(/号$/u, '');
    if (t === before) break;
  }
  return t;
}

/** Suffixes people drop when they name a unit ("五华" for 五华区, "华山" for 华山街道). Longest first. */
const LEVEL_SUFFIXES = ['街道办事处', '社区居委会', '村民委员会', '居民委员会', '街道办', '办事处', '居委会', '村委会', '街道', '社区', '网格', '市', '区', '县', '镇', '乡', '村'];

export function shortForm(normName: string): string | null {
  for (const suf of LEVEL_SUFFIXES) {
    if (normName.endsWith(suf) && normName.length - suf.length >= 2) return normName.slice(0, -suf.length);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// the region-name index

const LEVEL_CONFIDENCE: Record<Level, number> = { city: 0.3, district: 0.5, street: 0.65, community: 0.8, grid: 0.85, microgrid: 0.85 };
const KIND_CONFIDENCE: Record<GazetteerHit['kind'], number> = { address: 0.95, poi: 0.9, road: 0.7 };
const KIND_RANK: Record<GazetteerHit['kind'], number> = { address: 3, poi: 2, road: 1 };
/** Names longer than this are never looked up (an address substring of 40 characters is not a name). */
export const MAX_NAME_CHARS = 40;
/** Longer input is cut: nobody's address is 200 characters of names. */
export const MAX_QUERY_CHARS = 200;

export class NameIndex {
  private readonly units: NameUnit[];
  private readonly byId = new Map<number, NameUnit>();
  private readonly full = new Map<string, NameUnit[]>();
  private readonly short = new Map<string, NameUnit[]>();
  private readonly maxLen: number;

  constructor(units: NameUnit[]) {
    this.units = units;
    let maxLen = 0;
    const add = (m: Map<string, NameUnit[]>, k: string, u: NameUnit) => {
      const l = m.get(k);
      if (l) l.push(u);
      else m.set(k, [u]);
      if (k.length > maxLen) maxLen = k.length;
    };
    for (const u of units) {
      this.byId.set(u.id, u);
      const n = normalizeAddress(u.name);
      if (n.length < 2) continue;
      add(this.full, n, u);
      const s = shortForm(n);
      if (s) add(this.short, s, u);
    }
    this.maxLen = Math.min(maxLen, MAX_NAME_CHARS);
  }

  get size(): number {
    return this.units.length;
  }

  /** The cities (roots). */
  roots(): NameUnit[] {
    return this.units.filter((u) => u.parentId === null || !this.byId.has(u.parentId));
  }

  unit(id: number): NameUnit | undefined {
    return this.byId.get(id);
  }

  /** The unit and its ancestors, the unit first. */
  chain(id: number): NameUnit[] {
    const out: NameUnit[] = [];
    const seen = new Set<number>();
    for (let u = this.byId.get(id); u && !seen.has(u.id); u = u.parentId === null ? undefined : this.byId.get(u.parentId)) {
      seen.add(u.id);
      out.push(u);
    }
    return out;
  }

  /** Every region name (full or short) occurring in the normalised text, restricted to a subtree. */
  regionSpans(text: string, within?: string): Array<{ start: number; end: number; text: string; units: NameUnit[]; short: boolean }> {
    const out: Array<{ start: number; end: number; text: string; units: NameUnit[]; short: boolean }> = [];
    for (let i = 0; i < text.length; i++) {
      for (let len = Math.min(this.maxLen, text.length - i); len >= 2; len--) {
        const sub = text.slice(i, i + len);
        for (const [m, short] of [[this.full, false], [this.short, true]] as const) {
          const us = m.get(sub)?.filter((u) => !within || u.path.startsWith(within));
          if (us && us.length > 0) out.push({ start: i, end: i + len, text: sub, units: us, short });
        }
      }
    }
    return out;
  }

  /** Names containing the text (for suggestions), shortest first. */
  suggest(text: string, limit: number, within?: string): NameUnit[] {
    if (text.length < 1) return [];
    const hits: NameUnit[] = [];
    for (const [name, us] of this.full) {
      if (!name.includes(text)) continue;
      for (const u of us) if (!within || u.path.startsWith(within)) hits.push(u);
    }
    return hits.sort((a, b) => a.name.length - b.name.length || a.depth - b.depth || a.id - b.id).slice(0, limit);
  }
}

/** Every substring that could be a gazetteer name: what the database is asked for. */
export function candidateSubstrings(text: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    for (let len = 2; len <= Math.min(MAX_NAME_CHARS, text.length - i); len++) out.add(text.slice(i, i + len));
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// matching

interface Span {
  start: number;
  end: number;
  text: string;
  units: NameUnit[];
  short: boolean;
  entries: GazetteerHit[];
}

const onChain = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
const region = (u: NameUnit): GeocodeRegion => ({ id: u.id, code: u.code, name: u.name, level: u.level, path: u.path });

/** Drops spans strictly inside a longer one: "福海" inside "福海路", "西山" inside "西山区". */
function maximal(spans: Span[]): Span[] {
  return spans.filter((a) => !spans.some((b) => b !== a && b.end - b.start > a.end - a.start && b.start <= a.start && a.end <= b.end));
}

const DIGIT = /[0-9]/;
/** "滇池路123" must not match inside "滇池路1234": a name that ends (or starts) with a digit ends at a number's end. */
function digitBoundary(text: string, start: number, end: number): boolean {
  if (DIGIT.test(text[end - 1] ?? '') && DIGIT.test(text[end] ?? '')) return false;
  if (DIGIT.test(text[start] ?? '') && DIGIT.test(text[start - 1] ?? '')) return false;
  return true;
}

/** Words that make two road names a crossing rather than two candidates. */
const CROSSING = /与|和|交叉|交汇|路口|十字/u;

/** The deepest path shared by every path (a path prefix on whole segments), or null. */
function commonPath(paths: string[]): string | null {
  if (paths.length === 0) return null;
  const segs = paths.map((p) => p.split('/').filter(Boolean));
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const s = segs[0]![i];
    if (s === undefined || segs.some((x) => x[i] !== s)) break;
    out.push(s);
  }
  return out.length === 0 ? null : `/${out.join('/')}/`;
}

/**
 * Geocode a normalised address against region names and the gazetteer entries that occur in it.
 * `hits` are the gazetteer entries whose names are substrings of `normalized` (from the database).
 */
export function matchAddress(query: string, normalized: string, index: NameIndex, hits: GazetteerHit[], within?: string): GeocodeResult {
  const none: GeocodeResult = { query, normalized, status: 'none', region: null, chain: [], point: null, confidence: 0, source: null, gazetteerEntryId: null, matches: [], candidates: [] };
  if (normalized.length < 2) return none;

  // All spans, region and gazetteer alike, merged by position so overlaps compare across kinds.
  const byPos = new Map<string, Span>();
  const spanAt = (start: number, end: number, text: string): Span => {
    const k = `${start}:${end}`;
    let s = byPos.get(k);
    if (!s) byPos.set(k, (s = { start, end, text, units: [], short: false, entries: [] }));
    return s;
  };
  for (const r of index.regionSpans(normalized, within)) {
    if (!digitBoundary(normalized, r.start, r.end)) continue;
    const s = spanAt(r.start, r.end, r.text);
    // A full name beats a short form of another unit spelled the same.
    if (s.units.length === 0 || (s.short && !r.short)) {
      s.units = r.units;
      s.short = r.short;
    }
  }
  for (const h of hits) {
    if (within && !h.regionPath.startsWith(within)) continue;
    for (const n of new Set(h.names)) {
      if (n.length < 2) continue;
      for (let at = normalized.indexOf(n); at >= 0; at = normalized.indexOf(n, at + 1)) {
        if (!digitBoundary(normalized, at, at + n.length)) continue;
        const s = spanAt(at, at + n.length, n);
        if (!s.entries.some((e) => e.id === h.id)) s.entries.push(h);
      }
    }
  }
  const spans = maximal([...byPos.values()]).sort((a, b) => a.start - b.start || b.end - a.end);
  if (spans.length === 0) return none;
  const matches: GeocodeMatch[] = spans.map((s) => ({
    text: s.text,
    start: s.start,
    end: s.end,
    kind: s.entries.length > 0 ? [...s.entries].sort((a, b) => KIND_RANK[b.kind] - KIND_RANK[a.kind])[0]!.kind : s.units[0]!.level,
    short: s.entries.length === 0 && s.short,
  }));

  // Region evidence: every candidate unit scores the spans it explains (its own and its
  // ancestors' names); full names weigh more than short forms.
  const regionSpans = spans.filter((s) => s.units.length > 0 && s.entries.length === 0);
  const weight = (s: Span) => (s.short ? 3 : 5);
  const explains = (path: string, s: Span) => s.units.some((u) => path.startsWith(u.path));
  const scoreOf = (path: string) => regionSpans.reduce((n, s) => n + (explains(path, s) ? weight(s) : 0), 0);

  let best: NameUnit[] = [];
  let bestScore = 0;
  for (const s of regionSpans) {
    for (const u of s.units) {
      const sc = scoreOf(u.path);
      if (sc > bestScore || (sc === bestScore && best.length > 0 && u.depth > best[0]!.depth)) {
        best = [u];
        bestScore = sc;
      } else if (sc === bestScore && best.length > 0 && u.depth === best[0]!.depth && !best.some((b) => b.id === u.id)) {
        best.push(u);
      }
    }
  }
  // An ancestor tied with its own descendant is not a rival: keep the deepest of each chain.
  best = best.filter((u) => !best.some((v) => v !== u && v.path.startsWith(u.path) && v.path !== u.path));
  // Only full names contradict: a short form ("滇池路" of 滇池路社区) inside a road name is noise.
  const regionConflict = best.length > 0 && regionSpans.some((s) => !s.short && !best.some((u) => explains(u.path, s) || s.units.some((x) => x.path.startsWith(u.path))));

  // Gazetteer evidence: the most specific span (longest, then address > poi > road); its entries
  // must fit the regions named, and exactly one must remain.
  const gazSpans = spans.filter((s) => s.entries.length > 0).sort((a, b) => b.end - b.start - (a.end - a.start) || KIND_RANK[b.entries[0]!.kind] - KIND_RANK[a.entries[0]!.kind] || a.start - b.start);
  const distinctRoads = new Set(gazSpans.filter((s) => s.entries.every((e) => e.kind === 'road')).map((s) => s.text));

  const build = (u: NameUnit | null, status: GeocodeResult['status'], conf: number, extra: Partial<GeocodeResult> = {}): GeocodeResult => {
    const chain = u ? index.chain(u.id).map(region) : [];
    return { ...none, status, region: u ? region(u) : null, chain, confidence: Math.round(conf * 100) / 100, matches, source: u ? 'region' : null, ...extra };
  };
  const byPath = (p: string | null) => (p ? index.chain(Number(p.split('/').filter(Boolean).pop())).at(0) ?? null : null);
  const candidatesOf = (us: NameUnit[]) => us.map((u) => ({ ...region(u), chainNames: index.chain(u.id).map((x) => x.name).reverse() }));

  if (gazSpans.length > 0) {
    const top = gazSpans[0]!;
    let entries = top.entries;
    if (best.length > 0) {
      const fits = entries.filter((e) => best.some((u) => onChain(e.regionPath, u.path)));
      // Names in the address that no entry fits: the entry is another place of the same name.
      if (fits.length > 0 || best.length === 1) entries = fits;
    }
    const top2 = gazSpans.find((s) => s !== top && s.entries.every((e) => e.kind === 'road'));
    const intersection = top.entries.every((e) => e.kind === 'road') && top2 !== undefined && distinctRoads.size >= 2 && CROSSING.test(normalized);
    if (entries.length === 1 && !intersection) {
      const e = entries[0]!;
      const eu = index.unit(e.regionId);
      // The deeper of what the point says and what the names say (they are on one chain here).
      let u = eu ?? null;
      if (best.length === 1 && (!u || (best[0]!.path.startsWith(u.path) && best[0]!.depth > u.depth))) u = best[0]!;
      let conf = KIND_CONFIDENCE[e.kind];
      if (regionConflict) conf *= 0.7;
      return build(u, 'matched', conf, { point: { lng: e.lng, lat: e.lat }, source: 'gazetteer', gazetteerEntryId: e.id });
    }
    if (entries.length > 1 || intersection) {
      // Several places of this name (or two roads crossing): the region they share, no point.
      const all = intersection ? [...entries, ...top2!.entries] : entries;
      const paths = all.map((e) => index.unit(e.regionId)?.path).filter((p): p is string => !!p);
      let shared = byPath(commonPath(paths));
      if (best.length === 1 && (!shared || best[0]!.path.startsWith(shared.path))) shared = best[0]!;
      if (intersection) {
        // A crossing is a place, not an ambiguity: the region both roads share.
        return build(shared, shared ? 'matched' : 'none', shared ? LEVEL_CONFIDENCE[shared.level] : 0, { source: shared ? 'gazetteer' : null });
      }
      const cands = all
        .map((e) => index.unit(e.regionId))
        .filter((x): x is NameUnit => !!x)
        .map((x, i) => ({ ...candidatesOf([x])[0]!, entryId: all[i]!.id }));
      return build(shared, 'ambiguous', shared ? LEVEL_CONFIDENCE[shared.level] * 0.8 : 0, { candidates: cands });
    }
    // No entry fits the regions named: fall through to the region names alone.
  }

  if (best.length === 0) return none;
  if (best.length === 1) {
    const u = best[0]!;
    const ownSpan = regionSpans.find((s) => s.units.some((x) => x.id === u.id));
    let conf = LEVEL_CONFIDENCE[u.level];
    // A short form alone stays below GEOCODE_ROUTING_CONFIDENCE (0.6): it never routes a case.
    if (ownSpan?.short) conf *= 0.7;
    if (regionConflict) conf *= 0.7;
    return build(u, 'matched', conf);
  }
  const shared = byPath(commonPath(best.map((u) => u.path)));
  return build(shared, 'ambiguous', shared ? LEVEL_CONFIDENCE[shared.level] * 0.8 : 0, { candidates: candidatesOf(best) });
}
