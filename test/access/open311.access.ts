/**
 * Open311 GeoReport v2 (/open311/v2/…): reading is public for everyone; submitting needs an API key
 * (the spec's 403 for a missing key), so no session user and nobody anonymous may POST.
 */
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx, inTx } from '../../src/platform/context.js';
import { intake, seedTaxonomy } from '../../src/modules/cases/index.js';
import type { AccessEnv, AccessRow } from './types.js';

const taxonomy = (env: AccessEnv) => env.memo('cases-taxonomy', () => seedTaxonomy(env.db));

/** One public case for the request and token look-ups. */
const publicCase = (env: AccessEnv) =>
  env.memo('open311-case', async () => {
    await taxonomy(env);
    return inTx(env.db, cliCtx(systemActor('access-matrix')), async (c) => {
      const r = await intake(c, { channel: 'open311', categoryCode: 'CITY.EXPOSED_WASTE', description: '矩阵测试 Open311', location: { lng: 102.05, lat: 24.05 } });
      return r.case.public_id;
    });
  });

const open = (url: string, request: AccessRow['request']): AccessRow => ({ method: 'GET', url, anonymous: 'allow', roles: {}, otherRoles: 'allow', request });

export const rows: AccessRow[] = [
  open('/open311/v2/discovery.:format', () => ({ url: '/open311/v2/discovery.json' })),
  open('/open311/v2/services.:format', () => ({ url: '/open311/v2/services.xml' })),
  open('/open311/v2/services/:file', async (env) => {
    await taxonomy(env);
    return { url: '/open311/v2/services/CITY.EXPOSED_WASTE.json' };
  }),
  open('/open311/v2/requests.:format', () => ({ url: '/open311/v2/requests.json' })),
  open('/open311/v2/requests/:file', async (env) => ({ url: `/open311/v2/requests/${await publicCase(env)}.json` })),
  open('/open311/v2/tokens/:file', async (env) => ({ url: `/open311/v2/tokens/${await publicCase(env)}.xml` })),
  open('/open311/v2/servicerequestupdates.:format', () => ({ url: '/open311/v2/servicerequestupdates.json' })),
  // Unknown paths under the prefix: the spec's 404 for everyone.
  { method: 'GET', url: '/open311/v2/*', anonymous: 'deny404', roles: {}, otherRoles: 'deny404', request: () => ({ url: '/open311/v2/nothing.json' }) },
  {
    method: 'POST',
    url: '/open311/v2/requests.:format',
    // API keys only: a session (any role) or nobody gets the spec's 403.
    anonymous: 'deny403',
    roles: {},
    otherRoles: 'deny403',
    request: () => ({ url: '/open311/v2/requests.json', payload: { service_code: 'CITY.EXPOSED_WASTE', lat: 24.05, long: 102.05, description: '矩阵测试' } }),
  },
];
