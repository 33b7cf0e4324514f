/**
 * Who may do what with the governance index. Role gates first (401 nobody, 403 a role that may
 * never do it); region scope is decided by the repository's scoped queries: a reader sees the
 * snapshots whose units overlap their regions and, in them, only the rows of their subtree; a
 * region outside it answers 404 like a missing one. City leaders hold the analyst role (there
 * is no separate leader role); supervisors (督查) read the index too.
 */
import { coversPath, requireRole, scopePaths, type Actor, type Role } from '../../platform/actor.js';

const RULES = {
  'index.read': ['analyst', 'admin', 'supervisor'],
  'index.compute': ['analyst', 'admin'],
  'index.frameworks.create': ['admin'],
  'index.indicators.import': ['analyst', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type IndexAction = keyof typeof RULES;

export const rolesFor = (action: IndexAction): readonly Role[] => RULES[action];

export function authorize(actor: Actor, action: IndexAction): void {
  requireRole(actor, RULES[action]);
}

/** Path prefixes the actor may act on with this action; null = everything (the system). */
export const scopeFor = (actor: Actor, action: IndexAction): string[] | null => scopePaths(actor, RULES[action]);

/** May the actor act on this region (a unit of a snapshot, a row of an import)? */
export const coversRegion = (actor: Actor, action: IndexAction, regionPath: string): boolean => coversPath(actor, RULES[action], regionPath);

/** The actions the actor's roles allow somewhere (what the web app may show). */
export function allowedActions(actor: Actor): IndexAction[] {
  return (Object.keys(RULES) as IndexAction[]).filter((a) => {
    try {
      authorize(actor, a);
      return true;
    } catch {
      return false;
    }
  });
}
