import { describe, expect, it } from 'vitest';
import { closeRings, parseWkb, pointInPolygon, toWkt, type MultiPolygon } from './geometry.js';
import { LocateIndex, type IndexUnit } from './locate-index.js';

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
    for (const le of [true, false]) {
      const parts: number[] = [];
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
      void parts;
      const buf = new Uint8Array(bytes.reduce((a, b) => a + b.length, 0));
      let o = 0;
      for (const b of bytes) {
        buf.set(b, o);
        o += b.length;
      }
      expect(parseWkb(buf)).toEqual(mp);
    }
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
    expect(chain(10, 5)?.[1]).toBe('530100000000'); // shared edge: one of the two districts
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
});
