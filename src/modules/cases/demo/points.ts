/**
 * Points inside the demo city's real grids, found with the regions module's in-memory locate index
 * (regions/index.ts exports the index and the city's extent, not the polygons): random points are
 * located, and each grid keeps a small pool of the points that fell in it. A case then picks a
 * grid first and a point of that grid second, so reports crowd where grids are small (the town
 * centres), as they do in a real city, instead of spreading by area over the countryside.
 */
import type { LocateResult } from '../../regions/index.js';
import type { Rng } from './prng.js';

export interface Located {
  lng: number;
  lat: number;
  located: LocateResult;
}

export interface Locator {
  locate(x: number, y: number): LocateResult | null;
}

export interface Extent {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface PointPools {
  /** District code → ids of its grids that have points. */
  gridsOf: Map<string, number[]>;
  /** Grid (or any chain unit) id → points inside it. */
  points: Map<number, Located[]>;
  /** District code → name. */
  districts: Map<string, string>;
  /** A point outside every region, inside the city's extent when one is found. */
  outside: Array<{ lng: number; lat: number }>;
}

const MAX_PER_UNIT = 24;

const unitOf = (l: LocateResult, level: string) => l.chain.find((c) => c.level === level) ?? null;

/**
 * Samples the extent, then each district's box more densely (`dense` points for the districts in
 * `denseCodes`, `sparse` for the others). Pools are kept for grids and for every unit listed in
 * `alsoPool` (a demo user's community or grid).
 */
export function buildPointPools(index: Locator, extent: Extent, r: Rng, o: { coarse?: number; dense?: number; sparse?: number; denseCodes?: readonly string[]; alsoPool?: readonly number[] } = {}): PointPools {
  const boxes = new Map<string, Extent>();
  const districts = new Map<string, string>();
  const outside: Array<{ lng: number; lat: number }> = [];
  const w = extent.east - extent.west;
  const h = extent.north - extent.south;
  for (let i = 0; i < (o.coarse ?? 20_000); i++) {
    const x = extent.west + r() * w;
    const y = extent.south + r() * h;
    const l = index.locate(x, y);
    if (!l) {
      if (outside.length < 50) outside.push({ lng: x, lat: y });
      continue;
    }
    const d = unitOf(l, 'district');
    if (!d) continue;
    districts.set(d.code, d.name);
    const b = boxes.get(d.code);
    if (!b) boxes.set(d.code, { west: x, east: x, south: y, north: y });
    else {
      b.west = Math.min(b.west, x);
      b.east = Math.max(b.east, x);
      b.south = Math.min(b.south, y);
      b.north = Math.max(b.north, y);
    }
  }
  const points = new Map<number, Located[]>();
  const gridsOf = new Map<string, number[]>();
  const extra = new Set(o.alsoPool ?? []);
  const push = (id: number, p: Located) => {
    let xs = points.get(id);
    if (!xs) points.set(id, (xs = []));
    if (xs.length < MAX_PER_UNIT) xs.push(p);
  };
  for (const [code, b0] of [...boxes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    // The coarse hits can miss a district's edge: widen its box a little.
    const mx = (b0.east - b0.west) * 0.1 + 0.01;
    const my = (b0.north - b0.south) * 0.1 + 0.01;
    const b = { west: b0.west - mx, east: b0.east + mx, south: b0.south - my, north: b0.north + my };
    const n = (o.denseCodes ?? []).includes(code) ? (o.dense ?? 40_000) : (o.sparse ?? 3_000);
    const grids: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = b.west + r() * (b.east - b.west);
      const y = b.south + r() * (b.north - b.south);
      const l = index.locate(x, y);
      if (!l || unitOf(l, 'district')?.code !== code) continue;
      const g = unitOf(l, 'grid');
      if (!g) continue;
      const p = { lng: x, lat: y, located: l };
      if (!points.has(g.id)) grids.push(g.id);
      push(g.id, p);
      for (const c of l.chain) if (extra.has(c.id) && c.id !== g.id) push(c.id, p);
    }
    gridsOf.set(code, grids);
  }
  if (outside.length === 0) outside.push({ lng: extent.west - 0.3, lat: extent.south - 0.2 });
  return { gridsOf, points, districts, outside };
}

/** A random grid of the district, then a random point in it (null: the district has no grids). */
export function pointIn(p: PointPools, districtCode: string, r: Rng): Located | null {
  const grids = p.gridsOf.get(districtCode);
  if (!grids || grids.length === 0) return null;
  return r.pick(p.points.get(r.pick(grids))!);
}

/** A random point of a unit that was pooled (its grid, or a unit in `alsoPool`). */
export function pointInUnit(p: PointPools, unitId: number, r: Rng): Located | null {
  const xs = p.points.get(unitId);
  return xs && xs.length > 0 ? r.pick(xs) : null;
}
