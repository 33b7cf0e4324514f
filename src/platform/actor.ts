import { AppError } from './errors.js';
/**
 * Who is acting, and the shared predicates every module's policy is written with. Region scope
 * is an ancestor path of region ids, delimited on both sides ("/1/17/203/"), so "is X inside Y"
 * is a prefix test on whole path segments, never on zero-padded codes.
 */
export const ROLES = [
  'resident',
  'grid_worker',
  'operator',
  'handler',
  'mediator',
  'supervisor',
  'volunteer_admin',
  'analyst',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface Grant {
  role: Role;
  regionId: number;
  regionCode: string;
  /** Ancestor path of the granted region, e.g. "/1/17/". Covers the region and all below it. */
  regionPath: string;
  departmentId: number | null;
}

export type Actor =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: number; name: string; grants: Grant[]; sessionId: string | null }
  | { kind: 'api_key'; id: number; name: string; grants: Grant[] }
  /** The system itself: the scheduler, seeding, the CLI run by an operator of the machine. */
  | { kind: 'system'; name: string };

export const ANONYMOUS: Actor = { kind: 'anonymous' };
export const systemActor = (name = 'system'): Actor => ({ kind: 'system', name });

export const isAuthenticated = (a: Actor): boolean => a.kind === 'user' || a.kind === 'api_key';

export function grantsOf(a: Actor): Grant[] {
  return a.kind === 'user' || a.kind === 'api_key' ? a.grants : [];
}

/** Grants of the actor with one of the roles (all grants when roles is empty). */
export function grantsWith(a: Actor, roles: readonly Role[]): Grant[] {
  const gs = grantsOf(a);
  return roles.length === 0 ? gs : gs.filter((g) => roles.includes(g.role));
}

export const hasRole = (a: Actor, roles: readonly Role[]): boolean => a.kind === 'system' || grantsWith(a, roles).length > 0;

/** True when the actor holds one of the roles over a region whose path covers regionPath. */
export function coversPath(a: Actor, roles: readonly Role[], regionPath: string): boolean {
  if (a.kind === 'system') return true;
  return grantsWith(a, roles).some((g) => regionPath.startsWith(g.regionPath));
}

/**
 * The minimal set of path prefixes the actor may see with these roles (a grant below another
 * grant adds nothing). `null` means unrestricted (the system actor). An empty array means nothing.
 */
export function scopePaths(a: Actor, roles: readonly Role[]): string[] | null {
  if (a.kind === 'system') return null;
  const paths = [...new Set(grantsWith(a, roles).map((g) => g.regionPath))].sort((x, y) => x.length - y.length);
  const minimal: string[] = [];
  for (const p of paths) if (!minimal.some((m) => p.startsWith(m))) minimal.push(p);
  return minimal;
}

/**
 * A SQL condition restricting `column` (a region path column) to the actor's scope, with its
 * parameter. Use it in repositories to build region-scoped query roots:
 *   const s = scopeSql(actor, ['operator'], 'r.path', 3);  // "$3" is the next free placeholder
 *   sql = `... WHERE ${s.sql}`; params.push(...s.params)
 */
export function scopeSql(a: Actor, roles: readonly Role[], column: string, nextParam: number): { sql: string; params: unknown[] } {
  const paths = scopePaths(a, roles);
  if (paths === null) return { sql: 'TRUE', params: [] };
  if (paths.length === 0) return { sql: 'FALSE', params: [] };
  return { sql: `${column} LIKE ANY ($${nextParam}::text[])`, params: [paths.map((p) => `${p}%`)] };
}

/** A readable label for audit records and logs. */
export function actorLabel(a: Actor): { type: string; id: number | null; name: string } {
  switch (a.kind) {
    case 'anonymous':
      return { type: 'anonymous', id: null, name: 'anonymous' };
    case 'system':
      return { type: 'system', id: null, name: a.name };
    default:
      return { type: a.kind, id: a.id, name: a.name };
  }
}

/**
 * The gate at the top of a policy: 401 for nobody, 403 for someone without any of the roles.
 * (Scope is decided afterwards by the region-scoped query, which answers 404 for "not yours".)
 */
export function requireRole(a: Actor, roles: readonly Role[]): void {
  if (a.kind === 'system') return;
  if (!isAuthenticated(a)) throw new AppError('unauthenticated');
  if (roles.length > 0 && grantsWith(a, roles).length === 0) {
    throw new AppError('forbidden', `This needs one of the roles: ${roles.join(', ')}.`, { roles });
  }
}
