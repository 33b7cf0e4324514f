/**
 * What the embedded engine keeps in JS memory besides its WASM linear memory: Emscripten's
 * in-memory file system (every file of PGlite's own bundle and of each extension bundle, held as
 * typed arrays) summed by folder, next to the WASM memory's size and process.memoryUsage().
 *   node --expose-gc --import tsx bench/memory-memfs.ts [GONGZHI_DATA_DIR]
 * Opens PGlite with the options src/platform/db.ts passes (trimmed PostGIS, pg_trgm, start
 * parameters of src/platform/pglite-postgis.ts), on DIR/pg, and runs a query on region.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgliteStartParams, trimmedPostgis } from '../src/platform/pglite-postgis.js';

const mb = (n: number) => (n / 1_048_576).toFixed(1);
const vmRss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024);
const dir = process.argv[2];
const db = await PGlite.create({ ...(dir ? { dataDir: path.join(dir, 'pg') } : {}), extensions: { postgis: trimmedPostgis(postgis), pg_trgm }, startParams: pgliteStartParams(PGlite.defaultStartParams) });
if (dir) await db.query(`SELECT count(*) FROM region WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(102.7, 25.04), 4326))`);
(globalThis as { gc?: () => void }).gc?.();
interface FsNode { contents?: Uint8Array | Record<string, FsNode>; usedBytes?: number; mode: number }
const lite = db as unknown as { mod: { FS: { lookupPath(p: string): { node: FsNode } }; HEAPU8: Uint8Array } } | undefined;
const m = process.memoryUsage();
process.stdout.write(`VmRSS ${vmRss()} MB  heapUsed ${mb(m.heapUsed)}  external ${mb(m.external)}  arrayBuffers ${mb(m.arrayBuffers)}\n`);
if (!lite) {
  process.stdout.write('PGlite instance not found on the Database object\n');
} else {
  process.stdout.write(`WASM linear memory: ${mb(lite.mod.HEAPU8.byteLength)} MB\n`);
  const FS = lite.mod.FS;
  // Files unpacked from a bundle may be views of one shared buffer: each buffer counts once.
  const seen = new Set<ArrayBufferLike>();
  const sums = new Map<string, { bytes: number; capacity: number; files: number }>();
  const walk = (node: FsNode, p: string, depth: number) => {
    const c = node.contents;
    if (c && !(c instanceof Uint8Array) && typeof c === 'object' && (node.mode & 0o170000) === 0o040000) {
      for (const [name, child] of Object.entries(c)) walk(child, `${p}/${name}`, depth + 1);
      return;
    }
    if (c instanceof Uint8Array) {
      const key = p.split('/').slice(0, 4).join('/');
      const s = sums.get(key) ?? { bytes: 0, capacity: 0, files: 0 };
      s.bytes += node.usedBytes ?? c.length;
      if (!seen.has(c.buffer)) {
        seen.add(c.buffer);
        s.capacity += c.buffer.byteLength;
      }
      s.files++;
      sums.set(key, s);
    }
  };
  walk(FS.lookupPath('/').node, '', 0);
  let total = 0;
  let cap = 0;
  for (const [k, s] of [...sums].sort((a, b) => b[1].capacity - a[1].capacity)) {
    total += s.bytes;
    cap += s.capacity;
    if (s.capacity > 256 * 1024) process.stdout.write(`  ${mb(s.capacity).padStart(7)} MB held (${mb(s.bytes)} used) in ${s.files} files  ${k}\n`);
  }
  process.stdout.write(`MEMFS: ${mb(cap)} MB held in typed arrays (${mb(total)} MB of file data)\n`);
}
await db.close();
