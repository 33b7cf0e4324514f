/**
 * The web module: serves the React app (web/dist) and the settings it reads at start
 * (GET /api/web/config). Every non-API GET that is not a file falls back to index.html so that
 * deep links (/cases/42, /screen/530112000000) work; /api/* keeps the JSON 404 of the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleManifest } from '../types.js';
import { DEFAULT_DIST, buildWebApp, isBuilt } from './web.build.js';
import { webSettings, type WebSettings } from './web.config.js';

export { buildWebApp, isBuilt, isStale, WEB_ROOT, DEFAULT_DIST } from './web.build.js';
export { webSettings, type WebSettings } from './web.config.js';

/** Paths the SPA never answers: the API, its docs, and the platform's own endpoints. */
const NOT_SPA = /^\/(api|open311|docs|openapi\.json|healthz|readyz|metrics)(\/|$|\?)/;

const WebConfigResponse = Type.Object({
  tileUrl: Type.Union([Type.String(), Type.Null()]),
  tileCrs: Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')]),
  tileAttribution: Type.Union([Type.String(), Type.Null()]),
  tileSubdomains: Type.Union([Type.String(), Type.Null()]),
  demo: Type.Boolean(),
  version: Type.String(),
});

export async function webRoutes(app: FastifyInstance, opts: { settings: WebSettings; demo: boolean }): Promise<void> {
  const dist = path.resolve(opts.settings.dist ?? DEFAULT_DIST);
  // @fastify/static checks its root at registration; the build may come later (onReady).
  fs.mkdirSync(dist, { recursive: true });
  await app.register(fastifyStatic, { root: dist, serve: false });

  app.get(
    '/api/web/config',
    {
      config: { policy: 'public' },
      schema: { tags: ['web'], summary: 'Settings of the web app: map tiles (none by default) and demo mode', response: { 200: WebConfigResponse } },
    },
    async () => ({
      tileUrl: opts.settings.tileUrl,
      tileCrs: opts.settings.tileCrs,
      tileAttribution: opts.settings.tileAttribution,
      tileSubdomains: opts.settings.tileSubdomains,
      demo: opts.demo,
      version: '0.1.0',
    }),
  );

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const urlPath = decodeURIComponent(req.url.split('?')[0] ?? '/');
    if (NOT_SPA.test(urlPath)) return reply.callNotFound();
    const rel = path.posix.normalize(urlPath).replace(/^\/+/, '');
    // A request for a file (it has an extension) is that file or a 404: never index.html, or a
    // missing script would be "served" as HTML and fail in confusing ways.
    if (rel && path.posix.extname(rel)) {
      const abs = path.join(dist, rel);
      if (!abs.startsWith(dist + path.sep) || !fs.existsSync(abs) || !fs.statSync(abs).isFile()) return reply.callNotFound();
      // Vite fingerprints everything under assets/: cache it for good.
      const immutable = rel.startsWith('assets/');
      return reply.sendFile(rel, dist, { maxAge: immutable ? 31_536_000_000 : 0, immutable, cacheControl: true });
    }
    if (!isBuilt(dist)) {
      return reply
        .status(503)
        .header('retry-after', '10')
        .type('text/html; charset=utf-8')
        .send('<!doctype html><meta charset="utf-8"><title>gongzhi</title><p>共治 网页应用正在构建，请稍后刷新。The web app is not built yet: it is being built, or run <code>npm run build</code>.</p>');
    }
    // The shell must be revalidated, or a browser keeps asking for assets of an old build.
    void reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', dist, { cacheControl: false });
  };
  app.get('/', { config: { policy: 'public' }, schema: { hide: true } }, serve);
  app.get('/*', { config: { policy: 'public' }, schema: { hide: true } }, serve);
}

export const manifest: ModuleManifest = {
  name: 'web',
  async routes(app, deps) {
    await webRoutes(app, { settings: webSettings(), demo: deps.config.demo });
  },
  async onReady() {
    const s = webSettings();
    const dist = path.resolve(s.dist ?? DEFAULT_DIST);
    if (isBuilt(dist) || !s.buildOnStart) return;
    process.stderr.write(`gongzhi: the web app is not built (${dist}); building it once with Vite…\n`);
    const t0 = Date.now();
    try {
      await buildWebApp({ ...(s.dist ? { outDir: dist } : {}), quiet: true });
      process.stderr.write(`gongzhi: web app built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      // The API still works without the app; say how to build it by hand.
      process.stderr.write(`gongzhi: building the web app failed (${(e as Error).message}); run \`npm run build\`\n`);
    }
  },
};
