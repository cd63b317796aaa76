import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type SeedPlan, seedPlanArgs } from '@shop/devkit/seed';
import { subgraphSecretVariable, subgraphUrlVariable } from '@shop/platform/config';
import { provisionServiceDatabase, serviceDatabaseUrl } from '@shop/platform/db';
import { freePort } from '@shop/platform/http';
import postgres from 'postgres';
import { type OutputSink, runToCompletion, type ServiceProcess, startServiceProcess } from './processes';
import { newServiceSecrets, type ServiceSecrets } from './secrets';
import { GATEWAY, gatewayMetricsPort, localSubgraphUrl, ROOT, type ServiceSpec, SUBGRAPHS } from './services';
import {
  type RestartPolicy,
  type ServiceStatus,
  type SupervisedService,
  supervise,
  unsupervisedStatus,
} from './supervisor';

/**
 * The whole system on one machine: a database and role per subgraph on one Postgres server,
 * each subgraph as its own process, and the gateway in front. `npm start`, the seeding
 * command, the benchmark and the end-to-end tests all build it the same way.
 */
export interface StackOptions {
  /** Superuser URL of the Postgres server the databases are created on. */
  adminUrl: string;
  /** The password of each service's own role. */
  passwordOf: (service: string) => string;
  /** Prefix for database and role names, so several stacks can share one server (tests). */
  databasePrefix?: string;
  /** Fixed ports (4000, 4001, …) or any free ones (tests, benchmarks). */
  ports: 'fixed' | 'free';
  /** Environment for every process (on top of the launcher's own). */
  env: (overrides: Record<string, string>) => NodeJS.ProcessEnv;
  output: OutputSink;
  /** Seed demo data once the subgraphs are up and migrated. */
  seed?: SeedPlan;
  /** Called (and awaited) after the subgraphs are up, before the gateway starts; gets the URL of each. */
  onSubgraphsReady?: (subgraphUrls: Map<string, string>) => void | Promise<void>;
  /** More environment for the gateway alone, asked for when it starts (after `onSubgraphsReady`). */
  gatewayEnv?: () => Record<string, string>;
  /** The supergraph file the gateway serves; the committed one by default. */
  supergraphPath?: string;
  subgraphs?: readonly ServiceSpec[];
  /** The gateway's secret per subgraph and accounts' signing keys; fresh ones when not given. */
  secrets?: ServiceSecrets;
  /** Restart a service that exits (`npm start`); without it an exited service stays down (tests kill on purpose). */
  restart?: RestartPolicy;
  /**
   * Processes per subgraph (1 when not given). The extra ones share the first's database and
   * bus consumers (the event work) but get no traffic from the gateway, which routes to the first.
   */
  replicas?: Readonly<Record<string, number>>;
  /** Node flags per service, before the entry file (`--cpu-prof` for a benchmark's profile). */
  nodeArgs?: (service: string) => string[];
}

// The subgraph that signs access tokens; the gateway finds its JWKS next to its URL.
const TOKEN_ISSUER = 'accounts';
/** The database pg-boss keeps the event queues in (the embedded bus), with a login role of the same name. */
export const EVENTS_DATABASE = 'events';

export interface Stack {
  gatewayUrl: string;
  /** The gateway's `/metrics`, on a port of its own (METRICS_PORT): the public one answers 404 there. */
  gatewayMetricsUrl: string;
  /** The gateway's first process (a restarted one runs on the same port). */
  gateway: ServiceProcess;
  /** Each subgraph's process now (replaced when it is restarted). */
  subgraphs: Map<string, ServiceProcess>;
  /** The extra processes of the subgraphs started with `replicas` (not supervised). */
  replicas: ServiceProcess[];
  databaseUrls: Map<string, string>;
  secrets: ServiceSecrets;
  /** The shared `events` database every subgraph gets as EVENTS_DATABASE_URL. */
  eventsDatabaseUrl: string;
  /**
   * Starts subgraph `name` again, on its old port and with the environment it first had, once its
   * process has ended (tests kill one with SIGKILL); `subgraphs` then holds the new process.
   */
  restartSubgraph(name: string): Promise<ServiceProcess>;
  /** Each service's state and restarts (the launcher's /health). */
  status(): ServiceStatus[];
  /** Stops the gateway first, then the subgraphs (in-flight requests finish); nothing restarts meanwhile. */
  stop(): Promise<void>;
}

export async function provisionDatabases(
  options: Pick<StackOptions, 'adminUrl' | 'passwordOf' | 'databasePrefix' | 'subgraphs'>,
): Promise<Map<string, string>> {
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  const urls = new Map<string, string>();
  try {
    for (const spec of options.subgraphs ?? SUBGRAPHS) {
      const service = {
        name: `${options.databasePrefix ?? ''}${spec.name}`,
        password: options.passwordOf(spec.name),
      };
      await provisionServiceDatabase(admin, service);
      urls.set(spec.name, serviceDatabaseUrl(options.adminUrl, service));
    }
  } finally {
    await admin.end();
  }
  return urls;
}

/** The `events` database and role: the bus of the embedded mode, shared by every service (unused with NATS_URL). */
export async function provisionEventsDatabase(
  options: Pick<StackOptions, 'adminUrl' | 'passwordOf' | 'databasePrefix'>,
): Promise<string> {
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  try {
    const events = {
      name: `${options.databasePrefix ?? ''}${EVENTS_DATABASE}`,
      password: options.passwordOf(EVENTS_DATABASE),
    };
    await provisionServiceDatabase(admin, events);
    return serviceDatabaseUrl(options.adminUrl, events);
  } finally {
    await admin.end();
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const specs = options.subgraphs ?? SUBGRAPHS;
  const secrets = options.secrets ?? newServiceSecrets(specs.map((spec) => spec.name));
  const gatewaySecretOf = (service: string) => {
    const secret = secrets.gatewaySecrets[service];
    if (!secret) throw new Error(`no gateway secret for subgraph ${service}`);
    return secret;
  };
  const databaseUrls = await provisionDatabases(options);
  const eventsDatabaseUrl = await provisionEventsDatabase(options);
  const subgraphs = new Map<string, ServiceProcess>();
  const replicas: ServiceProcess[] = [];
  const supervised = new Map<string, SupervisedService>();
  const superviseWhenAsked = (
    service: ServiceProcess,
    start: (port: number) => Promise<ServiceProcess>,
    onRestarted: (restarted: ServiceProcess) => void = () => {},
  ) => {
    if (options.restart)
      supervised.set(
        service.name,
        supervise(service, { start, policy: options.restart, output: options.output, onRestarted }),
      );
  };
  const stopService = (service: ServiceProcess) => supervised.get(service.name)?.stop() ?? service.stop();
  const stopAll = async () => {
    for (const service of supervised.values()) service.stopRestarting();
    await Promise.all([...subgraphs.values(), ...replicas].map(stopService));
  };
  const startSubgraph = (spec: ServiceSpec, port: number) =>
    startServiceProcess(spec.name, join(ROOT, spec.dir, 'src/main.ts'), {
      output: options.output,
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs(spec.name) } : {}),
      env: options.env({
        PORT: String(port),
        DATABASE_URL: databaseUrls.get(spec.name) as string,
        GATEWAY_SECRET: gatewaySecretOf(spec.name),
        ...(spec.name === TOKEN_ISSUER ? { JWT_SIGNING_KEYS: JSON.stringify(secrets.signingKeys) } : {}),
        EVENTS_DATABASE_URL: eventsDatabaseUrl,
      }),
    });
  try {
    await allStarted(
      specs.map(async (spec) => {
        const service = await startSubgraph(spec, options.ports === 'fixed' ? spec.port : 0);
        subgraphs.set(spec.name, service);
        superviseWhenAsked(
          service,
          (port) => startSubgraph(spec, port),
          (restarted) => subgraphs.set(spec.name, restarted),
        );
      }),
    );
    // After the first of each (its migrations applied), so replicas do not migrate at once.
    await allStarted(
      specs.flatMap((spec) =>
        Array.from({ length: (options.replicas?.[spec.name] ?? 1) - 1 }, async () => {
          replicas.push(await startSubgraph(spec, 0));
        }),
      ),
    );
    if (options.seed) await seedDatabases(options.seed, databaseUrls, options, specs);
    const subgraphUrls = new Map(
      specs.map((spec) => [
        spec.name,
        localSubgraphUrl(spec, (subgraphs.get(spec.name) as ServiceProcess).port),
      ]),
    );
    await options.onSubgraphsReady?.(subgraphUrls);
    const overrides = {
      ...options.gatewayEnv?.(),
      ...Object.fromEntries(
        specs.flatMap((spec) => [
          [subgraphUrlVariable(spec.name), subgraphUrls.get(spec.name) as string],
          [subgraphSecretVariable(spec.name), gatewaySecretOf(spec.name)],
        ]),
      ),
    };
    // Kept across restarts of the gateway, as its own port is.
    const metricsPort = options.ports === 'fixed' ? gatewayMetricsPort(GATEWAY.port) : await freePort();
    const startGateway = (port: number) =>
      startServiceProcess(GATEWAY.name, join(ROOT, GATEWAY.dir, 'src/main.ts'), {
        output: options.output,
        ...(options.nodeArgs ? { nodeArgs: options.nodeArgs(GATEWAY.name) } : {}),
        env: options.env({
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          ...(options.supergraphPath ? { SUPERGRAPH_PATH: options.supergraphPath } : {}),
          ...overrides,
        }),
      });
    const gateway = await startGateway(options.ports === 'fixed' ? GATEWAY.port : 0);
    superviseWhenAsked(gateway, startGateway);
    const processes = () => [supervised.get(GATEWAY.name)?.current ?? gateway, ...subgraphs.values()];
    return {
      gatewayUrl: localSubgraphUrl(GATEWAY, gateway.port),
      gatewayMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      gateway,
      subgraphs,
      replicas,
      databaseUrls,
      secrets,
      eventsDatabaseUrl,
      async restartSubgraph(name) {
        const spec = specs.find((candidate) => candidate.name === name);
        const previous = subgraphs.get(name);
        if (!spec || !previous) throw new Error(`no subgraph ${name} in this stack`);
        if (supervised.has(name)) throw new Error(`${name} is supervised: it restarts by itself`);
        await previous.exited;
        // The old port: the gateway's supergraph routes there.
        const restarted = await startSubgraph(spec, previous.port);
        subgraphs.set(name, restarted);
        return restarted;
      },
      status() {
        return processes().map(
          (service) => supervised.get(service.name)?.status() ?? unsupervisedStatus(service),
        );
      },
      async stop() {
        for (const service of supervised.values()) service.stopRestarting();
        await stopService(gateway);
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Waits for every start to end, then rejects with the first failure: a process that was still
 * starting when another failed is in hand by then, so the clean-up stops it too.
 */
async function allStarted(starts: readonly Promise<void>[]): Promise<void> {
  const failure = (await Promise.allSettled(starts)).find((start) => start.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Runs every subgraph's own seeder (`src/main.ts seed`, its `src/db/seed.ts`) against its own database, all at once. */
export async function seedDatabases(
  plan: SeedPlan,
  databaseUrls: Map<string, string>,
  options: Pick<StackOptions, 'env' | 'output'>,
  specs: readonly ServiceSpec[] = SUBGRAPHS,
): Promise<void> {
  await Promise.all(
    specs
      .filter((spec) => existsSync(join(ROOT, spec.dir, 'src/db/seed.ts')))
      .map((spec) =>
        runToCompletion(`${spec.name}`, join(ROOT, spec.dir, 'src/main.ts'), {
          args: ['seed', ...seedPlanArgs(plan)],
          output: options.output,
          env: options.env({ DATABASE_URL: databaseUrls.get(spec.name) as string }),
        }),
      ),
  );
}

/** Drops the databases and roles `provisionDatabases` made with this prefix (test and benchmark clean-up). */
export async function dropDatabases(adminUrl: string, databasePrefix: string): Promise<void> {
  if (!/^[a-z0-9_]+_$/.test(databasePrefix))
    throw new Error(`refusing to drop databases with prefix ${databasePrefix}`);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const pattern = `${databasePrefix.replace(/_/g, '\\_')}%`;
    const databases = await admin<
      { name: string }[]
    >`select datname as name from pg_database where datname like ${pattern}`;
    for (const { name } of databases) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    const roles = await admin<
      { name: string }[]
    >`select rolname as name from pg_roles where rolname like ${pattern}`;
    for (const { name } of roles) await admin.unsafe(`drop role if exists "${name}"`);
  } finally {
    await admin.end();
  }
}
