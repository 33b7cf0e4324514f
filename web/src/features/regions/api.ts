import { get, listOf, post } from '../../api/client';

export type Level = 'city' | 'district' | 'street' | 'community' | 'grid' | 'microgrid';

export interface Region {
  code: string;
  name: string;
  level: Level;
  parentCode?: string | null;
  population?: number | null;
  households?: number | null;
  areaKm2?: number | null;
  centroid?: { lng: number; lat: number } | [number, number] | null;
  childCount?: number;
  /** Ancestors, nearest first up to the city (GET /api/regions/:code). */
  parents?: Array<{ code: string; name: string; level: Level }>;
  hasBoundary?: boolean;
  boundarySource?: 'imported' | 'generated' | null;
}

export interface RegionProps {
  code: string;
  name: string;
  level: Level;
  parentCode?: string | null;
  [k: string]: unknown;
}
export type RegionFeature = GeoJSON.Feature<GeoJSON.Geometry, RegionProps>;
export type RegionCollection = GeoJSON.FeatureCollection<GeoJSON.Geometry, RegionProps>;

export const listRegions = async (parent?: string) => listOf<Region>(await get<unknown>('/api/regions', { parent }), 'items', 'regions');
export const getRegion = (code: string) => get<Region>(`/api/regions/${code}`);
export const regionChildren = async (code: string) => listOf<Region>(await get<unknown>(`/api/regions/${code}/children`), 'items');
/** A subtree's boundaries; units without a boundary (hierarchy-only imports) are left out. */
export async function regionGeojson(code: string, depth = 1, simplify?: number): Promise<RegionCollection> {
  const fc = await get<RegionCollection>(`/api/regions/${code}/geojson`, { depth, simplify });
  return { type: 'FeatureCollection', features: (fc?.features ?? []).filter((f) => f.geometry) };
}

export interface LocateResult {
  chain: Array<{ code: string; name: string; level: Level }>;
}
export const locate = (lng: number, lat: number, crs: 'wgs84' | 'gcj02' | 'bd09' | 'cgcs2000' = 'wgs84') =>
  get<LocateResult>('/api/regions/locate', { lng, lat, crs });

export interface ImportReport {
  created: number;
  updated: number;
  repaired: number;
  rejected: number;
  dryRun: boolean;
  problems: Array<{ feature: string; problem: string; action: string }>;
}
/** Upload a GeoJSON / Shapefile / NBS CSV; the options travel in the query, the file as multipart. */
export function importRegions(file: File, opts: { crs: string; level?: string; parent?: string; codeProp?: string; nameProp?: string; dryRun?: boolean; onInvalid?: 'repair' | 'reject' }) {
  const fd = new FormData();
  fd.append('file', file, file.name);
  return post<ImportReport>('/api/regions/import', fd, { query: { ...opts } });
}

/** Centre of a region as [lat, lng] for Leaflet, when the API gives a centroid. */
export function centreOf(r: Region | undefined): [number, number] | null {
  const c = r?.centroid;
  if (!c) return null;
  if (Array.isArray(c)) return [c[1], c[0]];
  return [c.lat, c.lng];
}
