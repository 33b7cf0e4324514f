/** The platform's own endpoints (src/app.ts): public health, readiness, metrics and the API description. */
import type { AccessRow } from './types.js';

const open = (url: string): AccessRow => ({ method: 'GET', url, anonymous: 'allow', roles: {}, otherRoles: 'allow', request: () => ({ url }) });

export const rows: AccessRow[] = [open('/healthz'), open('/readyz'), open('/metrics'), open('/openapi.json')];
