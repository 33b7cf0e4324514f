import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: whole journeys in a real browser (Debian chromium via playwright-core)
// against one in-process gongzhi server on a small seeded city (test/e2e/global-setup.ts).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    pool: 'forks',
    // One server, one embedded database: journeys run one file at a time.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
    // A browser needs longer than vitest's 1 s default to re-render after a request.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
