/** A mini city with departments, staff of every role and the seeded taxonomy, for the cases route tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { seedTaxonomy } from '../../src/modules/cases/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createMiniCity, type MiniCity } from '../helpers/fixtures.js';
import { actAs, createTestDepartment, type SessionHeaders } from '../helpers/identity.js';

export interface Who {
  id: number;
  headers: SessionHeaders;
}

export interface CasesWorld {
  t: TestDatabase;
  app: FastifyInstance;
  city: MiniCity;
  dataDir: string;
  dept: { cgj: number; other: number; panlong: number };
  resident: Who;
  resident2: Who;
  grid: Who;
  streetOp: Who;
  districtOp: Who;
  cityOp: Who;
  panlongOp: Who;
  handler: Who;
  otherHandler: Who;
  admin: Who;
  /** A point inside 五华区's grid (WGS-84). */
  inGrid: { lng: number; lat: number };
}

export async function createCasesWorld(cityCode: string): Promise<CasesWorld> {
  const t = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-cases-'));
  const app = await buildTestApp(t.db, { config: { dataDir } });
  const city = await createMiniCity(t.db, cityCode);
  await seedTaxonomy(t.db);
  const cgj = await createTestDepartment(t.db, { code: `${cityCode}-WH-CGJ`, name: '五华区城市管理局', regionCode: city.wuhua.code });
  const other = await createTestDepartment(t.db, { code: `${cityCode}-WH-ZJJ`, name: '五华区住建局', kind: '住建', regionCode: city.wuhua.code });
  const panlong = await createTestDepartment(t.db, { code: `${cityCode}-PL-CGJ`, name: '盘龙区城市管理局', regionCode: city.panlong.code });
  const who = async (g: Parameters<typeof actAs>[1], name?: string): Promise<Who> => {
    const a = await actAs(t.db, g, name ? { name } : {});
    return { id: a.user.id, headers: a.headers };
  };
  return {
    t,
    app,
    city,
    dataDir,
    dept: { cgj, other, panlong },
    resident: await who({ role: 'resident', regionCode: city.city.code }, '居民甲'),
    resident2: await who({ role: 'resident', regionCode: city.city.code }, '居民乙'),
    grid: await who({ role: 'grid_worker', regionCode: city.wuhuaGrid.code }, '网格员'),
    streetOp: await who({ role: 'operator', regionCode: city.wuhuaStreet.code }, '街道中心'),
    districtOp: await who({ role: 'operator', regionCode: city.wuhua.code }, '区中心'),
    cityOp: await who({ role: 'operator', regionCode: city.city.code }, '市中心'),
    panlongOp: await who({ role: 'operator', regionCode: city.panlong.code }, '盘龙区中心'),
    handler: await who({ role: 'handler', regionCode: city.wuhua.code, departmentCode: `${cityCode}-WH-CGJ` }, '城管处置员'),
    otherHandler: await who({ role: 'handler', regionCode: city.wuhua.code, departmentCode: `${cityCode}-WH-ZJJ` }, '住建处置员'),
    admin: await who({ role: 'admin', regionCode: city.city.code }, '管理员'),
    inGrid: { lng: 102.05, lat: 24.05 },
  };
}

export async function closeWorld(w: CasesWorld | undefined): Promise<void> {
  await w?.app.close();
  await w?.t.close();
  if (w) fs.rmSync(w.dataDir, { recursive: true, force: true });
}

/** A multipart body for inject(). */
export function multipart(parts: Array<{ name: string; value: string } | { name: string; filename: string; contentType: string; data: Buffer }>): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----gz${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ('filename' in p) {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.contentType}\r\n\r\n`));
      chunks.push(p.data);
    } else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}`));
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
