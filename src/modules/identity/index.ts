/**
 * The identity module's public surface: the only file other modules import. Users, departments
 * (职能部门), role grants over region subtrees, sessions, API keys; the authentication hook that
 * sets `request.actor` on every route.
 */
import type { Database, Sql } from '../../platform/db.js';
import type { ModuleManifest } from '../types.js';
import { registerAuthentication } from './auth.hook.js';
import { authRoutes } from './auth.routes.js';
import { registerIdentityCommands } from './cli.js';
import { seedIdentityDemo } from './demo.js';
import type { Actor, Role } from '../../platform/actor.js';
import { presentDepartment, presentGrant, type DepartmentJson, type GrantJson } from './identity.presenter.js';
import * as repo from './identity.repository.js';
import { identityRoutes } from './identity.routes.js';

export { DEMO_USERS, DEMO_PASSWORD, type DemoUser } from './demo.js';
export { maskIdCard, maskPhone, validateIdCard } from './idcard.js';
export { SESSION_COOKIE, authenticateApiKey } from './auth.service.js';
export { CSRF_HEADER } from './auth.hook.js';
export { STAFF_ROLES } from './identity.policy.js';
export type { DepartmentJson, GrantJson } from './identity.presenter.js';
export { userIdsWithRole } from './identity.repository.js';

export interface UserSummary {
  id: number;
  name: string;
  /** In full: mask it with maskPhone before showing it to anyone but the user or their admin. */
  phone: string;
  disabled: boolean;
  grants: GrantJson[];
}

/** A user by id (unscoped: for the module's own checks; scope what you show). */
export async function getUserById(sql: Sql, id: number): Promise<UserSummary | null> {
  const u = await repo.getUser(sql, id);
  if (!u) return null;
  const grants = await repo.grantsOfUsers(sql, [id]);
  return { id: u.id, name: u.name, phone: u.phone, disabled: u.disabled, grants: grants.map(presentGrant) };
}

/** A department by id (unscoped), with its region. */
export async function getDepartmentById(sql: Sql, id: number): Promise<(DepartmentJson & { regionPath: string }) | null> {
  const d = await repo.getDepartment(sql, id);
  return d ? { ...presentDepartment(d), regionPath: d.regionPath } : null;
}

/**
 * Departments the actor may see with these roles (default: any role): those serving a region
 * inside the actor's scope or above it. The system actor sees all.
 */
export async function listDepartments(
  sql: Sql,
  actor: Actor,
  opts: { roles?: readonly Role[]; regionCode?: string; kind?: string; limit?: number; offset?: number } = {},
): Promise<Array<DepartmentJson & { regionPath: string }>> {
  const rows = await repo.listDepartmentsScoped(sql, actor, opts.roles ?? [], {
    regionCode: opts.regionCode,
    kind: opts.kind,
    limit: opts.limit ?? 500,
    offset: opts.offset ?? 0,
  });
  return rows.map((d) => ({ ...presentDepartment(d), regionPath: d.regionPath }));
}

export const manifest: ModuleManifest = {
  name: 'identity',
  auditVerbs: ['user.create', 'user.update', 'user.grant', 'user.revoke_grant', 'user.locked', 'auth.login', 'auth.logout', 'department.create', 'department.update', 'apikey.create', 'apikey.revoke'],
  async hooks(app, deps) {
    await registerAuthentication(app, deps);
  },
  async routes(app, deps) {
    await authRoutes(app, deps);
    await identityRoutes(app, deps);
  },
  cli(program, helpers) {
    registerIdentityCommands(program, helpers);
  },
  async seedDemo(db: Database, ctx, log) {
    await seedIdentityDemo(db, ctx, log);
  },
};
