/** Reading the hierarchy and the commands on grid staff. */
import { maskPhone } from '../../platform/mask.js';
import { recordAudit } from '../audit/index.js';
import type { Actor } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { normalizeCode } from './codes.js';
import { STAFF_READ_ROLES, policy } from './regions.policy.js';
import * as repo from './regions.repository.js';

/** What other modules get for a unit. */
export interface RegionRef {
  id: number;
  code: string;
  name: string;
  level: repo.RegionRow['level'];
  path: string;
  parentId: number | null;
  depth: number;
  validTo: string | null;
}

const ref = (r: repo.RegionRow): RegionRef => ({ id: r.id, code: r.code, name: r.name, level: r.level, path: r.path, parentId: r.parentId, depth: r.depth, validTo: r.validTo });

export const todayIn = (now: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);

/** The current unit with this code (6/9-digit NBS codes padded), or null. Old codes: resolveCode. */
export async function getRegionByCode(db: Sql, code: string): Promise<RegionRef | null> {
  const c = normalizeCode(code);
  if (!c) return null;
  const r = await repo.findCurrentByCode(db, c);
  return r ? ref(r) : null;
}

/** A unit by id, current or retired. */
export async function getRegionById(db: Sql, id: number): Promise<RegionRef | null> {
  const r = await repo.findById(db, id);
  return r ? ref(r) : null;
}

/**
 * The current unit a code stands for: the unit that holds it now, else the unit it was re-coded,
 * renamed, moved or merged into (following the history), else null. A retired unit with no
 * successor resolves to itself (its validTo says so).
 */
export async function resolveCode(db: Sql, code: string): Promise<(RegionRef & { resolvedFrom: string | null }) | null> {
  const start = normalizeCode(code);
  if (!start) return null;
  const cur = await repo.findCurrentByCode(db, start);
  if (cur) return { ...ref(cur), resolvedFrom: null };
  let c = start;
  const seen = new Set<string>();
  for (let hop = 0; hop < 16 && !seen.has(c); hop++) {
    seen.add(c);
    const hist = await repo.historyOfCode(db, c);
    const h = hist[0];
    if (!h) return null;
    const unit = await repo.findById(db, h.regionId);
    if (unit && unit.validTo === null) return { ...ref(unit), resolvedFrom: start };
    if (!h.newCode || h.newCode === c) return unit ? { ...ref(unit), resolvedFrom: start } : null;
    const next = await repo.findCurrentByCode(db, h.newCode);
    if (next) return { ...ref(next), resolvedFrom: start };
    c = h.newCode;
  }
  return null;
}

/** The chain of a unit from itself up to the root (deepest first). */
export async function regionChain(db: Sql, id: number): Promise<RegionRef[]> {
  const r = await repo.findById(db, id);
  if (!r) return [];
  const up = await repo.ancestors(db, r);
  return [ref(r), ...up.reverse().map(ref)];
}

/** Ids of a unit and every current unit below it. */
export async function listDescendantIds(db: Sql, id: number): Promise<number[]> {
  const r = await repo.findById(db, id);
  if (!r) return [];
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM region WHERE path LIKE $1 AND valid_to IS NULL ORDER BY id`, [`${r.path}%`]);
  return rows.map((x) => x.id);
}

async function mustResolve(db: Sql, code: string): Promise<{ row: repo.RegionRow; resolvedFrom: string | null }> {
  const c = normalizeCode(code);
  if (!c) throw invalid('code', 'must be a region code of 6, 9, 12, 15 or 17 digits');
  const r = await resolveCode(db, c);
  const row = r ? await repo.findById(db, r.id) : null;
  if (!row) throw new AppError('region_not_found', `No region has the code ${c}.`);
  return { row, resolvedFrom: r!.resolvedFrom };
}

export async function regionDetail(db: Database, code: string, now: Date) {
  const { row, resolvedFrom } = await mustResolve(db, code);
  const [up, children, below, staff] = await Promise.all([
    repo.ancestors(db, row),
    repo.childCount(db, row.id),
    repo.descendantCounts(db, row.path),
    repo.staffCounts(db, row.path, todayIn(now)),
  ]);
  return { row, resolvedFrom, ancestors: up, childCount: children, descendants: below, staff };
}

export async function listRegions(db: Database, parentCode: string | undefined, limit: number, offset: number) {
  if (parentCode === undefined) return { parent: null, items: await repo.listChildren(db, null, limit, offset) };
  const { row } = await mustResolve(db, parentCode);
  return { parent: row, items: await repo.listChildren(db, row.id, limit, offset) };
}

export const GEOJSON_MAX_FEATURES = 20_000;

export async function exportGeoJson(db: Database, code: string, depth: number, simplify: number): Promise<string> {
  const { row } = await mustResolve(db, code);
  const r = await repo.subtreeGeoJson(db, row, depth, simplify);
  if (r.count > GEOJSON_MAX_FEATURES) {
    throw invalid('depth', `the subtree has ${r.count} units at this depth (at most ${GEOJSON_MAX_FEATURES}); ask for a smaller depth or a smaller unit`);
  }
  return r.json;
}

export async function listStaff(db: Database, actor: Actor, code: string, o: { role?: repo.StaffRole; includeEnded: boolean; limit: number; offset: number; now: Date }) {
  const { row } = await mustResolve(db, code);
  policy.readStaff(actor, row.path);
  const r = await repo.listStaff(db, actor, STAFF_READ_ROLES, row.path, { ...(o.role ? { role: o.role } : {}), includeEnded: o.includeEnded, limit: o.limit, offset: o.offset, today: todayIn(o.now) });
  return { region: row, ...r };
}

export async function staffSummary(db: Database, code: string, now: Date) {
  const { row } = await mustResolve(db, code);
  const today = todayIn(now);
  const [byRole, perChildRows] = await Promise.all([repo.staffCounts(db, row.path, today), repo.staffCountsPerChild(db, row.id, today)]);
  const perChild = new Map<string, { code: string; name: string; level: string; total: number; byRole: Record<string, number> }>();
  for (const r of perChildRows) {
    let e = perChild.get(r.code);
    if (!e) perChild.set(r.code, (e = { code: r.code, name: r.name, level: r.level, total: 0, byRole: {} }));
    if (r.role) {
      e.byRole[r.role] = (e.byRole[r.role] ?? 0) + r.n;
      e.total += r.n;
    }
  }
  return { region: row, byRole, total: Object.values(byRole).reduce((a, b) => a + b, 0), children: [...perChild.values()] };
}

export interface StaffInput {
  name: string;
  phone?: string | undefined;
  role: repo.StaffRole;
  userId?: number | undefined;
  since?: string | undefined;
  until?: string | undefined;
  note?: string | undefined;
}

/** Assign a person to a grid or micro-grid (command: one transaction with its audit record). */
export async function assignStaff(db: Database, ctx: Ctx, code: string, input: StaffInput): Promise<repo.StaffRow> {
  return inTx(db, ctx, async (c) => {
    const { row } = await mustResolve(c.tx, code);
    policy.writeStaff(ctx.actor, row.path);
    if (row.validTo !== null) throw new AppError('invalid_state', `${row.code} ${row.name} is retired; assign staff to a current unit.`);
    if (row.level !== 'grid' && row.level !== 'microgrid') throw invalid('code', `staff are assigned to a grid or micro-grid, and ${row.code} is a ${row.level}`);
    const since = input.since ?? todayIn(ctx.now);
    if (input.until !== undefined && input.until < since) throw invalid('until', 'must not be before since');
    const id = await repo.insertStaff(c.tx, {
      regionId: row.id,
      userId: input.userId ?? null,
      name: input.name.trim(),
      phone: input.phone ?? null,
      role: input.role,
      since,
      until: input.until ?? null,
      note: input.note ?? null,
    });
    const s = (await repo.findStaff(c.tx, id))!;
    await recordAudit(c, {
      action: 'regions.staff.assign',
      targetType: 'grid_staff',
      targetId: id,
      regionId: row.id,
      after: { regionCode: row.code, name: s.name, role: s.role, userId: s.userId, since: s.since, until: s.until, phone: s.phone ? maskPhone(s.phone) : null },
    });
    return s;
  });
}

export { maskPhone };
