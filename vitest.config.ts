import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Integration tests share one PostgreSQL and one Redis; each test file isolates itself by database / key prefix.
          pool: 'forks',
        },
      },
      // The web cabinet's component tests (jsdom): src/cabinet/vitest.config.ts.
      './src/cabinet/vitest.config.ts',
    ],
    reporters: ['default'],
  },
});
