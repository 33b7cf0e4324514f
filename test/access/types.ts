/**
 * Rows of the access matrix (test/access-matrix.test.ts). Each module has one file
 * test/access/<module>.access.ts exporting `rows: AccessRow[]`, one row per endpoint. The matrix
 * test calls every registered endpoint as anonymous and as each of the nine roles, against an
 * object inside the actor's scope and one outside it, and compares the status with the row.
 *
 * The world the requests run in (AccessEnv): a mini city (test/helpers/fixtures.ts), with every
 * role's actor holding that role over 五华区 (the handler for the 五华区 department). "in" targets
 * live in 五华区, "out" targets in 盘龙区. Build a valid request: a 400 counts as a failure of
 * an 'allow' expectation (validation runs before the policy, so a bad request proves nothing).
 */
import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../../src/platform/actor.js';
import type { Database } from '../../src/platform/db.js';
import type { MiniCity, RegionRow } from '../helpers/fixtures.js';
import type { SessionHeaders } from '../helpers/identity.js';

/**
 * - 'allow': not 400/401/403/404 and not 5xx (201, 204, 409 conflict, 423 … are fine);
 * - 'deny401': 401 (nobody logged in);
 * - 'deny403': 403 (the role may never do this);
 * - 'deny404': 404 (the object is outside the actor's scope, answered like a missing one).
 */
export type Expect = 'allow' | 'deny401' | 'deny403' | 'deny404';

/** Which object the request targets: inside the actor's scope (五华区) or outside it (盘龙区). */
export type Target = 'in' | 'out';

/** One expectation for both targets, or one per target. */
export type PerTarget = Expect | { in: Expect; out: Expect };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AccessRequest {
  /** The concrete URL (path parameters filled in), with a query string if needed. */
  url: string;
  payload?: unknown;
  /** Merged over the actor's headers (e.g. a fresh session for logout: env.freshHeaders(role)). */
  headers?: Record<string, string>;
}

export interface AccessEnv {
  app: FastifyInstance;
  db: Database;
  city: MiniCity;
  /** The units of the in-scope (五华区) and out-of-scope (盘龙区) districts. */
  scope: Record<Target, { district: RegionRow; street: RegionRow; community: RegionRow }>;
  /** A department serving each district (codes ACC-WH, ACC-PL). */
  departments: Record<Target, { id: number; code: string }>;
  /** The actor of each role, a user holding that role over 五华区. Password: TEST_PASSWORD. */
  actors: Record<Role, { id: number; phone: string; headers: SessionHeaders }>;
  /** A new session for a role's actor (for requests that end or change their session). */
  freshHeaders(role: Role): Promise<SessionHeaders>;
  /** A string unique within the run, for codes and names. */
  unique(): string;
  /** Compute once per key and reuse (targets shared by the row's requests). */
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface AccessRow {
  method: HttpMethod;
  /** The route exactly as registered, e.g. '/api/users/:id'. */
  url: string;
  anonymous: Expect;
  /** Expectations per role; roles not listed take `otherRoles`. */
  roles: Partial<Record<Role, PerTarget>>;
  otherRoles?: PerTarget;
  /** A valid-enough request; called once per (actor, target), so it may create what it consumes. */
  request(env: AccessEnv, target: Target, role: Role | 'anonymous'): AccessRequest | Promise<AccessRequest>;
}

export const ALL_ROLES: readonly Role[] = ROLES;

/** `roles` for "these roles get `yes`, every other role gets `no`". */
export function onlyRoles(allowed: readonly Role[], yes: PerTarget, no: PerTarget = 'deny403'): Pick<AccessRow, 'roles' | 'otherRoles'> {
  const roles: Partial<Record<Role, PerTarget>> = {};
  for (const r of allowed) roles[r] = yes;
  return { roles, otherRoles: no };
}

/** In scope allowed, out of scope answered 404. */
export const SCOPED: PerTarget = { in: 'allow', out: 'deny404' };
