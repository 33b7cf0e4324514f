/**
 * Who may geocode and who may import the gazetteer. The gazetteer's own predicates live here
 * beside the regions policy (and reuse its admin roles): geocoding is for any logged-in user or
 * API key (the report form and integrations), never anonymous — it answers from data a city
 * imported, and the route is rate-limited; importing needs admin over every point's region.
 */
import { coversPath, requireRole, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { IMPORT_ROLES } from './regions.policy.js';

export const gazetteerPolicy = {
  geocode(a: Actor): void {
    if (a.kind === 'anonymous') throw new AppError('unauthenticated');
  },
  importAny(a: Actor): void {
    if (a.kind === 'system') return;
    requireRole(a, IMPORT_ROLES);
  },
  canImportAt(a: Actor, path: string): boolean {
    return a.kind === 'system' || coversPath(a, IMPORT_ROLES, path);
  },
};
