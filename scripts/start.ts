import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { childEnvironment, loadLauncherConfig } from './config';
import { type DatabaseServer, openDatabaseServer } from './lib/database-server';
import { type LauncherHealth, startLauncherHealth } from './lib/launcher-health';
import {
  gatewayRegistryEnv,
  publishSubgraphsAtStart,
  registryNotStarted,
  startRegistryOrWarn,
} from './lib/launcher-registry';
import { formatLogLine } from './lib/log-lines';
import type { RegistryService } from './lib/registry-service';
import { SUPERGRAPH_FILE } from './lib/schema-artifacts';
import { loadLocalSecrets } from './lib/secrets';
import { isSeeded, markSeeded } from './lib/seed-marker';
import { GATEWAY, gatewayMetricsPort, REGISTRY, SUBGRAPHS } from './lib/services';
import { EVENTS_DATABASE, type Stack, startStack } from './lib/stack';
import { startStorefront, storefrontOrigins } from './lib/storefront';
import { DEFAULT_RESTART_POLICY } from './lib/supervisor';

/**
 * `npm start`: the whole shop on this machine. Postgres comes from npm (embedded) unless
 * DATABASE_URL names a server; every subgraph runs as its own process; demo data is seeded
 * on the first start and kept for the next. The schema registry runs beside them: the subgraphs
 * publish to it and the gateway takes its supergraph from it (the committed file when it cannot).
 * A service that exits is restarted (with backoff, given up after repeated fast crashes; see
 * lib/supervisor.ts), and the launcher's /health says how each is doing. Ctrl-C stops the gateway,
 * then the subgraphs, then the registry, then Postgres.
 */
const config = loadLauncherConfig();
const output = (service: string, line: string) => console.info(formatLogLine(service, line));
const say = (level: 'info' | 'warn' | 'error' | 'fatal', msg: string) =>
  output('start', JSON.stringify({ level, msg }));
const started = Date.now();

let server: DatabaseServer | undefined;
let stack: Stack | undefined;
// Started beside the subgraphs; resolves to undefined when it could not start (the shop runs without it).
let registryStarting: Promise<RegistryService | undefined> = Promise.resolve(undefined);
let registry: RegistryService | undefined;
let storefront: Awaited<ReturnType<typeof startStorefront>> | undefined;
let health: LauncherHealth | undefined;
let stopping = false;

async function stopEverything(reason: string, exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(exitCode === 0 ? 'info' : 'fatal', reason);
    const registryRunning = await registryStarting;
    // Before the others stop: the registry is stopped after them, and its exit meanwhile is no crash.
    registryRunning?.stopRestarting();
    await storefront?.close();
    await stack?.stop();
    await registryRunning?.stop();
    await health?.close();
    await server?.stop();
    if (exitCode === 0) say('info', 'stopped');
  }
  process.exit(exitCode);
}
// Installed first: Ctrl-C during start-up must still stop Postgres, not leave it running.
process.on(
  'SIGINT',
  () =>
    void stopEverything('SIGINT: stopping the gateway, then the subgraphs, the registry, then Postgres', 0),
);
process.on(
  'SIGTERM',
  () =>
    void stopEverything('SIGTERM: stopping the gateway, then the subgraphs, the registry, then Postgres', 0),
);

try {
  const secrets = loadLocalSecrets(config.DATA_DIR, [
    ...SUBGRAPHS.map((spec) => spec.name),
    EVENTS_DATABASE,
    REGISTRY.name,
  ]);
  server = await openDatabaseServer(config, secrets, (line) => {
    // Postgres' routine LOG lines are noise here; its warnings and errors are not.
    if (!/\b(LOG|DETAIL|STATEMENT):/.test(line) || config.LOG_LEVEL === 'debug') output('postgres', line);
  });
  if (server.dataDir)
    say('info', `embedded Postgres on 127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}, data in ${server.dataDir}`);
  const { adminUrl } = server;
  const seed = server.embedded && !(await isSeeded(config.DATA_DIR, adminUrl)) ? DEMO_SEED_PLAN : undefined;
  const passwordOf = (service: string) => secrets.databasePasswords[service] as string;
  registryStarting = startRegistryOrWarn(
    {
      adminUrl,
      passwordOf,
      port: REGISTRY.port,
      adminToken: secrets.registryAdminToken,
      usageSecret: secrets.usageSecret,
      env: childEnvironment,
      output,
      restart: DEFAULT_RESTART_POLICY,
    },
    say,
  );
  stack = await startStack({
    adminUrl,
    passwordOf,
    secrets,
    ports: 'fixed',
    restart: DEFAULT_RESTART_POLICY,
    // The gateway lets the storefront's pages call it from their own origin.
    env: (overrides) =>
      childEnvironment({
        CORS_ORIGINS: [config.CORS_ORIGINS, ...storefrontOrigins(config.STOREFRONT_PORT)]
          .filter(Boolean)
          .join(','),
        ...overrides,
      }),
    output,
    ...(seed ? { seed } : {}),
    onSubgraphsReady: async (subgraphUrls) => {
      if (seed) say('info', 'demo data seeded');
      registry = await registryStarting;
      if (registry)
        await publishSubgraphsAtStart({
          registryUrl: registry.url,
          secrets,
          dataDir: config.DATA_DIR,
          subgraphUrls,
          log: say,
        });
    },
    gatewayEnv: () => (registry ? gatewayRegistryEnv(registry.url, secrets.usageSecret) : {}),
  });
  if (seed) await markSeeded(config.DATA_DIR, adminUrl, seed);
  const running = stack;
  const registryStatus = registry?.status ?? registryNotStarted;
  health = await startLauncherHealth({
    host: '127.0.0.1',
    port: config.LAUNCHER_HEALTH_PORT,
    services: () => [...running.status(), registryStatus()],
  });
  storefront = await startStorefront({
    port: config.STOREFRONT_PORT,
    gatewayUrl: `http://localhost:${GATEWAY.port}/graphql`,
  });
} catch (error) {
  await stopEverything((error as Error).message, 1);
}

say('info', `ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const lines = [
  ['Storefront', `http://localhost:${config.STOREFRONT_PORT}/`],
  ['GraphQL API', `http://localhost:${GATEWAY.port}/graphql`],
  ...(config.NODE_ENV === 'production' ? [] : [['Playground', `http://localhost:${GATEWAY.port}/`]]),
  ['Health', `http://localhost:${GATEWAY.port}/health`],
  ['Metrics', `http://localhost:${gatewayMetricsPort(GATEWAY.port)}/metrics (the gateway's, for Prometheus)`],
  ['Launcher', `http://localhost:${config.LAUNCHER_HEALTH_PORT}/health (each service's state and restarts)`],
  ['Subgraphs', SUBGRAPHS.map((spec) => `${spec.name} :${spec.port}`).join(', ')],
  [
    'Registry',
    registry
      ? `${registry.url.replace('127.0.0.1', 'localhost')} (the gateway's supergraph; admin token in ${config.DATA_DIR}/secrets.json)`
      : `not running (see the error above); the gateway serves ${SUPERGRAPH_FILE}`,
  ],
  ...(server?.embedded
    ? [['Demo logins', 'admin@shop.test, alice@shop.test, bob@shop.test (passwords in the README)']]
    : []),
];
console.info(`
  Shop supergraph is running.

${lines.map(([label, value]) => `    ${(label ?? '').padEnd(15)} ${value}`).join('\n')}

  Press Ctrl-C to stop; the data stays in ${config.DATA_DIR} for the next start.
`);
