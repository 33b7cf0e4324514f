/**
 * Applying an NBS change log (codes added and removed between two releases) to the hierarchy
 * without losing history: a unit removed under one code and added under another with the same
 * name is the same unit re-coded (it keeps its id, so everything filed under it follows, and its
 * old code keeps resolving); a code removed and re-added under a new name is a rename; what is
 * only added is created; what is only removed is retired (valid_to), never deleted.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { recordAudit } from '../audit/index.js';
import { inTx, type Ctx } from '../../platform/context.js';
import { invalidateLocateIndex } from './locate.js';
import type { Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { levelDepth, normalizeCode, parentCodeOf, parseLevel, type Level } from './codes.js';
import * as repo from './regions.repository.js';

export interface DivisionChange {
  change: 'added' | 'removed';
  code: string;
  name: string;
  level: Level;
}

export interface ChangeSummary {
  recoded: { from: string; to: string; name: string }[];
  renamed: { code: string; from: string; to: string }[];
  created: string[];
  retired: string[];
}

/** The change-log CSV (columns change, code, name, level; change added_in_* | removed_since_*). */
export function parseChangeLog(text: string): DivisionChange[] {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return rows.map((r, i) => {
    const code = normalizeCode(r.code);
    const level = r.level ? parseLevel(r.level) : null;
    const change = r.change?.startsWith('added') ? 'added' : r.change?.startsWith('removed') ? 'removed' : null;
    if (!code || !level || !change || !r.name) throw new AppError('import_invalid', `row ${i + 2}: needs change (added_…|removed_…), a region code, a name and a level`);
    return { change, code, name: r.name, level };
  });
}

export async function applyDivisionChanges(db: Database, ctx: Ctx, changes: DivisionChange[], effective: string): Promise<ChangeSummary> {
  const out = await applyInTx(db, ctx, changes, effective);
  invalidateLocateIndex(db);
  return out;
}

function applyInTx(db: Database, ctx: Ctx, changes: DivisionChange[], effective: string): Promise<ChangeSummary> {
  return inTx(db, ctx, async (c) => {
    const tx = c.tx;
    const out: ChangeSummary = { recoded: [], renamed: [], created: [], retired: [] };
    const removed = changes.filter((x) => x.change === 'removed');
    const added = changes.filter((x) => x.change === 'added');
    const addedByCode = new Map(added.map((a) => [a.code, a]));
    const pairs: { from: DivisionChange; to: DivisionChange }[] = [];
    const usedAdded = new Set<DivisionChange>();
    const renames: { from: DivisionChange; to: DivisionChange }[] = [];
    for (const r of removed) {
      const same = addedByCode.get(r.code);
      if (same) {
        renames.push({ from: r, to: same });
        usedAdded.add(same);
      }
    }
    for (const r of removed) {
      if (renames.some((x) => x.from === r)) continue;
      // Same name and level, preferring the same county: the unit was re-coded.
      const cands = added.filter((a) => !usedAdded.has(a) && a.name === r.name && a.level === r.level);
      const best = cands.find((a) => a.code.slice(0, 6) === r.code.slice(0, 6)) ?? cands[0];
      if (best) {
        pairs.push({ from: r, to: best });
        usedAdded.add(best);
      }
    }
    const paired = new Set([...pairs.map((p) => p.from), ...renames.map((p) => p.from)]);

    // New units first (parents before children), so that re-coded units can move under them.
    const toCreate = added.filter((a) => !usedAdded.has(a)).sort((a, b) => levelDepth(a.level) - levelDepth(b.level) || (a.code < b.code ? -1 : 1));
    for (const a of toCreate) {
      if (await repo.findCurrentByCode(tx, a.code)) throw new AppError('region_code_taken', `${a.code} (${a.name}) exists already`);
      const pc = parentCodeOf(a.code);
      const parent = pc ? await repo.findCurrentByCode(tx, pc) : null;
      if (!parent) throw new AppError('import_invalid', `${a.code} (${a.name}): parent ${pc ?? '?'} not found`);
      const [id] = await repo.allocateIds(tx, 1);
      await repo.insertUnits(tx, [
        { id: id!, code: a.code, name: a.name, level: a.level, parentId: parent.id, path: `${parent.path}${id}/`, depth: parent.depth + 1, subtype: null, wkt: null, repair: false, boundarySource: null, population: null, households: null, validFrom: effective },
      ]);
      out.created.push(a.code);
    }
    for (const { from, to } of pairs) {
      const unit = await repo.findCurrentByCode(tx, from.code);
      if (!unit) throw new AppError('region_not_found', `${from.code} (${from.name}) to re-code is not a current unit`);
      await repo.setCode(tx, unit.id, to.code, c.now);
      const pc = parentCodeOf(to.code);
      const parent = pc ? await repo.findCurrentByCode(tx, pc) : null;
      if (parent && parent.id !== unit.parentId) await repo.moveSubtree(tx, unit, parent, c.now);
      await repo.insertHistory(tx, { regionId: unit.id, oldCode: from.code, newCode: to.code, change: 'recoded', note: `NBS change effective ${effective}`, at: c.now });
      out.recoded.push({ from: from.code, to: to.code, name: to.name });
    }
    for (const { from, to } of renames) {
      const unit = await repo.findCurrentByCode(tx, from.code);
      if (!unit) throw new AppError('region_not_found', `${from.code} (${from.name}) to rename is not a current unit`);
      await repo.updateUnit(tx, unit.id, { name: to.name }, c.now);
      await repo.insertHistory(tx, { regionId: unit.id, oldCode: from.code, newCode: to.code, change: 'renamed', note: `${unit.name} → ${to.name}`, at: c.now });
      out.renamed.push({ code: from.code, from: unit.name, to: to.name });
    }
    for (const r of removed.filter((x) => !paired.has(x))) {
      const unit = await repo.findCurrentByCode(tx, r.code);
      if (!unit) continue; // already gone: applying the log twice changes nothing more
      await repo.retire(tx, unit.id, effective, c.now);
      await repo.insertHistory(tx, { regionId: unit.id, oldCode: r.code, newCode: null, change: 'retired', note: `NBS change effective ${effective}`, at: c.now });
      out.retired.push(r.code);
    }
    await recordAudit(c, {
      action: 'regions.apply_changes',
      targetType: 'region_change_log',
      targetId: effective,
      after: { recoded: out.recoded.length, renamed: out.renamed.length, created: out.created.length, retired: out.retired.length },
    });
    return out;
  });
}
