/** Importing regions: GeoJSON (GCJ-02), Shapefiles, NBS CSVs; updates, repairs, rejections. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRegionByCode, getRegionById, importRegions, listDescendantIds, locatePoint, readImportFiles, regionChain, resolveCode } from '../../src/modules/regions/index.js';
import type { ImportOptions } from '../../src/modules/regions/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { count } from './helpers.js';
import { writeShapefile, writeZip } from './shapefile-writer.js';

const FIXTURE = 'test/fixtures/regions/kunming-sample-gcj02.geojson';
const ctx = () => cliCtx(systemActor('test'));
let t: TestDatabase;

const run = async (name: string, data: Uint8Array | string, o: ImportOptions = {}) => {
  const files = [{ name, data: typeof data === 'string' ? new TextEncoder().encode(data) : data }];
  return importRegions(t.db, ctx(), await readImportFiles(files, o), { ...o, source: name });
};
const fc = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
const square = (x: number, y: number, d: number) => [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

describe('GeoJSON in GCJ-02', () => {
  it('imports the hierarchy, converts to WGS-84, and locates GPS points in the right district', async () => {
    const s = await run('kunming-sample-gcj02.geojson', fs.readFileSync(FIXTURE), { crs: 'gcj02' });
    expect(s).toMatchObject({ created: 4, updated: 0, repaired: 0, rejected: 0 });
    // Green Lake Park's GPS position: 五华区, 华山街道.
    const green = await locatePoint(t.db, 102.7035, 25.045);
    expect(green?.chain.map((c) => c.code)).toEqual(['530102001000', '530102000000', '530100000000']);
    // 600 m east of the district line (102.7050 in WGS-84): 盘龙区. Had the GCJ-02 boundary been
    // stored unconverted, the line would sit ~120 m further east and this point would be in 五华区.
    const east = await locatePoint(t.db, 102.7056, 25.1);
    expect(east?.chain.map((c) => c.name)).toEqual(['盘龙区', '昆明市']);
    const west = await locatePoint(t.db, 102.7044, 25.1);
    expect(west?.chain.map((c) => c.name)).toEqual(['五华区', '昆明市']);
    // The hole in 华山街道 belongs to the district only.
    expect((await locatePoint(t.db, 102.7, 25.05))?.chain.map((c) => c.level)).toEqual(['district', 'city']);
    // The same point given in GCJ-02 lands in the same place.
    expect((await locatePoint(t.db, 102.7068, 25.0969, 'gcj02'))?.chain[0]?.name).toBe('盘龙区');
    expect(await locatePoint(t.db, 100, 30)).toBeNull();
  });

  it('locates inside a transaction through it (PGlite is one connection: no deadlock)', async () => {
    const r = await t.db.tx((tx) => locatePoint(t.db, 102.7035, 25.045, 'wgs84', tx));
    expect(r?.chain[0]?.code).toBe('530102001000');
  });

  it('answers lookups by code and id for other modules', async () => {
    const d = await getRegionByCode(t.db, '530102');
    expect(d).toMatchObject({ code: '530102000000', name: '五华区', level: 'district', depth: 2, validTo: null });
    expect(d!.path).toMatch(new RegExp(`^/\\d+/${d!.id}/$`));
    expect(await getRegionById(t.db, d!.id)).toEqual(d);
    expect(await getRegionByCode(t.db, '530102009000')).toBeNull();
    expect(await getRegionByCode(t.db, 'x')).toBeNull();
    const street = (await getRegionByCode(t.db, '530102001000'))!;
    expect((await regionChain(t.db, street.id)).map((r) => r.code)).toEqual(['530102001000', '530102000000', '530100000000']);
    expect((await listDescendantIds(t.db, d!.id)).sort()).toEqual([d!.id, street.id].sort());
  });

  it('stores computed area, centroid, imported source and figures', async () => {
    const { rows } = await t.db.query<{ area: number; src: string; pop: number; inside: boolean }>(
      `SELECT area_km2 AS area, boundary_source AS src, population AS pop, ST_Covers(geom, centroid) AS inside FROM region WHERE code = '530102000000'`,
    );
    // 0.105° × 0.15° at 25° N ≈ 10.6 km × 16.6 km.
    expect(rows[0]!.area).toBeGreaterThan(170);
    expect(rows[0]!.area).toBeLessThan(180);
    expect(rows[0]).toMatchObject({ src: 'imported', pop: 1145000, inside: true });
  });

  it('re-importing updates units instead of duplicating them', async () => {
    const before = await count(t.db, `SELECT count(*)::int AS n FROM region`);
    const text = fs.readFileSync(FIXTURE, 'utf8').replace('"name": "五华区"', '"name": "五华区（新）"');
    const s = await run('again.geojson', text, { crs: 'gcj02' });
    expect(s).toMatchObject({ created: 0, updated: 4, rejected: 0 });
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region`)).toBe(before);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region WHERE name = '五华区（新）'`)).toBe(1);
    // The rename is in the history; the code still resolves.
    expect((await resolveCode(t.db, '530102'))?.name).toBe('五华区（新）');
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region_code_history WHERE old_code = '530102000000' AND change = 'renamed'`)).toBe(1);
  });

  it('takes codes and names from other properties, one level and parent for all, the feature id as code', async () => {
    const s = await run(
      'grids.geojson',
      fc([
        { type: 'Feature', properties: { GRID_NO: '530102001001001', TITLE: '第1网格' }, geometry: { type: 'Polygon', coordinates: square(102.69, 25.04, 0.004) } },
        { type: 'Feature', properties: { GRID_NO: '530102001001002', TITLE: '第2网格' }, geometry: { type: 'Polygon', coordinates: square(102.694, 25.04, 0.004) } },
      ]),
      { codeProp: 'GRID_NO', nameProp: 'TITLE', level: 'grid', parent: '530102001001' },
    ).catch((e: { details?: unknown }) => e.details);
    // The community 530102001001 does not exist yet: both rejected, naming the feature.
    expect(s).toMatchObject({ rejected: 2, problems: [{ feature: expect.stringContaining('530102001001001'), problem: 'parent 530102001001 not found' }, expect.anything()] });
    await run('community.geojson', fc([{ type: 'Feature', id: 530102001001, properties: { name: '西仓坡社区' }, geometry: { type: 'Polygon', coordinates: square(102.69, 25.04, 0.01) } }]));
    const ok = await run(
      'grids.geojson',
      fc([{ type: 'Feature', properties: { GRID_NO: '530102001001001', TITLE: '第1网格' }, geometry: { type: 'Polygon', coordinates: square(102.69, 25.04, 0.004) } }]),
      { codeProp: 'GRID_NO', nameProp: 'TITLE', level: 'grid', parent: '530102001001' },
    );
    expect(ok.created).toBe(1);
    expect((await locatePoint(t.db, 102.691, 25.041))?.chain.map((c) => c.level)).toEqual(['grid', 'community', 'street', 'district', 'city']);
  });
});

describe('invalid geometries', () => {
  const bowtie = [[[102.75, 25.02], [102.76, 25.03], [102.76, 25.02], [102.75, 25.03], [102.75, 25.02]]];
  const features = () => [
    { type: 'Feature', properties: { code: '530103001000', name: '拓东街道', parent_code: '530103' }, geometry: { type: 'Polygon', coordinates: square(102.72, 25.01, 0.02) } },
    { type: 'Feature', properties: { code: '530103002000', name: '自交街道', parent_code: '530103' }, geometry: { type: 'Polygon', coordinates: bowtie } },
  ];

  it('rejects the whole import when asked to, naming the feature and the problem, writing nothing', async () => {
    const before = await count(t.db, `SELECT count(*)::int AS n FROM region`);
    const audits = await count(t.db, `SELECT count(*)::int AS n FROM audit_record`);
    const err = await run('bad.geojson', fc(features()), { onInvalid: 'reject' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'import_invalid', status: 400 });
    const d = (err as { details: { rejected: number; problems: { feature: string; problem: string }[] } }).details;
    expect(d.rejected).toBe(1);
    expect(d.problems[0]!.feature).toContain('530103002000');
    expect(d.problems[0]!.problem).toMatch(/Self-intersection/i);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region`)).toBe(before);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM audit_record`)).toBe(audits);
  });

  it('repairs with ST_MakeValid by default and reports it; unclosed rings are closed', async () => {
    const f = features();
    (f[0]!.geometry.coordinates[0] as number[][]).pop(); // unclosed
    const s = await run('bad.geojson', fc(f));
    expect(s).toMatchObject({ created: 2, repaired: 2, rejected: 0 });
    expect(s.problems.map((p) => p.action)).toEqual(['repaired', 'repaired']);
    expect(s.problems.find((p) => p.feature.includes('530103001000'))?.problem).toMatch(/not closed/);
    const { rows } = await t.db.query<{ valid: boolean; type: string }>(`SELECT ST_IsValid(geom) AS valid, GeometryType(geom) AS type FROM region WHERE code = '530103002000'`);
    expect(rows[0]).toEqual({ valid: true, type: 'MULTIPOLYGON' });
  });

  it('rejects geometry that is not a polygon, bad coordinates, bad codes, and duplicates — nothing written', async () => {
    const before = await count(t.db, `SELECT count(*)::int AS n FROM region`);
    const err = (await run(
      'mixed.geojson',
      fc([
        { type: 'Feature', properties: { code: '530103003000', name: 'A', parent_code: '530103' }, geometry: { type: 'Point', coordinates: [102.7, 25] } },
        { type: 'Feature', properties: { code: '530103004000', name: 'B', parent_code: '530103' }, geometry: { type: 'Polygon', coordinates: square(500000, 2800000, 100) } },
        { type: 'Feature', properties: { code: '5301030', name: 'C' }, geometry: null },
        { type: 'Feature', properties: { code: '530103005000', name: 'D', parent_code: '530103' }, geometry: { type: 'Polygon', coordinates: [[[102.7, 25], [102.71, 25], [102.7, 25]]] } },
        { type: 'Feature', properties: { code: '530103006000', name: 'E', parent_code: '530103' }, geometry: null },
        { type: 'Feature', properties: { code: '530103006000', name: 'E2', parent_code: '530103' }, geometry: null },
        { type: 'Feature', properties: { code: '530103007000', name: 'F', parent_code: '530103', level: 'city' }, geometry: null },
        { type: 'Feature', properties: { code: '530103008000', name: 'G', parent_code: '530103', population: -5 }, geometry: null },
      ]),
    ).catch((e: { details: { problems: { feature: string; problem: string }[] } }) => e.details.problems)) as { feature: string; problem: string }[];
    const by = (code: string) => err.find((p) => p.feature.includes(code))?.problem;
    expect(by('530103003000')).toMatch(/Point is not a Polygon/);
    expect(by('530103004000')).toMatch(/outside \[-180,180\]/);
    expect(by('5301030 ')).toMatch(/not a region code/);
    expect(by('530103005000')).toMatch(/at least 4/);
    expect(err.filter((p) => p.feature.includes('530103006000')).map((p) => p.problem)).toEqual([expect.stringMatching(/appears twice/)]);
    expect(by('530103007000')).toMatch(/city/);
    expect(by('530103008000')).toMatch(/population/);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region`)).toBe(before);
  });

  it('a dry run reports without writing', async () => {
    const before = await count(t.db, `SELECT count(*)::int AS n FROM region`);
    const s = await run('dry.geojson', fc([{ type: 'Feature', properties: { code: '530103009000', name: '试', parent_code: '530103' }, geometry: null }]), { dryRun: true });
    expect(s).toMatchObject({ created: 1, dryRun: true });
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region`)).toBe(before);
  });

  it('rejects files that are not what they claim', async () => {
    await expect(run('x.geojson', 'not json')).rejects.toMatchObject({ code: 'import_invalid' });
    await expect(run('x.geojson', '{"type":"Feature"}')).rejects.toMatchObject({ code: 'import_invalid', message: expect.stringContaining('FeatureCollection') });
    await expect(run('x.zip', 'not a zip')).rejects.toMatchObject({ code: 'import_invalid' });
    await expect(run('x.txt', 'hello')).rejects.toMatchObject({ code: 'import_invalid', message: expect.stringContaining('format') });
  });
});

describe('ESRI Shapefiles', () => {
  const shp = () =>
    writeShapefile([
      { rings: square(102.73, 25.07, 0.01)[0] ? [square(102.73, 25.07, 0.01)[0]!, [[102.733, 25.073], [102.733, 25.075], [102.735, 25.075], [102.735, 25.073]]] : [], attrs: { XZQDM: '530103010', XZQMC: '东华街道' } },
      { rings: square(102.75, 25.07, 0.01), attrs: { XZQDM: '530103011', XZQMC: '联盟街道' } },
    ]);

  it('imports a .shp set (with .dbf and .cpg), holes included', async () => {
    const s = shp();
    const features = await readImportFiles(
      [
        { name: 'streets.shp', data: s.shp },
        { name: 'streets.dbf', data: s.dbf },
        { name: 'streets.cpg', data: s.cpg },
      ],
      { codeProp: 'XZQDM', nameProp: 'XZQMC', parent: '530103000000' },
    );
    const r = await importRegions(t.db, ctx(), features, { source: 'streets.shp' });
    expect(r).toMatchObject({ created: 2, rejected: 0 });
    expect((await locatePoint(t.db, 102.731, 25.071))?.chain[0]?.name).toBe('东华街道');
    expect((await locatePoint(t.db, 102.734, 25.074))?.chain[0]?.name).toBe('盘龙区'); // in the hole
  });

  it('imports a zipped shapefile and updates what exists', async () => {
    const s = shp();
    const zip = writeZip({ 'streets.shp': s.shp, 'streets.shx': s.shx, 'streets.dbf': s.dbf, 'streets.cpg': s.cpg });
    const r = await run('streets.zip', zip, { codeProp: 'XZQDM', nameProp: 'XZQMC', parent: '530103' });
    expect(r).toMatchObject({ created: 0, updated: 2 });
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region WHERE code = '530103010000'`)).toBe(1);
  });
});

describe('NBS division CSV', () => {
  it('imports Kunming\'s whole hierarchy (village = community) under what exists, idempotently', async () => {
    const csv = fs.readFileSync('src/modules/regions/data/kunming-divisions-2023.csv');
    const s1 = await run('kunming-divisions-2023.csv', csv);
    // 1,903 rows; the city, 五华区, 盘龙区, 华山街道, 拓东街道 and some streets exist already.
    expect(s1.rejected).toBe(0);
    expect(s1.created + s1.updated).toBe(1903);
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region WHERE level = 'community' AND code LIKE '5301%' AND length(code) = 12 AND valid_to IS NULL`)).toBeGreaterThanOrEqual(1738);
    const s2 = await run('kunming-divisions-2023.csv', csv);
    expect(s2).toMatchObject({ created: 0, updated: 1903 });
    const { rows } = await t.db.query<{ subtype: string; parent: string }>(
      `SELECT r.subtype, p.code AS parent FROM region r JOIN region p ON p.id = r.parent_id WHERE r.code = '530112001002'`,
    );
    expect(rows[0]).toEqual({ subtype: 'community', parent: '530112001000' });
    // Paths, not codes, say what is inside: every community's path runs through its district.
    expect(
      await count(t.db, `SELECT count(*)::int AS n FROM region c JOIN region d ON d.code = substr(c.code, 1, 6) || '000000' WHERE c.level = 'community' AND c.path NOT LIKE d.path || '%'`),
    ).toBe(0);
  });

  it('writes one audit record per import, with the summary', async () => {
    const { rows } = await t.db.query<{ after: { created: number; updated: number } }>(
      `SELECT after FROM audit_record WHERE action = 'regions.import' AND target_id = 'kunming-divisions-2023.csv' ORDER BY id`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]!.after).toMatchObject({ created: 0, updated: 1903 });
  });

  it('rejects a CSV without the needed columns', async () => {
    await expect(run('x.csv', 'a,b\n1,2\n')).rejects.toMatchObject({ code: 'import_invalid' });
  });
});
