import { join } from 'node:path';
import { startEmbeddedPostgres } from '@shop/platform/embedded-postgres';
import { DEMO_SEED_PLAN } from '@shop/platform/seed';
import { childEnvironment, loadLauncherConfig } from './config';
import { formatLogLine } from './lib/log-lines';
import { loadLocalSecrets } from './lib/secrets';
import { isSeeded, markSeeded } from './lib/seed-marker';
import { GATEWAY, SUBGRAPHS } from './lib/services';
import { startStack } from './lib/stack';

/**
 * `npm start`: the whole shop on this machine. Postgres comes from npm (embedded) unless
 * DATABASE_URL names a server; every subgraph runs as its own process; demo data is seeded
 * on the first start and kept for the next.
 */
const config = loadLauncherConfig();
const say = (line: string) =>
  console.info(formatLogLine('start', JSON.stringify({ level: 'info', msg: line })));
const output = (service: string, line: string) => console.info(formatLogLine(service, line));
const started = Date.now();

const secrets = loadLocalSecrets(
  config.DATA_DIR,
  SUBGRAPHS.map((spec) => spec.name),
);
const embedded = config.DATABASE_URL
  ? null
  : await startEmbeddedPostgres({
      dataDir: join(config.DATA_DIR, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
      superuserPassword: secrets.postgresPassword,
      // Postgres' routine LOG lines are noise here; its warnings and errors are not.
      log: (line) => {
        if (!/\b(LOG|DETAIL|STATEMENT):/.test(line) || config.LOG_LEVEL === 'debug') output('postgres', line);
      },
    }).catch((error: Error) => {
      output('postgres', JSON.stringify({ level: 'fatal', msg: error.message }));
      process.exit(1);
    });
const adminUrl = config.DATABASE_URL ?? (embedded?.url as string);
if (embedded) say(`Postgres ${embedded.url.replace(/:[^:@/]+@/, ':***@')} (data in ${embedded.dataDir})`);

const seed = embedded && !(await isSeeded(config.DATA_DIR, adminUrl)) ? DEMO_SEED_PLAN : undefined;
let stopping = false;
const stack = await startStack({
  adminUrl,
  passwordOf: (service) => secrets.databasePasswords[service] as string,
  ports: 'fixed',
  env: (overrides) => childEnvironment(overrides),
  output,
  ...(seed ? { seed } : {}),
  onSubgraphsReady: () => {
    if (seed) say('demo data seeded');
  },
}).catch(async (error: Error) => {
  output('start', JSON.stringify({ level: 'fatal', msg: error.message }));
  await embedded?.stop();
  process.exit(1);
});
if (seed) await markSeeded(config.DATA_DIR, adminUrl, seed);

for (const service of [stack.gateway, ...stack.subgraphs.values()]) {
  service.exited.then((code) => {
    if (!stopping)
      output(service.name, JSON.stringify({ level: 'error', msg: `exited unexpectedly (${code})` }));
  });
}

say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.info(`
  Shop supergraph is running.

    GraphQL API     http://localhost:${GATEWAY.port}/graphql
    Health          http://localhost:${GATEWAY.port}/health
    Subgraphs       ${SUBGRAPHS.map((spec) => `${spec.name} :${spec.port}`).join(', ')}

  Press Ctrl-C to stop; the data stays in ${config.DATA_DIR} for the next start.
`);

const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping the gateway, then the subgraphs, then Postgres`);
  await stack.stop();
  await embedded?.stop();
  say('stopped');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
