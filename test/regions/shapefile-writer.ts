/**
 * A minimal ESRI Shapefile writer (polygons, C/N attributes, UTF-8 .cpg) and a store-only zip
 * writer, so the import tests build their fixtures from readable coordinates instead of binaries.
 */
import zlib from 'node:zlib';

export interface ShpFeature {
  /** Rings as [lng, lat][]; the writer orients them (outer clockwise, holes counter-clockwise). */
  rings: number[][][];
  attrs: Record<string, string | number>;
}

const signedArea = (r: number[][]) => {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += r[j]![0]! * r[i]![1]! - r[i]![0]! * r[j]![1]!;
  return s / 2;
};

export function writeShapefile(features: ShpFeature[]): { shp: Uint8Array; shx: Uint8Array; dbf: Uint8Array; cpg: Uint8Array } {
  const recs = features.map((f) => {
    const rings = f.rings.map((r, i) => {
      const closed = r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1] ? r : [...r, r[0]!];
      const cw = signedArea(closed) < 0;
      return (i === 0) === cw ? closed : [...closed].reverse();
    });
    const pts = rings.flat();
    const xs = pts.map((p) => p[0]!);
    const ys = pts.map((p) => p[1]!);
    const bbox = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const;
    const len = 44 + 4 * rings.length + 16 * pts.length;
    const b = Buffer.alloc(8 + len);
    b.writeInt32LE(5, 8);
    bbox.forEach((v, i) => b.writeDoubleLE(v, 12 + 8 * i));
    b.writeInt32LE(rings.length, 44);
    b.writeInt32LE(pts.length, 48);
    let o = 52;
    let start = 0;
    for (const r of rings) {
      b.writeInt32LE(start, o);
      o += 4;
      start += r.length;
    }
    for (const p of pts) {
      b.writeDoubleLE(p[0]!, o);
      b.writeDoubleLE(p[1]!, o + 8);
      o += 16;
    }
    return { b, bbox, len };
  });
  const header = (fileBytes: number, all: readonly (readonly [number, number, number, number])[]) => {
    const h = Buffer.alloc(100);
    h.writeInt32BE(9994, 0);
    h.writeInt32BE(fileBytes / 2, 24);
    h.writeInt32LE(1000, 28);
    h.writeInt32LE(5, 32);
    const bb = [Math.min(...all.map((x) => x[0])), Math.min(...all.map((x) => x[1])), Math.max(...all.map((x) => x[2])), Math.max(...all.map((x) => x[3]))];
    bb.forEach((v, i) => h.writeDoubleLE(v, 36 + 8 * i));
    return h;
  };
  const boxes = recs.map((r) => r.bbox);
  let off = 100;
  const shx = [header(100 + 8 * recs.length, boxes)];
  recs.forEach((r, i) => {
    r.b.writeInt32BE(i + 1, 0);
    r.b.writeInt32BE(r.len / 2, 4);
    const x = Buffer.alloc(8);
    x.writeInt32BE(off / 2, 0);
    x.writeInt32BE(r.len / 2, 4);
    shx.push(x);
    off += 8 + r.len;
  });
  const shp = Buffer.concat([header(off, boxes), ...recs.map((r) => r.b)]);

  // dBASE III: every attribute as a character field wide enough for its longest UTF-8 value.
  const names = [...new Set(features.flatMap((f) => Object.keys(f.attrs)))];
  const widths = names.map((n) => Math.max(1, ...features.map((f) => Buffer.byteLength(String(f.attrs[n] ?? '')))));
  const recLen = 1 + widths.reduce((a, b) => a + b, 0);
  const hdrLen = 32 + 32 * names.length + 1;
  const dbf = Buffer.alloc(hdrLen + recLen * features.length + 1, 0x20);
  dbf.fill(0, 0, hdrLen);
  dbf.writeUInt8(3, 0);
  dbf.writeUInt8(124, 1);
  dbf.writeUInt8(1, 2);
  dbf.writeUInt8(1, 3);
  dbf.writeUInt32LE(features.length, 4);
  dbf.writeUInt16LE(hdrLen, 8);
  dbf.writeUInt16LE(recLen, 10);
  names.forEach((n, i) => {
    const o = 32 + 32 * i;
    dbf.write(n.slice(0, 10), o, 'latin1');
    dbf.write('C', o + 11, 'latin1');
    dbf.writeUInt8(widths[i]!, o + 16);
  });
  dbf.writeUInt8(0x0d, hdrLen - 1);
  features.forEach((f, r) => {
    let o = hdrLen + r * recLen + 1;
    names.forEach((n, i) => {
      dbf.write(String(f.attrs[n] ?? ''), o, 'utf8');
      o += widths[i]!;
    });
  });
  dbf.writeUInt8(0x1a, dbf.length - 1);
  return { shp, shx: Buffer.concat(shx), dbf, cpg: Buffer.from('UTF-8') };
}

/** A zip archive with the files stored uncompressed. */
export function writeZip(files: Record<string, Uint8Array>): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name);
    const crc = zlib.crc32(data);
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt32LE(crc, 14);
    l.writeUInt32LE(data.length, 18);
    l.writeUInt32LE(data.length, 22);
    l.writeUInt16LE(n.length, 26);
    locals.push(l, n, Buffer.from(data));
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
