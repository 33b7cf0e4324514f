/**
 * The locate hot path: every current unit's boundary in flat typed arrays, found through uniform
 * grids of cells, with exact point-in-polygon (boundary counts as inside, holes respected, like
 * PostGIS ST_Covers). A lookup allocates nothing, and each unit's answer object is built once and
 * reused.
 *
 * Children tile their parents, so almost every point is answered by a leaf (a unit no bounded
 * unit hangs below): the leaves sit in a grid of their own, sized to them, and a lookup there
 * scans the few leaves whose box meets the point's cell and stops at the first that covers it;
 * the chain up to the city comes with the leaf. The upper levels sit in a second, coarser grid,
 * read only when no leaf covers the point (a gap between micro-grids, a grid without any) or when
 * an upper unit could outrank the leaf found (see the rule below). Indexing every level in one
 * tree made each lookup collect the city, district, street, community, grid and the neighbouring
 * micro-grids' boxes: 263,000 lookups/s over the full demo city against 1 M/s with two districts.
 *
 * The answer is the unit PostgreSQL's `ORDER BY depth DESC, id LIMIT 1` gives among the units
 * whose boundary covers the point: the deepest, and on a boundary shared by units of one depth
 * the lowest id. Every cell lists its units in that order, so the first that covers wins.
 */
import type { Level } from './codes.js';
import { walkWkb, type MultiPolygon } from './geometry.js';

export interface ChainLink {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly level: Level;
}

/** The answer of a lookup: the deepest covering unit, its path, the chain deepest first. */
export interface LocateResult {
  readonly regionId: number;
  readonly path: string;
  readonly chain: readonly ChainLink[];
}

export interface IndexUnit {
  id: number;
  code: string;
  name: string;
  level: Level;
  parentId: number | null;
  path: string;
  depth: number;
  /** null: the unit has no boundary (it can still appear in chains). */
  polygons: MultiPolygon | null;
  /**
   * The boundary as (E)WKB (ST_AsBinary), read when `polygons` is null: straight into the
   * index's arrays, without an object per vertex (a lower memory peak while building).
   */
  wkb?: Uint8Array | null;
}

/** What the index keeps of a unit once built: its chain link fields (no geometry). */
type UnitInfo = Pick<IndexUnit, 'id' | 'code' | 'name' | 'level' | 'parentId' | 'path'>;

/** A unit's polygons: parsed, or read from WKB into one flat x, y array per ring. */
function polygonsOf(u: IndexUnit): ReadonlyArray<ReadonlyArray<Float64Array | number[][]>> {
  return u.polygons ?? (u.wkb ? wkbPolygons(u.wkb) : []);
}

/** The polygons of (E)WKB, each ring one flat x, y array. */
function wkbPolygons(buf: Uint8Array): Float64Array[][] {
  const out: Float64Array[][] = [];
  walkWkb(
    buf,
    () => out.push([]),
    (n, dv, at, le) => {
      const ring = new Float64Array(2 * n);
      for (let i = 0; i < 2 * n; i++) ring[i] = dv.getFloat64(at + 8 * i, le);
      out[out.length - 1]!.push(ring);
    },
  );
  return out;
}

/** Doubles the records of a unit's polygons take (see HEAD). */
function recordLength(u: IndexUnit): number {
  let len = 0;
  if (u.polygons) {
    for (const p of u.polygons) {
      len += HEAD;
      for (const r of p) len += 1 + 2 * r.length;
    }
  } else if (u.wkb)
    walkWkb(
      u.wkb,
      () => (len += HEAD),
      (n) => (len += 1 + 2 * n),
    );
  return len;
}

/** Cells per indexed polygon: more cells, fewer polygons to test per lookup, more memory. */
const LEAF_CELLS_PER_ITEM = 4;
const UPPER_CELLS_PER_ITEM = 1;
const NO_LIMIT = 0x7fffffff;

// An item (one polygon of a unit's multipolygon) is a record in one Float64Array, so that a test
// reads one run of memory: its box, its unit, its rank, its rings (a vertex count, then x, y …).
const X0 = 0;
const Y0 = 1;
const X1 = 2;
const Y1 = 3;
const UNIT = 4;
const RANK = 5;
const RINGS = 6;
const HEAD = 7;

/** Even-odd over all rings of the record at `off`; a point on an edge or a vertex counts as inside (ST_Covers). */
function covers(xy: Float64Array, off: number, x: number, y: number): boolean {
  let inside = false;
  let p = off + HEAD;
  for (let r = xy[off + RINGS]! | 0; r > 0; r--) {
    const s = p + 1;
    const e = s + 2 * (xy[p]! | 0);
    for (let i = s, j = e - 2; i < e; j = i, i += 2) {
      const ax = xy[j]!;
      const ay = xy[j + 1]!;
      const bx = xy[i]!;
      const by = xy[i + 1]!;
      if (
        x >= (ax < bx ? ax : bx) &&
        x <= (ax < bx ? bx : ax) &&
        y >= (ay < by ? ay : by) &&
        y <= (ay < by ? by : ay) &&
        (bx - ax) * (y - ay) - (by - ay) * (x - ax) === 0
      )
        return true;
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
    p = e;
  }
  return inside;
}

/**
 * A uniform grid of square cells over a set of items. Each cell lists, in answer order, the items
 * whose polygon may meet it; an item that covers the whole cell is marked (stored as ~offset) and
 * ends the list, since nothing after it can come first. So a point in such a cell costs no
 * point-in-polygon test at all, and polygons that only come near the cell with their box are
 * left out.
 *
 * Exactness: a cell's points are those that `col` and `row` (monotone floating-point formulas,
 * the same at build and lookup) map to it: a convex set. Each edge marks, row by row, the cells
 * its part in that row's band meets, both widened by a margin far above rounding, through the
 * same formulas: a point on an edge always lies in a cell that edge marked. A cell no edge of a
 * polygon marked therefore holds no point of that polygon's boundary and lies wholly inside or
 * wholly outside it; its centre, half a cell from any edge, tells which.
 */
class CellGrid {
  readonly x0: number;
  readonly y0: number;
  readonly inv: number; // cells per degree
  readonly nx: number;
  readonly ny: number;
  readonly start: Int32Array; // entries of cell c: entries[start[c] .. start[c + 1])
  readonly entries: Int32Array;

  constructor(offs: readonly number[], xy: Float64Array, cellsPerItem: number) {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const o of offs) {
      x0 = Math.min(x0, xy[o + X0]!);
      y0 = Math.min(y0, xy[o + Y0]!);
      x1 = Math.max(x1, xy[o + X1]!);
      y1 = Math.max(y1, xy[o + Y1]!);
    }
    const w = x1 - x0;
    const h = y1 - y0;
    const target = Math.max(1, offs.length * cellsPerItem);
    // About `target` square cells; a flat extent (every item on one line) gets one row of them.
    let size = Math.max(Math.sqrt((w * h) / target), Math.max(w, h) / target);
    if (!(size > 0 && Number.isFinite(size))) size = 1;
    const inv = 1 / size;
    const nx = Math.floor((x1 - x0) * inv) + 1;
    const ny = Math.floor((y1 - y0) * inv) + 1;
    this.x0 = x0;
    this.y0 = y0;
    this.inv = inv;
    this.nx = nx;
    this.ny = ny;
    const nCells = nx * ny;
    const col = (x: number) => Math.floor((x - x0) * inv);
    const row = (y: number) => Math.floor((y - y0) * inv);
    // A margin beyond what exactness needs: a few more cells get tested, none is misjudged.
    const m = size * 1e-6;

    // Kept (cell, entry) pairs, items in answer order; a cell closes at its first covering item.
    const closed = new Uint8Array(nCells);
    let pairCell: Int32Array = new Int32Array(Math.max(16, offs.length * 4));
    let pairEntry: Int32Array = new Int32Array(pairCell.length);
    let nPairs = 0;
    let touched = new Uint8Array(64);
    for (const o of offs) {
      const i0 = col(xy[o + X0]!);
      const j0 = row(xy[o + Y0]!);
      const i1 = col(xy[o + X1]!);
      const j1 = row(xy[o + Y1]!);
      const wi = i1 - i0 + 1;
      const cells = wi * (j1 - j0 + 1);
      if (touched.length < cells) touched = new Uint8Array(Math.max(cells, touched.length * 2));
      touched.fill(0, 0, cells);
      let p = o + HEAD;
      for (let r = xy[o + RINGS]!; r > 0; r--) {
        const s = p + 1;
        const e = s + 2 * xy[p]!;
        for (let i = s, j = e - 2; i < e; j = i, i += 2) {
          const ax = xy[j]!;
          const ay = xy[j + 1]!;
          const bx = xy[i]!;
          const by = xy[i + 1]!;
          const ylo = Math.min(ay, by);
          const yhi = Math.max(ay, by);
          const cj0 = Math.max(j0, row(ylo - m));
          const cj1 = Math.min(j1, row(yhi + m));
          for (let cj = cj0; cj <= cj1; cj++) {
            // The part of the edge within this row's band (widened), as an x range: a long
            // diagonal edge touches a staircase of cells, not its whole box.
            let xa = Math.min(ax, bx);
            let xb = Math.max(ax, bx);
            if (ay !== by) {
              const t0 = Math.max(ylo, y0 + cj * size - m);
              const t1 = Math.min(yhi, y0 + (cj + 1) * size + m);
              const u0 = ax + ((bx - ax) * (t0 - ay)) / (by - ay);
              const u1 = ax + ((bx - ax) * (t1 - ay)) / (by - ay);
              xa = Math.max(xa, Math.min(u0, u1));
              xb = Math.min(xb, Math.max(u0, u1));
            }
            const ci0 = Math.max(i0, col(xa - m));
            const ci1 = Math.min(i1, col(xb + m));
            for (let ci = ci0; ci <= ci1; ci++) touched[(cj - j0) * wi + (ci - i0)] = 1;
          }
        }
        p = e;
      }
      for (let cj = j0; cj <= j1; cj++) {
        // Untouched cells side by side share their side of the boundary: one test per run.
        let state = 0; // 0 unknown, 1 inside, -1 outside
        for (let ci = i0; ci <= i1; ci++) {
          const cell = cj * nx + ci;
          let entry = o;
          if (touched[(cj - j0) * wi + (ci - i0)]) state = 0;
          else {
            if (state === 0) state = covers(xy, o, x0 + (ci + 0.5) * size, y0 + (cj + 0.5) * size) ? 1 : -1;
            if (state < 0) continue;
            entry = ~o;
          }
          if (closed[cell]) continue;
          if (entry < 0) closed[cell] = 1;
          if (nPairs === pairCell.length) {
            pairCell = grow(pairCell);
            pairEntry = grow(pairEntry);
          }
          pairCell[nPairs] = cell;
          pairEntry[nPairs++] = entry;
        }
      }
    }
    // Counting sort by cell; stable, so each cell keeps answer order.
    const start = new Int32Array(nCells + 1);
    for (let k = 0; k < nPairs; k++) start[pairCell[k]! + 1]!++;
    for (let c = 0; c < nCells; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, nCells);
    const entries = new Int32Array(nPairs);
    for (let k = 0; k < nPairs; k++) entries[fill[pairCell[k]!]!++] = pairEntry[k]!;
    this.start = start;
    this.entries = entries;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

export class LocateIndex {
  readonly size: number;
  private readonly units: UnitInfo[];
  private readonly byId = new Map<number, number>();
  private readonly results: (LocateResult | undefined)[];
  private readonly xy: Float64Array; // item records
  private readonly leaves: CellGrid | null;
  private readonly upper: CellGrid | null;
  /** The first rank of any upper unit: a leaf ranked before it needs no second look. */
  private readonly upperFirstRank: number;

  constructor(units: IndexUnit[]) {
    this.size = units.length;
    this.results = new Array(units.length);
    // Only the chain fields are kept: the geometry lives in the records below.
    this.units = units.map((u) => ({ id: u.id, code: u.code, name: u.name, level: u.level, parentId: u.parentId, path: u.path }));
    units.forEach((u, i) => this.byId.set(u.id, i));

    // Answer order over units, and which of them have a bounded child (the rest are leaves).
    const order = units.map((_, i) => i).sort((a, b) => units[b]!.depth - units[a]!.depth || units[a]!.id - units[b]!.id);
    const bounded = (u: IndexUnit) => (u.polygons ? u.polygons.length > 0 : !!u.wkb);
    const hasBoundedChild = new Uint8Array(units.length);
    for (const u of units) {
      if (!bounded(u) || u.parentId === null) continue;
      const p = this.byId.get(u.parentId);
      if (p !== undefined) hasBoundedChild[p] = 1;
    }

    // Two passes over the boundaries (size, then fill), one unit at a time: no more than one
    // unit's rings exist as separate arrays at once.
    let len = 0;
    for (const u of units) len += recordLength(u);
    const xy = (this.xy = new Float64Array(len));
    const leafOffs: number[] = [];
    const upperOffs: number[] = [];
    let upperFirstRank = NO_LIMIT;
    let o = 0;
    order.forEach((ui, rank) => {
      for (const p of polygonsOf(units[ui]!)) {
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        const off = o;
        xy[off + UNIT] = ui;
        xy[off + RANK] = rank;
        xy[off + RINGS] = p.length;
        o += HEAD;
        for (const r of p) {
          const n = r instanceof Float64Array ? r.length / 2 : r.length;
          xy[o++] = n;
          if (r instanceof Float64Array) xy.set(r, o);
          else
            for (let i = 0; i < n; i++) {
              xy[o + 2 * i] = r[i]![0]!;
              xy[o + 2 * i + 1] = r[i]![1]!;
            }
          const end = o + 2 * n;
          for (; o < end; o += 2) {
            const x = xy[o]!;
            const y = xy[o + 1]!;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
          }
        }
        xy[off + X0] = x0;
        xy[off + Y0] = y0;
        xy[off + X1] = x1;
        xy[off + Y1] = y1;
        // A polygon without finite vertices covers nothing: it stays out of the grids.
        if (!(x0 <= x1 && y0 <= y1 && Number.isFinite(x0 + y0 + x1 + y1))) continue;
        if (!hasBoundedChild[ui]) leafOffs.push(off);
        else {
          upperOffs.push(off);
          if (rank < upperFirstRank) upperFirstRank = rank;
        }
      }
    });
    this.leaves = leafOffs.length ? new CellGrid(leafOffs, xy, LEAF_CELLS_PER_ITEM) : null;
    this.upper = upperOffs.length ? new CellGrid(upperOffs, xy, UPPER_CELLS_PER_ITEM) : null;
    this.upperFirstRank = upperFirstRank;
  }

  /** The deepest unit whose boundary covers the WGS-84 point (the lowest id on a tie), or null. */
  locate(x: number, y: number): LocateResult | null {
    let off = this.leaves ? this.first(this.leaves, x, y, NO_LIMIT) : -1;
    // The upper grid is read only when no leaf covers the point, or when an upper unit could come
    // first (deeper than the leaf found, or as deep with a lower id: a leaf beside a unit that
    // has children). With micro-grids as the deepest level, a covered point never reads it.
    if (this.upper && (off < 0 || this.xy[off + RANK]! > this.upperFirstRank)) {
      const up = this.first(this.upper, x, y, off < 0 ? NO_LIMIT : this.xy[off + RANK]!);
      if (up >= 0) off = up;
    }
    return off < 0 ? null : this.resultFor(this.xy[off + UNIT]! | 0);
  }

  /** The chain of a unit by id (deepest first), or null when the index does not hold it. */
  resultForId(id: number): LocateResult | null {
    const i = this.byId.get(id);
    return i === undefined ? null : this.resultFor(i);
  }

  private resultFor(ui: number): LocateResult {
    const cached = this.results[ui];
    if (cached) return cached;
    const chain: ChainLink[] = [];
    const seen = new Set<number>();
    for (let i: number | undefined = ui; i !== undefined; ) {
      const u: UnitInfo = this.units[i]!;
      if (seen.has(i)) break; // a cycle would be a data error; never loop on it
      seen.add(i);
      chain.push(Object.freeze({ id: u.id, code: u.code, name: u.name, level: u.level }));
      i = u.parentId === null ? undefined : this.byId.get(u.parentId);
    }
    const u = this.units[ui]!;
    const r: LocateResult = Object.freeze({ regionId: u.id, path: u.path, chain: Object.freeze(chain) });
    this.results[ui] = r;
    return r;
  }

  /** The record of the first item in the point's cell, ranked before `rankLimit`, that covers the point; or -1. */
  private first(g: CellGrid, x: number, y: number, rankLimit: number): number {
    const i = Math.floor((x - g.x0) * g.inv);
    const j = Math.floor((y - g.y0) * g.inv);
    if (!(i >= 0 && i < g.nx && j >= 0 && j < g.ny)) return -1; // written so that NaN fails too
    const c = j * g.nx + i;
    const entries = g.entries;
    const xy = this.xy;
    for (let k = g.start[c]!, end = g.start[c + 1]!; k < end; k++) {
      const e = entries[k]!;
      const off = e < 0 ? ~e : e;
      if (xy[off + RANK]! >= rankLimit) return -1;
      if (e < 0) return off;
      if (x < xy[off + X0]! || y < xy[off + Y0]! || x > xy[off + X1]! || y > xy[off + Y1]!) continue;
      if (covers(xy, off, x, y)) return off;
    }
    return -1;
  }
}
