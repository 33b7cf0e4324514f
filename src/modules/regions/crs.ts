/**
 * Coordinate systems. Storage is WGS-84 (SRID 4326). CGCS2000 differs from WGS-84 by centimetres
 * and is taken as WGS-84. GCJ-02 (Amap, Tencent, Google China) and BD-09 (Baidu) are obfuscated
 * datums that phones' map SDKs deliver: converted on the way in.
 */
import gcoordImport from 'gcoord';

// gcoord is CommonJS: Node hands its module.exports as the default export, which its typings
// describe as the namespace's `default` member.
const gcoord = gcoordImport as unknown as (typeof gcoordImport)['default'];

export const CRS_VALUES = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;
export type Crs = (typeof CRS_VALUES)[number];

export const isCrs = (s: string): s is Crs => (CRS_VALUES as readonly string[]).includes(s);

const FROM = { gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

/** A point in crs as WGS-84 [lng, lat]. */
export function toWgs84(lng: number, lat: number, crs: Crs = 'wgs84'): [number, number] {
  if (crs === 'wgs84' || crs === 'cgcs2000') return [lng, lat];
  const out = gcoord.transform([lng, lat], FROM[crs], gcoord.WGS84) as [number, number];
  return [out[0], out[1]];
}

export type Position = number[];
export type PolygonCoords = Position[][];

/** Every position of polygon rings converted in place to WGS-84 (the caller owns the arrays). */
export function polygonsToWgs84(polys: PolygonCoords[], crs: Crs): PolygonCoords[] {
  if (crs === 'wgs84' || crs === 'cgcs2000') return polys;
  for (const poly of polys)
    for (const ring of poly)
      for (const p of ring) {
        const [x, y] = toWgs84(p[0]!, p[1]!, crs);
        p[0] = x;
        p[1] = y;
      }
  return polys;
}
