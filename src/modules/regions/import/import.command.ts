/**
 * The import command: features of any format → units created or updated, in ONE transaction
 * with one audit record. Every feature is checked before anything is written; a single rejected
 * feature rejects the import (nothing half-imported) and the error names each feature and problem.
 */
import { recordAudit } from '../../audit/index.js';
import { inTx, type Ctx } from '../../../platform/context.js';
import { invalidateLocateIndex } from '../locate.js';
import type { Database } from '../../../platform/db.js';
import { AppError } from '../../../platform/errors.js';
import { levelDepth, levelOfCode, parentCodeOf, type Level } from '../codes.js';
import { toWkt } from '../geometry.js';
import { policy } from '../regions.policy.js';
import * as repo from '../regions.repository.js';
import type { ImportFeature, ImportOptions } from './parse.js';

export interface ImportProblem {
  feature: string;
  problem: string;
  action: 'repaired' | 'rejected';
}

export interface ImportSummary {
  created: number;
  updated: number;
  repaired: number;
  rejected: number;
  dryRun: boolean;
  problems: ImportProblem[];
}

export type Progress = (done: number, total: number) => void;

class DryRunDone extends Error {
  constructor(readonly summary: ImportSummary) {
    super('dry run');
  }
}

interface Planned {
  f: ImportFeature;
  code: string;
  level: Level;
  existing: repo.RegionRow | null;
  wkt: string | null;
  repair: boolean;
  parentCode: string | null;
}

const MAX_REPORTED = 200;

export async function importRegions(db: Database, ctx: Ctx, features: ImportFeature[], o: ImportOptions & { source?: string }, progress?: Progress): Promise<ImportSummary> {
  try {
    const summary = await inTx(db, ctx, async (c) => {
      const tx = c.tx;
      const problems: ImportProblem[] = [];
      const rejected = new Set<ImportFeature>();
      const repaired = new Set<ImportFeature>();
      const reject = (f: ImportFeature, problem: string) => {
        rejected.add(f);
        problems.push({ feature: f.ref, problem, action: 'rejected' });
      };
      const repairedNote = (f: ImportFeature, problem: string) => {
        repaired.add(f);
        problems.push({ feature: f.ref, problem, action: 'repaired' });
      };

      for (const f of features) {
        for (const e of f.errors) reject(f, e);
        for (const r of f.repairs) repairedNote(f, r);
      }

      // Geometry validity as PostGIS sees it.
      const withGeom = features.filter((f) => !rejected.has(f) && f.polygons);
      const wkts = withGeom.map((f) => toWkt(f.polygons!));
      const checks = await repo.checkGeometries(tx, wkts);
      const wktOf = new Map<ImportFeature, { wkt: string; repair: boolean }>();
      withGeom.forEach((f, i) => {
        const chk = checks[i]!;
        if (chk.valid) wktOf.set(f, { wkt: wkts[i]!, repair: false });
        else if (o.onInvalid === 'reject') reject(f, `invalid geometry: ${chk.reason}`);
        else if (chk.emptyAfterRepair) reject(f, `invalid geometry that cannot be repaired: ${chk.reason}`);
        else {
          wktOf.set(f, { wkt: wkts[i]!, repair: true });
          repairedNote(f, `invalid geometry repaired with ST_MakeValid: ${chk.reason}`);
        }
      });

      const codes = [...new Set(features.map((f) => f.code).filter((x): x is string => x !== null))];
      const existing = await repo.findCurrentByCodes(tx, codes);

      // Levels, codes and duplicates.
      const planned = new Map<string, Planned>();
      for (const f of features) {
        if (rejected.has(f) || !f.code) continue;
        const prior = planned.get(f.code);
        if (prior) {
          reject(f, `code ${f.code} appears twice (also ${prior.f.ref})`);
          continue;
        }
        const ex = existing.get(f.code) ?? null;
        const level = f.level ?? ex?.level ?? levelOfCode(f.code);
        if (!level) {
          reject(f, `its level cannot be told from code ${f.code}: give a level`);
          continue;
        }
        const wantLen = level === 'grid' ? 15 : level === 'microgrid' ? 17 : 12;
        if (f.code.length !== wantLen) {
          reject(f, `a ${level} needs a ${wantLen}-digit code, got ${f.code}`);
          continue;
        }
        if (ex && ex.level !== level) {
          reject(f, `code ${f.code} is a ${ex.level} already; it cannot become a ${level}`);
          continue;
        }
        if (ex && !policy.canImportAt(ctx.actor, ex.path)) {
          reject(f, `code ${f.code} is outside your region scope`);
          continue;
        }
        const g = wktOf.get(f);
        planned.set(f.code, { f, code: f.code, level, existing: ex, wkt: g?.wkt ?? null, repair: g?.repair ?? false, parentCode: f.parentCode });
      }

      // Parents: named, or implied by the code's structure; in the database or in this file.
      const parentCodes = new Set<string>();
      for (const p of planned.values()) {
        if (!p.parentCode && !p.existing) p.parentCode = parentCodeOf(p.code);
        if (p.parentCode && !planned.has(p.parentCode)) parentCodes.add(p.parentCode);
      }
      const parentsInDb = await repo.findCurrentByCodes(tx, [...parentCodes]);
      const order = [...planned.values()].sort((a, b) => levelDepth(a.level) - levelDepth(b.level) || (a.code < b.code ? -1 : 1));
      const dropped = new Set<string>();
      const moves: { p: Planned; parent: repo.RegionRow }[] = [];
      for (const p of order) {
        const pc = p.parentCode;
        const inFile = pc ? planned.get(pc) : undefined;
        const inDb = pc ? parentsInDb.get(pc) ?? (inFile?.existing ?? undefined) : undefined;
        const drop = (msg: string) => {
          reject(p.f, msg);
          dropped.add(p.code);
        };
        if (pc && inFile && dropped.has(pc)) {
          drop(`its parent ${pc} (${inFile.f.ref}) was rejected`);
          continue;
        }
        const parentLevel = inFile?.level ?? inDb?.level;
        const parentVisible = inDb ? policy.canImportAt(ctx.actor, inDb.path) : inFile !== undefined;
        if (p.existing) {
          // A named parent that differs from the current one moves the unit.
          if (pc && p.existing.parentId !== (inDb?.id ?? null) && !(inFile && !inFile.existing)) {
            if (!inDb || !parentVisible) drop(`parent ${pc} not found`);
            else if (levelDepth(inDb.level) >= levelDepth(p.level)) drop(`a ${p.level} cannot be placed under a ${inDb.level}`);
            else moves.push({ p, parent: inDb });
          } else if (pc && inFile && !inFile.existing) {
            drop(`it exists already; it cannot move under ${pc}, which this import creates`);
          }
          continue;
        }
        if (!pc || (!inFile && !inDb)) {
          if (p.level === 'city' && (!pc || !inDb)) {
            if (!policy.canCreateRoot(ctx.actor)) drop('only an administrator of a whole city may create a city');
            else p.parentCode = null;
            continue;
          }
          drop(pc ? `parent ${pc} not found` : 'has no parent: give parent_code or --parent');
          continue;
        }
        if (!parentVisible) {
          drop(`parent ${pc} not found`);
          continue;
        }
        if (parentLevel && levelDepth(parentLevel) >= levelDepth(p.level)) drop(`a ${p.level} cannot be placed under a ${parentLevel}`);
      }

      const summary = (created: number, updated: number): ImportSummary => ({
        created,
        updated,
        repaired: [...repaired].filter((f) => !rejected.has(f)).length,
        rejected: rejected.size,
        dryRun: o.dryRun === true,
        problems: problems.slice(0, MAX_REPORTED),
      });

      if (rejected.size > 0) {
        const s = summary(0, 0);
        throw new AppError(
          'import_invalid',
          `${rejected.size} of ${features.length} features were rejected, so nothing was imported. First: ${problems.find((x) => x.action === 'rejected')!.feature}: ${problems.find((x) => x.action === 'rejected')!.problem}`,
          s,
        );
      }
      if (planned.size === 0) throw new AppError('import_invalid', 'The file holds no features.', summary(0, 0));

      // Write: creations in bulk, parents first (ids allocated up front so paths are known).
      const toCreate = order.filter((p) => !p.existing);
      const ids = await repo.allocateIds(tx, toCreate.length);
      const made = new Map<string, { id: number; path: string; depth: number }>();
      const units: repo.NewUnit[] = toCreate.map((p, i) => {
        const id = ids[i]!;
        const parent = p.parentCode ? (made.get(p.parentCode) ?? parentsInDb.get(p.parentCode) ?? planned.get(p.parentCode)!.existing!) : null;
        const me = { id, path: `${parent ? parent.path : '/'}${id}/`, depth: parent ? parent.depth + 1 : 1 };
        made.set(p.code, me);
        return {
          id,
          code: p.code,
          name: p.f.name ?? p.code,
          level: p.level,
          parentId: parent?.id ?? null,
          path: me.path,
          depth: me.depth,
          subtype: p.f.subtype ?? null,
          wkt: p.wkt,
          repair: p.repair,
          boundarySource: p.wkt ? 'imported' : null,
          population: p.f.population ?? null,
          households: p.f.households ?? null,
          validFrom: null,
        };
      });
      const total = planned.size;
      let done = 0;
      const CHUNK = 1000;
      for (let i = 0; i < units.length; i += CHUNK) {
        await repo.insertUnits(tx, units.slice(i, i + CHUNK));
        done += Math.min(CHUNK, units.length - i);
        progress?.(done, total);
      }
      let updated = 0;
      for (const p of order) {
        if (!p.existing) continue;
        const patch: repo.UnitPatch = {};
        if (p.f.name && p.f.name !== p.existing.name) patch.name = p.f.name;
        if (p.wkt) Object.assign(patch, { wkt: p.wkt, repair: p.repair, boundarySource: 'imported' });
        if (p.f.population !== undefined) patch.population = p.f.population;
        if (p.f.households !== undefined) patch.households = p.f.households;
        if (p.f.subtype !== undefined) patch.subtype = p.f.subtype;
        await repo.updateUnit(tx, p.existing.id, patch, c.now);
        if (patch.name) await repo.insertHistory(tx, { regionId: p.existing.id, oldCode: p.code, newCode: p.code, change: 'renamed', note: `${p.existing.name} → ${patch.name}`, at: c.now });
        updated++;
        done++;
        if (done % 200 === 0) progress?.(done, total);
      }
      for (const { p, parent } of moves) {
        const fresh = (await repo.findById(tx, p.existing!.id))!;
        const par = (await repo.findById(tx, parent.id))!;
        await repo.moveSubtree(tx, fresh, par, c.now);
        await repo.insertHistory(tx, { regionId: fresh.id, oldCode: p.code, newCode: p.code, change: 'moved', note: `moved under ${par.code}`, at: c.now });
      }
      progress?.(total, total);

      const s = summary(units.length, updated);
      const scopeCode = o.parent ?? null;
      const scopeRow = scopeCode ? parentsInDb.get(scopeCode) ?? null : null;
      await recordAudit(c, {
        action: 'regions.import',
        targetType: 'region_import',
        targetId: o.source ?? null,
        regionId: scopeRow?.id ?? null,
        after: { source: o.source ?? null, created: s.created, updated: s.updated, repaired: s.repaired, rejected: 0, crs: o.crs ?? 'wgs84', problems: s.problems.slice(0, 50) },
      });
      if (o.dryRun) throw new DryRunDone(s);
      return s;
    });
    invalidateLocateIndex(db);
    return summary;
  } catch (e) {
    if (e instanceof DryRunDone) return e.summary;
    throw e;
  }
}
