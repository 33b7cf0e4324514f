/**
 * The locate hot path: every current unit's boundary in flat typed arrays under a Flatbush
 * R-tree, with exact point-in-polygon (boundary counts as inside, holes respected, like PostGIS
 * ST_Covers). A lookup allocates nothing: the R-tree walk uses a preallocated stack, candidates
 * go into a preallocated buffer, and each unit's answer object is built once and reused.
 */
import Flatbush from 'flatbush';
import type { Level } from './codes.js';
import type { MultiPolygon } from './geometry.js';

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
}

export class LocateIndex {
  readonly size: number;
  private readonly units: IndexUnit[];
  private readonly byId = new Map<number, number>();
  private readonly results: (LocateResult | undefined)[];
  private readonly tree: Flatbush | null;
  // Items are polygons (parts of multipolygons): tighter boxes than whole units.
  private readonly itemUnit: Int32Array;
  private readonly itemRingStart: Int32Array;
  private readonly itemRingEnd: Int32Array;
  private readonly ringStart: Int32Array; // vertex index of each ring's first vertex
  private readonly ringEnd: Int32Array; // exclusive
  private readonly xy: Float64Array;
  private readonly depth: Int16Array;
  private readonly maxDepth: number;
  // The R-tree's arrays copied into fixed types, so the hot loop stays monomorphic.
  private readonly boxes: Float64Array;
  private readonly indices: Int32Array;
  private readonly levelBounds: Int32Array;
  private readonly nodeSize: number;
  private readonly numItems4: number;
  private stack: Int32Array = new Int32Array(256);
  private cand: Int32Array = new Int32Array(256);

  constructor(units: IndexUnit[]) {
    this.units = units;
    this.size = units.length;
    this.results = new Array(units.length);
    units.forEach((u, i) => this.byId.set(u.id, i));
    let nItems = 0;
    let nRings = 0;
    let nVerts = 0;
    for (const u of units)
      for (const p of u.polygons ?? []) {
        nItems++;
        for (const r of p) {
          nRings++;
          nVerts += r.length;
        }
      }
    this.itemUnit = new Int32Array(nItems);
    this.itemRingStart = new Int32Array(nItems);
    this.itemRingEnd = new Int32Array(nItems);
    this.ringStart = new Int32Array(nRings);
    this.ringEnd = new Int32Array(nRings);
    this.xy = new Float64Array(nVerts * 2);
    this.depth = new Int16Array(units.length);
    let maxDepth = 0;
    this.tree = nItems > 0 ? new Flatbush(nItems) : null;
    let item = 0;
    let ring = 0;
    let v = 0;
    units.forEach((u, ui) => {
      this.depth[ui] = u.depth;
      if (u.depth > maxDepth) maxDepth = u.depth;
      for (const p of u.polygons ?? []) {
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        this.itemUnit[item] = ui;
        this.itemRingStart[item] = ring;
        for (const r of p) {
          this.ringStart[ring] = v;
          for (const c of r) {
            const x = c[0]!;
            const y = c[1]!;
            this.xy[v * 2] = x;
            this.xy[v * 2 + 1] = y;
            v++;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
          }
          this.ringEnd[ring] = v;
          ring++;
        }
        this.itemRingEnd[item] = ring;
        this.tree!.add(x0, y0, x1, y1);
        item++;
      }
    });
    this.tree?.finish();
    this.maxDepth = maxDepth;
    this.boxes = this.tree ? Float64Array.from(this.tree._boxes) : new Float64Array(0);
    this.indices = this.tree ? Int32Array.from(this.tree._indices) : new Int32Array(0);
    this.levelBounds = Int32Array.from(this.tree?._levelBounds ?? []);
    this.nodeSize = this.tree?.nodeSize ?? 16;
    this.numItems4 = nItems * 4;
  }

  /** The deepest unit whose boundary covers the WGS-84 point, or null. */
  locate(x: number, y: number): LocateResult | null {
    const n = this.collect(x, y);
    if (n === 0) return null;
    const cand = this.cand;
    // Deepest level first: an ancestor's (often large) polygon is tested only when no deeper
    // unit covers the point.
    for (let d = this.maxDepth; d >= 0; d--) {
      for (let i = 0; i < n; i++) {
        const item = cand[i]!;
        const ui = this.itemUnit[item]!;
        if (this.depth[ui] !== d) continue;
        if (this.covers(item, x, y)) return this.resultFor(ui);
      }
    }
    return null;
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
      const u: IndexUnit = this.units[i]!;
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

  /** R-tree items whose box contains the point, into this.cand; returns how many. */
  private collect(x: number, y: number): number {
    if (!this.tree) return 0;
    const boxes = this.boxes;
    const indices = this.indices;
    const levelBounds = this.levelBounds;
    const nodeSize = this.nodeSize;
    const numItems4 = this.numItems4;
    let stack = this.stack;
    let cand = this.cand;
    let sp = 0;
    let n = 0;
    let nodeIndex = boxes.length - 4;
    let level = levelBounds.length - 1;
    for (;;) {
      const end = Math.min(nodeIndex + nodeSize * 4, levelBounds[level]!);
      const isNode = nodeIndex >= numItems4;
      for (let pos = nodeIndex; pos < end; pos += 4) {
        if (x < boxes[pos]! || y < boxes[pos + 1]! || x > boxes[pos + 2]! || y > boxes[pos + 3]!) continue;
        const index = indices[pos >> 2]!;
        if (isNode) {
          if (sp + 2 > stack.length) stack = this.stack = grow(stack);
          stack[sp++] = index;
          stack[sp++] = level - 1;
        } else {
          if (n >= cand.length) cand = this.cand = grow(cand);
          cand[n++] = index;
        }
      }
      if (sp === 0) break;
      level = stack[--sp]!;
      nodeIndex = stack[--sp]!;
    }
    return n;
  }

  private covers(item: number, x: number, y: number): boolean {
    const xy = this.xy;
    let inside = false;
    for (let r = this.itemRingStart[item]!, rEnd = this.itemRingEnd[item]!; r < rEnd; r++) {
      const s = this.ringStart[r]!;
      const e = this.ringEnd[r]!;
      for (let i = s, j = e - 1; i < e; j = i++) {
        const ax = xy[j * 2]!;
        const ay = xy[j * 2 + 1]!;
        const bx = xy[i * 2]!;
        const by = xy[i * 2 + 1]!;
        // On an edge (or a vertex) counts as inside, like ST_Covers.
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
    }
    return inside;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
