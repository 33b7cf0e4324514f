import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHeaders } from '../helpers/identity.js';
import { closeWorld, createCasesWorld, type CasesWorld } from './setup.js';

let w: CasesWorld;
beforeAll(async () => {
  w = await createCasesWorld('5383');
});
afterAll(() => closeWorld(w));

// A report without a location: the cheapest intake there is, so the test measures the limiter.
const report = { channel: 'hotline', categoryCode: 'CONSULT.POLICY', description: '咨询', address: '昆明市五华区', reporterPhone: '13812341234' };

describe('POST /api/cases rate limit', () => {
  it('a person is throttled after 60 reports a minute (429), an integration key is not', async () => {
    const key = await apiKeyHeaders(w.t.db, { role: 'operator', regionCode: w.city.city.code });
    const first = await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.cityOp.headers, payload: report });
    expect(first.statusCode, first.body).toBe(201);
    const statuses: number[] = [201];
    for (let i = 1; i < 62; i++) {
      statuses.push((await w.app.inject({ method: 'POST', url: '/api/cases', headers: w.cityOp.headers, payload: report })).statusCode);
    }
    expect(statuses.slice(0, 60).filter((s) => s !== 201)).toEqual([]);
    expect(statuses.slice(60)).toEqual([429, 429]);
    const viaKey: number[] = [];
    for (let i = 0; i < 62; i++) viaKey.push((await w.app.inject({ method: 'POST', url: '/api/cases', headers: key, payload: report })).statusCode);
    expect(viaKey.filter((s) => s !== 201)).toEqual([]);
  });
});
