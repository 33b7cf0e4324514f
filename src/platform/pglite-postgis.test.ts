import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { droppedFromPostgisBundle, filterTar, pgliteStartParams, trimmedPostgisBundle } from './pglite-postgis.js';
import { openDatabase } from './db.js';

const originalPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite-postgis')), 'postgis.tar.gz');
const original = pathToFileURL(originalPath).href;

/** Entry names of a tar, read the simple way (ustar name field, no long names in this bundle). */
function names(tar: Uint8Array): string[] {
  const out: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = Buffer.from(tar.subarray(off, off + 512));
    if (h.every((b) => b === 0)) break;
    out.push(h.toString('utf8', 0, 100).replace(/\0.*$/s, ''));
    off += 512 + Math.ceil(parseInt(h.toString('utf8', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8) / 512) * 512;
  }
  return out;
}

describe('the trimmed PostGIS bundle', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gongzhi-pglite-cache-'));
  const saved = process.env.GONGZHI_PGLITE_CACHE;
  process.env.GONGZHI_PGLITE_CACHE = cache;
  afterAll(() => {
    if (saved === undefined) delete process.env.GONGZHI_PGLITE_CACHE;
    else process.env.GONGZHI_PGLITE_CACHE = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('drops raster, topology, tiger, legacy scripts; keeps postgis, its scripts and PROJ', () => {
    for (const n of ['lib/postgresql/postgis_raster-3.so', 'lib/postgresql/postgis_topology-3.so', 'share/postgresql/extension/postgis_raster.control', 'share/postgresql/extension/postgis_tiger_geocoder--3.6.2.sql', 'share/postgresql/contrib/postgis-3.6/spatial_ref_sys.sql', 'share/postgresql/extension/postgis--unpackaged--3.6.2.sql']) {
      expect(droppedFromPostgisBundle(n), n).toBe(true);
    }
    for (const n of ['lib/postgresql/postgis-3.so', 'share/postgresql/extension/postgis.control', 'share/postgresql/extension/postgis--3.6.2.sql', 'share/postgresql/extension/postgis--ANY--3.6.2.sql', 'share/proj/proj.db']) {
      expect(droppedFromPostgisBundle(n), n).toBe(false);
    }
  });

  it('filterTar keeping everything gives back every entry in order; the cache file holds only what is kept, and is written once', () => {
    const tar = zlib.gunzipSync(fs.readFileSync(originalPath));
    expect(names(filterTar(tar, () => true))).toEqual(names(tar));

    const file = trimmedPostgisBundle(new URL(original));
    const kept = names(zlib.gunzipSync(fs.readFileSync(file)));
    expect(kept).toEqual(names(tar).filter((n) => !droppedFromPostgisBundle(n)));
    expect(kept).toContain('lib/postgresql/postgis-3.so');
    expect(kept).not.toContain('lib/postgresql/postgis_raster-3.so');
    const mtime = fs.statSync(file).mtimeMs;
    expect(trimmedPostgisBundle(new URL(original))).toBe(file);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
  });
});

describe('pgliteStartParams', () => {
  const defaults = ['--single', '-c', 'search_path=public'];
  it('adds a 32 MB buffer pool to the defaults', () => {
    expect(pgliteStartParams(defaults, {})).toEqual([...defaults, '-c', 'shared_buffers=32MB']);
  });
  it('takes GONGZHI_PGLITE_SHARED_BUFFERS when it is a PostgreSQL size, and ignores anything else', () => {
    expect(pgliteStartParams(defaults, { GONGZHI_PGLITE_SHARED_BUFFERS: '128MB' }).at(-1)).toBe('shared_buffers=128MB');
    expect(pgliteStartParams(defaults, { GONGZHI_PGLITE_SHARED_BUFFERS: '1GB; DROP' }).at(-1)).toBe('shared_buffers=32MB');
  });
});

describe('the embedded engine with the trimmed bundle', () => {
  it('creates postgis, answers geography and ST_Transform (PROJ kept), runs with 32 MB of buffers, and has no raster', async () => {
    const db = await openDatabase({});
    try {
      await db.exec('CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;');
      const r = await db.query<{ km2: number; x: number; sb: string }>(
        `SELECT round(ST_Area(ST_MakeEnvelope(102, 24, 103, 25, 4326)::geography) / 1e6) AS km2,
                round(ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(102.7, 25.0), 4326), 3857))) AS x,
                current_setting('shared_buffers') AS sb`,
      );
      expect(r.rows[0]).toEqual({ km2: 11227, x: 11432512, sb: '32MB' });
      await expect(db.exec('CREATE EXTENSION postgis_raster')).rejects.toThrow(/postgis_raster/);
    } finally {
      await db.close();
    }
  }, 180_000);
});
