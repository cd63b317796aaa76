import { defineConfig } from 'vitest/config';

// One test run over every workspace's test/ folder, sharing one Postgres server (global setup).
// A workspace's own `npm test` runs the same config filtered to its folder.
export default defineConfig({
  test: {
    include: ['{platform,gateway,scripts,e2e}/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts'],
    globalSetup: ['./platform/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
