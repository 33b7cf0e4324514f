import { describe, expect, it } from 'vitest';
import type { LocateResult } from '../../regions/index.js';
import { validateAttributes } from '../cases.service.js';
import { TAXONOMY } from '../cases.seed.js';
import { TRANSITIONS } from '../cases.states.js';
import type { CategoryRow } from '../cases.types.js';
import { planDemoHistory, SCENARIOS, type CasePlan } from './plan.js';
import { buildPointPools, type Locator } from './points.js';
import { rng } from './prng.js';

const categories: CategoryRow[] = TAXONOMY.flatMap((m) =>
  m.minors.map((n) => ({
    code: n.code, parent_code: m.code, level: 2 as const, name_zh: n.zh, name_en: n.en, description: null, keywords: [], default_response_level: n.level ?? 3,
    deadlines: n.deadlines ?? m.deadlines, attributes: n.attributes ?? [], private: m.private ?? false, auto_dispatch: n.autoDispatch ?? false,
    needs_contact: m.needsContact ?? false, duplicate_radius_m: 250, duplicate_window_hours: 168, sort: 1, active: true,
  })),
);

// Two districts side by side (x < 103: 西山区), cut into 0.05° grids; nothing outside [102, 104] × [24, 26].
const locator: Locator = {
  locate(x, y): LocateResult | null {
    if (x < 102 || x > 104 || y < 24 || y > 26) return null;
    const west = x < 103;
    const gid = 1000 + Math.floor((x - 102) / 0.05) * 100 + Math.floor((y - 24) / 0.05);
    return {
      regionId: gid,
      path: `/1/${west ? 2 : 3}/${gid}/`,
      chain: [
        { id: gid, code: `${west ? '530112' : '530102'}001001${String(gid).padStart(3, '0')}`, name: `网格${gid}`, level: 'grid' },
        { id: west ? 2 : 3, code: west ? '530112000000' : '530102000000', name: west ? '西山区' : '五华区', level: 'district' },
        { id: 1, code: '530100000000', name: '昆明市', level: 'city' },
      ],
    };
  },
};
const NOW = new Date('2026-11-20T02:00:00Z');

function plan(seed: number, count = 400): CasePlan[] {
  const pools = buildPointPools(locator, { west: 101.5, east: 104.5, south: 23.5, north: 26.5 }, rng(seed + 1), { coarse: 4000, dense: 4000, sparse: 2000, denseCodes: ['530112000000'] });
  return planDemoHistory(rng(seed), {
    now: NOW, count, days: 90, categories, pools, transferCodes: ['XS-ZJJ'],
    anchors: { mainDistrictCode: '530112000000', gridWorkerGridId: null, streetId: null, streetCode: null, communityId: null, communityCode: null },
  });
}

describe('planDemoHistory', () => {
  it('is deterministic for a seed and differs for another', () => {
    const a = JSON.stringify(plan(7, 120));
    expect(JSON.stringify(plan(7, 120))).toBe(a);
    expect(JSON.stringify(plan(8, 120))).not.toBe(a);
  });

  it('plans the count asked for, every scenario, most cases in the main district, ~1 % outside every region', () => {
    const ps = plan(1);
    expect(ps).toHaveLength(400);
    expect(new Set(ps.map((p) => p.scenario))).toEqual(new Set(SCENARIOS));
    expect(ps.filter((p) => p.districtCode === '530112000000').length / ps.length).toBeGreaterThan(0.5);
    expect(ps.filter((p) => p.point && p.point.located === null && !p.mods.includes('duplicate')).length).toBeGreaterThanOrEqual(4);
    expect(ps.some((p) => p.point === null && p.address)).toBe(true);
  });

  it('keeps every step after the report, in time order, before now, and only steps the state machine knows', () => {
    for (const p of plan(2)) {
      let t = p.reportedAt.getTime();
      expect(t).toBeLessThan(NOW.getTime());
      expect(t).toBeGreaterThan(NOW.getTime() - 91 * 86_400_000);
      for (const s of p.steps) {
        expect(s.at.getTime()).toBeGreaterThanOrEqual(t);
        expect(s.at.getTime()).toBeLessThan(NOW.getTime());
        expect(TRANSITIONS[s.action]).toBeDefined();
        t = s.at.getTime();
      }
    }
  });

  it('gives attribute values valid for the category and a contact where the category needs one', () => {
    for (const p of plan(3)) {
      const cat = categories.find((c) => c.code === p.categoryCode)!;
      expect(() => validateAttributes(cat.attributes, p.attributes)).not.toThrow();
      if (cat.needs_contact && p.reporter.kind === 'public') expect(p.reporter.phone).toMatch(/^1\d{10}$/);
      if (p.channel === 'police') expect(p.categoryCode).toMatch(/^(POLICE|ORDER|DISPUTE)\./);
      expect(p.description.length).toBeGreaterThan(5);
      expect(p.description).not.toMatch(/[{}]/);
    }
  });

  it('reports on weekdays and in daytime more than at night', () => {
    const hours = plan(4, 800).map((p) => new Date(p.reportedAt.getTime() + 8 * 3_600_000).getUTCHours());
    const day = hours.filter((h) => h >= 8 && h < 20).length;
    expect(day / hours.length).toBeGreaterThan(0.7);
  });
});
