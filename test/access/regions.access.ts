/**
 * The regions module's endpoints (src/modules/regions): browsing and locating are public; staff
 * lists need a working role over the unit; imports and staff assignments need admin over it.
 */
import { ALL_ROLES, SCOPED, onlyRoles, type AccessRow, type AccessEnv, type Target } from './types.js';

const PUBLIC = { roles: Object.fromEntries(ALL_ROLES.map((r) => [r, 'allow'])), otherRoles: 'allow' } as const;
let nextCommunity = 700;
let nextPlace = 1;

/** A unit of the target's district that staff can be assigned to: the grid in 五华区, else a community (404 comes first). */
const staffUnit = (env: AccessEnv, target: Target) => (target === 'in' ? env.city.wuhuaGrid.code : env.scope.out.community.code);

export const rows: AccessRow[] = [
  { method: 'GET', url: '/api/regions/locate', anonymous: 'allow', ...PUBLIC, request: () => ({ url: '/api/regions/locate?lng=102.05&lat=24.05' }) },
  { method: 'GET', url: '/api/regions', anonymous: 'allow', ...PUBLIC, request: (env, t) => ({ url: `/api/regions?parent=${env.scope[t].district.code}` }) },
  { method: 'GET', url: '/api/regions/:code', anonymous: 'allow', ...PUBLIC, request: (env, t) => ({ url: `/api/regions/${env.scope[t].street.code}` }) },
  { method: 'GET', url: '/api/regions/:code/children', anonymous: 'allow', ...PUBLIC, request: (env, t) => ({ url: `/api/regions/${env.scope[t].district.code}/children` }) },
  { method: 'GET', url: '/api/regions/:code/geojson', anonymous: 'allow', ...PUBLIC, request: (env, t) => ({ url: `/api/regions/${env.scope[t].district.code}/geojson?depth=2&simplify=0.001` }) },
  { method: 'GET', url: '/api/regions/:code/staff/summary', anonymous: 'allow', ...PUBLIC, request: (env, t) => ({ url: `/api/regions/${env.scope[t].district.code}/staff/summary` }) },
  {
    method: 'GET',
    url: '/api/regions/:code/staff',
    anonymous: 'deny401',
    ...onlyRoles(['admin', 'operator', 'grid_worker', 'supervisor', 'analyst'], SCOPED),
    request: (env, t) => ({ url: `/api/regions/${env.scope[t].district.code}/staff` }),
  },
  {
    method: 'POST',
    url: '/api/regions/:code/staff',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, t) => ({ url: `/api/regions/${staffUnit(env, t)}/staff`, payload: { name: '矩阵红袖标', role: 'red_armband' } }),
  },
  {
    method: 'POST',
    url: '/api/regions/import',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    request: (env, t) => {
      const street = env.scope[t].street.code;
      const code = `${street.slice(0, 9)}${String(nextCommunity++).padStart(3, '0')}`;
      return {
        url: `/api/regions/import?parent=${street}`,
        payload: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code, name: `矩阵社区${code.slice(-3)}` }, geometry: null }] },
      };
    },
  },
  {
    method: 'GET',
    url: '/api/regions/geocode',
    anonymous: 'deny401',
    roles: Object.fromEntries(ALL_ROLES.map((r) => [r, 'allow'])),
    otherRoles: 'allow',
    request: (env, t) => ({ url: `/api/regions/geocode?q=${encodeURIComponent(env.scope[t].district.name + env.scope[t].community.name)}` }),
  },
  {
    method: 'POST',
    url: '/api/regions/gazetteer/import',
    anonymous: 'deny401',
    ...onlyRoles(['admin'], SCOPED),
    // One point inside the target district's community; regionCode names the district, so an
    // admin of the other district gets 404 like for any unit outside their scope.
    request: (env, t) => ({
      url: `/api/regions/gazetteer/import?regionCode=${env.scope[t].district.code}`,
      headers: { 'content-type': 'text/csv' },
      payload: `矩阵路${nextPlace++},road,${t === 'in' ? '102.05,24.05' : '103.05,24.05'},wgs84\n`,
    }),
  },
];
