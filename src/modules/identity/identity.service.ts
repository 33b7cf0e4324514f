/**
 * Identity commands: users, grants, departments, API keys. Each state change runs in one
 * transaction with its audit record. Slow work (argon2) happens before the transaction opens,
 * because the embedded engine is one connection and a long transaction stalls every request.
 */
import { ROLES, type Actor, type Role } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { diff, recordAudit } from '../audit/index.js';
import { checkPasswordPolicy, hashPassword, newApiKey } from './credentials.js';
import { ID_CARD_PURPOSE, encryptField, maskIdCard, maskPhone, validateIdCard } from './idcard.js';
import { administersRegion, managesHolder } from './identity.policy.js';
import * as repo from './identity.repository.js';

export interface GrantInput {
  role: Role;
  regionCode: string;
  departmentCode?: string | undefined;
}

export interface CreateUserInput {
  name: string;
  phone: string;
  password: string;
  idCard?: string | null | undefined;
  grants?: GrantInput[] | undefined;
}

export interface UpdateUserInput {
  name?: string | undefined;
  phone?: string | undefined;
  password?: string | undefined;
  idCard?: string | null | undefined;
  disabled?: boolean | undefined;
  /** Clear a lockout and the failed-login count. */
  unlock?: boolean | undefined;
}

const PHONE = /^1[3-9][0-9]{9}$/;

const userIdOf = (a: Actor): number | null => (a.kind === 'user' ? a.id : null);

function checkName(name: string, field = 'name'): string {
  const n = name.trim();
  if (n.length < 1 || n.length > 100) throw invalid(field, 'must be 1 to 100 characters');
  return n;
}

function checkPhone(phone: string, field = 'phone'): string {
  if (!PHONE.test(phone)) throw invalid(field, 'must be a mainland mobile number of 11 digits starting 13-19');
  return phone;
}

/** Validate and encrypt an ID-card number, or throw invalid_id_card naming the field. */
export function sealIdCard(secret: string, raw: string, now: Date, field = 'idCard'): { enc: string; masked: string; last4: string } {
  const v = validateIdCard(raw, now);
  if (!v.ok) {
    const problem = { format: 'must be 17 digits and a check digit or X', check_digit: 'the check digit does not match', birth_date: 'the birth date is not valid' }[v.problem];
    throw new AppError('invalid_id_card', `${field}: ${problem}`, [{ field, problem, reason: v.problem }]);
  }
  return { enc: encryptField(secret, ID_CARD_PURPOSE, v.value), masked: maskIdCard(v.value), last4: v.value.slice(-4) };
}

interface ResolvedGrant {
  role: Role;
  region: repo.RegionRef;
  department: repo.DepartmentRow | null;
}

/**
 * A grant request checked against the actor's admin scope. A region or department outside the
 * scope answers like a missing one; a handler needs a department, and acts inside its area.
 */
async function resolveGrant(sql: Sql, actor: Actor, g: GrantInput, field: string): Promise<ResolvedGrant> {
  if (!(ROLES as readonly string[]).includes(g.role)) throw invalid(`${field}.role`, `must be one of ${ROLES.join(', ')}`);
  const region = await repo.findRegionByCode(sql, g.regionCode);
  if (!region || !administersRegion(actor, region.path)) {
    throw new AppError('region_not_found', `${field}.regionCode: no region ${g.regionCode} in your scope`, [{ field: `${field}.regionCode` }]);
  }
  let department: repo.DepartmentRow | null = null;
  if (g.departmentCode !== undefined && g.departmentCode !== null) {
    department = await repo.findDepartmentByCode(sql, g.departmentCode);
    if (!department || !administersRegion(actor, department.regionPath)) {
      throw new AppError('department_not_found', `${field}.departmentCode: no department ${g.departmentCode} in your scope`, [{ field: `${field}.departmentCode` }]);
    }
    if (!region.path.startsWith(department.regionPath)) {
      throw invalid(`${field}.regionCode`, `must lie inside the area of department ${department.code} (${department.regionName})`);
    }
  } else if (g.role === 'handler') {
    throw invalid(`${field}.departmentCode`, 'is required for the handler role');
  }
  return { role: g.role, region, department };
}

const grantSummary = (g: ResolvedGrant) => ({ role: g.role, regionCode: g.region.code, departmentCode: g.department?.code ?? null });

async function phoneFree(sql: Sql, phone: string, field = 'phone'): Promise<void> {
  if (await repo.findUserByPhone(sql, phone)) throw new AppError('phone_taken', `${field}: a user with this phone number already exists`, [{ field }]);
}

/** A unique violation that slipped past the check (two requests at once) maps to the same error. */
function mapUnique(e: unknown): never {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err?.code === '23505' && /phone/.test(`${err.constraint ?? ''} ${err.message ?? ''}`)) {
    throw new AppError('phone_taken', 'phone: a user with this phone number already exists', [{ field: 'phone' }]);
  }
  if (err?.code === '23505' && /department_code/.test(`${err.constraint ?? ''} ${err.message ?? ''}`)) {
    throw new AppError('department_code_taken', 'code: a department with this code already exists', [{ field: 'code' }]);
  }
  throw e;
}

export async function createUser(db: Database, ctx: Ctx, secret: () => string, input: CreateUserInput): Promise<number> {
  const name = checkName(input.name);
  const phone = checkPhone(input.phone);
  checkPasswordPolicy(input.password, phone);
  const idCard = input.idCard ? sealIdCard(secret(), input.idCard, ctx.now) : null;
  const passwordHash = await hashPassword(input.password);
  return inTx(db, ctx, async (c) => {
    const grants: ResolvedGrant[] = [];
    for (const [i, g] of (input.grants ?? []).entries()) grants.push(await resolveGrant(c.tx, c.actor, g, `grants.${i}`));
    await phoneFree(c.tx, phone);
    const id = await repo
      .insertUser(c.tx, { name, phone, passwordHash, idCardEnc: idCard?.enc ?? null, idCardMasked: idCard?.masked ?? null, idCardLast4: idCard?.last4 ?? null, now: c.now })
      .catch(mapUnique);
    for (const g of grants) {
      await repo.insertGrant(c.tx, { userId: id, role: g.role, regionId: g.region.id, departmentId: g.department?.id ?? null, grantedBy: userIdOf(c.actor), now: c.now });
    }
    await recordAudit(c, {
      action: 'user.create',
      targetType: 'user',
      targetId: id,
      regionId: grants[0]?.region.id ?? null,
      after: { name, phone: maskPhone(phone), idCard: idCard?.masked ?? null, grants: grants.map(grantSummary) },
    });
    return id;
  });
}

/** The user if the actor may see them (404 otherwise) and whether the actor manages them. */
export async function loadUserFor(sql: Sql, actor: Actor, id: number): Promise<{ user: repo.UserRow; grants: repo.GrantRow[]; manages: boolean }> {
  const user = await repo.getUserScoped(sql, actor, id);
  if (!user) throw new AppError('not_found', `No user ${id}.`);
  const grants = await repo.grantsOfUsers(sql, [id]);
  return { user, grants, manages: managesHolder(actor, grants.map((g) => g.regionPath)) };
}

export async function updateUser(db: Database, ctx: Ctx, secret: () => string, id: number, input: UpdateUserInput): Promise<void> {
  const name = input.name !== undefined ? checkName(input.name) : undefined;
  const phone = input.phone !== undefined ? checkPhone(input.phone) : undefined;
  if (input.password !== undefined) checkPasswordPolicy(input.password, phone);
  const idCard = input.idCard === undefined ? undefined : input.idCard === null ? null : sealIdCard(secret(), input.idCard, ctx.now);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
  await inTx(db, ctx, async (c) => {
    const { user, grants, manages } = await loadUserFor(c.tx, c.actor, id);
    if (!manages) throw new AppError('forbidden', 'This user holds roles outside your scope; an admin over all of them must change the account.');
    if (phone !== undefined && phone !== user.phone) await phoneFree(c.tx, phone);
    const patch: repo.UserPatch = {};
    if (name !== undefined) patch.name = name;
    if (phone !== undefined) patch.phone = phone;
    if (passwordHash !== undefined) patch.passwordHash = passwordHash;
    if (idCard !== undefined) patch.idCard = idCard;
    if (input.disabled !== undefined) patch.disabled = input.disabled;
    if (input.unlock) patch.unlock = true;
    await repo.updateUser(c.tx, id, patch, c.now).catch(mapUnique);
    // A new password or a disabled account ends every open session of the user.
    const revoked = passwordHash !== undefined || input.disabled === true ? await repo.revokeUserSessions(c.tx, id, c.now) : 0;
    const before = { name: user.name, phone: maskPhone(user.phone), idCard: user.idCardMasked, disabled: user.disabled, locked: user.lockedUntil !== null && user.lockedUntil > c.now };
    const after = {
      name: name ?? user.name,
      phone: maskPhone(phone ?? user.phone),
      idCard: idCard === undefined ? user.idCardMasked : (idCard?.masked ?? null),
      disabled: input.disabled ?? user.disabled,
      locked: input.unlock ? false : before.locked,
    };
    const d = diff(before, after);
    await recordAudit(c, {
      action: 'user.update',
      targetType: 'user',
      targetId: id,
      regionId: grants[0]?.regionId ?? null,
      before: d.before,
      after: { ...(d.after as Record<string, unknown>), ...(passwordHash !== undefined ? { passwordChanged: true } : {}), ...(revoked ? { sessionsRevoked: revoked } : {}) },
    });
  });
}

export async function addGrant(db: Database, ctx: Ctx, userId: number, g: GrantInput): Promise<number> {
  return inTx(db, ctx, async (c) => {
    await loadUserFor(c.tx, c.actor, userId);
    const r = await resolveGrant(c.tx, c.actor, g, 'body');
    const id = await repo.insertGrant(c.tx, { userId, role: r.role, regionId: r.region.id, departmentId: r.department?.id ?? null, grantedBy: userIdOf(c.actor), now: c.now });
    if (id === null) throw new AppError('conflict', 'The user already holds this role over this region.');
    await recordAudit(c, { action: 'user.grant', targetType: 'user', targetId: userId, regionId: r.region.id, after: { grantId: id, ...grantSummary(r) } });
    return id;
  });
}

export async function removeGrant(db: Database, ctx: Ctx, userId: number, grantId: number): Promise<void> {
  await inTx(db, ctx, async (c) => {
    await loadUserFor(c.tx, c.actor, userId);
    const g = await repo.getGrant(c.tx, grantId);
    // A grant over a region outside my scope is not mine to see: same 404 as a missing one.
    if (!g || g.userId !== userId || !administersRegion(c.actor, g.regionPath)) throw new AppError('not_found', `No grant ${grantId} of user ${userId}.`);
    await repo.deleteGrant(c.tx, grantId);
    await recordAudit(c, {
      action: 'user.revoke_grant',
      targetType: 'user',
      targetId: userId,
      regionId: g.regionId,
      before: { grantId, role: g.role, regionCode: g.regionCode, departmentCode: g.departmentCode },
    });
  });
}

export interface CreateDepartmentInput {
  code: string;
  name: string;
  kind: string;
  regionCode: string;
  parentCode?: string | undefined;
}

export async function createDepartment(db: Database, ctx: Ctx, input: CreateDepartmentInput): Promise<number> {
  return inTx(db, ctx, async (c) => {
    const region = await repo.findRegionByCode(c.tx, input.regionCode);
    if (!region || !administersRegion(c.actor, region.path)) {
      throw new AppError('region_not_found', `regionCode: no region ${input.regionCode} in your scope`, [{ field: 'regionCode' }]);
    }
    let parentId: number | null = null;
    if (input.parentCode !== undefined) {
      const parent = await repo.findDepartmentByCode(c.tx, input.parentCode);
      if (!parent || !administersRegion(c.actor, parent.regionPath)) {
        throw new AppError('department_not_found', `parentCode: no department ${input.parentCode} in your scope`, [{ field: 'parentCode' }]);
      }
      if (!region.path.startsWith(parent.regionPath)) throw invalid('regionCode', `must lie inside the area of the parent department ${parent.code}`);
      parentId = parent.id;
    }
    if (await repo.findDepartmentByCode(c.tx, input.code)) {
      throw new AppError('department_code_taken', `code: a department ${input.code} already exists`, [{ field: 'code' }]);
    }
    const name = checkName(input.name);
    const id = await repo.insertDepartment(c.tx, { code: input.code, name, kind: input.kind, regionId: region.id, parentId, now: c.now }).catch(mapUnique);
    await recordAudit(c, {
      action: 'department.create',
      targetType: 'department',
      targetId: id,
      regionId: region.id,
      after: { code: input.code, name, kind: input.kind, regionCode: region.code, parentCode: input.parentCode ?? null },
    });
    return id;
  });
}

export interface UpdateDepartmentInput {
  name?: string | undefined;
  kind?: string | undefined;
  active?: boolean | undefined;
}

/**
 * Rename, re-kind, or (de)activate a department. Its code and area stay: routing rules, grants
 * and the cases' dispatch history refer to them. An inactive department keeps its history but
 * routing suggestions and dispatch pickers leave it out.
 */
export async function updateDepartment(db: Database, ctx: Ctx, id: number, input: UpdateDepartmentInput): Promise<void> {
  if (input.name === undefined && input.kind === undefined && input.active === undefined) {
    throw invalid('body', 'give at least one of name, kind, active');
  }
  await inTx(db, ctx, async (c) => {
    const d = await repo.getDepartment(c.tx, id);
    if (!d || !administersRegion(c.actor, d.regionPath)) throw new AppError('department_not_found', `No department ${id}.`);
    const next = {
      name: input.name === undefined ? d.name : checkName(input.name),
      kind: input.kind ?? d.kind,
      active: input.active ?? d.active,
    };
    await repo.updateDepartment(c.tx, id, { ...next, now: c.now });
    await recordAudit(c, {
      action: 'department.update',
      targetType: 'department',
      targetId: id,
      regionId: d.regionId,
      before: { name: d.name, kind: d.kind, active: d.active },
      after: next,
    });
  });
}

export interface CreateApiKeyInput {
  name: string;
  grants: GrantInput[];
}

/** A new API key: the key itself is returned once and never stored. */
export async function createApiKey(db: Database, ctx: Ctx, input: CreateApiKeyInput): Promise<{ id: number; key: string; prefix: string }> {
  const name = checkName(input.name);
  const k = newApiKey();
  return inTx(db, ctx, async (c) => {
    const grants: ResolvedGrant[] = [];
    for (const [i, g] of input.grants.entries()) grants.push(await resolveGrant(c.tx, c.actor, g, `grants.${i}`));
    const id = await repo.insertApiKey(c.tx, { name, prefix: k.prefix, keyHash: k.hash, createdBy: userIdOf(c.actor), now: c.now });
    for (const g of grants) {
      await repo.insertGrant(c.tx, { apiKeyId: id, role: g.role, regionId: g.region.id, departmentId: g.department?.id ?? null, grantedBy: userIdOf(c.actor), now: c.now });
    }
    await recordAudit(c, { action: 'apikey.create', targetType: 'api_key', targetId: id, regionId: grants[0]?.region.id ?? null, after: { name, prefix: k.prefix, grants: grants.map(grantSummary) } });
    return { id, key: k.key, prefix: k.prefix };
  });
}

export async function revokeApiKey(db: Database, ctx: Ctx, id: number): Promise<void> {
  await inTx(db, ctx, async (c) => {
    const key = await repo.getApiKeyScoped(c.tx, c.actor, id);
    if (!key) throw new AppError('not_found', `No API key ${id}.`);
    const grants = await repo.grantsOfApiKeys(c.tx, [id]);
    if (!managesHolder(c.actor, grants.map((g) => g.regionPath))) throw new AppError('forbidden', 'This key holds roles outside your scope.');
    if (key.revokedAt) return;
    await repo.revokeApiKey(c.tx, id, c.now);
    await recordAudit(c, { action: 'apikey.revoke', targetType: 'api_key', targetId: id, regionId: grants[0]?.regionId ?? null, before: { revoked: false }, after: { revoked: true } });
  });
}
