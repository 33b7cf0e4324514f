import { defineConfig } from 'vitest/config';

// `npm test`: unit tests beside the code and medium/route tests in test/, on embedded PGlite.
// `npm run test:pg`: the same medium and route suites on PostgreSQL (GONGZHI_TEST_ENGINE=pg).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/resilience/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
