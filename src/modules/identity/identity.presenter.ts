/**
 * Rows → API JSON. Phone numbers and ID-card numbers are masked unless the viewer manages the
 * person (an admin over every region the person holds a role in); see docs/security.md.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../../platform/actor.js';
import { ID_CARD_PURPOSE, decryptField, maskPhone } from './idcard.js';
import type { ApiKeyRow, DepartmentRow, GrantRow, UserRow } from './identity.repository.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)), { description: 'a role' });

export const GrantSchema = Type.Object({
  id: Type.Integer(),
  role: RoleSchema,
  regionId: Type.Integer(),
  regionCode: Type.String(),
  regionName: Type.String(),
  departmentId: Nullable(Type.Integer()),
  departmentCode: Nullable(Type.String()),
  departmentName: Nullable(Type.String()),
});
export type GrantJson = Static<typeof GrantSchema>;

export function presentGrant(g: GrantRow): GrantJson {
  return {
    id: g.id,
    role: g.role,
    regionId: g.regionId,
    regionCode: g.regionCode,
    regionName: g.regionName,
    departmentId: g.departmentId,
    departmentCode: g.departmentCode,
    departmentName: g.departmentName,
  };
}

export const UserSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  phone: Type.String({ description: 'masked (138****1234) unless you manage this user' }),
  idCard: Nullable(Type.String({ description: 'masked (5301**********1234) unless you manage this user and asked for one user' })),
  disabled: Type.Boolean(),
  lockedUntil: Nullable(DateTime),
  createdAt: DateTime,
  grants: Type.Array(GrantSchema),
});
export type UserJson = Static<typeof UserSchema>;

/**
 * `revealWith`: the installation secret, given only when the viewer manages the user and asked
 * for this one user (never in lists), to show the ID-card number in full.
 */
export function presentUser(u: UserRow, grants: GrantRow[], manages: boolean, now: Date, revealWith?: string): UserJson {
  let idCard = u.idCardMasked;
  if (manages && revealWith && u.idCardEnc) {
    try {
      idCard = decryptField(revealWith, ID_CARD_PURPOSE, u.idCardEnc);
    } catch {
      // A changed installation secret leaves the masked form, not a 500.
      idCard = u.idCardMasked;
    }
  }
  return {
    id: u.id,
    name: u.name,
    phone: manages ? u.phone : maskPhone(u.phone),
    idCard,
    disabled: u.disabled,
    lockedUntil: u.lockedUntil && u.lockedUntil > now ? u.lockedUntil.toISOString() : null,
    createdAt: u.createdAt.toISOString(),
    grants: grants.filter((g) => g.userId === u.id).map(presentGrant),
  };
}

export const DepartmentSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  regionId: Type.Integer(),
  regionCode: Type.String(),
  regionName: Type.String(),
  parentId: Nullable(Type.Integer()),
  active: Type.Boolean(),
});
export type DepartmentJson = Static<typeof DepartmentSchema>;

export function presentDepartment(d: DepartmentRow): DepartmentJson {
  return { id: d.id, code: d.code, name: d.name, kind: d.kind, regionId: d.regionId, regionCode: d.regionCode, regionName: d.regionName, parentId: d.parentId, active: d.active };
}

export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first part of the key, to recognise it; the key itself is shown only once' }),
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
  grants: Type.Array(GrantSchema),
});
export type ApiKeyJson = Static<typeof ApiKeySchema>;

export function presentApiKey(k: ApiKeyRow, grants: GrantRow[]): ApiKeyJson {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
    grants: grants.filter((g) => g.apiKeyId === k.id).map(presentGrant),
  };
}
