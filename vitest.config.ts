import { defineConfig } from 'vitest/config';

// One test run over every workspace's test/ folder, sharing one Postgres server (global setup).
// A workspace's own `npm test` runs the same config filtered to its folder.
export default defineConfig({
  // One copy of graphql, as under Node: Vite would pick graphql's ESM build for our code while the
  // libraries it hands schemas to (inspector, codegen, Apollo) load the CommonJS one.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['{platform,gateway,scripts,e2e}/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts'],
    globalSetup: ['./platform/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
