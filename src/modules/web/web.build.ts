/**
 * Building the web app (web/ → web/dist) from the server, so `npm install && npm start` works on a
 * fresh machine without a separate build step. Vite is loaded only when a build is needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's web/ folder (this file is src/modules/web/web.build.ts). */
export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web');
export const DEFAULT_DIST = path.join(WEB_ROOT, 'dist');

export const isBuilt = (dist = DEFAULT_DIST): boolean => fs.existsSync(path.join(dist, 'index.html'));

/** Newest modification time under a folder (skipping dist and node_modules), in ms. */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** True when web/dist is missing or older than a source file (for tests and `npm run dev`). */
export function isStale(dist = DEFAULT_DIST): boolean {
  if (!isBuilt(dist)) return true;
  return newest(WEB_ROOT) > fs.statSync(path.join(dist, 'index.html')).mtimeMs;
}

/** Build web/ into `outDir` with Vite's build API. */
export async function buildWebApp(opts: { outDir?: string; quiet?: boolean } = {}): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: path.join(WEB_ROOT, 'vite.config.ts'),
    root: WEB_ROOT,
    logLevel: opts.quiet ? 'warn' : 'info',
    ...(opts.outDir ? { build: { outDir: opts.outDir, emptyOutDir: true } } : {}),
  });
}
