import { describe, expect, it } from 'vitest';
import { coversPoint, ringArea, ringCentroid, type MultiPolygon } from './geometry.js';
import { apportion, prng, seedOf, spreadPoints, voronoiCells } from './voronoi.js';

const parent: MultiPolygon = [[[[102.5, 24.8], [102.9, 24.75], [103.0, 25.1], [102.6, 25.2], [102.5, 24.8]]]];
const area = (m: MultiPolygon) => m.reduce((s, p) => s + Math.abs(ringArea(p[0]!)) - p.slice(1).reduce((h, r) => h + Math.abs(ringArea(r)), 0), 0);

describe('voronoi layout', () => {
  it('is deterministic', () => {
    const a = spreadPoints(parent, 12, prng(seedOf('530112')));
    const b = spreadPoints(parent, 12, prng(seedOf('530112')));
    expect(a).toEqual(b);
    expect(spreadPoints(parent, 12, prng(seedOf('530102')))).not.toEqual(a);
  });
  it('cells lie inside the parent, tile it, and contain their own centroids', () => {
    const sites = spreadPoints(parent, 15, prng(7));
    for (const s of sites) expect(coversPoint(parent, s[0], s[1])).toBe(true);
    const cells = voronoiCells(sites, parent);
    expect(cells).toHaveLength(15);
    let total = 0;
    cells.forEach((cell, i) => {
      expect(cell.length).toBeGreaterThan(0);
      // every vertex of the cell is in (or on) the parent, up to float noise of the clipper
      for (const p of cell) for (const r of p) for (const c of r) expect(coversPoint(parent, c[0]!, c[1]!) || nearBoundary(c)).toBe(true);
      const ctr = ringCentroid(cell[0]![0]!);
      expect(coversPoint(parent, ctr[0], ctr[1])).toBe(true);
      expect(coversPoint(cell, ctr[0], ctr[1])).toBe(true);
      expect(coversPoint(cell, sites[i]![0], sites[i]![1])).toBe(true);
      total += area(cell);
    });
    expect(total).toBeCloseTo(area(parent), 10);
  });
  it('a single child is the parent itself', () => {
    expect(voronoiCells([[102.7, 25]], parent)).toEqual([parent]);
  });
});

function nearBoundary(c: number[]): boolean {
  for (const [dx, dy] of [[1e-12, 0], [-1e-12, 0], [0, 1e-12], [0, -1e-12]]) if (coversPoint(parent, c[0]! + dx!, c[1]! + dy!)) return true;
  return false;
}

describe('apportion', () => {
  it('hits the total exactly, at least 1 each, proportional to weights', () => {
    const out = apportion(1237, Array.from({ length: 126 }, (_, i) => 1 + (i % 3)));
    expect(out.reduce((a, b) => a + b, 0)).toBe(1237);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(1);
    expect(out[2]!).toBeGreaterThan(out[0]!);
  });
  it('refuses a total smaller than the number of parts', () => {
    expect(() => apportion(2, [1, 1, 1])).toThrow(RangeError);
  });
});
