/**
 * All SQL of the identity module. Lists and lookups for an actor go through the scoped query
 * roots below (users, departments and API keys the actor may see); the unscoped getters exist
 * for authentication, the CLI and the system actor only.
 */
import { scopePaths, scopeSql, type Actor, type Grant, type Role } from '../../platform/actor.js';
import { PREPARED, type Sql } from '../../platform/db.js';
import { getRegionByCode } from '../regions/index.js';

export interface RegionRef {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

export interface DepartmentRow {
  id: number;
  code: string;
  name: string;
  kind: string;
  regionId: number;
  regionCode: string;
  regionName: string;
  regionPath: string;
  parentId: number | null;
  active: boolean;
  createdAt: Date;
}

export interface UserRow {
  id: number;
  name: string;
  phone: string;
  idCardEnc: string | null;
  idCardMasked: string | null;
  passwordHash: string;
  failedLogins: number;
  lockedUntil: Date | null;
  disabled: boolean;
  createdAt: Date;
}

export interface GrantRow {
  id: number;
  userId: number | null;
  apiKeyId: number | null;
  role: Role;
  regionId: number;
  regionCode: string;
  regionName: string;
  regionPath: string;
  departmentId: number | null;
  departmentCode: string | null;
  departmentName: string | null;
  createdAt: Date;
}

export interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  keyHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

// ---------------------------------------------------------------- regions (read only)

/** The current unit with this code (through the regions module, which pads 6/9-digit NBS codes). */
export async function findRegionByCode(sql: Sql, code: string): Promise<RegionRef | null> {
  const r = await getRegionByCode(sql, code);
  return r ? { id: r.id, code: r.code, name: r.name, level: r.level, path: r.path } : null;
}

/** The roots of the hierarchy (normally one city). */
export async function rootRegions(sql: Sql): Promise<RegionRef[]> {
  const r = await sql.query<RegionRef>('SELECT id, code, name, level, path FROM region WHERE parent_id IS NULL AND valid_to IS NULL ORDER BY code');
  return r.rows;
}

/** The first current unit of a level below a unit, by code (demo seed). */
export async function firstRegionBelow(sql: Sql, ancestorPath: string, level: string): Promise<RegionRef | null> {
  const r = await sql.query<RegionRef>(
    `SELECT id, code, name, level, path FROM region WHERE path LIKE $1 AND level = $2 AND valid_to IS NULL ORDER BY code LIMIT 1`,
    [`${ancestorPath}%`, level],
  );
  return r.rows[0] ?? null;
}

// ---------------------------------------------------------------- departments

const DEPARTMENT_COLS = `d.id, d.code, d.name, d.kind, d.region_id AS "regionId", r.code AS "regionCode", r.name AS "regionName",
  r.path AS "regionPath", d.parent_id AS "parentId", d.active, d.created_at AS "createdAt"`;

/**
 * The departments an actor may see: those serving a region inside the actor's scope, and those
 * serving a region above it (a district operator dispatches to city departments too).
 */
function departmentScope(actor: Actor, roles: readonly Role[], next: number): { sql: string; params: unknown[] } {
  const paths = scopePaths(actor, roles);
  if (paths === null) return { sql: 'TRUE', params: [] };
  if (paths.length === 0) return { sql: 'FALSE', params: [] };
  const inside = scopeSql(actor, roles, 'r.path', next);
  return {
    sql: `(${inside.sql} OR EXISTS (SELECT 1 FROM unnest($${next + 1}::text[]) AS mine(p) WHERE mine.p LIKE r.path || '%'))`,
    params: [...inside.params, paths],
  };
}

export async function listDepartmentsScoped(
  sql: Sql,
  actor: Actor,
  roles: readonly Role[],
  filter: { regionCode?: string | undefined; kind?: string | undefined; q?: string | undefined; limit: number; offset: number },
): Promise<DepartmentRow[]> {
  const s = departmentScope(actor, roles, 1);
  const params: unknown[] = [...s.params];
  const where = [s.sql];
  if (filter.regionCode !== undefined) {
    params.push(filter.regionCode);
    where.push(`r.code = $${params.length}`);
  }
  if (filter.kind !== undefined) {
    params.push(filter.kind);
    where.push(`d.kind = $${params.length}`);
  }
  if (filter.q !== undefined) {
    params.push(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(d.name LIKE $${params.length} OR d.code LIKE $${params.length})`);
  }
  params.push(filter.limit, filter.offset);
  const r = await sql.query<DepartmentRow>(
    `SELECT ${DEPARTMENT_COLS} FROM department d JOIN region r ON r.id = d.region_id
      WHERE ${where.join(' AND ')} ORDER BY r.path, d.code LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return r.rows;
}

/** One department if the actor may see it (null for missing and out of scope alike). */
export async function getDepartmentScoped(sql: Sql, actor: Actor, roles: readonly Role[], id: number): Promise<DepartmentRow | null> {
  const s = departmentScope(actor, roles, 2);
  const r = await sql.query<DepartmentRow>(
    `SELECT ${DEPARTMENT_COLS} FROM department d JOIN region r ON r.id = d.region_id WHERE d.id = $1 AND ${s.sql}`,
    [id, ...s.params],
  );
  return r.rows[0] ?? null;
}

export async function getDepartment(sql: Sql, id: number): Promise<DepartmentRow | null> {
  const r = await sql.query<DepartmentRow>(`SELECT ${DEPARTMENT_COLS} FROM department d JOIN region r ON r.id = d.region_id WHERE d.id = $1`, [id]);
  return r.rows[0] ?? null;
}

export async function findDepartmentByCode(sql: Sql, code: string): Promise<DepartmentRow | null> {
  const r = await sql.query<DepartmentRow>(`SELECT ${DEPARTMENT_COLS} FROM department d JOIN region r ON r.id = d.region_id WHERE d.code = $1`, [code]);
  return r.rows[0] ?? null;
}

export async function insertDepartment(
  sql: Sql,
  d: { code: string; name: string; kind: string; regionId: number; parentId: number | null; now: Date },
): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO department (code, name, kind, region_id, parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
    [d.code, d.name, d.kind, d.regionId, d.parentId, d.now],
  );
  return r.rows[0]!.id;
}

export async function updateDepartment(sql: Sql, id: number, d: { name: string; kind: string; active: boolean; now: Date }): Promise<void> {
  await sql.query(`UPDATE department SET name = $2, kind = $3, active = $4, updated_at = $5 WHERE id = $1`, [id, d.name, d.kind, d.active, d.now]);
}

// ---------------------------------------------------------------- users

const USER_COLS = `u.id, u.name, u.phone, u.id_card_enc AS "idCardEnc", u.id_card_masked AS "idCardMasked", u.password_hash AS "passwordHash",
  u.failed_logins AS "failedLogins", u.locked_until AS "lockedUntil", u.disabled, u.created_at AS "createdAt"`;

/** True when some grant path is a whole-city (root) scope: users without grants belong to it. */
const holdsRoot = (paths: string[]): boolean => paths.some((p) => p.split('/').filter(Boolean).length === 1);

/**
 * Condition: the user or API key (`owner` = 'user_id' | 'api_key_id', row alias `alias`) has a
 * grant inside the actor's admin scope; one without any grant belongs to whoever holds a root.
 */
function ownerScope(actor: Actor, owner: 'user_id' | 'api_key_id', alias: string, next: number): { sql: string; params: unknown[] } {
  const paths = scopePaths(actor, ['admin']);
  if (paths === null) return { sql: 'TRUE', params: [] };
  if (paths.length === 0) return { sql: 'FALSE', params: [] };
  const s = scopeSql(actor, ['admin'], 'sr.path', next);
  const orphan = holdsRoot(paths) ? ` OR NOT EXISTS (SELECT 1 FROM role_grant sg2 WHERE sg2.${owner} = ${alias}.id)` : '';
  return {
    sql: `(EXISTS (SELECT 1 FROM role_grant sg JOIN region sr ON sr.id = sg.region_id WHERE sg.${owner} = ${alias}.id AND ${s.sql})${orphan})`,
    params: s.params,
  };
}

export async function listUsersScoped(
  sql: Sql,
  actor: Actor,
  filter: { q?: string | undefined; role?: Role | undefined; regionCode?: string | undefined; limit: number; offset: number },
): Promise<UserRow[]> {
  const s = ownerScope(actor, 'user_id', 'u', 1);
  const params: unknown[] = [...s.params];
  const where = [s.sql];
  if (filter.q !== undefined) {
    params.push(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(u.name LIKE $${params.length} OR u.phone LIKE $${params.length})`);
  }
  if (filter.role !== undefined || filter.regionCode !== undefined) {
    const cond: string[] = [];
    if (filter.role !== undefined) {
      params.push(filter.role);
      cond.push(`fg.role = $${params.length}`);
    }
    if (filter.regionCode !== undefined) {
      params.push(filter.regionCode);
      cond.push(`fr.code = $${params.length}`);
    }
    where.push(`EXISTS (SELECT 1 FROM role_grant fg JOIN region fr ON fr.id = fg.region_id WHERE fg.user_id = u.id AND ${cond.join(' AND ')})`);
  }
  params.push(filter.limit, filter.offset);
  const r = await sql.query<UserRow>(
    `SELECT ${USER_COLS} FROM app_user u WHERE ${where.join(' AND ')} ORDER BY u.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return r.rows;
}

export async function getUserScoped(sql: Sql, actor: Actor, id: number): Promise<UserRow | null> {
  const s = ownerScope(actor, 'user_id', 'u', 2);
  const r = await sql.query<UserRow>(`SELECT ${USER_COLS} FROM app_user u WHERE u.id = $1 AND ${s.sql}`, [id, ...s.params]);
  return r.rows[0] ?? null;
}

export async function getUser(sql: Sql, id: number): Promise<UserRow | null> {
  const r = await sql.query<UserRow>(`SELECT ${USER_COLS} FROM app_user u WHERE u.id = $1`, [id]);
  return r.rows[0] ?? null;
}

export async function findUserByPhone(sql: Sql, phone: string): Promise<UserRow | null> {
  const r = await sql.query<UserRow>(`SELECT ${USER_COLS} FROM app_user u WHERE u.phone = $1`, [phone]);
  return r.rows[0] ?? null;
}

export async function insertUser(
  sql: Sql,
  u: { name: string; phone: string; passwordHash: string; idCardEnc: string | null; idCardMasked: string | null; idCardLast4: string | null; now: Date },
): Promise<number> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO app_user (name, phone, password_hash, id_card_enc, id_card_masked, id_card_last4, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
    [u.name, u.phone, u.passwordHash, u.idCardEnc, u.idCardMasked, u.idCardLast4, u.now],
  );
  return r.rows[0]!.id;
}

export interface UserPatch {
  name?: string;
  phone?: string;
  passwordHash?: string;
  idCard?: { enc: string; masked: string; last4: string } | null;
  disabled?: boolean;
  unlock?: boolean;
}

export async function updateUser(sql: Sql, id: number, p: UserPatch, now: Date): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (col: string, v: unknown) => {
    params.push(v);
    sets.push(`${col} = $${params.length}`);
  };
  if (p.name !== undefined) set('name', p.name);
  if (p.phone !== undefined) set('phone', p.phone);
  if (p.passwordHash !== undefined) set('password_hash', p.passwordHash);
  if (p.idCard !== undefined) {
    set('id_card_enc', p.idCard?.enc ?? null);
    set('id_card_masked', p.idCard?.masked ?? null);
    set('id_card_last4', p.idCard?.last4 ?? null);
  }
  if (p.disabled !== undefined) set('disabled', p.disabled);
  if (p.unlock) {
    sets.push('failed_logins = 0', 'locked_until = NULL');
  }
  set('updated_at', now);
  await sql.query(`UPDATE app_user SET ${sets.join(', ')} WHERE id = $1`, params);
}

/** One failed login: count it; the fifth in a row locks the account until `lockUntil`. */
export async function recordFailedLogin(sql: Sql, id: number, maxFailures: number, lockUntil: Date): Promise<{ locked: boolean }> {
  const r = await sql.query<{ locked: boolean }>(
    `UPDATE app_user
        SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
            locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
      WHERE id = $1
      RETURNING locked_until IS NOT DISTINCT FROM $3::timestamptz AS locked`,
    [id, maxFailures, lockUntil],
  );
  return { locked: r.rows[0]?.locked ?? false };
}

export async function resetFailedLogins(sql: Sql, id: number): Promise<void> {
  await sql.query('UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)', [id]);
}

// ---------------------------------------------------------------- grants

const GRANT_COLS = `g.id, g.user_id AS "userId", g.api_key_id AS "apiKeyId", g.role, g.region_id AS "regionId", r.code AS "regionCode",
  r.name AS "regionName", r.path AS "regionPath", g.department_id AS "departmentId", d.code AS "departmentCode", d.name AS "departmentName",
  g.created_at AS "createdAt"`;
const GRANT_FROM = 'role_grant g JOIN region r ON r.id = g.region_id LEFT JOIN department d ON d.id = g.department_id';

export async function grantsOfUsers(sql: Sql, userIds: number[]): Promise<GrantRow[]> {
  if (userIds.length === 0) return [];
  const r = await sql.query<GrantRow>(`SELECT ${GRANT_COLS} FROM ${GRANT_FROM} WHERE g.user_id = ANY($1::bigint[]) ORDER BY g.id`, [userIds]);
  return r.rows;
}

export async function grantsOfApiKeys(sql: Sql, keyIds: number[]): Promise<GrantRow[]> {
  if (keyIds.length === 0) return [];
  const r = await sql.query<GrantRow>(`SELECT ${GRANT_COLS} FROM ${GRANT_FROM} WHERE g.api_key_id = ANY($1::bigint[]) ORDER BY g.id`, [keyIds]);
  return r.rows;
}

export async function getGrant(sql: Sql, id: number): Promise<GrantRow | null> {
  const r = await sql.query<GrantRow>(`SELECT ${GRANT_COLS} FROM ${GRANT_FROM} WHERE g.id = $1`, [id]);
  return r.rows[0] ?? null;
}

/** Insert a grant; returns null when the same grant already exists. */
export async function insertGrant(
  sql: Sql,
  g: { userId?: number; apiKeyId?: number; role: Role; regionId: number; departmentId: number | null; grantedBy: number | null; now: Date },
): Promise<number | null> {
  const r = await sql.query<{ id: number }>(
    `INSERT INTO role_grant (user_id, api_key_id, role, region_id, department_id, granted_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
    [g.userId ?? null, g.apiKeyId ?? null, g.role, g.regionId, g.departmentId, g.grantedBy, g.now],
  );
  return r.rows[0]?.id ?? null;
}

export async function deleteGrant(sql: Sql, id: number): Promise<void> {
  await sql.query('DELETE FROM role_grant WHERE id = $1', [id]);
}

// ---------------------------------------------------------------- sessions

export async function insertSession(
  sql: Sql,
  s: { id: string; userId: number; csrfToken: string; now: Date; expiresAt: Date; ip: string | null; userAgent: string | null },
): Promise<void> {
  await sql.query(
    `INSERT INTO session (id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
    [s.id, s.userId, s.csrfToken, s.now, s.expiresAt, s.ip, s.userAgent],
  );
}

export interface ActorGrantRow {
  role: Role | null;
  regionId: number | null;
  regionCode: string | null;
  regionPath: string | null;
  departmentId: number | null;
}

export interface SessionActorRow extends ActorGrantRow {
  sessionId: string;
  userId: number;
  csrfToken: string;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  name: string;
  disabled: boolean;
}

/** A session with its user and every grant (one row per grant), in one round trip. */
export async function loadSessionActor(sql: Sql, sessionId: string): Promise<SessionActorRow[]> {
  const r = await sql.query<SessionActorRow>(
    // Every request with a session cookie runs it: prepared once per connection on PostgreSQL.
    `${PREPARED}SELECT s.id AS "sessionId", s.user_id AS "userId", s.csrf_token AS "csrfToken", s.last_seen_at AS "lastSeenAt",
            s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt", u.name, u.disabled,
            g.role, g.region_id AS "regionId", r.code AS "regionCode", r.path AS "regionPath", g.department_id AS "departmentId"
       FROM session s JOIN app_user u ON u.id = s.user_id
       LEFT JOIN role_grant g ON g.user_id = u.id
       LEFT JOIN region r ON r.id = g.region_id
      WHERE s.id = $1
      ORDER BY g.id`,
    [sessionId],
  );
  return r.rows;
}

export async function touchSession(sql: Sql, sessionId: string, now: Date): Promise<void> {
  await sql.query('UPDATE session SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2', [sessionId, now]);
}

export async function revokeSession(sql: Sql, sessionId: string, now: Date): Promise<boolean> {
  const r = await sql.query('UPDATE session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [sessionId, now]);
  return r.rowCount > 0;
}

export async function revokeUserSessions(sql: Sql, userId: number, now: Date): Promise<number> {
  const r = await sql.query('UPDATE session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, now]);
  return r.rowCount;
}

// ---------------------------------------------------------------- API keys

const API_KEY_COLS = `k.id, k.name, k.prefix, k.key_hash AS "keyHash", k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"`;

export async function insertApiKey(sql: Sql, k: { name: string; prefix: string; keyHash: string; createdBy: number | null; now: Date }): Promise<number> {
  const r = await sql.query<{ id: number }>(
    'INSERT INTO api_key (name, prefix, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [k.name, k.prefix, k.keyHash, k.createdBy, k.now],
  );
  return r.rows[0]!.id;
}

export interface ApiKeyActorRow extends ActorGrantRow {
  keyId: number;
  name: string;
  keyHash: string;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export async function loadApiKeyActor(sql: Sql, prefix: string): Promise<ApiKeyActorRow[]> {
  const r = await sql.query<ApiKeyActorRow>(
    // Every request with an API key runs it: prepared once per connection on PostgreSQL.
    `${PREPARED}SELECT k.id AS "keyId", k.name, k.key_hash AS "keyHash", k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt",
            g.role, g.region_id AS "regionId", r.code AS "regionCode", r.path AS "regionPath", g.department_id AS "departmentId"
       FROM api_key k
       LEFT JOIN role_grant g ON g.api_key_id = k.id
       LEFT JOIN region r ON r.id = g.region_id
      WHERE k.prefix = $1
      ORDER BY g.id`,
    [prefix],
  );
  return r.rows;
}

export async function touchApiKey(sql: Sql, id: number, now: Date): Promise<void> {
  await sql.query('UPDATE api_key SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)', [id, now]);
}

export async function listApiKeysScoped(sql: Sql, actor: Actor): Promise<ApiKeyRow[]> {
  const s = ownerScope(actor, 'api_key_id', 'k', 1);
  const r = await sql.query<ApiKeyRow>(`SELECT ${API_KEY_COLS} FROM api_key k WHERE ${s.sql} ORDER BY k.id`, s.params);
  return r.rows;
}

export async function getApiKeyScoped(sql: Sql, actor: Actor, id: number): Promise<ApiKeyRow | null> {
  const s = ownerScope(actor, 'api_key_id', 'k', 2);
  const r = await sql.query<ApiKeyRow>(`SELECT ${API_KEY_COLS} FROM api_key k WHERE k.id = $1 AND ${s.sql}`, [id, ...s.params]);
  return r.rows[0] ?? null;
}

export async function revokeApiKey(sql: Sql, id: number, now: Date): Promise<void> {
  await sql.query('UPDATE api_key SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, now]);
}

/** Grants as the platform's Actor carries them (rows without a grant are skipped). */
export function toActorGrants(rows: ActorGrantRow[]): Grant[] {
  const out: Grant[] = [];
  for (const r of rows) {
    if (r.role === null || r.regionId === null || r.regionPath === null) continue;
    out.push({ role: r.role, regionId: r.regionId, regionCode: r.regionCode ?? '', regionPath: r.regionPath, departmentId: r.departmentId });
  }
  return out;
}

/**
 * Users who hold a role, optionally for one of some departments, optionally over a region that
 * covers `coveringPath` (a grant on an ancestor covers it): whom to notify of a task.
 */
export async function userIdsWithRole(sql: Sql, q: { role: Role; departmentIds?: readonly number[]; coveringPath?: string }): Promise<number[]> {
  const r = await sql.query<{ id: number }>(
    `SELECT DISTINCT u.id FROM role_grant g JOIN app_user u ON u.id = g.user_id JOIN region r ON r.id = g.region_id
      WHERE g.role = $1 AND NOT u.disabled
        AND ($2::bigint[] IS NULL OR g.department_id = ANY($2::bigint[]))
        AND ($3::text IS NULL OR $3::text LIKE r.path || '%')
      ORDER BY u.id`,
    [q.role, q.departmentIds ? [...q.departmentIds] : null, q.coveringPath ?? null],
  );
  return r.rows.map((x) => x.id);
}
