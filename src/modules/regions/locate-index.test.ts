import { describe, expect, it } from 'vitest';
import { closeRings, coversPoint, parseWkb, pointInPolygon, toWkt, type MultiPolygon } from './geometry.js';
import { LocateIndex, type IndexUnit } from './locate-index.js';

/** A MultiPolygon as WKB (ST_AsBinary), little- or big-endian. */
function toWkb(mp: MultiPolygon, le: boolean): Uint8Array {
  const bytes: Uint8Array[] = [];
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, le);
    bytes.push(b);
  };
  const f64 = (v: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, le);
    bytes.push(b);
  };
  const order = () => bytes.push(new Uint8Array([le ? 1 : 0]));
  order();
  u32(6);
  u32(mp.length);
  for (const p of mp) {
    order();
    u32(3);
    u32(p.length);
    for (const r of p) {
      u32(r.length);
      for (const c of r) {
        f64(c[0]!);
        f64(c[1]!);
      }
    }
  }
  const buf = new Uint8Array(bytes.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of bytes) {
    buf.set(b, o);
    o += b.length;
  }
  return buf;
}

const sq = (x0: number, y0: number, x1: number, y1: number) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

describe('pointInPolygon', () => {
  const withHole = [sq(0, 0, 10, 10), sq(4, 4, 6, 6)];
  it('inside, outside, on the boundary', () => {
    expect(pointInPolygon(1, 1, withHole)).toBe(1);
    expect(pointInPolygon(11, 1, withHole)).toBe(-1);
    expect(pointInPolygon(0, 5, withHole)).toBe(0);
    expect(pointInPolygon(10, 10, withHole)).toBe(0); // a vertex
    expect(pointInPolygon(3.3, 0, withHole)).toBe(0);
  });
  it('respects holes; a hole edge is boundary', () => {
    expect(pointInPolygon(5, 5, withHole)).toBe(-1);
    expect(pointInPolygon(4, 5, withHole)).toBe(0);
    expect(pointInPolygon(3.9, 5, withHole)).toBe(1);
  });
  it('handles a concave ring', () => {
    const c = [[[0, 0], [10, 0], [10, 10], [5, 2], [0, 10], [0, 0]]];
    expect(pointInPolygon(5, 5, c)).toBe(-1);
    expect(pointInPolygon(5, 1, c)).toBe(1);
    expect(pointInPolygon(1, 8, c)).toBe(1);
  });
});

describe('WKB', () => {
  it('reads a multipolygon with a hole, little- and big-endian', () => {
    const mp: MultiPolygon = [[sq(0, 0, 10, 10), sq(4, 4, 6, 6)], [sq(20, 20, 21, 21.12345678901234)]];
    for (const le of [true, false]) expect(parseWkb(toWkb(mp, le))).toEqual(mp);
  });
  it('writes WKT that round-trips doubles and closes rings', () => {
    const m: MultiPolygon = [[[[0.1, 0.2], [1, 0], [1, 1]]]];
    closeRings(m);
    expect(toWkt(m)).toBe('MULTIPOLYGON(((0.1 0.2,1 0,1 1,0.1 0.2)))');
  });
});

describe('LocateIndex', () => {
  const units: IndexUnit[] = [
    { id: 1, code: '530100000000', name: '市', level: 'city', parentId: null, path: '/1/', depth: 1, polygons: [[sq(0, 0, 20, 10)]] },
    { id: 2, code: '530102000000', name: '甲区', level: 'district', parentId: 1, path: '/1/2/', depth: 2, polygons: [[sq(0, 0, 10, 10), sq(4, 4, 6, 6)]] },
    { id: 3, code: '530103000000', name: '乙区', level: 'district', parentId: 1, path: '/1/3/', depth: 2, polygons: [[sq(10, 0, 20, 10)], [sq(4, 4, 6, 6)]] },
    { id: 4, code: '530102001000', name: '街道', level: 'street', parentId: 2, path: '/1/2/4/', depth: 3, polygons: [[sq(0, 0, 2, 2)]] },
    { id: 5, code: '530102002000', name: '无界街道', level: 'street', parentId: 2, path: '/1/2/5/', depth: 3, polygons: null },
  ];
  const idx = new LocateIndex(units);
  const chain = (x: number, y: number) => idx.locate(x, y)?.chain.map((c) => c.code) ?? null;

  it('returns the deepest covering unit and its chain up to the city', () => {
    expect(chain(1, 1)).toEqual(['530102001000', '530102000000', '530100000000']);
    expect(chain(15, 5)).toEqual(['530103000000', '530100000000']);
    expect(idx.locate(1, 1)?.path).toBe('/1/2/4/');
    expect(idx.locate(1, 1)?.regionId).toBe(4);
  });
  it('a hole belongs to whoever fills it (here the other district\'s island)', () => {
    expect(chain(5, 5)).toEqual(['530103000000', '530100000000']);
  });
  it('counts the boundary as inside', () => {
    expect(chain(2, 2)).toEqual(['530102001000', '530102000000', '530100000000']);
    expect(chain(20, 10)).toEqual(['530103000000', '530100000000']);
    expect(chain(10, 5)?.[1]).toBe('530100000000');
  });
  it('on an edge shared by units of one depth answers the lowest id (PostGIS ORDER BY depth DESC, id)', () => {
    // 甲区 (2) has a bounded street, so it sits with the upper levels; 乙区 (3) is a leaf.
    expect(chain(10, 5)).toEqual(['530102000000', '530100000000']);
    expect(chain(10, 0)).toEqual(['530102000000', '530100000000']);
    // Two leaves side by side, given in either order.
    const two = (a: number, b: number) =>
      new LocateIndex([
        { id: a, code: 'A', name: 'a', level: 'grid', parentId: null, path: `/${a}/`, depth: 1, polygons: [[sq(0, 0, 1, 1)]] },
        { id: b, code: 'B', name: 'b', level: 'grid', parentId: null, path: `/${b}/`, depth: 1, polygons: [[sq(1, 0, 2, 1)]] },
      ]);
    expect(two(7, 9).locate(1, 0.5)?.regionId).toBe(7);
    expect(two(9, 7).locate(1, 0.5)?.regionId).toBe(7);
    expect(two(9, 7).locate(0.5, 0.5)?.regionId).toBe(9);
  });
  it('a point no leaf covers gets the chain of the deepest upper unit covering it', () => {
    // Inside 甲区 but outside its only street: no leaf (乙区, the street) covers it.
    expect(chain(3, 3)).toEqual(['530102000000', '530100000000']);
    expect(chain(9.5, 9.5)).toEqual(['530102000000', '530100000000']);
    expect(idx.locate(5, 1)?.regionId).toBe(2);
  });
  it('an upper unit deeper than the leaf found comes first', () => {
    // The leaf 9 (depth 2) overlaps unit 10 (depth 3, which has a child elsewhere): at (5, 5)
    // both cover, and the deeper one is the answer, as in PostGIS.
    const i = new LocateIndex([
      { id: 9, code: 'L', name: 'leaf', level: 'street', parentId: null, path: '/9/', depth: 2, polygons: [[sq(0, 0, 10, 10)]] },
      { id: 10, code: 'U', name: 'upper', level: 'community', parentId: null, path: '/10/', depth: 3, polygons: [[sq(4, 4, 8, 8)]] },
      { id: 11, code: 'C', name: 'child', level: 'grid', parentId: 10, path: '/10/11/', depth: 4, polygons: [[sq(7, 7, 8, 8)]] },
    ]);
    expect(i.locate(5, 5)?.regionId).toBe(10);
    expect(i.locate(7.5, 7.5)?.regionId).toBe(11);
    expect(i.locate(1, 1)?.regionId).toBe(9);
    expect(i.locate(11, 11)).toBeNull();
  });
  it('reads boundaries given as WKB exactly like parsed ones, and keeps no geometry of the units', () => {
    for (const le of [true, false]) {
      const fromWkb = new LocateIndex(units.map((u) => ({ ...u, polygons: null, wkb: u.polygons ? toWkb(u.polygons, le) : null })));
      for (let x = -1; x <= 21; x += 0.5)
        for (let y = -1; y <= 11; y += 0.5) expect(fromWkb.locate(x, y)?.regionId ?? null).toBe(idx.locate(x, y)?.regionId ?? null);
    }
    expect(JSON.stringify(idx)).not.toContain('polygons');
  });
  it('answers null outside every boundary', () => {
    expect(idx.locate(-1, 5)).toBeNull();
    expect(idx.locate(25, 5)).toBeNull();
  });
  it('reuses answer objects (no allocation per lookup)', () => {
    expect(idx.locate(1, 1)).toBe(idx.locate(1.5, 0.5));
    expect(Object.isFrozen(idx.locate(1, 1))).toBe(true);
  });
  it('works on an empty index and with many candidates', () => {
    expect(new LocateIndex([]).locate(0, 0)).toBeNull();
    const many: IndexUnit[] = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1, code: String(530100000000 + i), name: `u${i}`, level: 'grid', parentId: null, path: `/${i + 1}/`, depth: 1 + (i % 5), polygons: [[sq(0, 0, 1 + i / 1000, 1 + i / 1000)]],
    }));
    const big = new LocateIndex(many);
    expect(big.locate(0.5, 0.5)?.chain[0]?.name).toBeDefined();
    expect(big.locate(4.5, 4.5)).toBeNull();
  });
  it('answers exactly as a scan of every unit in PostGIS order, on and off the edges', () => {
    // Random overlapping polygons (concave, with holes, multi-part) on a coarse lattice, so
    // that many test points fall exactly on edges and vertices; checked against a plain scan.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const lat = (n: number) => Math.floor(rnd() * n) / 4;
    const star = (cx: number, cy: number, r: number): number[][] => {
      const k = 5 + Math.floor(rnd() * 6);
      const ring = Array.from({ length: k }, (_, i) => {
        const a = (2 * Math.PI * i) / k;
        const rr = r * (0.4 + 0.6 * rnd());
        return [Math.round((cx + rr * Math.cos(a)) * 4) / 4, Math.round((cy + rr * Math.sin(a)) * 4) / 4];
      });
      return [...ring, ring[0]!];
    };
    const units: IndexUnit[] = [];
    for (let id = 1; id <= 300; id++) {
      const depth = 1 + Math.floor(rnd() * 4);
      // Ids shuffled (a prime modulus), so that the answer order is not the input order.
      const perm = (k: number) => (k * 11) % 307;
      const parentId = id > 20 && rnd() < 0.7 ? perm(1 + Math.floor(rnd() * (id - 1))) : null;
      const x0 = lat(160);
      const y0 = lat(160);
      const w = 0.25 + lat(depth === 1 ? 40 : 12);
      const h = 0.25 + lat(depth === 1 ? 40 : 12);
      const shape = rnd();
      const polygons: MultiPolygon | null =
        shape < 0.05 ? null
        : shape < 0.4 ? [[sq(x0, y0, x0 + w, y0 + h)]]
        : shape < 0.6 ? [[sq(x0, y0, x0 + w + 1, y0 + h + 1), sq(x0 + 0.5, y0 + 0.5, x0 + w + 0.5, y0 + h + 0.5)]]
        : shape < 0.8 ? [[star(x0, y0, w + 0.5)], [sq(x0 + 5, y0, x0 + 5 + w, y0 + h)]]
        : [[star(x0, y0, w + 1)]];
      units.push({ id: perm(id), code: String(id), name: `u${id}`, level: 'grid', parentId, path: `/${id}/`, depth, polygons });
    }
    const ids = new Set(units.map((u) => u.id));
    expect(ids.size).toBe(units.length);
    const index = new LocateIndex(units);
    const scan = [...units].sort((a, b) => b.depth - a.depth || a.id - b.id);
    const expected = (x: number, y: number) => scan.find((u) => u.polygons && coversPoint(u.polygons, x, y))?.id ?? null;
    const points: [number, number][] = [];
    for (let i = 0; i < 8_000; i++) points.push([rnd() * 45 - 2, rnd() * 45 - 2]);
    for (let i = 0; i < 8_000; i++) points.push([lat(180) - 2, lat(180) - 2]);
    for (const u of units) for (const p of u.polygons ?? []) for (const r of p) for (const c of r) points.push([c[0]!, c[1]!]);
    const wrong = points.filter(([x, y]) => (index.locate(x, y)?.regionId ?? null) !== expected(x, y));
    expect(wrong).toEqual([]);
    expect(points.filter(([x, y]) => expected(x, y) !== null).length).toBeGreaterThan(4_000);
  });
});
