/**
 * Every module of the platform, in dependency order. buildApp registers their hooks and routes
 * in this order; `gongzhi seed demo` seeds them in this order; the CLI adds their commands.
 */
import { manifest as audit } from './audit/index.js';
import { manifest as cases } from './cases/index.js';
import { manifest as governanceIndex } from './governance-index/index.js';
import { manifest as identity } from './identity/index.js';
import { manifest as notifications } from './notifications/index.js';
import { manifest as open311 } from './open311/index.js';
import { manifest as regions } from './regions/index.js';
import { manifest as web } from './web/index.js';
import type { ModuleManifest } from './types.js';

export const MODULES: readonly ModuleManifest[] = [audit, regions, identity, cases, open311, notifications, governanceIndex, web];
