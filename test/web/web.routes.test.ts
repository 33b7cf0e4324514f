import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webSettings } from '../../src/modules/web/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// A stand-in web/dist, so these tests need no Vite build.
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-web-dist-'));
fs.mkdirSync(path.join(dist, 'assets'));
fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html lang="zh-CN"><div id="root"></div></html>');
fs.writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

let tdb: TestDatabase;
let app: FastifyInstance;
const saved = process.env.GONGZHI_WEB_DIST;

beforeAll(async () => {
  process.env.GONGZHI_WEB_DIST = dist;
  tdb = await createTestDatabase();
  app = await buildTestApp(tdb.db);
});
afterAll(async () => {
  await app?.close();
  await tdb?.close();
  if (saved === undefined) delete process.env.GONGZHI_WEB_DIST;
  else process.env.GONGZHI_WEB_DIST = saved;
  fs.rmSync(dist, { recursive: true, force: true });
});

describe('web app serving', () => {
  it('GET / → 200 index.html, not cached', async () => {
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.body).toContain('<div id="root">');
  });

  it('GET /cases/42 (a deep link) → 200 index.html', async () => {
    const r = await app.inject({ method: 'GET', url: '/cases/42?created=1' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<div id="root">');
  });

  it('GET /screen/530100000000 → 200 index.html', async () => {
    const r = await app.inject({ method: 'GET', url: '/screen/530100000000' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
  });

  it('GET /assets/<fingerprinted>.js → 200, cached immutably', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/javascript/);
    expect(String(r.headers['cache-control'])).toMatch(/immutable/);
  });

  it('GET /favicon.svg → 200', async () => {
    const r = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/svg/);
  });

  it('GET /assets/missing.js → 404 JSON, never index.html', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/missing.js' });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('route_not_found');
  });

  it('GET /api/no-such-endpoint → 404 JSON route_not_found (the API keeps its JSON 404)', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/no-such-endpoint' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.json().error.code).toBe('route_not_found');
  });

  it('GET /open311/v2/nothing → 404 JSON, not the app', async () => {
    const r = await app.inject({ method: 'GET', url: '/open311/v2/nothing.json' });
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain('<div id="root">');
  });

  it('POST /anything → 404 JSON', async () => {
    const r = await app.inject({ method: 'POST', url: '/anything', payload: {} });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('route_not_found');
  });

  it('GET with a path escaping the dist folder → 404', async () => {
    const r = await app.inject({ method: 'GET', url: '/..%2F..%2F..%2Fetc%2Fpasswd.txt' });
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain('root:');
  });

  it('GET /healthz still answers the platform, not the app', async () => {
    const r = await app.inject({ method: 'GET', url: '/healthz' });
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('GET /api/web/config → 200 with no tile URL by default', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/web/config' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ tileUrl: null, tileCrs: 'wgs84', demo: false });
  });
});

describe('web app serving without a build', () => {
  it('GET / → 503 with a retry-after while web/dist has no index.html', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-web-empty-'));
    process.env.GONGZHI_WEB_DIST = empty;
    const a = await buildTestApp(tdb.db);
    try {
      const r = await a.inject({ method: 'GET', url: '/' });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('10');
    } finally {
      await a.close();
      process.env.GONGZHI_WEB_DIST = dist;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('webSettings', () => {
  it('reads a GCJ-02 tile source', () => {
    const s = webSettings({ GONGZHI_TILE_URL: 'https://tiles.example.cn/{z}/{x}/{y}.png', GONGZHI_TILE_CRS: 'gcj02' });
    expect(s).toMatchObject({ tileUrl: 'https://tiles.example.cn/{z}/{x}/{y}.png', tileCrs: 'gcj02' });
  });
  it('does not build in tests unless asked', () => {
    expect(webSettings({ VITEST: 'true' }).buildOnStart).toBe(false);
    expect(webSettings({ VITEST: 'true', GONGZHI_WEB_BUILD: 'true' }).buildOnStart).toBe(true);
    expect(webSettings({}).buildOnStart).toBe(true);
  });
  it.each([
    [{ GONGZHI_TILE_URL: 'https://t.example/{z}/{x}.png' }, 'GONGZHI_TILE_URL'],
    [{ GONGZHI_TILE_URL: 'ftp://t.example/{z}/{x}/{y}.png' }, 'GONGZHI_TILE_URL'],
    [{ GONGZHI_TILE_CRS: 'bd09' }, 'GONGZHI_TILE_CRS'],
    [{ GONGZHI_WEB_BUILD: 'maybe' }, 'GONGZHI_WEB_BUILD'],
  ])('rejects %o naming %s', (env, name) => {
    expect(() => webSettings(env)).toThrow(name);
  });
});
