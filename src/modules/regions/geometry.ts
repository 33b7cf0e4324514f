/**
 * Plain geometry on coordinate arrays: well-known binary, point-in-polygon (boundary counts as
 * inside, holes respected: the semantics of PostGIS ST_Covers), rings, areas, centroids.
 */
export type Ring = number[][];
export type Polygon = Ring[];
export type MultiPolygon = Polygon[];

/**
 * Walks the polygons of a 2D Polygon, MultiPolygon or collection of them in WKB or EWKB:
 * `polygon(rings)` for each, then `ring(n, dv, at, le)` for each of its rings, `at` the byte
 * offset of its n coordinate pairs. parseWkb builds arrays with it; the locate index reads the
 * doubles straight into its own typed arrays.
 */
export function walkWkb(buf: Uint8Array, polygon: (rings: number) => void, ring: (n: number, dv: DataView, at: number, le: boolean) => void): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  const readGeom = (): void => {
    const le = dv.getUint8(off) === 1;
    off += 1;
    let type = dv.getUint32(off, le);
    off += 4;
    if (type & 0x20000000) off += 4; // EWKB SRID
    if (type & 0xc0000000 || type > 1000) throw new Error('WKB: only 2D geometries are read');
    type &= 0xff;
    if (type === 3) {
      const nRings = dv.getUint32(off, le);
      off += 4;
      polygon(nRings);
      for (let r = 0; r < nRings; r++) {
        const n = dv.getUint32(off, le);
        off += 4;
        ring(n, dv, off, le);
        off += 16 * n;
      }
    } else if (type === 6 || type === 7) {
      const n = dv.getUint32(off, le);
      off += 4;
      for (let i = 0; i < n; i++) readGeom();
    } else throw new Error(`WKB: geometry type ${type} is not a polygon`);
  };
  readGeom();
}

/**
 * Polygons of a 2D Polygon or MultiPolygon in WKB or EWKB (ST_AsBinary / ST_AsEWKB). Reading the
 * binary form keeps every double exact, which text forms (GeoJSON, WKT) may round.
 */
export function parseWkb(buf: Uint8Array): MultiPolygon {
  const out: MultiPolygon = [];
  walkWkb(
    buf,
    () => out.push([]),
    (n, dv, at, le) => {
      const ring: Ring = new Array(n);
      for (let i = 0; i < n; i++) ring[i] = [dv.getFloat64(at + 16 * i, le), dv.getFloat64(at + 16 * i + 8, le)];
      out[out.length - 1]!.push(ring);
    },
  );
  return out;
}

/**
 * Where a point lies relative to one polygon given by rings (first the shell, then holes):
 * 1 inside, 0 on the boundary, -1 outside. Even-odd over all rings, so holes are outside;
 * a point on a hole's edge is on the boundary.
 */
export function pointInPolygon(x: number, y: number, rings: Polygon): 1 | 0 | -1 {
  let inside = false;
  for (const ring of rings) {
    const n = ring.length;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const a = ring[j]!;
      const b = ring[i]!;
      const ax = a[0]!;
      const ay = a[1]!;
      const bx = b[0]!;
      const by = b[1]!;
      if (onSegment(x, y, ax, ay, bx, by)) return 0;
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

/** True when the point lies inside or on the boundary of any polygon. */
export function coversPoint(polys: MultiPolygon, x: number, y: number): boolean {
  for (const p of polys) if (pointInPolygon(x, y, p) >= 0) return true;
  return false;
}

export function onSegment(x: number, y: number, ax: number, ay: number, bx: number, by: number): boolean {
  if (x < Math.min(ax, bx) || x > Math.max(ax, bx) || y < Math.min(ay, by) || y > Math.max(ay, by)) return false;
  return (bx - ax) * (y - ay) - (by - ay) * (x - ax) === 0;
}

/** Signed area of a ring in coordinate units (positive: counter-clockwise). */
export function ringArea(ring: Ring): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return s / 2;
}

/** Area centroid of a polygon's shell (holes ignored; for generated cells, which have none). */
export function ringCentroid(ring: Ring): [number, number] {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[j]!;
    const q = ring[i]!;
    const f = p[0]! * q[1]! - q[0]! * p[1]!;
    a += f;
    cx += (p[0]! + q[0]!) * f;
    cy += (p[1]! + q[1]!) * f;
  }
  if (a === 0) return [ring[0]![0]!, ring[0]![1]!];
  return [cx / (3 * a), cy / (3 * a)];
}

export function bboxOf(polys: MultiPolygon): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of polys)
    for (const r of p)
      for (const c of r) {
        if (c[0]! < x0) x0 = c[0]!;
        if (c[0]! > x1) x1 = c[0]!;
        if (c[1]! < y0) y0 = c[1]!;
        if (c[1]! > y1) y1 = c[1]!;
      }
  return [x0, y0, x1, y1];
}

/** MULTIPOLYGON WKT with shortest round-trip doubles (exact in, exact out). */
export function toWkt(polys: MultiPolygon): string {
  return `MULTIPOLYGON(${polys.map((p) => `(${p.map((r) => `(${r.map((c) => `${c[0]} ${c[1]}`).join(',')})`).join(',')})`).join(',')})`;
}

/** Close every ring (first = last), the form WKB/WKT writers want. */
export function closeRings(polys: MultiPolygon): MultiPolygon {
  for (const p of polys)
    for (const r of p) {
      const a = r[0];
      const b = r[r.length - 1];
      if (a && b && (a[0] !== b[0] || a[1] !== b[1])) r.push([a[0]!, a[1]!]);
    }
  return polys;
}
