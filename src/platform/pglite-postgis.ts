/**
 * PostGIS for the embedded engine without the parts gongzhi never loads.
 *
 * pglite-postgis ships one bundle (postgis.tar.gz) with three WASM side modules: postgis-3.so,
 * postgis_raster-3.so (with GDAL) and postgis_topology-3.so. PGlite unpacks every file of an
 * extension bundle into its in-memory file system and hands every `.so` to Emscripten's preload
 * plugin, which compiles AND instantiates it at start-up (data segments allocated in the WASM
 * memory, functions added to the table), whether or not PostgreSQL ever dlopens it. Raster and
 * topology are never created by gongzhi's migrations, so they cost memory for nothing; so do the
 * tiger geocoder's and the legacy/uninstall scripts. This module writes, once, a copy of the
 * bundle without them (a cache file keyed by the original's size and mtime) and returns an
 * extension object that is pglite-postgis's own with the bundle path swapped.
 *
 * What stays: postgis-3.so, every postgis control and SQL script (CREATE EXTENSION and ALTER
 * EXTENSION … UPDATE keep working), and share/proj (ST_Transform and the geography spheroid look
 * SRIDs up through PROJ).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Files of the bundle gongzhi does not need: the raster and topology side modules and scripts. */
export function droppedFromPostgisBundle(name: string): boolean {
  if (/(^|\/)postgis_(raster|topology|tiger_geocoder)/.test(name)) return true;
  if (/(^|\/)address_standardizer/.test(name)) return true;
  // Legacy, uninstall and spatial_ref_sys loader scripts for a manual install (not CREATE EXTENSION).
  if (name.startsWith('share/postgresql/contrib/')) return true;
  // FROM unpackaged: upgrades from PostGIS installed without the extension mechanism (pre-9.1).
  if (/--unpackaged--/.test(name)) return true;
  return false;
}

/**
 * Copy a (ustar/pax/GNU) tar, keeping the entries `keep` accepts, byte for byte. The headers are
 * copied unchanged, so nothing about modes, links or long names has to be re-encoded.
 */
export function filterTar(tar: Uint8Array, keep: (name: string) => boolean): Uint8Array {
  const out: Uint8Array[] = [];
  let pending: Uint8Array[] = []; // pax / GNU long-name blocks that belong to the next entry
  let longName: string | undefined;
  let off = 0;
  const str = (a: number, b: number) => {
    const s = Buffer.from(tar.subarray(a, b)).toString('utf8');
    const z = s.indexOf('\0');
    return z < 0 ? s : s.slice(0, z);
  };
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(str(off + 124, off + 136).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const span = 512 + Math.ceil(size / 512) * 512;
    const block = tar.subarray(off, off + span);
    const data = tar.subarray(off + 512, off + 512 + size);
    off += span;
    if (type === 'x' || type === 'L') {
      pending.push(block);
      if (type === 'L') longName = Buffer.from(data).toString('utf8').replace(/\0.*$/s, '');
      else {
        const m = /\d+ path=([^\n]*)\n/.exec(Buffer.from(data).toString('utf8'));
        if (m) longName = m[1];
      }
      continue;
    }
    if (type === 'g') {
      out.push(block);
      continue;
    }
    const prefix = str(off - span + 345, off - span + 500);
    const name = longName ?? (prefix ? `${prefix}/${str(off - span, off - span + 100)}` : str(off - span, off - span + 100));
    if (keep(name.replace(/^\.\//, ''))) out.push(...pending, block);
    pending = [];
    longName = undefined;
  }
  out.push(new Uint8Array(1024));
  return Buffer.concat(out);
}

type PostgisExtension = (typeof import('@electric-sql/pglite-postgis'))['postgis'];

/** Where the trimmed bundle is cached; GONGZHI_PGLITE_CACHE overrides (tests, read-only /tmp). */
function cacheDir(): string {
  return process.env.GONGZHI_PGLITE_CACHE ?? path.join(os.tmpdir(), 'gongzhi-pglite');
}

/** Bump when droppedFromPostgisBundle changes, so that no cached bundle of the old rule is used. */
const TRIM_RULES_VERSION = 1;

/** The trimmed bundle's path, written once per original bundle (atomic rename: safe in parallel). */
export function trimmedPostgisBundle(original: URL): string {
  const src = fileURLToPath(original);
  const st = fs.statSync(src);
  const dir = cacheDir();
  const file = path.join(dir, `postgis-trimmed-v${TRIM_RULES_VERSION}-${st.size}-${Math.round(st.mtimeMs)}.tar.gz`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tar = zlib.gunzipSync(fs.readFileSync(src));
  const trimmed = filterTar(tar, (name) => !droppedFromPostgisBundle(name));
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, zlib.gzipSync(trimmed, { level: 6 }));
  fs.renameSync(tmp, file);
  return file;
}

/**
 * pglite-postgis's extension, loading the trimmed bundle. If the cache cannot be written the
 * original bundle is used: more memory, same behaviour.
 */
export function trimmedPostgis(postgis: PostgisExtension): PostgisExtension {
  return {
    name: postgis.name,
    async setup(pg, emscriptenOpts) {
      const r = await postgis.setup(pg, emscriptenOpts);
      try {
        return { ...r, bundlePath: pathToFileURL(trimmedPostgisBundle(r.bundlePath)) };
      } catch {
        return r;
      }
    },
  };
}

/**
 * PGlite's start parameters with a smaller buffer pool. PostgreSQL's default shared_buffers
 * (128 MB, plus wal_buffers at 1/32 of it) is allocated at start through Emscripten's anonymous
 * mmap, which zero-fills it: all of it is resident from the first second, unlike a server's
 * shared memory. The data files stay in the OS page cache (a data folder is read through Node's
 * fs) or in Emscripten's in-memory file system, so a smaller pool costs a copy per page miss, not
 * a disk read.
 * GONGZHI_PGLITE_SHARED_BUFFERS overrides (a PostgreSQL size: '64MB').
 */
export const PGLITE_SHARED_BUFFERS = '32MB';

export function pgliteStartParams(defaults: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.GONGZHI_PGLITE_SHARED_BUFFERS?.trim();
  const size = raw && /^\d+\s*(kB|MB|GB)$/.test(raw) ? raw.replace(/\s+/g, '') : PGLITE_SHARED_BUFFERS;
  return [...defaults, '-c', `shared_buffers=${size}`];
}
