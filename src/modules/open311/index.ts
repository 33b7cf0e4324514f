/**
 * The Open311 module's public surface: GeoReport v2 at /open311/v2/ (discovery, services, service
 * definitions, requests GET/POST, a request, tokens, and the servicerequestupdates extension) in
 * JSON and XML, over the cases module. See docs/open311.md.
 */
import type { ModuleManifest } from '../types.js';
import { open311Routes } from './open311.routes.js';

export { PREFIX as OPEN311_PREFIX, READ_RATE_LIMIT, SUBMIT_RATE_LIMIT, parseForm } from './open311.routes.js';
export { toXml, toOpen311Error, type Format, type Open311Error } from './open311.format.js';
export { openOrClosed, w3c } from './open311.presenter.js';
export { WINDOW_DAYS, MAX_PAGE_SIZE, dateWindow } from './open311.service.js';

export const manifest: ModuleManifest = {
  name: 'open311',
  auditVerbs: [],
  routes: open311Routes,
};
