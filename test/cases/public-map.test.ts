/** GET /api/public/cases/map: public, non-private, redacted cases; clustered when zoomed out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWorld, createCasesWorld, type CasesWorld } from './setup.js';

let w: CasesWorld;
const PHONE = '13912345678';
const bbox = '101,23,104,26';
beforeAll(async () => {
  w = await createCasesWorld('5323');
});
afterAll(async () => {
  await closeWorld(w);
});

async function report(p: Record<string, unknown>, accept = true): Promise<{ id: number; publicId: string }> {
  const r = await w.app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: w.resident.headers,
    payload: { channel: 'web', categoryCode: 'CITY.MATERIAL_PILE', location: w.inGrid, reporterName: '张三丰', reporterPhone: PHONE, ...p },
  });
  expect(r.statusCode).toBe(201);
  const k = r.json().case;
  if (accept) expect((await w.app.inject({ method: 'POST', url: `/api/cases/${k.id}/accept`, headers: w.streetOp.headers, payload: {} })).statusCode).toBe(200);
  return { id: k.id, publicId: k.publicId };
}
const map = (q: string) => w.app.inject({ method: 'GET', url: `/api/public/cases/map?${q}` });

describe('GET /api/public/cases/map', () => {
  let open: { publicId: string };
  let priv: { publicId: string };
  let raw: { publicId: string };
  beforeAll(async () => {
    open = await report({ description: `路边堆了很多建材，请联系 ${PHONE}` });
    priv = await report({ description: '私密的问题', categoryCode: 'CITY.MATERIAL_PILE' });
    await w.t.db.query(`UPDATE case_file SET private = true WHERE public_id = $1`, [priv.publicId]);
    raw = await report({ description: '刚上报还没受理' }, false);
  });

  it('200 for anybody: accepted non-private cases with the public fields only, phones masked', async () => {
    const r = await map(`bbox=${bbox}&zoom=16`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('application/geo+json');
    const feats = r.json().features as Array<{ geometry: { coordinates: number[] }; properties: Record<string, unknown> }>;
    const ids = feats.map((f) => f.properties.publicId);
    expect(ids).toContain(open.publicId);
    expect(ids).not.toContain(priv.publicId);
    expect(ids).not.toContain(raw.publicId);
    const f = feats.find((x) => x.properties.publicId === open.publicId)!;
    expect(f.properties).toMatchObject({ cluster: false, state: 'accepted', category: { code: 'CITY.MATERIAL_PILE' } });
    expect(Object.keys(f.properties).sort()).toEqual(['category', 'cluster', 'count', 'description', 'publicId', 'reportedAt', 'state']);
    expect(r.body).not.toContain(PHONE);
    expect(r.body).not.toContain('张三丰');
    expect(f.properties.description).toContain('139****5678');
  });

  it('clusters when zoomed out: counts, no case fields', async () => {
    const r = await map(`bbox=${bbox}&zoom=6`);
    expect(r.statusCode).toBe(200);
    const feats = r.json().features as Array<{ properties: Record<string, unknown> }>;
    const total = feats.reduce((n, f) => n + Number(f.properties.count), 0);
    expect(total).toBe(1);
    expect(r.body).not.toContain(PHONE);
  });

  it('filters by category', async () => {
    const r = await map(`bbox=${bbox}&zoom=16&category=SANITATION`);
    expect(r.json().features).toEqual([]);
    expect((await map(`bbox=${bbox}&zoom=16&category=CITY`)).json().features).toHaveLength(1);
  });

  it('400 naming bbox or zoom for bad input', async () => {
    for (const [q, field] of [
      ['bbox=1,2,3&zoom=5', 'bbox'],
      ['bbox=104,23,101,26&zoom=5', 'bbox'],
      [`bbox=${bbox}&zoom=40`, 'zoom'],
      [`bbox=${bbox}`, 'zoom'],
    ] as const) {
      const r = await map(q);
      expect(r.statusCode, q).toBe(400);
      expect(r.body).toContain(field);
    }
  });
});
