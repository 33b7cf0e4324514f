/** The audit module's endpoint (src/modules/audit): admins and supervisors, scoped by region. */
import { only, type AccessRow } from './types.js';

export const rows: AccessRow[] = [
  { method: 'GET', url: '/api/audit', anonymous: 'deny401', ...only(['admin', 'supervisor'], 'allow'), request: () => ({ url: '/api/audit?limit=5' }) },
];
