/** Rows → API JSON. */
import { Type, type Static } from '@sinclair/typebox';
import type { Actor } from '../../platform/actor.js';
import { policy } from './regions.policy.js';
import type { RegionRow, StaffRow } from './regions.repository.js';
import { maskPhone } from './regions.service.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const ChainLinkSchema = Type.Object({ code: Type.String(), name: Type.String(), level: Type.String() });
export const LocateResponse = Type.Object({ chain: Type.Array(ChainLinkSchema) });

export const RegionSchema = Type.Object({
  code: Type.String({ description: '12 digits (administrative), 15 (grid) or 17 (micro-grid)' }),
  name: Type.String(),
  level: Type.String(),
  subtype: Nullable(Type.String()),
  population: Type.Union([Type.Integer(), Type.Null()]),
  households: Type.Union([Type.Integer(), Type.Null()]),
  areaKm2: Type.Union([Type.Number(), Type.Null()]),
  centroid: Type.Union([Type.Array(Type.Number()), Type.Null()]),
  hasBoundary: Type.Boolean(),
  boundarySource: Nullable(Type.String({ description: 'imported | generated (demo boundaries are generated, not official)' })),
  validFrom: Type.String(),
  validTo: Nullable(Type.String()),
});
export const RegionListItem = Type.Composite([RegionSchema, Type.Object({ childCount: Type.Integer() })]);
export const RegionListResponse = Type.Object({
  parent: Type.Union([ChainLinkSchema, Type.Null()]),
  items: Type.Array(RegionListItem),
});
export const RegionDetailResponse = Type.Composite([
  RegionSchema,
  Type.Object({
    resolvedFrom: Nullable(Type.String({ description: 'the old code asked for, when it was re-coded into this unit' })),
    parents: Type.Array(ChainLinkSchema, { description: 'nearest first, up to the city' }),
    childCount: Type.Integer(),
    descendants: Type.Record(Type.String(), Type.Integer(), { description: 'current units below, per level' }),
    staff: Type.Object({ total: Type.Integer(), byRole: Type.Record(Type.String(), Type.Integer()) }),
  }),
]);

export const StaffSchema = Type.Object({
  id: Type.Integer(),
  regionCode: Type.String(),
  regionName: Type.String(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.String(),
  phone: Nullable(Type.String({ description: 'masked (138****1234) unless you are admin or operator over the unit' })),
  role: Type.String(),
  since: Type.String(),
  until: Nullable(Type.String()),
  note: Nullable(Type.String()),
});
export const StaffListResponse = Type.Object({ region: ChainLinkSchema, total: Type.Integer(), items: Type.Array(StaffSchema) });
export const StaffSummaryResponse = Type.Object({
  region: ChainLinkSchema,
  total: Type.Integer(),
  byRole: Type.Record(Type.String(), Type.Integer()),
  children: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), level: Type.String(), total: Type.Integer(), byRole: Type.Record(Type.String(), Type.Integer()) })),
});

export const link = (r: { code: string; name: string; level: string }): Static<typeof ChainLinkSchema> => ({ code: r.code, name: r.name, level: r.level });

export function presentRegion(r: RegionRow): Static<typeof RegionSchema> {
  return {
    code: r.code,
    name: r.name,
    level: r.level,
    subtype: r.subtype,
    population: r.population,
    households: r.households,
    areaKm2: r.areaKm2 === null ? null : Math.round(r.areaKm2 * 1e6) / 1e6,
    centroid: r.centroid,
    hasBoundary: r.hasBoundary,
    boundarySource: r.boundarySource,
    validFrom: r.validFrom,
    validTo: r.validTo,
  };
}

export function presentStaff(s: StaffRow, actor: Actor): Static<typeof StaffSchema> {
  return {
    id: s.id,
    regionCode: s.regionCode,
    regionName: s.regionName,
    userId: s.userId,
    name: s.name,
    phone: s.phone === null ? null : policy.seesPhone(actor, s.regionPath) ? s.phone : maskPhone(s.phone),
    role: s.role,
    since: s.since,
    until: s.until,
    note: s.note,
  };
}
