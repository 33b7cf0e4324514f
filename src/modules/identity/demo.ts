/**
 * Demo data for `gongzhi seed demo` (runs after the regions seed, so Kunming's hierarchy
 * exists): Kunming's functional departments (职能部门) and one demo user per role. The password
 * is the same for every demo user and is for demo installations only (README).
 */
import type { Role } from '../../platform/actor.js';
import type { Ctx } from '../../platform/context.js';
import type { Database } from '../../platform/db.js';
import * as repo from './identity.repository.js';
import { createDepartment, createUser } from './identity.service.js';

export const DEMO_PASSWORD = 'demo-password';

export const KUNMING = '530100000000';
export const XISHAN = '530112000000';

interface DemoDepartment {
  code: string;
  name: string;
  kind: string;
  regionCode: string;
  parentCode?: string;
}

export const DEMO_DEPARTMENTS: readonly DemoDepartment[] = [
  { code: 'KM-CGJ', name: '昆明市城市管理局', kind: '城管', regionCode: KUNMING },
  { code: 'KM-ZJJ', name: '昆明市住房和城乡建设局', kind: '住建', regionCode: KUNMING },
  { code: 'KM-SJJ', name: '昆明市市场监督管理局', kind: '市场监管', regionCode: KUNMING },
  { code: 'KM-STHJJ', name: '昆明市生态环境局', kind: '生态环境', regionCode: KUNMING },
  { code: 'KM-SWJ', name: '昆明市水务局', kind: '水务', regionCode: KUNMING },
  { code: 'KM-JTYSJ', name: '昆明市交通运输局', kind: '交通', regionCode: KUNMING },
  { code: 'KM-GAJ', name: '昆明市公安局', kind: '公安', regionCode: KUNMING },
  { code: 'KM-MZJ', name: '昆明市民政局', kind: '民政', regionCode: KUNMING },
  { code: 'KM-WJW', name: '昆明市卫生健康委员会', kind: '卫健', regionCode: KUNMING },
  { code: 'KM-YJJ', name: '昆明市应急管理局', kind: '应急', regionCode: KUNMING },
  { code: 'XS-CGJ', name: '西山区城市管理局', kind: '城管', regionCode: XISHAN, parentCode: 'KM-CGJ' },
  { code: 'XS-ZJJ', name: '西山区住房和城乡建设局', kind: '住建', regionCode: XISHAN, parentCode: 'KM-ZJJ' },
  { code: 'XS-SJJ', name: '西山区市场监督管理局', kind: '市场监管', regionCode: XISHAN, parentCode: 'KM-SJJ' },
  { code: 'XS-GAFJ', name: '昆明市公安局西山分局', kind: '公安', regionCode: XISHAN, parentCode: 'KM-GAJ' },
  { code: 'WH-CGJ', name: '五华区城市管理局', kind: '城管', regionCode: '530102000000', parentCode: 'KM-CGJ' },
  { code: 'PL-CGJ', name: '盘龙区城市管理局', kind: '城管', regionCode: '530103000000', parentCode: 'KM-CGJ' },
  { code: 'GD-CGJ', name: '官渡区城市管理局', kind: '城管', regionCode: '530111000000', parentCode: 'KM-CGJ' },
  { code: 'CG-CGJ', name: '呈贡区城市管理局', kind: '城管', regionCode: '530114000000', parentCode: 'KM-CGJ' },
];

/** Where a demo user's role applies: a fixed unit, or the first unit of a level below 西山区. */
type DemoScope = { code: string } | { firstBelowXishan: 'street' | 'community' | 'grid' };

export interface DemoUser {
  name: string;
  phone: string;
  role: Role;
  /** Where the role applies, in words (the login page shows it). */
  scope: string;
  departmentCode?: string;
}

interface DemoUserSpec extends DemoUser {
  at: DemoScope;
}

const SPECS: readonly DemoUserSpec[] = [
  { name: '居民 李明', phone: '13800000001', role: 'resident', scope: '昆明市', at: { code: KUNMING } },
  { name: '网格员 张丽', phone: '13800000002', role: 'grid_worker', scope: '西山区 第一个街道的第一个网格', at: { firstBelowXishan: 'grid' } },
  { name: '市级综治中心 王强', phone: '13800000003', role: 'operator', scope: '昆明市 (市级中心)', at: { code: KUNMING } },
  { name: '区级综治中心 赵敏', phone: '13800000004', role: 'operator', scope: '西山区 (区级中心)', at: { code: XISHAN } },
  { name: '街道综治中心 陈刚', phone: '13800000005', role: 'operator', scope: '西山区 第一个街道 (街道中心)', at: { firstBelowXishan: 'street' } },
  { name: '社区综治中心 刘芳', phone: '13800000006', role: 'operator', scope: '西山区 第一个街道的第一个社区 (社区中心)', at: { firstBelowXishan: 'community' } },
  { name: '城管处置员 杨帆', phone: '13800000007', role: 'handler', scope: '西山区城市管理局 (西山区)', departmentCode: 'XS-CGJ', at: { code: XISHAN } },
  { name: '调解员 黄静', phone: '13800000008', role: 'mediator', scope: '西山区', at: { code: XISHAN } },
  { name: '督查员 周伟', phone: '13800000009', role: 'supervisor', scope: '昆明市', at: { code: KUNMING } },
  { name: '志愿服务管理员 吴娟', phone: '13800000010', role: 'volunteer_admin', scope: '西山区', at: { code: XISHAN } },
  { name: '分析员 郑洁', phone: '13800000011', role: 'analyst', scope: '昆明市', at: { code: KUNMING } },
  { name: '系统管理员 孙磊', phone: '13800000012', role: 'admin', scope: '昆明市', at: { code: KUNMING } },
];

/** The demo users (the login page lists them in demo mode). */
export const DEMO_USERS: readonly DemoUser[] = SPECS.map(({ at: _at, ...u }) => u);

async function resolveScope(db: Database, at: DemoScope): Promise<repo.RegionRef | null> {
  if ('code' in at) return repo.findRegionByCode(db, at.code);
  const xishan = await repo.findRegionByCode(db, XISHAN);
  if (!xishan) return null;
  // The first street, its first community, that community's first grid: one chain of centres.
  const street = await repo.firstRegionBelow(db, xishan.path, 'street');
  if (at.firstBelowXishan === 'street' || !street) return street;
  const community = await repo.firstRegionBelow(db, street.path, 'community');
  if (at.firstBelowXishan === 'community' || !community) return community;
  return (await repo.firstRegionBelow(db, community.path, 'grid')) ?? repo.firstRegionBelow(db, xishan.path, 'grid');
}

export async function seedIdentityDemo(db: Database, ctx: Ctx, log: (m: string) => void): Promise<{ departments: number; users: number }> {
  let departments = 0;
  for (const d of DEMO_DEPARTMENTS) {
    if (await repo.findDepartmentByCode(db, d.code)) continue;
    if (!(await repo.findRegionByCode(db, d.regionCode))) {
      log(`  department ${d.code} skipped: region ${d.regionCode} is not loaded`);
      continue;
    }
    await createDepartment(db, ctx, d);
    departments += 1;
  }
  let users = 0;
  for (const u of SPECS) {
    if (await repo.findUserByPhone(db, u.phone)) continue;
    const region = await resolveScope(db, u.at);
    if (!region) {
      log(`  demo user ${u.phone} (${u.role}) skipped: its region is not loaded`);
      continue;
    }
    await createUser(db, ctx, () => '', {
      name: u.name,
      phone: u.phone,
      password: DEMO_PASSWORD,
      grants: [{ role: u.role, regionCode: region.code, departmentCode: u.departmentCode }],
    });
    users += 1;
  }
  log(`  ${departments} departments, ${users} demo users (their password is in the README; demo only)`);
  return { departments, users };
}
