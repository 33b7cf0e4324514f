/**
 * Who may do what in the identity module. Role gates come first (401 for nobody, 403 for a role
 * that may never do it); scope is decided by the repository's scoped query roots, which answer
 * 404 for anything outside the actor's regions, exactly like a missing object.
 */
import { coversPath, requireRole, ROLES, scopePaths, type Actor, type Role } from '../../platform/actor.js';

/** Everyone who works in the system, as opposed to residents. */
export const STAFF_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'resident');

const RULES = {
  'users.list': ['admin'],
  'users.read': ['admin'],
  'users.create': ['admin'],
  'users.update': ['admin'],
  'users.grant': ['admin'],
  'users.revoke_grant': ['admin'],
  'apikeys.list': ['admin'],
  'apikeys.create': ['admin'],
  'apikeys.revoke': ['admin'],
  'departments.list': STAFF_ROLES,
  'departments.read': STAFF_ROLES,
  'departments.create': ['admin'],
  'departments.update': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type IdentityAction = keyof typeof RULES;

/** The roles an action needs (and whose scope decides what the actor sees). */
export const rolesFor = (action: IdentityAction): readonly Role[] => RULES[action];

/** The role gate of an action: throws unauthenticated (401) or forbidden (403). */
export function authorize(actor: Actor, action: IdentityAction): void {
  requireRole(actor, RULES[action]);
}

/** May the actor administer (grant roles over, create departments in) this region? */
export const administersRegion = (actor: Actor, regionPath: string): boolean => coversPath(actor, ['admin'], regionPath);

/**
 * May the actor manage this person (edit, reset the password, see the phone and ID card
 * unmasked)? Only when every grant the person holds lies inside the actor's admin scope: a
 * district admin cannot take over a city-wide account that merely also has a grant in the
 * district. A person without grants belongs to an admin of a whole city.
 */
export function managesHolder(actor: Actor, grantPaths: readonly string[]): boolean {
  if (actor.kind === 'system') return true;
  if (grantPaths.length > 0) return grantPaths.every((p) => administersRegion(actor, p));
  const paths = scopePaths(actor, ['admin']) ?? [];
  return paths.some((p) => p.split('/').filter(Boolean).length === 1);
}

/** The identity actions the actor's roles allow somewhere (what the web app may show). */
export function allowedActions(actor: Actor): IdentityAction[] {
  return (Object.keys(RULES) as IdentityAction[]).filter((a) => {
    try {
      authorize(actor, a);
      return true;
    } catch {
      return false;
    }
  });
}
