import { describe, expect, it } from 'vitest';
import { NameIndex, candidateSubstrings, matchAddress, normalizeAddress, shortForm, type GazetteerHit, type NameUnit } from './gazetteer.js';

const u = (id: number, name: string, level: NameUnit['level'], parent: NameUnit | null): NameUnit => ({
  id,
  code: String(530100000000 + id),
  name,
  level,
  parentId: parent?.id ?? null,
  path: `${parent?.path ?? '/'}${id}/`,
  depth: (parent?.depth ?? 0) + 1,
});
const city = u(1, '昆明市', 'city', null);
const xishan = u(2, '西山区', 'district', city);
const wuhua = u(3, '五华区', 'district', city);
const qianwei = u(4, '前卫街道', 'street', xishan);
const fuhaiStreet = u(5, '福海街道', 'street', xishan);
const fuhaiA = u(6, '福海社区', 'community', qianwei);
const fuhaiB = u(7, '福海社区', 'community', fuhaiStreet);
const huashan = u(8, '华山街道', 'street', wuhua);
const xicangpo = u(9, '西仓坡社区', 'community', huashan);
const grid = u(10, '西仓坡社区第1网格', 'grid', xicangpo);
const index = new NameIndex([city, xishan, wuhua, qianwei, fuhaiStreet, fuhaiA, fuhaiB, huashan, xicangpo, grid]);

const geo = (q: string, hits: GazetteerHit[] = []) => {
  const n = normalizeAddress(q);
  // What the database would return: entries with a name among the substrings.
  const subs = new Set(candidateSubstrings(n));
  return matchAddress(q, n, index, hits.filter((h) => h.names.some((x) => subs.has(x))));
};
const entry = (id: number, name: string, kind: GazetteerHit['kind'], region: NameUnit, lng = 102.6, lat = 24.9, aliases: string[] = []): GazetteerHit => ({
  id,
  name,
  kind,
  regionId: region.id,
  regionPath: region.path,
  lng,
  lat,
  names: [normalizeAddress(name), ...aliases.map(normalizeAddress)],
});

describe('normalizeAddress', () => {
  it('full-width digits and letters, spaces, punctuation, trailing 号/附近/旁', () => {
    expect(normalizeAddress('滇池路　１２３ 号')).toBe('滇池路123');
    expect(normalizeAddress('ＡＢＣ大厦 旁')).toBe('abc大厦');
    expect(normalizeAddress('滇池路123号附近')).toBe('滇池路123');
    expect(normalizeAddress(' 西山区，福海社区。')).toBe('西山区福海社区');
  });
  it('short forms drop the level suffix only when two characters remain', () => {
    expect(shortForm('五华区')).toBe('五华');
    expect(shortForm('华山街道')).toBe('华山');
    expect(shortForm('福海社区')).toBe('福海');
    expect(shortForm('东区')).toBeNull();
  });
});

describe('matchAddress: regions', () => {
  it('the full chain: the deepest unit, resolved by the street named', () => {
    const r = geo('昆明市西山区前卫街道福海社区滇池路 123 号');
    expect(r.status).toBe('matched');
    expect(r.region?.id).toBe(fuhaiA.id);
    expect(r.chain.map((c) => c.name)).toEqual(['福海社区', '前卫街道', '西山区', '昆明市']);
    expect(r.confidence).toBeCloseTo(0.8);
    expect(r.point).toBeNull();
  });

  it('a community name in two streets, only the district named: ambiguous, the district kept, candidates listed', () => {
    const r = geo('西山区福海社区');
    expect(r.status).toBe('ambiguous');
    expect(r.region?.id).toBe(xishan.id);
    expect(r.candidates.map((c) => c.id).sort()).toEqual([fuhaiA.id, fuhaiB.id]);
    expect(r.candidates[0]!.chainNames[0]).toBe('昆明市');
  });

  it('the other street resolves to the other community', () => {
    expect(geo('福海街道福海社区').region?.id).toBe(fuhaiB.id);
  });

  it('short forms count, with less confidence', () => {
    const r = geo('五华华山西仓坡');
    expect(r.region?.id).toBe(xicangpo.id);
    expect(r.confidence).toBeLessThan(0.8);
  });

  it('a grid named by its full name wins over its community (longest match)', () => {
    expect(geo('西仓坡社区第1网格').region?.id).toBe(grid.id);
  });

  it('names that contradict each other lower the confidence', () => {
    const r = geo('五华区前卫街道');
    expect(r.region?.id).toBe(qianwei.id);
    expect(r.confidence).toBeLessThan(0.65);
  });

  it('nothing named: none', () => {
    const r = geo('火星基地');
    expect(r.status).toBe('none');
    expect(r.region).toBeNull();
    expect(r.confidence).toBe(0);
  });
});

describe('matchAddress: gazetteer', () => {
  const dianchi = entry(100, '滇池路', 'road', fuhaiA, 102.65, 24.95, ['滇池大道']);
  const qianxing = entry(101, '前兴路', 'road', qianwei, 102.66, 24.96);
  const hospital = entry(102, '福海社区卫生服务中心', 'poi', fuhaiB, 102.7, 24.9);
  const renmin1 = entry(103, '人民路', 'road', fuhaiA, 102.6, 24.9);
  const renmin2 = entry(104, '人民路', 'road', xicangpo, 102.1, 24.1);
  const num123 = entry(105, '滇池路123号', 'address', fuhaiA, 102.651, 24.951);
  const all = [dianchi, qianxing, hospital, renmin1, renmin2, num123];

  it('an address entry wins over its road (most specific), with its point', () => {
    const r = geo('昆明市西山区前卫街道福海社区滇池路 123 号', all);
    expect(r.status).toBe('matched');
    expect(r.source).toBe('gazetteer');
    expect(r.gazetteerEntryId).toBe(num123.id);
    expect(r.point).toEqual({ lng: 102.651, lat: 24.951 });
    expect(r.region?.id).toBe(fuhaiA.id);
  });

  it('a number that only starts the same does not match (1234 ≠ 123)', () => {
    const r = geo('滇池路1234号', all);
    expect(r.gazetteerEntryId).toBe(dianchi.id);
  });

  it('aliases match', () => {
    expect(geo('滇池大道边上', all).gazetteerEntryId).toBe(dianchi.id);
  });

  it('a POI whose name contains a community name beats the community (longest)', () => {
    const r = geo('福海社区卫生服务中心门口', all);
    expect(r.gazetteerEntryId).toBe(hospital.id);
    expect(r.region?.id).toBe(fuhaiB.id);
  });

  it('a road in two regions is resolved by the region named, else ambiguous', () => {
    expect(geo('五华区人民路', all).gazetteerEntryId).toBe(renmin2.id);
    const r = geo('人民路', all);
    expect(r.status).toBe('ambiguous');
    expect(r.point).toBeNull();
    expect(r.region?.id).toBe(city.id);
    expect(r.candidates).toHaveLength(2);
  });

  it('a crossing of two roads: the region both share, no point', () => {
    const r = geo('滇池路与前兴路交叉口', all);
    expect(r.status).toBe('matched');
    expect(r.point).toBeNull();
    expect(r.region?.id).toBe(qianwei.id);
  });
});

describe('matchAddress: short forms are weak evidence', () => {
  const dianchiCommunity = u(11, '滇池路社区', 'community', fuhaiStreet);
  const idx = new NameIndex([city, xishan, wuhua, qianwei, fuhaiStreet, fuhaiA, fuhaiB, huashan, xicangpo, dianchiCommunity]);
  const g = (q: string) => matchAddress(q, normalizeAddress(q), idx, []);

  it('a road named like a community (its short form) does not contradict the full names', () => {
    const r = g('前卫街道福海社区滇池路123号');
    expect(r.region?.id).toBe(fuhaiA.id);
    expect(r.confidence).toBeCloseTo(0.8);
  });

  it('a short form alone stays below the routing threshold (0.6)', () => {
    const r = g('滇池路与前兴路交叉口');
    expect(r.region?.id).toBe(dianchiCommunity.id);
    expect(r.confidence).toBeLessThan(0.6);
  });
});
