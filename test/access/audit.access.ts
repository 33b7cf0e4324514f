/** The audit module's endpoint (src/modules/audit): admins and supervisors, scoped by region. */
import { onlyRoles, type AccessRow } from './types.js';

export const rows: AccessRow[] = [
  { method: 'GET', url: '/api/audit', anonymous: 'deny401', ...onlyRoles(['admin', 'supervisor'], 'allow'), request: () => ({ url: '/api/audit?limit=5' }) },
];
