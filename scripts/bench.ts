import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { signGatewayRequest } from '@shop/platform/auth';
import { subgraphSecretVariable, subgraphUrlVariable } from '@shop/platform/config';
import type { SeedPlan } from '@shop/platform/seed';
import { cpuPerRequest, readCpu } from './bench/cpu';
import { type LoadResult, runLoad } from './bench/load';
import { type BenchOptions, readBenchOptions } from './bench/options';
import { summarizeProfiles } from './bench/profile-summary';
import { type ArmReport, printReport } from './bench/report';
import { requestPicker, SINGLE_SUBGRAPH_OPERATION, storefrontMix } from './bench/workload';
import { childEnvironment, loadLauncherConfig } from './config';
import { openDatabaseServer } from './lib/database-server';
import { formatLogLine } from './lib/log-lines';
import { type ServiceProcess, startServiceProcess } from './lib/processes';
import { loadLocalSecrets } from './lib/secrets';
import { GATEWAY, localSubgraphUrl, ROOT, SUBGRAPHS } from './lib/services';
import { dropDatabases, type Stack, startStack } from './lib/stack';
import { stockSupergraph } from './lib/stock-supergraph';

/**
 * `npm run bench [-- --duration 10 --connections 32 --json out.json --profile dir]`: seeds the
 * scale data set on real Postgres (DATABASE_URL, or the embedded server), starts the subgraphs,
 * and puts the same load of the storefront operation mix on (1) this gateway with its response
 * cache, (2) without it, (3) a stock @apollo/gateway with default options, and then runs a
 * single-subgraph operation through this gateway and on the subgraph directly (the gateway hop).
 * One table, ratios to the stock gateway, JSON with --json. Loopback only, bounded in time.
 */
const options = readBenchOptions(process.argv.slice(2));
const config = loadLauncherConfig();
const log = (line: string) => console.info(line);
const serviceOutput = (service: string, line: string) => {
  // Only what went wrong: the subgraphs and gateways log at `warn` during the benchmark.
  if (/"level":(40|50|60)\b|"level":"(warn|error|fatal)"/.test(line))
    console.info(formatLogLine(service, line));
};

const plan: SeedPlan = {
  seed: 1,
  categories: 12,
  products: options.products,
  users: options.users,
  reviews: options.reviews,
  orders: 0,
};
const secrets = loadLocalSecrets(
  config.DATA_DIR,
  SUBGRAPHS.map((spec) => spec.name),
);
const server = await openDatabaseServer(config, secrets, () => {});
const databasePrefix = `bench_${randomBytes(3).toString('hex')}_`;
const workDir = mkdtempSync(join(tmpdir(), 'shop-bench-'));
let stack: Stack | null = null;
const running = new Set<ServiceProcess>();

try {
  log(
    `seeding ${plan.products} products, ${plan.users} users, ${plan.reviews} reviews on ${server.embedded ? 'the embedded Postgres' : 'DATABASE_URL'} …`,
  );
  const seedStarted = Date.now();
  stack = await startStack({
    adminUrl: server.adminUrl,
    databasePrefix,
    passwordOf: () => randomBytes(18).toString('base64url'),
    ports: 'free',
    env: (overrides) =>
      childEnvironment({
        LOG_LEVEL: 'warn',
        EVENTS_NAMESPACE: databasePrefix.slice(0, -1),
        NATS_URL: '',
        ...overrides,
      }),
    output: serviceOutput,
    seed: plan,
  });
  // The stack's own gateway is not measured: each arm starts its gateway afresh.
  await stack.gateway.stop();
  log(`seeded and started in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`);

  const liveStack = stack;
  const subgraphEnv = Object.fromEntries(
    SUBGRAPHS.flatMap((spec) => {
      const port = liveStack.subgraphs.get(spec.name)?.port ?? 0;
      return [
        [subgraphUrlVariable(spec.name), localSubgraphUrl(spec, port)],
        [subgraphSecretVariable(spec.name), liveStack.secrets.gatewaySecrets[spec.name] ?? ''],
      ];
    }),
  );
  // Node refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.
  const profileArgs = (arm: string): string[] =>
    options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, arm)}`] : [];

  const startOurGateway = (arm: string, responseCache: boolean) =>
    startServiceProcess(GATEWAY.name, join(ROOT, GATEWAY.dir, 'src/main.ts'), {
      output: serviceOutput,
      env: childEnvironment({
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: '0',
        RESPONSE_CACHE: String(responseCache),
        GATEWAY_WORKERS: String(options.workers),
        ...subgraphEnv,
      }),
      nodeArgs: profileArgs(arm),
    });
  const startStockGateway = () => {
    const supergraphPath = join(workDir, 'stock-supergraph.graphql');
    const urls = new Map(
      SUBGRAPHS.map((spec) => [spec.name, localSubgraphUrl(spec, liveStack.subgraphs.get(spec.name)?.port)]),
    );
    writeFileSync(
      supergraphPath,
      stockSupergraph(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'), urls),
    );
    const secretsPath = join(workDir, 'stock-secrets.json');
    writeFileSync(secretsPath, JSON.stringify(liveStack.secrets.gatewaySecrets), { mode: 0o600 });
    return startServiceProcess('stock-gateway', join(ROOT, 'scripts/bench/stock-gateway.ts'), {
      output: serviceOutput,
      env: childEnvironment({ NODE_ENV: 'production' }),
      args: ['--supergraph', supergraphPath, '--secrets', secretsPath],
      nodeArgs: profileArgs('stock'),
    });
  };

  const mix = storefrontMix(plan, options.productPages);
  const arms: ArmReport[] = [];
  const measure = async (
    name: string,
    start: () => Promise<ServiceProcess>,
    load: Omit<Parameters<typeof runLoad>[0], 'url' | 'durationSeconds'> & { path?: string },
    note: string,
    gatewayInPath = true,
  ): Promise<{ result: LoadResult; process: ServiceProcess }> => {
    const process = await start();
    running.add(process);
    const url = `http://127.0.0.1:${process.port}${load.path ?? '/graphql'}`;
    log(`${name}: warming up ${options.warmupSeconds} s, then measuring ${options.durationSeconds} s …`);
    await runLoad({ ...load, url, durationSeconds: options.warmupSeconds });
    const cpuBefore = readCpu(process.child.pid);
    const result = await runLoad({ ...load, url, durationSeconds: options.durationSeconds });
    const cpu = cpuPerRequest(cpuBefore, readCpu(process.child.pid), result.requests);
    const peakRssBytes = gatewayInPath ? peakRss(process) : 0;
    const cache = await cacheHitRate(process.port);
    arms.push({
      name,
      note,
      ...result,
      peakRssBytes,
      cacheHitRate: cache,
      gatewayCpuMsPerRequest: gatewayInPath ? (cpu?.gatewayMs ?? null) : null,
      machineCpuMsPerRequest: cpu?.machineMs ?? null,
    });
    return { result, process };
  };
  const stop = async (process: ServiceProcess) => {
    await process.stop();
    running.delete(process);
  };

  const storefront = { connections: options.connections, next: requestPicker(mix) };
  const cached = await measure(
    'gateway, caching on',
    () => startOurGateway('cache-on', true),
    storefront,
    '',
  );
  await stop(cached.process);
  const uncached = await measure(
    'gateway, caching off',
    () => startOurGateway('cache-off', false),
    { ...storefront, next: requestPicker(mix) },
    '',
  );
  await stop(uncached.process);
  const stock = await measure(
    'stock @apollo/gateway',
    startStockGateway,
    { ...storefront, next: requestPicker(mix) },
    'supergraph without its @authenticated/@requiresScopes links and directives; requests signed like ours',
  );
  await stop(stock.process);

  // The gateway hop: one single-subgraph operation through the gateway (no cache), and on products directly.
  const single = () => SINGLE_SUBGRAPH_OPERATION;
  const hopGateway = await measure(
    'gateway, caching off: products-only operation',
    () => startOurGateway('hop', false),
    { connections: options.hopConnections, next: single },
    `CatalogPage (products only), ${options.hopConnections} connection(s)`,
  );
  await stop(hopGateway.process);
  const products = liveStack.subgraphs.get('products');
  const productsSecret = liveStack.secrets.gatewaySecrets.products;
  if (!products || !productsSecret) throw new Error('the products subgraph is not running');
  const direct = await measure(
    'products subgraph directly',
    async () => products,
    {
      connections: options.hopConnections,
      next: single,
      headersFor: (request) =>
        signGatewayRequest(productsSecret, {
          method: 'POST',
          path: '/graphql',
          body: request.body,
          caller: null,
        }),
    },
    `CatalogPage, signed like the gateway signs, ${options.hopConnections} connection(s)`,
    false,
  );
  running.delete(products);

  const report = printReport(arms, {
    stock: stock.result,
    cached: cached.result,
    uncached: uncached.result,
    hopGateway: hopGateway.result,
    direct: direct.result,
  });
  if (options.profileDir) log(summarizeProfiles(options.profileDir));
  if (options.jsonPath) {
    writeFileSync(
      options.jsonPath,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: {
            cores: availableParallelism(),
            cpu: cpus()[0]?.model ?? 'unknown',
            node: process.version,
          },
          dataSet: plan,
          options: benchOptionsForReport(options),
          ...report,
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${options.jsonPath}`);
  }
} catch (error) {
  console.error(`npm run bench: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await Promise.all([...running].map((service) => service.stop()));
  await stack?.stop();
  await dropDatabases(server.adminUrl, databasePrefix);
  await server.stop();
}

/** The process' peak resident memory (VmHWM), in bytes; 0 where /proc is not there. */
function peakRss(service: ServiceProcess): number {
  try {
    const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The share of response-cache lookups that hit, from the gateway's /metrics; null without a cache. */
async function cacheHitRate(port: number): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const read = (result: string) =>
      [
        ...text.matchAll(new RegExp(`^cache_lookups_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'gm')),
      ].reduce((sum, match) => sum + Number(match[1]), 0);
    const hits = read('hit');
    const misses = read('miss');
    return hits + misses === 0 ? null : hits / (hits + misses);
  } catch {
    return null;
  }
}

function benchOptionsForReport(value: BenchOptions): Omit<BenchOptions, 'jsonPath' | 'profileDir'> {
  const { jsonPath: _json, profileDir: _profile, ...rest } = value;
  return rest;
}
