/**
 * Who may do what to which unit. Browsing and locating are public (administrative divisions are
 * public information; residents locate before they log in). Writing needs admin over the target
 * subtree; the people who staff the grids (names, phones) are for the roles that work with them.
 */
import { coversPath, grantsWith, requireRole, type Actor, type Role } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';

export const IMPORT_ROLES: readonly Role[] = ['admin'];
export const STAFF_WRITE_ROLES: readonly Role[] = ['admin'];
export const STAFF_READ_ROLES: readonly Role[] = ['admin', 'operator', 'grid_worker', 'supervisor', 'analyst'];
/** Who sees staff phone numbers unmasked. */
export const PHONE_ROLES: readonly Role[] = ['admin', 'operator'];

export const policy = {
  /** Gate of the import endpoint: logged in, with an admin grant somewhere. */
  importAny(a: Actor): void {
    requireRole(a, IMPORT_ROLES);
  },
  /** Create or change units below (or at) this path. */
  canImportAt(a: Actor, path: string): boolean {
    return coversPath(a, IMPORT_ROLES, path);
  },
  /**
   * Create a new root (a city). Only the machine's operator (CLI) or an admin whose grant is
   * itself on a root: nobody scoped to a district may add a city.
   */
  canCreateRoot(a: Actor): boolean {
    if (a.kind === 'system') return true;
    return grantsWith(a, IMPORT_ROLES).some((g) => g.regionPath.split('/').filter(Boolean).length === 1);
  },
  readStaff(a: Actor, regionPath: string): void {
    requireRole(a, STAFF_READ_ROLES);
    // Not yours answers like missing.
    if (!coversPath(a, STAFF_READ_ROLES, regionPath)) throw new AppError('region_not_found');
  },
  writeStaff(a: Actor, regionPath: string): void {
    requireRole(a, STAFF_WRITE_ROLES);
    if (!coversPath(a, STAFF_WRITE_ROLES, regionPath)) throw new AppError('region_not_found');
  },
  seesPhone(a: Actor, staffRegionPath: string): boolean {
    return coversPath(a, PHONE_ROLES, staffRegionPath);
  },
};
