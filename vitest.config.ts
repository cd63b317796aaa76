import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One test run over every workspace's test/ folder, sharing one Postgres server (global setup).
// A workspace's own `npm test` runs the same config filtered to its folder.
export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM builds; Node (and so Apollo) loads the CommonJS one. Source
    // files under test must get the same copy, or `instanceof GraphQLError` fails between them.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['{platform,gateway,registry,scripts,e2e}/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts'],
    globalSetup: ['./devkit/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
