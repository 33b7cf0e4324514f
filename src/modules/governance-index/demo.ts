/**
 * Demo data for `gongzhi seed demo` (governance-index is last in the registry, so the regions,
 * staff and cases of the other seeds exist): the default framework, demo survey scores (labelled
 * as such: a real city imports its own surveys), and a first snapshot for the current year at
 * district, street and community level, from the live demo data.
 */
import type { Ctx } from '../../platform/context.js';
import type { Database } from '../../platform/db.js';
import { isAppError } from '../../platform/errors.js';
import { computeSnapshot } from './compute.service.js';
import { DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORK_CODE } from './default-framework.js';
import { createFramework } from './framework.service.js';
import * as repo from './governance-index.repository.js';
import { importIndicators } from './import.service.js';
import { periodOf } from './periods.js';
import type { IndexLevel } from './providers/types.js';

export const DEMO_LEVELS: readonly IndexLevel[] = ['district', 'street', 'community'];

/** A deterministic score in [lo, hi) from a region code, so the demo is the same on every machine. */
function demoScore(code: string, salt: number, lo: number, hi: number): number {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < code.length; i++) h = Math.imul(h ^ code.charCodeAt(i), 16777619);
  return Math.round((lo + ((h >>> 0) / 4294967296) * (hi - lo)) * 10) / 10;
}

export async function ensureDefaultFramework(db: Database, ctx: Ctx): Promise<boolean> {
  if (await repo.getFramework(db, DEFAULT_FRAMEWORK_CODE)) return false;
  await createFramework(db, ctx, DEFAULT_FRAMEWORK, { builtin: true });
  return true;
}

export async function seedGovernanceIndexDemo(db: Database, ctx: Ctx, log: (m: string) => void): Promise<void> {
  if (await ensureDefaultFramework(db, ctx)) log(`  framework ${DEFAULT_FRAMEWORK_CODE} (社会治理现代化指数) defined`);
  const period = periodOf(ctx.now, 'year');
  const districts = await repo.unitsAtLevel(db, 'district', null);
  if (districts.length === 0) {
    log('  no regions loaded: no index computed');
    return;
  }
  const streets = await repo.unitsAtLevel(db, 'street', null);
  const surveyed = [...districts, ...streets];
  const existing = await repo.loadValues(db, ['public_safety_sense'], surveyed.map((u) => u.id), period);
  if (existing.length === 0) {
    const lines = ['region_code,period,public_safety_sense,public_service_satisfaction'];
    for (const u of surveyed) lines.push(`${u.code},${period},${demoScore(u.code, 1, 88, 99)},${demoScore(u.code, 2, 80, 96)}`);
    const r = await importIndicators(db, ctx, { buffer: Buffer.from(lines.join('\n')), fileName: 'demo-surveys.csv', note: '演示数据：模拟的群众安全感与公共服务满意度调查得分，非真实调查结果' });
    log(`  demo survey scores imported (batch ${r.batchId}, ${r.values} values; labelled as demo data)`);
  }
  for (const level of DEMO_LEVELS) {
    if (await repo.hasSnapshot(db, DEFAULT_FRAMEWORK_CODE, period, level)) continue;
    try {
      const s = await computeSnapshot(db, ctx, { framework: DEFAULT_FRAMEWORK_CODE, period, level, options: { dropMissing: true } });
      log(`  index ${period} ${level}: snapshot ${s.id}, ${s.unitCount} units${s.dropped.length ? ` (no data yet: ${s.dropped.join(', ')})` : ''}`);
    } catch (e) {
      // A demo without the data for one level must not stop the whole seed.
      if (!isAppError(e)) throw e;
      log(`  index ${period} ${level} not computed: ${e.message}`);
    }
  }
}
