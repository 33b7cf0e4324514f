/**
 * Governance-index endpoints. Readers (analyst, admin, supervisor) see snapshots whose units
 * overlap their regions; analysts and admins compute and import; admins define frameworks. A
 * snapshot over 盘龙区 ("out") is invisible to the 五华区 actors: 404 like a missing one.
 *
 * The matrix city has no live figures, so the world gets one imported survey value per district
 * and snapshots computed with dropMissing (the default framework on that one indicator).
 * The report.pdf row needs Debian's chromium (and fonts-noto-cjk) on the machine: without it the
 * allowed calls answer 503 report_unavailable.
 */
import { systemActor, type Role } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { computeSnapshot, DEFAULT_FRAMEWORK, ensureDefaultFramework, importIndicators } from '../../src/modules/governance-index/index.js';
import { onlyRoles, SCOPED, type AccessEnv, type AccessRow, type Target } from './types.js';

const READ: readonly Role[] = ['analyst', 'admin', 'supervisor'];
const COMPUTE: readonly Role[] = ['analyst', 'admin'];
const PERIOD = '2026';
const sys = () => cliCtx(systemActor('access-matrix'));

/** The default framework and one imported value per district. */
const world = (env: AccessEnv) =>
  env.memo('gi-world', async () => {
    await ensureDefaultFramework(env.db, sys());
    const csv = ['region_code,period,public_safety_sense', `${env.scope.in.district.code},${PERIOD},92`, `${env.scope.out.district.code},${PERIOD},88`].join('\n');
    await importIndicators(env.db, sys(), { buffer: Buffer.from(csv), fileName: 'access-matrix.csv' });
  });

/** A snapshot over the target's district, computed by the system. */
const snapshot = (env: AccessEnv, target: Target) =>
  env.memo(`gi-snapshot-${target}`, async () => {
    await world(env);
    const s = await computeSnapshot(env.db, sys(), { framework: DEFAULT_FRAMEWORK.code, period: PERIOD, level: 'district', scope: env.scope[target].district.code, options: { dropMissing: true } });
    return s.id;
  });

const read = (suffix: string): AccessRow => ({
  method: 'GET',
  url: `/api/index/snapshots/:id${suffix}`,
  anonymous: 'deny401',
  ...onlyRoles(READ, SCOPED),
  request: async (env, target) => ({ url: `/api/index/snapshots/${await snapshot(env, target)}${suffix}` }),
});

export const rows: AccessRow[] = [
  { method: 'GET', url: '/api/index/indicators', anonymous: 'deny401', ...onlyRoles(READ, 'allow'), request: () => ({ url: '/api/index/indicators' }) },
  {
    method: 'POST',
    url: '/api/index/indicators/import',
    anonymous: 'deny401',
    // A collection endpoint: scope is checked per row of the file (a region outside it reads as
    // unknown, 400 naming the row), so the request always names an in-scope district.
    ...onlyRoles(COMPUTE, 'allow'),
    request: (env) => ({
      url: '/api/index/indicators/import',
      headers: { 'content-type': 'text/csv' },
      payload: ['region_code,period,indicator_code,value', `${env.scope.in.district.code},2025,public_service_satisfaction,90`].join('\n'),
    }),
  },
  { method: 'GET', url: '/api/index/frameworks', anonymous: 'deny401', ...onlyRoles(READ, 'allow'), request: () => ({ url: '/api/index/frameworks' }) },
  {
    method: 'GET',
    url: '/api/index/frameworks/:code',
    anonymous: 'deny401',
    ...onlyRoles(READ, 'allow'),
    request: async (env) => {
      await world(env);
      return { url: `/api/index/frameworks/${DEFAULT_FRAMEWORK.code}` };
    },
  },
  {
    method: 'POST',
    url: '/api/index/frameworks',
    anonymous: 'deny401',
    // Frameworks are definitions, not data of a region: any admin may define one.
    ...onlyRoles(['admin'], 'allow'),
    request: (env) => ({ url: '/api/index/frameworks', payload: { code: `acc-${env.unique()}`, nameZh: '矩阵测试框架', nameEn: 'Matrix test', tree: DEFAULT_FRAMEWORK.tree } }),
  },
  {
    method: 'POST',
    url: '/api/index/snapshots',
    anonymous: 'deny401',
    ...onlyRoles(COMPUTE, SCOPED),
    request: async (env, target) => {
      await world(env);
      return { url: '/api/index/snapshots', payload: { framework: DEFAULT_FRAMEWORK.code, period: PERIOD, level: 'district', scope: env.scope[target].district.code, options: { dropMissing: true, uncertainty: { replications: 0 } } } };
    },
  },
  { method: 'GET', url: '/api/index/snapshots', anonymous: 'deny401', ...onlyRoles(READ, 'allow'), request: () => ({ url: '/api/index/snapshots' }) },
  read(''),
  {
    method: 'GET',
    url: '/api/index/snapshots/:id/regions/:code',
    anonymous: 'deny401',
    ...onlyRoles(READ, SCOPED),
    request: async (env, target) => ({ url: `/api/index/snapshots/${await snapshot(env, target)}/regions/${env.scope[target].district.code}` }),
  },
  read('/geojson'),
  read('/report.xlsx'),
  read('/report.pdf'),
  {
    method: 'GET',
    url: '/api/index/trend',
    anonymous: 'deny401',
    ...onlyRoles(READ, SCOPED),
    request: async (env, target) => {
      await snapshot(env, target);
      return { url: `/api/index/trend?framework=${DEFAULT_FRAMEWORK.code}&region=${env.scope[target].district.code}` };
    },
  },
];
