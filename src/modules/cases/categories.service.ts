/** The taxonomy and the routing rules: admin-edited configuration, audited like every change. */
import { coversPath, scopePaths, type Actor } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import * as repo from './cases.repository.js';
import type { AttributeDef, CategoryRow, Deadlines } from './cases.types.js';
import { invalidateCategoryCache } from './categories.cache.js';

export interface CategoryInput {
  code: string;
  parentCode?: string | null | undefined;
  nameZh: string;
  nameEn: string;
  description?: string | null | undefined;
  keywords?: string[] | undefined;
  defaultResponseLevel?: 1 | 2 | 3 | undefined;
  deadlines: Deadlines;
  attributes?: AttributeDef[] | undefined;
  private?: boolean | undefined;
  autoDispatch?: boolean | undefined;
  needsContact?: boolean | undefined;
  duplicateRadiusM?: number | undefined;
  duplicateWindowHours?: number | undefined;
  sort?: number | undefined;
  active?: boolean | undefined;
}

function checkAttributes(defs: AttributeDef[]): void {
  const seen = new Set<string>();
  defs.forEach((d, i) => {
    if (seen.has(d.code)) throw invalid(`attributes.${i}.code`, `duplicate attribute code ${d.code}`);
    seen.add(d.code);
    if ((d.datatype === 'singlevaluelist' || d.datatype === 'multivaluelist') && !(d.values && d.values.length > 0)) {
      throw invalid(`attributes.${i}.values`, 'a list attribute needs values');
    }
  });
}

export const toRow = (i: CategoryInput): repo.CategoryWrite => ({
  code: i.code,
  parent_code: i.parentCode ?? null,
  name_zh: i.nameZh,
  name_en: i.nameEn,
  description: i.description ?? null,
  keywords: i.keywords ?? [],
  default_response_level: i.defaultResponseLevel ?? 3,
  deadlines: i.deadlines,
  attributes: i.attributes ?? [],
  private: i.private ?? false,
  auto_dispatch: i.autoDispatch ?? false,
  needs_contact: i.needsContact ?? false,
  duplicate_radius_m: i.duplicateRadiusM ?? 250,
  duplicate_window_hours: i.duplicateWindowHours ?? 168,
  sort: i.sort ?? 0,
  active: i.active ?? true,
});

export async function createCategory(db: Database, ctx: Ctx, i: CategoryInput): Promise<CategoryRow> {
  checkAttributes(i.attributes ?? []);
  return inTx(db, ctx, async (c) => {
    if (i.parentCode) {
      const parent = await repo.getCategory(c.tx, i.parentCode);
      if (!parent) throw invalid('parentCode', `no category ${i.parentCode}`);
      if (parent.level !== 1) throw invalid('parentCode', 'must be a major (first-level) category');
    }
    const row = await repo.insertCategory(c.tx, toRow(i));
    if (!row) throw new AppError('category_code_taken', `A category ${i.code} already exists.`);
    await recordAudit(c, { action: 'case_category.create', targetType: 'case_category', targetId: i.code, after: row });
    return row;
  }).finally(invalidateCategoryCache);
}

export async function updateCategory(db: Database, ctx: Ctx, code: string, patch: Partial<Omit<CategoryInput, 'code' | 'parentCode'>>): Promise<CategoryRow> {
  if (patch.attributes) checkAttributes(patch.attributes);
  return inTx(db, ctx, async (c) => {
    const before = await repo.getCategory(c.tx, code);
    if (!before) throw new AppError('category_not_found', `No category ${code}.`);
    const w: Partial<repo.CategoryWrite> = {};
    if (patch.nameZh !== undefined) w.name_zh = patch.nameZh;
    if (patch.nameEn !== undefined) w.name_en = patch.nameEn;
    if (patch.description !== undefined) w.description = patch.description;
    if (patch.keywords !== undefined) w.keywords = patch.keywords;
    if (patch.defaultResponseLevel !== undefined) w.default_response_level = patch.defaultResponseLevel;
    if (patch.deadlines !== undefined) w.deadlines = patch.deadlines;
    if (patch.attributes !== undefined) w.attributes = patch.attributes;
    if (patch.private !== undefined) w.private = patch.private;
    if (patch.autoDispatch !== undefined) w.auto_dispatch = patch.autoDispatch;
    if (patch.needsContact !== undefined) w.needs_contact = patch.needsContact;
    if (patch.duplicateRadiusM !== undefined) w.duplicate_radius_m = patch.duplicateRadiusM;
    if (patch.duplicateWindowHours !== undefined) w.duplicate_window_hours = patch.duplicateWindowHours;
    if (patch.sort !== undefined) w.sort = patch.sort;
    if (patch.active !== undefined) w.active = patch.active;
    const after = (await repo.updateCategory(c.tx, code, w, c.now))!;
    await recordAudit(c, { action: 'case_category.update', targetType: 'case_category', targetId: code, before, after });
    return after;
  }).finally(invalidateCategoryCache); // after the commit: an intake between clear and commit would re-read the old row
}

// --- routing rules: admins manage the rules of regions inside their scope ---------------------

export async function listRules(sql: Sql, actor: Actor): Promise<repo.RoutingRuleRow[]> {
  return repo.listRoutingRules(sql, scopePaths(actor, ['admin', 'operator']));
}

async function ruleInScope(sql: Sql, actor: Actor, id: number): Promise<repo.RoutingRuleRow> {
  const r = await repo.getRoutingRule(sql, id);
  if (!r || !coversPath(actor, ['admin'], r.region_path)) throw new AppError('not_found', `No routing rule ${id}.`);
  return r;
}

export interface RuleInput {
  categoryCode?: string | null | undefined;
  regionCode: string;
  leadDepartmentId: number;
  coDepartmentIds?: number[] | undefined;
  responseLevel?: 1 | 2 | 3 | null | undefined;
  note?: string | null | undefined;
}

async function checkDepartments(sql: Sql, lead: number | undefined, co: number[] | undefined): Promise<void> {
  const ids = [...(lead !== undefined ? [lead] : []), ...(co ?? [])];
  const found = await repo.departmentsByIds(sql, ids);
  if (lead !== undefined && !found.some((d) => d.id === lead)) throw invalid('leadDepartmentId', `no active department ${lead}`);
  const missing = (co ?? []).find((d) => !found.some((f) => f.id === d));
  if (missing !== undefined) throw invalid('coDepartmentIds', `no active department ${missing}`);
}

export async function createRule(db: Database, ctx: Ctx, i: RuleInput): Promise<repo.RoutingRuleRow> {
  return inTx(db, ctx, async (c) => {
    const region = await repo.regionByCode(c.tx, i.regionCode);
    // Out of scope answers like a missing region (404), never revealing what exists elsewhere.
    if (!region || !coversPath(c.actor, ['admin'], region.path)) throw new AppError('region_not_found', `regionCode: no region ${i.regionCode} in your scope`, [{ field: 'regionCode' }]);
    if (i.categoryCode && !(await repo.getCategory(c.tx, i.categoryCode))) throw invalid('categoryCode', `no category ${i.categoryCode}`);
    await checkDepartments(c.tx, i.leadDepartmentId, i.coDepartmentIds);
    const id = await repo.insertRoutingRule(c.tx, {
      categoryCode: i.categoryCode ?? null,
      regionId: region.id,
      regionPath: region.path,
      leadDepartmentId: i.leadDepartmentId,
      coDepartmentIds: i.coDepartmentIds ?? [],
      responseLevel: i.responseLevel ?? null,
      note: i.note ?? null,
    });
    if (id === null) throw new AppError('conflict', `A rule for ${i.categoryCode ?? 'any category'} in ${i.regionCode} already exists; change that one.`);
    const row = (await repo.getRoutingRule(c.tx, id))!;
    await recordAudit(c, { action: 'routing_rule.create', targetType: 'routing_rule', targetId: id, regionId: region.id, after: row });
    return row;
  });
}

export async function updateRule(db: Database, ctx: Ctx, id: number, patch: Omit<Partial<RuleInput>, 'regionCode' | 'categoryCode'>): Promise<repo.RoutingRuleRow> {
  return inTx(db, ctx, async (c) => {
    const before = await ruleInScope(c.tx, c.actor, id);
    await checkDepartments(c.tx, patch.leadDepartmentId, patch.coDepartmentIds);
    await repo.updateRoutingRule(c.tx, id, {
      ...(patch.leadDepartmentId !== undefined ? { leadDepartmentId: patch.leadDepartmentId } : {}),
      ...(patch.coDepartmentIds !== undefined ? { coDepartmentIds: patch.coDepartmentIds } : {}),
      ...(patch.responseLevel !== undefined ? { responseLevel: patch.responseLevel } : {}),
      ...(patch.note !== undefined ? { note: patch.note } : {}),
    }, c.now);
    const after = (await repo.getRoutingRule(c.tx, id))!;
    await recordAudit(c, { action: 'routing_rule.update', targetType: 'routing_rule', targetId: id, regionId: before.region_id, before, after });
    return after;
  });
}

export async function deleteRule(db: Database, ctx: Ctx, id: number): Promise<void> {
  await inTx(db, ctx, async (c) => {
    const before = await ruleInScope(c.tx, c.actor, id);
    await repo.retireRoutingRule(c.tx, id, c.now);
    await recordAudit(c, { action: 'routing_rule.delete', targetType: 'routing_rule', targetId: id, regionId: before.region_id, before });
  });
}

export const presentRule = (r: repo.RoutingRuleRow) => ({
  id: r.id,
  categoryCode: r.category_code,
  regionId: r.region_id,
  regionCode: r.region_code,
  regionName: r.region_name,
  leadDepartmentId: r.lead_department_id,
  coDepartmentIds: r.co_department_ids,
  responseLevel: r.response_level,
  note: r.note,
});
