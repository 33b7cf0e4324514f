/**
 * The demo city: Kunming's real hierarchy (NBS 2023 division codes) with GENERATED boundaries,
 * grids, micro-grids, figures and staff. Boundaries are Voronoi cells around real district seats,
 * each level tiled inside its parent: plausible enough for a phone's GPS in Kunming to land in the
 * right district, and labelled boundary_source = 'generated' because they are not official.
 * Everything is deterministic (seeded by codes): the same demo city on every machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { recordAudit } from '../audit/index.js';
import { inTx, type Ctx } from '../../platform/context.js';
import { invalidateLocateIndex } from './locate.js';
import type { Database } from '../../platform/db.js';
import { gridCode, microgridCode, parseLevel, type Level } from './codes.js';
import { toWkt, type MultiPolygon } from './geometry.js';
import * as repo from './regions.repository.js';
import { apportion, prng, seedOf, spreadPoints, voronoiCells } from './voronoi.js';

const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

/** Roughly Kunming's extent (WGS-84). */
export const CITY_EXTENT = { west: 102.17, south: 24.39, east: 103.67, north: 26.55 } as const;
export const CITY_CODE = '530100000000';
/** 西山区's real figures, the density every district is scaled to by its number of communities. */
export const XISHAN = { code: '530112', communities: 126, grids: 1237, microgrids: 3969 } as const;

export interface DemoOptions {
  /** 6-digit codes of the districts to seed (default: all 14). The layout is the same either way. */
  districts?: string[];
  /** Seed grid staff too (default true). */
  staff?: boolean;
}

export interface DemoStats {
  units: Record<Level, number>;
  staff: number;
  ms: number;
}

interface Node {
  code: string;
  name: string;
  level: Level;
  subtype: string | null;
  children: Node[];
  poly: MultiPolygon;
  id: number;
  path: string;
  depth: number;
  parentId: number | null;
  population: number;
  households: number;
}

function readDivisions(): { code: string; name: string; level: string; parent_code: string; subtype: string }[] {
  return parseCsv(fs.readFileSync(path.join(DATA_DIR, 'kunming-divisions-2023.csv'), 'utf8'), { columns: true, skip_empty_lines: true }) as never;
}

function readSeats(): { code: string; lng: number; lat: number }[] {
  const rows = parseCsv(fs.readFileSync(path.join(DATA_DIR, 'kunming-district-seats.csv'), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((r) => ({ code: `${r.code}000000`, lng: Number(r.lng), lat: Number(r.lat) }));
}

const shortName = (n: string) => n.replace(/(居民委员会|居委会|村民委员会|委员会)$/, '');

const node = (code: string, name: string, level: Level, subtype: string | null, poly: MultiPolygon): Node => ({
  code, name, level, subtype, children: [], poly, id: 0, path: '', depth: 0, parentId: null, population: 0, households: 0,
});

/** Lay the children of n out as Voronoi cells inside it. */
function tile(parent: Node, kids: Node[]): void {
  if (kids.length === 0) return;
  if (parent.poly.length === 0) {
    for (const k of kids) k.poly = [];
    return;
  }
  const rand = prng(seedOf(parent.code));
  const sites = spreadPoints(parent.poly, kids.length, rand);
  const cells = voronoiCells(sites, parent.poly);
  kids.forEach((k, i) => {
    k.poly = cells[i]!.length > 0 ? cells[i]! : [];
  });
}

/** The demo hierarchy in memory (no database). */
export function buildDemoTree(opts: DemoOptions = {}): Node {
  const rows = readDivisions();
  const { west, south, east, north } = CITY_EXTENT;
  const cityRow = rows.find((r) => r.code === CITY_CODE)!;
  const city = node(CITY_CODE, cityRow.name, 'city', null, [[[[west, south], [east, south], [east, north], [west, north], [west, south]]]]);
  const byCode = new Map<string, Node>([[CITY_CODE, city]]);
  for (const r of rows) {
    if (r.code === CITY_CODE) continue;
    const level = parseLevel(r.level)!;
    const n = node(r.code, level === 'community' ? shortName(r.name) : r.name, level, r.subtype ? r.subtype.replace(/\(.*$/, '') : null, []);
    byCode.set(r.code, n);
  }
  for (const r of rows) if (r.code !== CITY_CODE) byCode.get(r.parent_code)!.children.push(byCode.get(r.code)!);
  for (const n of byCode.values()) n.children.sort((a, b) => (a.code < b.code ? -1 : 1));

  // Districts: cells around their real seats (every district, so a partial seed has the same shapes).
  const seats = new Map(readSeats().map((s) => [s.code, s]));
  const districts = city.children;
  const cells = voronoiCells(districts.map((d) => [seats.get(d.code)!.lng, seats.get(d.code)!.lat]), city.poly);
  districts.forEach((d, i) => (d.poly = cells[i]!));
  const wanted = opts.districts ? new Set(opts.districts.map((c) => c.padEnd(12, '0'))) : null;
  if (wanted) city.children = districts.filter((d) => wanted.has(d.code));

  for (const d of city.children) {
    tile(d, d.children);
    const communities = d.children.flatMap((s) => s.children);
    const grids = Math.round((XISHAN.grids * communities.length) / XISHAN.communities);
    const micro = Math.round((XISHAN.microgrids * grids) / XISHAN.grids);
    const rand = prng(seedOf(`${d.code}/density`));
    // Urban communities are denser than villages; virtual units (development zones) thin.
    const weight = (c: Node) => (c.subtype === 'community' ? 1.3 : c.subtype === 'virtual' ? 0.2 : 0.7) * (0.6 + 0.8 * rand());
    const perCommunity = apportion(grids, communities.map(weight));
    const gridNodes: Node[] = [];
    for (const s of d.children) {
      tile(s, s.children);
      for (const c of s.children) {
        const n = perCommunity[communities.indexOf(c)]!;
        for (let g = 1; g <= n; g++) {
          const gn = node(gridCode(c.code, g), `${c.name}第${g}网格`, 'grid', null, []);
          c.children.push(gn);
          gridNodes.push(gn);
        }
        tile(c, c.children);
      }
    }
    const perGrid = apportion(micro, gridNodes.map(() => 0.5 + rand()));
    gridNodes.forEach((g, i) => {
      for (let m = 1; m <= perGrid[i]!; m++) g.children.push(node(microgridCode(g.code, m), `${g.name}第${m}微网格`, 'microgrid', null, []));
      tile(g, g.children);
    });
  }
  // Figures: micro-grids get people, everything above sums them.
  const sum = (n: Node, urban: boolean): void => {
    if (n.level === 'microgrid') {
      const r = prng(seedOf(`${n.code}/people`));
      n.population = Math.round((urban ? 95 : 60) + r() * (urban ? 190 : 120));
      n.households = Math.max(1, Math.round(n.population / (2.3 + r() * 0.7)));
      return;
    }
    const u = n.level === 'community' ? n.subtype === 'community' : urban;
    for (const k of n.children) {
      sum(k, u);
      n.population += k.population;
      n.households += k.households;
    }
  };
  sum(city, true);
  return city;
}

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯健俊帆帅旭宁婷雪琳晨辉建国建华志强海燕丹云飞家豪子涵梓萱欣怡';

function person(rand: () => number): { name: string; phone: string } {
  const pick = (s: string) => s[Math.floor(rand() * s.length)]!;
  const name = pick(SURNAMES) + pick(GIVEN) + (rand() < 0.6 ? pick(GIVEN) : '');
  // 138 0871 xxxx: 0871 is Kunming's area code; every demo number has this prefix.
  const phone = `1380871${String(Math.floor(rand() * 10_000)).padStart(4, '0')}`;
  return { name, phone };
}

/** Seed the demo city (or some districts of it). Skips when the city exists already. */
export async function seedDemoRegions(db: Database, ctx: Ctx, log: (m: string) => void, opts: DemoOptions = {}): Promise<DemoStats | null> {
  const t0 = Date.now();
  if (await repo.findCurrentByCode(db, CITY_CODE)) {
    log(`regions: ${CITY_CODE} exists already; demo regions not seeded`);
    return null;
  }
  const city = buildDemoTree(opts);
  const all: Node[] = [];
  const walk = (n: Node) => {
    all.push(n);
    n.children.forEach(walk);
  };
  walk(city);
  log(`regions: laid out ${all.length} units in ${Date.now() - t0} ms; inserting…`);
  const units: Record<Level, number> = { city: 0, district: 0, street: 0, community: 0, grid: 0, microgrid: 0 };
  let staffCount = 0;
  await inTx(db, ctx, async (c) => {
    const ids = await repo.allocateIds(c.tx, all.length);
    all.forEach((n, i) => (n.id = ids[i]!));
    const place = (n: Node, parent: Node | null) => {
      n.parentId = parent?.id ?? null;
      n.path = `${parent ? parent.path : '/'}${n.id}/`;
      n.depth = parent ? parent.depth + 1 : 1;
      for (const k of n.children) place(k, n);
    };
    place(city, null);
    const rows: repo.NewUnit[] = all.map((n) => {
      units[n.level]++;
      return {
        id: n.id,
        code: n.code,
        name: n.name,
        level: n.level,
        parentId: n.parentId,
        path: n.path,
        depth: n.depth,
        subtype: n.subtype,
        wkt: n.poly.length > 0 ? toWkt(n.poly) : null,
        repair: false,
        boundarySource: n.poly.length > 0 ? 'generated' : null,
        population: n.population,
        households: n.households,
        validFrom: '2023-06-30',
        attrs: { demo: true },
        // Voronoi cells clipped to convex parents (down from the rectangular city) are convex.
        convex: true,
      };
    });
    for (let i = 0; i < rows.length; i += 5000) {
      await repo.insertUnits(c.tx, rows.slice(i, i + 5000), 2500);
      log(`regions: ${Math.min(i + 5000, rows.length)}/${rows.length} units`);
    }
    if (opts.staff !== false) {
      const staff: { regionId: number; name: string; phone: string; role: repo.StaffRole; since: string }[] = [];
      for (const n of all) {
        if (n.level !== 'community' && n.level !== 'grid' && n.level !== 'microgrid') continue;
        const rand = prng(seedOf(`${n.code}/staff`));
        const add = (regionId: number, role: repo.StaffRole) => staff.push({ regionId, role, ...person(rand), since: `202${Math.floor(rand() * 4)}-0${1 + Math.floor(rand() * 9)}-01` });
        if (n.level === 'community' && n.children[0]) add(n.children[0].id, 'grid_leader');
        if (n.level === 'grid') {
          add(n.id, 'full_time');
          if (rand() < 0.35) add(n.id, 'part_time');
          if (rand() < 0.15) add(n.id, 'alley_steward');
          if (rand() < 0.2) add(n.id, 'red_armband');
        }
        if (n.level === 'microgrid') {
          if (rand() < 0.5) add(n.id, 'building_head');
          if (rand() < 0.3) add(n.id, 'ten_household_head');
        }
      }
      await repo.insertStaffBulk(c.tx, staff);
      staffCount = staff.length;
    }
    await recordAudit(c, { action: 'regions.seed_demo', targetType: 'region', targetId: CITY_CODE, regionId: city.id, after: { units, staff: staffCount, boundaries: 'generated' } });
  });
  invalidateLocateIndex(db);
  const ms = Date.now() - t0;
  log(`regions: seeded ${all.length} units and ${staffCount} staff in ${(ms / 1000).toFixed(1)} s (boundaries are generated, not official)`);
  return { units, staff: staffCount, ms };
}

/** A small demo for tests: 西山区 only (1,237 grids, 3,969 micro-grids). */
export function seedDemoSmall(db: Database, ctx: Ctx, log: (m: string) => void = () => {}, districts: string[] = [XISHAN.code]): Promise<DemoStats | null> {
  return seedDemoRegions(db, ctx, log, { districts });
}
