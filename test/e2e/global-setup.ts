/**
 * Once per e2e run: build web/dist if any web source is newer, then start one gongzhi server on
 * a seeded small city and hand its URL to the journeys.
 */
import type { TestProject } from 'vitest/node';
import { buildWebApp, isStale } from '../../src/modules/web/index.js';
import { startE2eServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gongzhiE2eUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (isStale()) {
    const t0 = Date.now();
    await buildWebApp({ quiet: true });
    console.log(`e2e: built web/dist in ${Date.now() - t0} ms`);
  }
  const t0 = Date.now();
  const server = await startE2eServer();
  console.log(`e2e: server on ${server.url} (seeded in ${Date.now() - t0} ms)`);
  project.provide('gongzhiE2eUrl', server.url);
  return () => server.stop();
}
