/**
 * KPI and supervision-ticket endpoints (src/modules/cases/kpi). KPIs: analyst, operator, supervisor
 * and admin over a region; a region outside the grant answers 404. Tickets: operators, supervisors
 * and admins see those of their regions; operators and supervisors close them (an admin may look,
 * not close: 403).
 */
import type { Role } from '../../src/platform/actor.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx, inTx } from '../../src/platform/context.js';
import { intake, seedTaxonomy } from '../../src/modules/cases/index.js';
import { onlyRoles, SCOPED, type AccessEnv, type AccessRow, type PerTarget, type Target } from './types.js';

const KPI: readonly Role[] = ['analyst', 'operator', 'supervisor', 'admin'];
const VIEW: readonly Role[] = ['operator', 'supervisor', 'admin'];
const CLOSE: readonly Role[] = ['operator', 'supervisor'];
const POINT: Record<Target, { lng: number; lat: number }> = { in: { lng: 102.05, lat: 24.05 }, out: { lng: 103.1, lat: 24.1 } };

const kpiRow = (url: string, query: string): AccessRow => ({
  method: 'GET',
  url,
  anonymous: 'deny401',
  ...onlyRoles(KPI, SCOPED),
  request: (env, target) => ({ url: `${url}?region=${env.scope[target].district.code}${query}` }),
});

/** An open overdue ticket at the target district, on a case reported there. */
async function makeTicket(env: AccessEnv, target: Target): Promise<number> {
  await env.memo('cases-taxonomy', () => seedTaxonomy(env.db));
  return inTx(env.db, cliCtx(systemActor('access-matrix')), async (c) => {
    const r = await intake(c, { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', description: '督办矩阵测试', location: POINT[target] });
    const d = env.scope[target].district;
    const t = await c.tx.query<{ id: number }>(
      `INSERT INTO supervision_ticket (city_code, case_id, region_id, region_path, level, kind, reason, opened_at, opened_by_type)
       VALUES ($1, $2, $3, $4, 'district', 'manual', '矩阵测试', now(), 'system') RETURNING id`,
      [r.case.city_code, r.case.id, d.id, d.path],
    );
    return Number(t.rows[0]!.id);
  });
}

const closeRoles: Partial<Record<Role, PerTarget>> = { operator: SCOPED, supervisor: SCOPED, admin: { in: 'deny403', out: 'deny404' } };

export const rows: AccessRow[] = [
  kpiRow('/api/kpi/summary', '&from=2025-03-01&to=2025-03-31'),
  kpiRow('/api/kpi', '&by=region'),
  kpiRow('/api/kpi/export.csv', '&by=category'),
  kpiRow('/api/kpi/export.xlsx', '&by=day'),
  kpiRow('/api/kpi/rankings', ''),
  {
    method: 'GET',
    url: '/api/supervision-tickets',
    anonymous: 'deny401',
    ...onlyRoles(VIEW, SCOPED),
    request: (env, target) => ({ url: `/api/supervision-tickets?region=${env.scope[target].district.code}` }),
  },
  {
    method: 'POST',
    url: '/api/supervision-tickets/:id/close',
    anonymous: 'deny401',
    roles: closeRoles,
    otherRoles: 'deny403',
    request: async (env, target, role) => {
      // Roles that succeed consume a ticket; the others share one per target.
      const id = role !== 'anonymous' && CLOSE.includes(role) && target === 'in' ? await makeTicket(env, target) : await env.memo(`kpi-ticket-${target}`, () => makeTicket(env, target));
      return { url: `/api/supervision-tickets/${id}/close`, payload: { note: '已督办处理' } };
    },
  },
];
