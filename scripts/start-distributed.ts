import { join } from 'node:path';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { subgraphSecretVariable, subgraphUrlVariable } from '@shop/platform/config';
import { type Balancer, startBalancer } from './distributed/balancer';
import { type DistributedConfig, loadDistributedConfig } from './distributed/config';
import { createServiceDatabases } from './distributed/provision';
import { formatLogLine } from './lib/log-lines';
import { type ServiceProcess, startServiceProcess } from './lib/processes';
import { GATEWAY, gatewayMetricsPort, ROOT, type ServiceSpec, SUBGRAPHS } from './lib/services';
import { seedDatabases } from './lib/stack';
import { DEFAULT_RESTART_POLICY, type SupervisedService, supervise } from './lib/supervisor';

/**
 * `npm run start:distributed [-- --create-databases] [-- --seed]`: the system as it runs across
 * machines, without containers. Each service is its own process (as many replicas as
 * `<NAME>_REPLICAS` says, 0 for one that runs on another machine) on its own Postgres database
 * (`<NAME>_DATABASE_URL`), events over NATS JetStream (NATS_URL), secrets from the environment
 * or files (`<VARIABLE>_FILE`). Replicas of a service share one address through a round-robin
 * balancer, as a Kubernetes Service would give them. Ctrl-C stops the gateways, then the subgraphs.
 */
const USAGE = 'usage: npm run start:distributed [-- --create-databases] [--seed]';
const flags = new Set(process.argv.slice(2));
for (const flag of flags)
  if (flag !== '--seed' && flag !== '--create-databases') {
    console.error(`start:distributed: unknown option ${flag}\n${USAGE}`);
    process.exit(2);
  }

const output = (service: string, line: string) => console.info(formatLogLine(service, line));
const say = (level: 'info' | 'error' | 'fatal', msg: string) =>
  output('start', JSON.stringify({ level, msg }));
const started = Date.now();
const config = loadDistributedConfig();
const here = (spec: ServiceSpec) => (config.replicas.get(spec.name) ?? 0) > 0;
const subgraphsHere = SUBGRAPHS.filter(here);

// Every process is supervised as by `npm start`: restarted when it exits, given up after a crash loop.
const processes: SupervisedService[] = [];
const balancers: Balancer[] = [];
let stopping = false;

async function stopEverything(reason: string, exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(exitCode === 0 ? 'info' : 'fatal', reason);
    for (const service of processes) service.stopRestarting();
    // Gateways first (in-flight requests finish), then what they call.
    const gateways = processes.filter((service) => service.name.startsWith(GATEWAY.name));
    await Promise.all(gateways.map((service) => service.stop()));
    await Promise.all(
      processes.filter((service) => !gateways.includes(service)).map((service) => service.stop()),
    );
    await Promise.all(balancers.map((balancer) => balancer.close()));
    if (exitCode === 0) say('info', 'stopped');
  }
  process.exit(exitCode);
}
process.on('SIGINT', () => void stopEverything('SIGINT: stopping the gateways, then the subgraphs', 0));
process.on('SIGTERM', () => void stopEverything('SIGTERM: stopping the gateways, then the subgraphs', 0));

// What each child gets from the launcher's environment: never another service's database or secrets.
const PRIVATE = /((_DATABASE_URL|_SECRET)|^(JWT_SIGNING_KEYS|POSTGRES_ADMIN_URL|DATABASE_URL))(_FILE)?$/;
const shared = Object.fromEntries(Object.entries(config.env).filter(([name]) => !PRIVATE.test(name)));
const childEnv = (own: Record<string, string>): NodeJS.ProcessEnv => ({
  ...shared,
  NATS_URL: config.natsUrl,
  HOST: config.host,
  ...own,
});

/** Replica i of n: the service's own port when alone, else port + 100·i behind a balancer on the port. */
const basePort = (spec: ServiceSpec) => spec.port + config.portOffset;
const replicaPorts = (spec: ServiceSpec, count: number) =>
  count === 1
    ? [basePort(spec)]
    : Array.from({ length: count }, (_, index) => basePort(spec) + 100 * (index + 1));

async function startReplicas(spec: ServiceSpec, env: (port: number) => NodeJS.ProcessEnv): Promise<void> {
  const count = config.replicas.get(spec.name) ?? 0;
  const ports = replicaPorts(spec, count);
  await Promise.all(
    ports.map(async (port, index) => {
      const name = count === 1 ? spec.name : `${spec.name}-${index + 1}`;
      const start = (): Promise<ServiceProcess> =>
        startServiceProcess(name, join(ROOT, spec.dir, 'src/main.ts'), { output, env: env(port) });
      processes.push(supervise(await start(), { start, policy: DEFAULT_RESTART_POLICY, output }));
    }),
  );
  if (count > 1)
    balancers.push(
      await startBalancer({
        host: config.host,
        port: basePort(spec),
        upstreams: ports.map((port) => ({ host: config.advertisedHost, port })),
      }),
    );
}

function subgraphEnvironment(spec: ServiceSpec, port: number, cfg: DistributedConfig): NodeJS.ProcessEnv {
  return childEnv({
    PORT: String(port),
    DATABASE_URL: cfg.databaseUrls.get(spec.name) as string,
    GATEWAY_SECRET: cfg.gatewaySecrets.get(spec.name) as string,
    ...(spec.name === 'accounts' && cfg.signingKeys ? { JWT_SIGNING_KEYS: cfg.signingKeys } : {}),
  });
}

function gatewayEnvironment(port: number, cfg: DistributedConfig): NodeJS.ProcessEnv {
  return childEnv({
    PORT: String(port),
    METRICS_PORT: String(gatewayMetricsPort(port)),
    ...Object.fromEntries(
      SUBGRAPHS.flatMap((spec) => [
        [
          subgraphUrlVariable(spec.name),
          cfg.remoteUrls.get(spec.name) ??
            (here(spec) ? `http://${cfg.advertisedHost}:${basePort(spec)}/graphql` : ''),
        ],
        [subgraphSecretVariable(spec.name), cfg.gatewaySecrets.get(spec.name) as string],
      ]),
    ),
  });
}

try {
  const databaseUrls = new Map(
    subgraphsHere.map((spec) => [spec.name, config.databaseUrls.get(spec.name) as string]),
  );
  if (flags.has('--create-databases')) {
    if (!config.adminUrl) throw new Error('--create-databases needs POSTGRES_ADMIN_URL (a superuser URL)');
    await createServiceDatabases(config.adminUrl, databaseUrls.values());
    say('info', `databases ready: ${[...databaseUrls.keys()].join(', ')}`);
  }
  if (flags.has('--seed')) {
    // Each seeder migrates its database first and skips rows that exist: seeding twice changes nothing.
    await seedDatabases(DEMO_SEED_PLAN, databaseUrls, { env: childEnv, output }, subgraphsHere);
    say('info', 'demo data seeded');
  }
  await Promise.all(
    subgraphsHere.map((spec) => startReplicas(spec, (port) => subgraphEnvironment(spec, port, config))),
  );
  if (here(GATEWAY)) await startReplicas(GATEWAY, (port) => gatewayEnvironment(port, config));
} catch (error) {
  await stopEverything((error as Error).message, 1);
}

say('info', `ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const describe = (spec: ServiceSpec) => {
  const count = config.replicas.get(spec.name) ?? 0;
  if (count === 0) return `${spec.name} elsewhere`;
  const ports = replicaPorts(spec, count);
  return count === 1
    ? `${spec.name} :${ports[0]}`
    : `${spec.name} :${basePort(spec)} → ${ports.map((port) => `:${port}`).join(' ')}`;
};
const gatewayMetricsPorts = replicaPorts(GATEWAY, config.replicas.get(GATEWAY.name) ?? 0).map(
  gatewayMetricsPort,
);
console.info(`
  Shop supergraph is running (distributed mode, events over ${config.natsUrl.replace(/\/\/[^@]*@/, '//***@')}).

    ${'GraphQL API'.padEnd(15)} ${here(GATEWAY) ? `http://${config.advertisedHost}:${basePort(GATEWAY)}/graphql` : 'no gateway here'}
    ${'Services'.padEnd(15)} ${[GATEWAY, ...SUBGRAPHS].map(describe).join(', ')}
    ${'Metrics'.padEnd(15)} ${gatewayMetricsPorts.length > 0 ? `the gateway's on ${gatewayMetricsPorts.map((port) => `:${port}/metrics`).join(' ')}` : 'no gateway here'}

  Press Ctrl-C to stop.
`);
