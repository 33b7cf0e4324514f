/** The web app's routes: the SPA shell for any non-API path, and the settings it reads at start. */
import type { AccessRow } from './types.js';

export const rows: AccessRow[] = [
  { method: 'GET', url: '/api/web/config', anonymous: 'allow', roles: {}, otherRoles: 'allow', request: () => ({ url: '/api/web/config' }) },
  { method: 'GET', url: '/', anonymous: 'allow', roles: {}, otherRoles: 'allow', request: () => ({ url: '/' }) },
  // A deep link of the app: index.html, the client router takes it from there.
  { method: 'GET', url: '/*', anonymous: 'allow', roles: {}, otherRoles: 'allow', request: () => ({ url: '/screen/530100000000' }) },
];
