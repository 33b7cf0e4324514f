/**
 * Generated boundaries for the demo city: Voronoi cells around seed points, clipped to the parent
 * unit's polygon, so that children tile their parent. Seeds come from a deterministic PRNG:
 * the same demo city every time.
 */
import { Delaunay } from 'd3-delaunay';
import polygonClipping from 'polygon-clipping';
import { mulberry32 } from '../../platform/prng.js';
import { bboxOf, coversPoint, ringArea, ringCentroid, type MultiPolygon } from './geometry.js';

/** mulberry32: small, fast, good enough for demo layouts; seeded, so reproducible. */
export function prng(seed: number): () => number {
  return mulberry32(seed);
}

/** A stable 32-bit seed from a string (FNV-1a), so each unit's layout depends only on its code. */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * n well-spread points inside the polygon (Mitchell's best candidate: of k random candidates take
 * the one farthest from the points so far), which gives evenly sized cells.
 */
export function spreadPoints(poly: MultiPolygon, n: number, rand: () => number, k = 8): [number, number][] {
  const [x0, y0, x1, y1] = bboxOf(poly);
  const pts: [number, number][] = [];
  const sample = (): [number, number] => {
    for (let tries = 0; tries < 10_000; tries++) {
      const x = x0 + rand() * (x1 - x0);
      const y = y0 + rand() * (y1 - y0);
      if (coversPoint(poly, x, y)) return [x, y];
    }
    const c = ringCentroid(poly[0]![0]!);
    return [c[0], c[1]];
  };
  while (pts.length < n) {
    let best: [number, number] | null = null;
    let bestD = -1;
    for (let c = 0; c < (pts.length === 0 ? 1 : k); c++) {
      const p = sample();
      let d = Infinity;
      for (const q of pts) d = Math.min(d, (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2);
      if (d > bestD) {
        bestD = d;
        best = p;
      }
    }
    pts.push(best!);
  }
  return pts;
}

/**
 * The Voronoi cell of each site, clipped to the parent polygon. Cells that vanish (a site outside
 * the parent) come back as empty arrays; the caller decides.
 */
export function voronoiCells(sites: [number, number][], parent: MultiPolygon): MultiPolygon[] {
  const [x0, y0, x1, y1] = bboxOf(parent);
  if (sites.length === 1) return [clone(parent)];
  const v = Delaunay.from(sites).voronoi([x0, y0, x1, y1]);
  const clip = parent as polygonClipping.MultiPolygon;
  return sites.map((_, i) => {
    const cell = v.cellPolygon(i) as [number, number][] | null;
    if (!cell) return [];
    const out = polygonClipping.intersection([cell], clip) as MultiPolygon;
    // Slivers from floating-point noise along shared edges carry no meaning: keep real parts.
    return out.filter((p) => Math.abs(ringArea(p[0]!)) > 1e-14);
  });
}

function clone(m: MultiPolygon): MultiPolygon {
  return m.map((p) => p.map((r) => r.map((c) => [c[0]!, c[1]!])));
}

/** Split total into n positive integer parts proportional to weights (largest remainder). */
export function apportion(total: number, weights: number[]): number[] {
  const n = weights.length;
  if (n === 0) return [];
  if (total < n) throw new RangeError(`cannot give each of ${n} parts at least 1 of ${total}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const spare = total - n; // every part gets 1, the rest by weight
  const raw = weights.map((w) => (spare * w) / sum);
  const out = raw.map((r) => 1 + Math.floor(r));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % n, left--) out[order[j]![1]]! += 1;
  return out;
}
