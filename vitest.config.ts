import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

const INCLUDE = [
  '{platform,gateway,registry,scripts,e2e}/test/**/*.test.ts',
  'subgraphs/*/test/**/*.test.ts',
];

// Tests whose goals are times (recovery after kill -9, other clients' latency while planning is
// attacked): they run last, one at a time, so the rest of the suite does not share their two cores.
const MEASURED_ALONE = ['e2e/test/launcher-supervision.test.ts', 'e2e/test/planning-budget.test.ts'];

const project = {
  resolve: {
    // graphql ships CommonJS and ESM builds; Node (and so Apollo) loads the CommonJS one. Source
    // files under test must get the same copy, or `instanceof GraphQLError` fails between them.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: { testTimeout: 60_000, hookTimeout: 120_000 },
};

// One test run over every workspace's test/ folder, sharing one Postgres server (the global
// setup, run once for both projects). A workspace's own `npm test` runs it filtered to its folder.
export default defineConfig({
  test: {
    globalSetup: ['./devkit/src/testing/global-setup.ts'],
    projects: [
      {
        ...project,
        test: {
          ...project.test,
          name: 'suite',
          include: INCLUDE,
          exclude: [...configDefaults.exclude, ...MEASURED_ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        ...project,
        test: {
          ...project.test,
          name: 'measured alone',
          include: MEASURED_ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
