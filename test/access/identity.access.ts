/** Identity endpoints: auth, users and grants, departments, API keys. */
import { createTestApiKey, createUserWithGrants, TEST_PASSWORD } from '../helpers/identity.js';
import { onlyRoles, SCOPED, type AccessEnv, type AccessRow, type Target } from './types.js';

const STAFF = ['grid_worker', 'operator', 'handler', 'mediator', 'supervisor', 'volunteer_admin', 'analyst', 'admin'] as const;

/** A user holding an analyst grant on the target district's street. */
const person = (env: AccessEnv, target: Target) =>
  env.memo(`person-${target}`, () => createUserWithGrants(env.db, { grants: [{ role: 'analyst', regionCode: env.scope[target].street.code }] }));

export const rows: AccessRow[] = [
  {
    method: 'POST',
    url: '/api/auth/login',
    anonymous: 'allow',
    roles: {},
    otherRoles: 'allow',
    request: (env) => ({ url: '/api/auth/login', payload: { phone: env.actors.resident.phone, password: TEST_PASSWORD } }),
  },
  {
    method: 'POST',
    url: '/api/auth/logout',
    anonymous: 'deny401',
    roles: {},
    otherRoles: 'allow',
    // Logging out ends the session: use a fresh one so the role's actor stays logged in.
    request: async (env, _t, role) => ({ url: '/api/auth/logout', ...(role === 'anonymous' ? {} : { headers: await env.freshHeaders(role) }) }),
  },
  { method: 'GET', url: '/api/auth/me', anonymous: 'deny401', roles: {}, otherRoles: 'allow', request: () => ({ url: '/api/auth/me' }) },
  // The matrix app runs in demo mode; outside it the endpoint answers 404 to everyone.
  { method: 'GET', url: '/api/auth/demo-users', anonymous: 'allow', roles: {}, otherRoles: 'allow', request: () => ({ url: '/api/auth/demo-users' }) },

  { method: 'GET', url: '/api/users', anonymous: 'deny401', ...onlyRoles(['admin'], 'allow'), request: () => ({ url: '/api/users' }) },
  {
    method: 'POST',
    url: '/api/users',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, target) => ({
      url: '/api/users',
      payload: {
        name: '矩阵用户',
        phone: `135${String(Number(env.unique().replace(/\D/g, '')) % 100_000_000).padStart(8, '0')}`,
        password: TEST_PASSWORD,
        grants: [{ role: 'resident', regionCode: env.scope[target].community.code }],
      },
    }),
  },
  {
    method: 'GET',
    url: '/api/users/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: async (env, target) => ({ url: `/api/users/${(await person(env, target)).id}` }),
  },
  {
    method: 'PATCH',
    url: '/api/users/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: async (env, target) => ({ url: `/api/users/${(await person(env, target)).id}`, payload: { name: `改名${env.unique()}` } }),
  },
  {
    method: 'POST',
    url: '/api/users/:id/grants',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: async (env, target) => ({
      url: `/api/users/${(await person(env, target)).id}/grants`,
      payload: { role: 'mediator', regionCode: env.scope[target].community.code },
    }),
  },
  {
    method: 'DELETE',
    url: '/api/users/:id/grants/:grantId',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    // Only an admin's request consumes the grant: give each of those a new user.
    request: async (env, target, role) => {
      const make = () => createUserWithGrants(env.db, { grants: [{ role: 'mediator', regionCode: env.scope[target].community.code }] });
      const u = role === 'admin' ? await make() : await env.memo(`grant-holder-${target}`, make);
      const g = await env.db.query<{ id: number }>('SELECT id FROM role_grant WHERE user_id = $1', [u.id]);
      return { url: `/api/users/${u.id}/grants/${g.rows[0]!.id}` };
    },
  },

  { method: 'GET', url: '/api/departments', anonymous: 'deny401', ...onlyRoles(STAFF, 'allow'), request: () => ({ url: '/api/departments' }) },
  {
    method: 'POST',
    url: '/api/departments',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, target) => ({
      url: '/api/departments',
      payload: { code: `ACC-${env.unique()}`, name: '矩阵测试局', kind: '城管', regionCode: env.scope[target].district.code },
    }),
  },
  {
    method: 'GET',
    url: '/api/departments/:id',
    anonymous: 'deny401',
    ...onlyRoles(STAFF, SCOPED),
    request: (env, target) => ({ url: `/api/departments/${env.departments[target].id}` }),
  },

  {
    method: 'PATCH',
    url: '/api/departments/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, target) => ({ url: `/api/departments/${env.departments[target].id}`, payload: { kind: '城管' } }),
  },

  { method: 'GET', url: '/api/apikeys', anonymous: 'deny401', ...onlyRoles(['admin'], 'allow'), request: () => ({ url: '/api/apikeys' }) },
  {
    method: 'POST',
    url: '/api/apikeys',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, target) => ({ url: '/api/apikeys', payload: { name: `矩阵 ${env.unique()}`, grants: [{ role: 'analyst', regionCode: env.scope[target].district.code }] } }),
  },
  {
    method: 'DELETE',
    url: '/api/apikeys/:id',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: async (env, target) => ({ url: `/api/apikeys/${(await createTestApiKey(env.db, { role: 'analyst', regionCode: env.scope[target].street.code })).id}` }),
  },
];
