/**
 * Import formats → one shape of feature. Parsing never touches the database; every problem is
 * attached to the feature it belongs to, so the report can name it.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { isLevel, normalizeCode, parseLevel, type Level } from '../codes.js';
import { polygonsToWgs84, type Crs } from '../crs.js';
import type { MultiPolygon } from '../geometry.js';

export type ImportFormat = 'geojson' | 'shapefile' | 'nbs-csv';

export interface ImportOptions {
  codeProp?: string | undefined;
  nameProp?: string | undefined;
  /** One level for all features. */
  level?: Level | undefined;
  /** One parent code for all features. */
  parent?: string | undefined;
  crs?: Crs | undefined;
  /** Invalid rings: repair them with ST_MakeValid (default) or reject the import. */
  onInvalid?: 'repair' | 'reject' | undefined;
  dryRun?: boolean | undefined;
}

export interface ImportFeature {
  /** How the report names it: "feature 3 (530112001002 马街社区)". */
  ref: string;
  code: string | null;
  name: string | null;
  level: Level | null;
  parentCode: string | null;
  polygons: MultiPolygon | null;
  population: number | null | undefined;
  households: number | null | undefined;
  subtype: string | null | undefined;
  /** Problems that reject the feature. */
  errors: string[];
  /** Problems fixed while parsing (e.g. an unclosed ring closed). */
  repairs: string[];
}

const refOf = (i: number, code: string | null, name: string | null) => `feature ${i + 1}${code || name ? ` (${[code, name].filter(Boolean).join(' ')})` : ''}`;

function count(v: unknown, field: string, errors: string[]): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).replace(/,/g, ''));
  if (!Number.isInteger(n) || n < 0 || n > 2_000_000_000) {
    errors.push(`${field} must be a whole number ≥ 0, got ${JSON.stringify(v)}`);
    return null;
  }
  return n;
}

/**
 * Polygon rings as given → closed, numeric, in range. Unclosed rings are closed (a repair);
 * anything that cannot make a polygon is an error.
 */
export function readPolygons(geometry: unknown, crs: Crs, errors: string[], repairs: string[]): MultiPolygon | null {
  if (geometry === null || geometry === undefined) return null;
  const g = geometry as { type?: unknown; coordinates?: unknown };
  let polys: unknown;
  if (g.type === 'Polygon') polys = [g.coordinates];
  else if (g.type === 'MultiPolygon') polys = g.coordinates;
  else {
    errors.push(`geometry type ${String(g.type)} is not a Polygon or MultiPolygon`);
    return null;
  }
  if (!Array.isArray(polys) || polys.length === 0) {
    errors.push('geometry has no coordinates');
    return null;
  }
  const out: MultiPolygon = [];
  for (const [pi, poly] of (polys as unknown[]).entries()) {
    if (!Array.isArray(poly) || poly.length === 0) {
      errors.push(`polygon ${pi + 1} has no rings`);
      return null;
    }
    const rings: number[][][] = [];
    for (const [ri, ring] of (poly as unknown[]).entries()) {
      const where = `polygon ${pi + 1} ring ${ri + 1}`;
      if (!Array.isArray(ring)) {
        errors.push(`${where} is not an array of positions`);
        return null;
      }
      const pts: number[][] = [];
      for (const p of ring as unknown[]) {
        if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
          errors.push(`${where} has a position that is not [lng, lat]: ${JSON.stringify(p)}`);
          return null;
        }
        pts.push([p[0], p[1]]);
      }
      const a = pts[0];
      const b = pts[pts.length - 1];
      if (a && b && (a[0] !== b[0] || a[1] !== b[1])) {
        pts.push([a[0]!, a[1]!]);
        repairs.push(`${where} was not closed`);
      }
      if (pts.length < 4) {
        errors.push(`${where} has ${pts.length} positions; a ring needs at least 4`);
        return null;
      }
      rings.push(pts);
    }
    out.push(rings);
  }
  polygonsToWgs84(out, crs);
  for (const poly of out)
    for (const ring of poly)
      for (const p of ring)
        if (p[0]! < -180 || p[0]! > 180 || p[1]! < -90 || p[1]! > 90) {
          errors.push(`position ${JSON.stringify(p)} is outside [-180,180]×[-90,90] (are the coordinates projected? give them in degrees)`);
          return null;
        }
  return out;
}

interface GeoJsonFeature {
  type?: unknown;
  id?: unknown;
  geometry?: unknown;
  properties?: Record<string, unknown> | null;
}

/** A GeoJSON FeatureCollection (object or text) → features. */
export function parseGeoJson(input: unknown, o: ImportOptions): ImportFeature[] {
  let fc = input;
  if (typeof input === 'string') {
    try {
      fc = JSON.parse(input.replace(/^\uFEFF/, ''));
    } catch (e) {
      throw new ParseError(`the file is not valid JSON: ${(e as Error).message}`);
    }
  }
  const c = fc as { type?: unknown; features?: unknown };
  if (!c || c.type !== 'FeatureCollection' || !Array.isArray(c.features)) throw new ParseError('expected a GeoJSON FeatureCollection');
  return (c.features as GeoJsonFeature[]).map((f, i) => fromProperties(f, i, o));
}

function fromProperties(f: GeoJsonFeature, i: number, o: ImportOptions): ImportFeature {
  const errors: string[] = [];
  const repairs: string[] = [];
  const props = f && typeof f === 'object' && f.properties && typeof f.properties === 'object' ? f.properties : {};
  if (!f || f.type !== 'Feature') errors.push('is not a GeoJSON Feature');
  const rawCode = props[o.codeProp ?? 'code'] ?? (o.codeProp ? undefined : f?.id);
  const code = normalizeCode(rawCode);
  const nameRaw = props[o.nameProp ?? 'name'];
  const name = typeof nameRaw === 'string' && nameRaw.trim() !== '' ? nameRaw.trim() : null;
  if (rawCode === undefined || rawCode === null || rawCode === '') errors.push(`has no code (property "${o.codeProp ?? 'code'}"${o.codeProp ? '' : ' or the feature id'})`);
  else if (!code) errors.push(`code ${JSON.stringify(rawCode)} is not a region code (6, 9, 12, 15 or 17 digits)`);
  let level: Level | null = o.level ?? null;
  if (!level && props.level !== undefined && props.level !== null && props.level !== '') {
    level = parseLevel(String(props.level));
    if (!level) errors.push(`level ${JSON.stringify(props.level)} is not one of city, district, street, community, grid, microgrid`);
  }
  let parentCode: string | null = null;
  const rawParent = o.parent ?? props.parent_code;
  if (rawParent !== undefined && rawParent !== null && rawParent !== '') {
    parentCode = normalizeCode(rawParent);
    if (!parentCode) errors.push(`parent code ${JSON.stringify(rawParent)} is not a region code`);
  }
  const polygons = readPolygons(f?.geometry ?? null, o.crs ?? 'wgs84', errors, repairs);
  const subtypeRaw = props.subtype;
  return {
    ref: refOf(i, code ?? (rawCode === undefined ? null : String(rawCode)), name),
    code,
    name,
    level,
    parentCode,
    polygons,
    population: count(props.population, 'population', errors),
    households: count(props.households, 'households', errors),
    subtype: typeof subtypeRaw === 'string' ? subtypeRaw : undefined,
    errors,
    repairs,
  };
}

export class ParseError extends Error {}

/** ESRI Shapefile: a zip, or the parts of a .shp set. A .prj, when present, is honoured by shpjs. */
export async function parseShapefile(
  input: { zip: Uint8Array } | { shp: Uint8Array; dbf?: Uint8Array | undefined; prj?: Uint8Array | string | undefined; cpg?: Uint8Array | string | undefined },
  o: ImportOptions,
): Promise<ImportFeature[]> {
  const shp = (await import('shpjs')).default;
  let fc: unknown;
  try {
    fc = 'zip' in input ? await shp(input.zip) : await shp(input);
  } catch (e) {
    throw new ParseError(`the shapefile could not be read: ${(e as Error).message}`);
  }
  if (Array.isArray(fc)) {
    if (fc.length !== 1) throw new ParseError(`the zip holds ${fc.length} layers; import one layer at a time`);
    fc = fc[0];
  }
  return parseGeoJson(fc, o);
}

/**
 * An NBS statistical division CSV (columns code, name, level, parent_code[, subtype]): the
 * hierarchy without boundaries. NBS `village` is our community, `town`/`township` our street.
 */
export function parseNbsCsv(text: string, o: ImportOptions): ImportFeature[] {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new ParseError(`the CSV could not be read: ${(e as Error).message}`);
  }
  const first = records[0];
  if (!first || !('code' in first) || !('name' in first)) throw new ParseError('an NBS division CSV needs at least the columns code and name');
  return records.map((r, i) => {
    const errors: string[] = [];
    const rawCode = r[o.codeProp ?? 'code'];
    const code = normalizeCode(rawCode);
    if (!code) errors.push(`code ${JSON.stringify(rawCode ?? '')} is not a region code (6, 9, 12, 15 or 17 digits)`);
    const name = (r[o.nameProp ?? 'name'] ?? '').trim() || null;
    if (!name) errors.push('has no name');
    let level: Level | null = o.level ?? null;
    if (!level && r.level) {
      level = isLevel(r.level) ? r.level : parseLevel(r.level);
      if (!level) errors.push(`level ${JSON.stringify(r.level)} is not a known level`);
    }
    const rawParent = o.parent ?? r.parent_code;
    const parentCode = rawParent ? normalizeCode(rawParent) : null;
    if (rawParent && !parentCode) errors.push(`parent code ${JSON.stringify(rawParent)} is not a region code`);
    // "community(社区/居委会)" → "community": the key, not the gloss.
    const subtype = r.subtype ? r.subtype.replace(/\(.*$/, '').trim() || null : undefined;
    return {
      ref: `row ${i + 2} (${[code ?? rawCode, name].filter(Boolean).join(' ')})`,
      code,
      name,
      level,
      parentCode,
      polygons: null,
      population: count(r.population, 'population', errors),
      households: count(r.households, 'households', errors),
      subtype,
      errors,
      repairs: [],
    };
  });
}

/** The format a file name implies. */
export function formatOfName(name: string): ImportFormat | null {
  const n = name.toLowerCase();
  if (n.endsWith('.csv')) return 'nbs-csv';
  if (n.endsWith('.zip') || n.endsWith('.shp')) return 'shapefile';
  if (n.endsWith('.geojson') || n.endsWith('.json')) return 'geojson';
  return null;
}
