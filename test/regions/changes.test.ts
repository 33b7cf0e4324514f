/**
 * Re-coding, splitting and renaming with the real NBS 2022→2023 change log of Kunming: units keep
 * their ids, so what was filed under an old code still resolves and counts in the right place.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDivisionChanges, importRegions, parseChangeLog, readImportFiles, resolveCode, getRegionByCode, regionChain } from '../../src/modules/regions/index.js';
import { systemActor } from '../../src/platform/actor.js';
import { cliCtx } from '../../src/platform/context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { buildRegionsApp, count } from './helpers.js';

const ctx = () => cliCtx(systemActor('test'));
const LOG = fs.readFileSync('test/fixtures/regions/kunming-division-changes-2022-2023.csv', 'utf8');
const CSV2023 = fs.readFileSync('src/modules/regions/data/kunming-divisions-2023.csv', 'utf8');
type Row = { code: string; name: string; level: string; parent_code: string };
const rows2023 = parse(CSV2023, { columns: true }) as Row[];
const changes = parse(LOG, { columns: true }) as { change: string; code: string; name: string; level: string }[];

/** The 2022 release, rebuilt from the 2023 one by undoing the log. */
function csv2022(): string {
  const added = new Set(changes.filter((c) => c.change.startsWith('added')).map((c) => c.code));
  const kept = rows2023.filter((r) => !added.has(r.code));
  for (const c of changes.filter((x) => x.change.startsWith('removed'))) {
    kept.push({ code: c.code, name: c.name, level: c.level === 'town' ? 'street' : c.level, parent_code: `${c.code.slice(0, 9)}000` });
  }
  return ['code,name,level,parent_code', ...kept.map((r) => [r.code, r.name, r.level, r.parent_code].join(','))].join('\n');
}

let t: TestDatabase;
let banqiaoId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  const features = await readImportFiles([{ name: 'kunming-2022.csv', data: new TextEncoder().encode(csv2022()) }], {});
  await importRegions(t.db, ctx(), features, { source: 'kunming-2022.csv' });
  banqiaoId = (await getRegionByCode(t.db, '530111009001'))!.id;
  // Something filed under the old unit (a stand-in for a case) refers to it by id.
  await t.db.exec(`CREATE TABLE filed_thing (id serial PRIMARY KEY, region_id bigint NOT NULL, old_code text NOT NULL)`);
  await t.db.query(`INSERT INTO filed_thing (region_id, old_code) VALUES ($1, '530111009001')`, [banqiaoId]);
});
afterAll(async () => {
  await t?.close();
});

describe('the NBS 2022→2023 change log', () => {
  it('parses: 35 changes', () => {
    expect(parseChangeLog(LOG)).toHaveLength(35);
  });

  it('applies: 12 re-coded, 1 renamed, 9 created, none retired', async () => {
    const s = await applyDivisionChanges(t.db, ctx(), parseChangeLog(LOG), '2023-06-30');
    expect(s.recoded).toHaveLength(12);
    expect(s.recoded).toContainEqual({ from: '530111009001', to: '530111011006', name: '板桥社区居民委员会' });
    expect(s.renamed).toEqual([{ code: '530128106213', from: '高贵村民委员会', to: '高桂村民委员会' }]);
    expect(s.created.sort()).toEqual(['530103005009', '530103006011', '530103007009', '530111011000', '530111012000', '530127103010', '530127103011', '530127403000', '530127403598']);
    expect(s.retired).toEqual([]);
  });

  it('leaves exactly the 2023 release current', async () => {
    const { rows } = await t.db.query<{ code: string; name: string }>(`SELECT code, name FROM region WHERE valid_to IS NULL ORDER BY code`);
    expect(rows.map((r) => r.code)).toEqual(rows2023.map((r) => r.code).sort());
    const names = new Map(rows2023.map((r) => [r.code, r.name]));
    expect(rows.filter((r) => names.get(r.code) !== r.name)).toEqual([]);
  });

  it('an old code resolves to the re-coded unit, which kept its id and moved to the new street', async () => {
    const r = await resolveCode(t.db, '530111009001');
    expect(r).toMatchObject({ id: banqiaoId, code: '530111011006', name: '板桥社区居民委员会', resolvedFrom: '530111009001' });
    const chain = await regionChain(t.db, banqiaoId);
    expect(chain.map((c) => c.code)).toEqual(['530111011006', '530111011000', '530111000000', '530100000000']);
    // What was filed under the old code counts in 长水街道 now, by path.
    const changshui = (await getRegionByCode(t.db, '530111011000'))!;
    expect(await count(t.db, `SELECT count(*)::int AS n FROM filed_thing f JOIN region r ON r.id = f.region_id WHERE r.path LIKE $1`, [`${changshui.path}%`])).toBe(1);
    const dabanqiao = (await getRegionByCode(t.db, '530111009000'))!;
    expect(await count(t.db, `SELECT count(*)::int AS n FROM filed_thing f JOIN region r ON r.id = f.region_id WHERE r.path LIKE $1`, [`${dabanqiao.path}%`])).toBe(0);
    // The old code no longer names a current unit.
    expect(await getRegionByCode(t.db, '530111009001')).toBeNull();
  });

  it('a renamed unit keeps its code; the history says what changed', async () => {
    expect((await resolveCode(t.db, '530128106213'))?.name).toBe('高桂村民委员会');
    expect(await count(t.db, `SELECT count(*)::int AS n FROM region_code_history WHERE change = 'recoded'`)).toBe(12);
  });

  it('the API answers an old code with the current unit', async () => {
    const app = await buildRegionsApp(t.db);
    try {
      const res = await app.inject({ url: '/api/regions/530111009001' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ code: '530111011006', resolvedFrom: '530111009001', parents: [{ code: '530111011000' }, { code: '530111000000' }, { code: '530100000000' }] });
    } finally {
      await app.close();
    }
  });

  it('retires a unit that is only removed, which still resolves to itself; applying twice changes nothing more', async () => {
    const s = await applyDivisionChanges(t.db, ctx(), [{ change: 'removed', code: '530103005009', name: '清泉社区居委会', level: 'community' }], '2024-06-30');
    expect(s.retired).toEqual(['530103005009']);
    const r = await resolveCode(t.db, '530103005009');
    expect(r).toMatchObject({ code: '530103005009', validTo: '2024-06-30' });
    expect(await getRegionByCode(t.db, '530103005009')).toBeNull();
    const again = await applyDivisionChanges(t.db, ctx(), [{ change: 'removed', code: '530103005009', name: '清泉社区居委会', level: 'community' }], '2024-06-30');
    expect(again.retired).toEqual([]);
  });

  it('writes one audit record per application', async () => {
    expect(await count(t.db, `SELECT count(*)::int AS n FROM audit_record WHERE action = 'regions.apply_changes'`)).toBe(3);
  });
});
