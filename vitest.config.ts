import { defineConfig } from 'vitest/config';

/**
 * Tests that run whole processes or a browser: each one alone, after everything else has finished. On a 2-core CI
 * machine they used to share the cores with the parallel files and with each other (Chromium beside three tsx-compiled
 * `npm start` children), and browser steps and process start-ups then timed out in one full run out of two, never
 * alone. Also tests that need PostgreSQL to prune a page's old row versions as they go: it does so only when no
 * transaction anywhere on the server, in any database, is older than them, which parallel files do not promise (the
 * fillfactor test failed both its cases once with other files running beside it).
 */
const ONE_AT_A_TIME = [
  'test/e2e/**/*.test.ts',
  'test/integration/gateway/gateway-process-limits.test.ts',
  'test/integration/cluster/*.test.ts',
  'test/integration/db/fillfactor.test.ts',
];

const server = {
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // Integration tests share one PostgreSQL and one Redis; each test file isolates itself by database / key prefix.
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...server, name: 'server', include: ['test/**/*.test.ts'], exclude: ONE_AT_A_TIME } },
      // The web cabinet's component tests (jsdom): src/cabinet/vitest.config.ts.
      './src/cabinet/vitest.config.ts',
      { test: { ...server, name: 'e2e', include: ONE_AT_A_TIME, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
    reporters: ['default'],
  },
});
