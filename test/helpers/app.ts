import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import type { Database } from '../../src/platform/db.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent' }, { secret: TEST_SECRET, ...overrides });
}

export async function buildTestApp(db: Database, opts: { now?: () => Date; config?: Partial<Config> } = {}): Promise<FastifyInstance> {
  const app = await buildApp({ db, config: testConfig(opts.config), logger: false, ...(opts.now ? { now: opts.now } : {}) });
  await app.ready();
  return app;
}
