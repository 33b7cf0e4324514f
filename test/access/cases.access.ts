/**
 * Cases endpoints. Every role's actor holds its role over 五华区 ("in"); 盘龙区 is "out". Cases are
 * made by the system through the same commands the API runs, in the state each step needs; a
 * fresh case per request for roles expected to succeed (they consume it), one shared per
 * (row, target) for the others.
 */
import sharp from 'sharp';
import type { Role } from '../../src/platform/actor.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx, inTx } from '../../src/platform/context.js';
import { intake, runActionInTx, seedTaxonomy, type CaseAction } from '../../src/modules/cases/index.js';
import { onlyRoles, type AccessEnv, type AccessRow, type PerTarget, type Target } from './types.js';

type Step = [CaseAction, Record<string, unknown>];
const PATHS: Record<string, (dept: number) => Step[]> = {
  reported: () => [],
  accepted: () => [['accept', {}]],
  dispatched: (d) => [['accept', {}], ['dispatch', { leadDepartmentId: d }]],
  signed: (d) => [...PATHS.dispatched!(d), ['sign-for', {}]],
  in_progress: (d) => [...PATHS.signed!(d), ['start', {}]],
  handled: (d) => [...PATHS.in_progress!(d), ['handle', { summary: '已处置' }]],
  verified: (d) => [...PATHS.handled!(d), ['verify', { result: 'pass' }]],
  closed: (d) => [...PATHS.verified!(d), ['close', {}]],
  suspended: (d) => [...PATHS.signed!(d), ['suspend', { reason: '等待第三方' }]],
  extension: (d) => [...PATHS.signed!(d), ['request-extension', { hours: 4, reason: '需要材料' }]],
};

const POINT: Record<Target, { lng: number; lat: number }> = { in: { lng: 102.05, lat: 24.05 }, out: { lng: 103.1, lat: 24.1 } };

const taxonomy = (env: AccessEnv) => env.memo('cases-taxonomy', () => seedTaxonomy(env.db));

async function makeCase(env: AccessEnv, target: Target, state: keyof typeof PATHS): Promise<{ id: number; publicId: string }> {
  await taxonomy(env);
  return inTx(env.db, cliCtx(systemActor('access-matrix')), async (c) => {
    const r = await intake(c, { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: '矩阵测试案件', location: POINT[target] });
    for (const [action, body] of PATHS[state]!(env.departments[target].id)) await runActionInTx(c, r.case.id, action, body);
    return { id: r.case.id, publicId: r.case.public_id };
  });
}

/** A fresh case for roles that succeed, a shared one for the rest. */
const caseFor = (env: AccessEnv, target: Target, role: Role | 'anonymous', state: keyof typeof PATHS, consumers: readonly Role[], key: string) =>
  role !== 'anonymous' && consumers.includes(role) ? makeCase(env, target, state) : env.memo(`case-${key}-${target}`, () => makeCase(env, target, state));

const REGION_VIEW: readonly Role[] = ['operator', 'supervisor', 'admin', 'analyst', 'grid_worker'];
const IN_ONLY: PerTarget = { in: 'allow', out: 'deny404' };
const IN_403: PerTarget = { in: 'deny403', out: 'deny404' };

/** Expectations for a step: who succeeds, who sees the case but may not (403), everyone else 404. */
function stepRoles(allowed: readonly Role[], visibleDenied: readonly Role[]): Pick<AccessRow, 'roles' | 'otherRoles'> {
  const roles: Partial<Record<Role, PerTarget>> = {};
  for (const r of visibleDenied) roles[r] = IN_403;
  for (const r of allowed) roles[r] = IN_ONLY;
  return { roles, otherRoles: 'deny404' };
}

const centreStep = (action: CaseAction, state: keyof typeof PATHS, body: (env: AccessEnv, t: Target) => Promise<Record<string, unknown>> | Record<string, unknown>, handlerSees: boolean): AccessRow => ({
  method: 'POST',
  url: `/api/cases/:id/${action}`,
  anonymous: 'deny401',
  ...stepRoles(['operator'], [...REGION_VIEW.filter((r) => r !== 'operator'), ...(handlerSees ? (['handler'] as const) : [])]),
  request: async (env, target, role) => ({ url: `/api/cases/${(await caseFor(env, target, role, state, ['operator'], action)).id}/${action}`, payload: await body(env, target) }),
});

const handlerStep = (action: CaseAction, state: keyof typeof PATHS, payload: Record<string, unknown>, alsoOperator = false): AccessRow => ({
  method: 'POST',
  url: `/api/cases/:id/${action}`,
  anonymous: 'deny401',
  ...stepRoles(alsoOperator ? ['handler', 'operator'] : ['handler'], REGION_VIEW.filter((r) => alsoOperator ? r !== 'operator' : true)),
  request: async (env, target, role) => ({ url: `/api/cases/${(await caseFor(env, target, role, state, alsoOperator ? ['handler', 'operator'] : ['handler'], action)).id}/${action}`, payload }),
});

const readRow = (suffix: string, allowed: readonly Role[] = [...REGION_VIEW, 'handler'], denied: readonly Role[] = []): AccessRow => ({
  method: 'GET',
  url: `/api/cases/:id${suffix}`,
  anonymous: 'deny401',
  ...stepRoles(allowed, denied),
  request: async (env, target) => ({ url: `/api/cases/${(await env.memo(`case-read-${target}`, () => makeCase(env, target, 'dispatched'))).id}${suffix}` }),
});

async function png(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
}
function multipartBody(data: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const b = '----gzaccess';
  const payload = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nreport\r\n--${b}\r\nContent-Disposition: form-data; name="photo"; filename="p.png"\r\nContent-Type: image/png\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

const deadlines = { '1': { mode: 'calendar', sign_for: 1, handle: 4, verify: 2 }, '2': { mode: 'working', sign_for: 2, handle: 16, verify: 8 }, '3': { mode: 'working', sign_for: 4, handle: 40, verify: 16 } };
const ALLOW_ALL: Pick<AccessRow, 'roles' | 'otherRoles'> = { roles: {}, otherRoles: 'allow' };

async function ruleAt(env: AccessEnv, target: Target): Promise<number> {
  await taxonomy(env);
  const region = env.scope[target].district;
  const found = await env.db.query<{ id: number }>(`SELECT id FROM routing_rule WHERE active AND region_id = $1 AND category_code = 'CONSULT'`, [region.id]);
  if (found.rows[0]) return found.rows[0].id;
  const r = await env.db.query<{ id: number }>(
    `INSERT INTO routing_rule (category_code, region_id, region_path, lead_department_id) VALUES ('CONSULT', $1, $2, $3) RETURNING id`,
    [region.id, region.path, env.departments[target].id],
  );
  return r.rows[0]!.id;
}

export const rows: AccessRow[] = [
  {
    method: 'POST',
    url: '/api/cases',
    anonymous: 'allow',
    ...ALLOW_ALL,
    request: async (env, target) => {
      await taxonomy(env);
      return { url: '/api/cases', payload: { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: '矩阵上报', location: POINT[target] } };
    },
  },
  { method: 'GET', url: '/api/cases', anonymous: 'deny401', ...ALLOW_ALL, request: () => ({ url: '/api/cases?limit=5' }) },
  { method: 'GET', url: '/api/cases/map', anonymous: 'deny401', ...ALLOW_ALL, request: () => ({ url: '/api/cases/map?bbox=102,24,104,26&zoom=8' }) },
  readRow(''),
  readRow('/timeline'),
  readRow('/duplicates'),
  readRow('/routing-suggestion', ['operator', 'handler'], ['supervisor', 'admin', 'analyst', 'grid_worker']),

  centreStep('accept', 'reported', () => ({}), false),
  centreStep('reject', 'reported', () => ({ reason: '不属于受理范围' }), false),
  centreStep('classify', 'reported', () => ({ responseLevel: 2 }), false),
  centreStep('dispatch', 'accepted', (env, t) => ({ leadDepartmentId: env.departments[t].id }), false),
  centreStep('escalate', 'reported', () => ({ reason: '需上级协调' }), false),
  centreStep('dispatch-down', 'reported', (env, t) => ({ centreRegionCode: env.scope[t].community.code }), false),
  centreStep('merge', 'reported', async (env, t) => ({ into: (await env.memo(`merge-into-${t}`, () => makeCase(env, t, 'reported'))).id }), false),
  centreStep('close', 'verified', () => ({}), true),
  centreStep('decide-extension', 'extension', () => ({ approve: true }), true),
  centreStep('callback', 'closed', () => ({ satisfaction: 'satisfied' }), true),

  handlerStep('sign-for', 'dispatched', {}),
  handlerStep('return', 'dispatched', { reason: '不属于本部门' }),
  handlerStep('start', 'signed', {}),
  handlerStep('handle', 'in_progress', { summary: '已处理完毕' }),
  handlerStep('request-extension', 'signed', { hours: 8, reason: '需要时间' }),
  handlerStep('suspend', 'signed', { reason: '等待第三方' }, true),
  handlerStep('resume', 'suspended', {}, true),
  {
    method: 'POST',
    url: '/api/cases/:id/verify',
    anonymous: 'deny401',
    ...stepRoles(['grid_worker', 'operator'], ['supervisor', 'admin', 'analyst', 'handler']),
    request: async (env, target, role) => ({ url: `/api/cases/${(await caseFor(env, target, role, 'handled', ['grid_worker', 'operator'], 'verify')).id}/verify`, payload: { result: 'pass' } }),
  },
  {
    method: 'POST',
    url: '/api/cases/:id/attachments',
    anonymous: 'deny401',
    ...stepRoles(['operator', 'grid_worker'], ['supervisor', 'admin', 'analyst', 'handler']),
    request: async (env, target) => {
      const k = await env.memo(`case-read-${target}`, () => makeCase(env, target, 'dispatched'));
      const m = multipartBody(await env.memo('access-png', png));
      return { url: `/api/cases/${k.id}/attachments`, payload: m.payload, headers: m.headers };
    },
  },
  {
    method: 'GET',
    url: '/api/files/:sha256',
    anonymous: 'allow',
    ...ALLOW_ALL,
    // The public copy of a public case's photo, uploaded once by the in-district operator:
    // files are not region-scoped objects, so both targets use it.
    request: async (env) => {
      const sha = await env.memo('file-public-sha', async () => {
        const k = await makeCase(env, 'in', 'reported');
        const m = multipartBody(await png());
        const r = await env.app.inject({ method: 'POST', url: `/api/cases/${k.id}/attachments`, headers: { ...env.actors.operator.headers, ...m.headers }, payload: m.payload });
        return (r.json() as { items: Array<{ id: number }> }).items[0]!.id;
      });
      const row = await env.db.query<{ public_sha256: string }>('SELECT public_sha256 FROM case_attachment WHERE id = $1', [sha]);
      return { url: `/api/files/${row.rows[0]!.public_sha256}` };
    },
  },
  {
    method: 'GET',
    url: '/api/public/cases/:publicId',
    anonymous: 'allow',
    ...ALLOW_ALL,
    request: async (env, target) => ({ url: `/api/public/cases/${(await env.memo(`case-read-${target}`, () => makeCase(env, target, 'dispatched'))).publicId}` }),
  },
  {
    method: 'GET',
    url: '/api/public/cases/:publicId/timeline',
    anonymous: 'allow',
    ...ALLOW_ALL,
    request: async (env, target) => ({ url: `/api/public/cases/${(await env.memo(`case-read-${target}`, () => makeCase(env, target, 'dispatched'))).publicId}/timeline` }),
  },

  { method: 'GET', url: '/api/categories', anonymous: 'allow', ...ALLOW_ALL, request: async (env) => (await taxonomy(env), { url: '/api/categories' }) },
  { method: 'GET', url: '/api/categories/:code', anonymous: 'allow', ...ALLOW_ALL, request: async (env) => (await taxonomy(env), { url: '/api/categories/CITY.MATERIAL_PILE' }) },
  {
    method: 'POST',
    url: '/api/categories',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], 'allow'),
    request: async (env) => {
      await taxonomy(env);
      return { url: '/api/categories', payload: { code: `CITY.ACC${env.unique()}`, parentCode: 'CITY', nameZh: '矩阵类别', nameEn: 'Matrix', deadlines } };
    },
  },
  {
    method: 'PATCH',
    url: '/api/categories/:code',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], 'allow'),
    request: async (env) => (await taxonomy(env), { url: '/api/categories/CONSULT.SERVICE', payload: { sort: 5 } }),
  },
  { method: 'GET', url: '/api/routing-rules', anonymous: 'deny401', ...onlyRoles(['admin', 'operator'], 'allow'), request: () => ({ url: '/api/routing-rules' }) },
  {
    method: 'POST',
    url: '/api/routing-rules',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], { in: 'allow', out: 'deny404' }),
    request: async (env, target) => {
      await taxonomy(env);
      return { url: '/api/routing-rules', payload: { categoryCode: 'SAFETY', regionCode: env.scope[target].street.code, leadDepartmentId: env.departments[target].id } };
    },
  },
  {
    method: 'PATCH',
    url: '/api/routing-rules/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], { in: 'allow', out: 'deny404' }),
    request: async (env, target) => ({ url: `/api/routing-rules/${await ruleAt(env, target)}`, payload: { note: '矩阵' } }),
  },
  {
    method: 'DELETE',
    url: '/api/routing-rules/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], { in: 'allow', out: 'deny404' }),
    request: async (env, target) => ({ url: `/api/routing-rules/${await ruleAt(env, target)}` }),
  },
  // the working-day calendar (far-future days, so no deadline of another row moves)
  { method: 'GET', url: '/api/calendar', anonymous: 'deny401', ...onlyRoles(['operator', 'supervisor', 'admin', 'analyst', 'grid_worker', 'handler', 'mediator', 'volunteer_admin'], 'allow'), request: () => ({ url: '/api/calendar?year=2026' }) },
  {
    method: 'PUT',
    url: '/api/calendar/:day',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], 'allow'),
    request: () => ({ url: '/api/calendar/2098-10-01', payload: { kind: 'holiday', name: '矩阵假日' } }),
  },
  {
    method: 'DELETE',
    url: '/api/calendar/:day',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], 'allow'),
    request: async (env) => {
      await env.db.query(`INSERT INTO work_calendar (day, kind, name) VALUES ('2098-10-02', 'holiday', '矩阵假日') ON CONFLICT (day) DO NOTHING`);
      return { url: '/api/calendar/2098-10-02' };
    },
  },
  {
    method: 'POST',
    url: '/api/calendar/import',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], 'allow'),
    request: () => ({ url: '/api/calendar/import', payload: { year: 2099, days: [{ day: '2099-01-01', kind: 'holiday', name: '元旦' }] } }),
  },
  // bulk triage: per-case results (an out-of-scope case is a per-id 404 inside a 200)
  {
    method: 'POST',
    url: '/api/cases/bulk',
    anonymous: 'deny401',
    ...onlyRoles(['operator'], 'allow'),
    request: async (env, target, role) => ({ url: '/api/cases/bulk', payload: { action: 'accept', ids: [(await caseFor(env, target, role, 'reported', ['operator'], 'bulk')).id] } }),
  },
  { method: 'GET', url: '/api/public/cases/map', anonymous: 'allow', ...ALLOW_ALL, request: () => ({ url: '/api/public/cases/map?bbox=102,24,104,26&zoom=8' }) },
];
