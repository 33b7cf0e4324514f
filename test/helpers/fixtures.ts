/**
 * A small city for tests, inserted with plain SQL so any module's tests can use it:
 *   昆明市 530100000000
 *   ├─ 五华区 530102000000 ─ 华山街道 530102001000 ─ 某社区 530102001001 ─ grid 530102001001001
 *   └─ 盘龙区 530103000000 ─ 拓东街道 530103001000 ─ 某社区 530103001001
 * Each unit gets a square boundary so locate works. Codes can be prefixed per test to stay unique
 * (pass `cityCode` with another 4-digit city prefix, e.g. '5399').
 */
import type { Sql } from '../../src/platform/db.js';

export interface MiniCity {
  city: RegionRow;
  wuhua: RegionRow;
  panlong: RegionRow;
  wuhuaStreet: RegionRow;
  wuhuaCommunity: RegionRow;
  wuhuaGrid: RegionRow;
  panlongStreet: RegionRow;
  panlongCommunity: RegionRow;
}

export interface RegionRow {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

async function insert(db: Sql, code: string, name: string, level: string, parent: RegionRow | null, box: [number, number, number, number]): Promise<RegionRow> {
  const [x1, y1, x2, y2] = box;
  const wkt = `MULTIPOLYGON(((${x1} ${y1},${x2} ${y1},${x2} ${y2},${x1} ${y2},${x1} ${y1})))`;
  const r = await db.query<{ id: number }>(
    `INSERT INTO region (code, name, level, parent_id, path, depth, geom, centroid, boundary_source)
     VALUES ($1, $2, $3, $4, '', $5, ST_GeomFromText($6, 4326), ST_Centroid(ST_GeomFromText($6, 4326)), 'generated') RETURNING id`,
    [code, name, level, parent?.id ?? null, parent ? parent.path.split('/').filter(Boolean).length + 1 : 1, wkt],
  );
  const id = r.rows[0]!.id;
  const path = `${parent ? parent.path : '/'}${id}/`;
  await db.query('UPDATE region SET path = $1 WHERE id = $2', [path, id]);
  return { id, code, name, level, path };
}

export async function createMiniCity(db: Sql, cityCode = '5301'): Promise<MiniCity> {
  const c = cityCode;
  const city = await insert(db, `${c}00000000`, '昆明市', 'city', null, [102.0, 24.0, 104.0, 26.0]);
  const wuhua = await insert(db, `${c}02000000`, '五华区', 'district', city, [102.0, 24.0, 103.0, 26.0]);
  const panlong = await insert(db, `${c}03000000`, '盘龙区', 'district', city, [103.0, 24.0, 104.0, 26.0]);
  const wuhuaStreet = await insert(db, `${c}02001000`, '华山街道', 'street', wuhua, [102.0, 24.0, 102.5, 25.0]);
  const wuhuaCommunity = await insert(db, `${c}02001001`, '西仓坡社区', 'community', wuhuaStreet, [102.0, 24.0, 102.25, 24.5]);
  const wuhuaGrid = await insert(db, `${c}02001001001`, '西仓坡社区第1网格', 'grid', wuhuaCommunity, [102.0, 24.0, 102.1, 24.1]);
  const panlongStreet = await insert(db, `${c}03001000`, '拓东街道', 'street', panlong, [103.0, 24.0, 103.5, 25.0]);
  const panlongCommunity = await insert(db, `${c}03001001`, '拓东社区', 'community', panlongStreet, [103.0, 24.0, 103.25, 24.5]);
  return { city, wuhua, panlong, wuhuaStreet, wuhuaCommunity, wuhuaGrid, panlongStreet, panlongCommunity };
}
