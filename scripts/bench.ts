import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedPlan } from '@shop/devkit/seed';
import { signGatewayRequest } from '@shop/platform/auth';
import { subgraphSecretVariable, subgraphUrlVariable } from '@shop/platform/config';
import { readCpu } from './bench/cpu';
import { type LoadOptions, type LoadSample, runLoad, summarizeLoad } from './bench/load';
import { type BenchOptions, readBenchOptions } from './bench/options';
import { summarizeProfiles } from './bench/profile-summary';
import { type ArmReport, printReport } from './bench/report';
import { requestPicker, SINGLE_SUBGRAPH_OPERATION, storefrontMix } from './bench/workload';
import { childEnvironment, loadLauncherConfig } from './config';
import { printProblems } from './lib/bench-stack';
import { openDatabaseServer } from './lib/database-server';
import { type ServiceProcess, startServiceProcess } from './lib/processes';
import { loadLocalSecrets } from './lib/secrets';
import { GATEWAY, localSubgraphUrl, ROOT, SUBGRAPHS } from './lib/services';
import { dropDatabases, type Stack, startStack } from './lib/stack';
import { stockSupergraph } from './lib/stock-supergraph';

/**
 * `npm run bench [-- --duration 10 --rounds 2 --connections 32 --json out.json --profile dir]`: seeds the
 * scale data set on real Postgres (DATABASE_URL, or the embedded server), starts the subgraphs,
 * and puts the same load of the storefront operation mix on (1) this gateway with its response
 * cache, (2) without it, (3) a stock @apollo/gateway with default options, and then runs a
 * single-subgraph operation through this gateway and on the subgraph directly (the gateway hop).
 * One table, ratios to the stock gateway, JSON with --json. Loopback only, bounded in time.
 */
const options = readBenchOptions(process.argv.slice(2));
const config = loadLauncherConfig();
const log = (line: string) => console.info(line);

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
    output: printProblems,
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

  const startOurGateway = (arm: string, responseCache: boolean, env: Record<string, string> = {}) =>
    startServiceProcess(GATEWAY.name, join(ROOT, GATEWAY.dir, 'src/main.ts'), {
      output: printProblems,
      env: childEnvironment({
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: '0',
        RESPONSE_CACHE: String(responseCache),
        GATEWAY_WORKERS: String(options.workers),
        ...subgraphEnv,
        ...env,
      }),
      nodeArgs: profileArgs(arm),
    });
  // The stock gateway and the bare hop sign as ours does: they read the subgraphs' secrets from a file.
  const secretsPath = join(workDir, 'gateway-secrets.json');
  writeFileSync(secretsPath, JSON.stringify(liveStack.secrets.gatewaySecrets), { mode: 0o600 });
  const startStockGateway = (arm: string) => () => {
    const supergraphPath = join(workDir, 'stock-supergraph.graphql');
    const urls = new Map(
      SUBGRAPHS.map((spec) => [spec.name, localSubgraphUrl(spec, liveStack.subgraphs.get(spec.name)?.port)]),
    );
    writeFileSync(
      supergraphPath,
      stockSupergraph(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'), urls),
    );
    return startServiceProcess('stock-gateway', join(ROOT, 'scripts/bench/stock-gateway.ts'), {
      output: printProblems,
      env: childEnvironment({ NODE_ENV: 'production' }),
      args: ['--supergraph', supergraphPath, '--secrets', secretsPath],
      nodeArgs: profileArgs(arm),
    });
  };
  const products = liveStack.subgraphs.get('products');
  const productsSecret = liveStack.secrets.gatewaySecrets.products;
  if (!products || !productsSecret) throw new Error('the products subgraph is not running');
  const productsUrl = `http://127.0.0.1:${products.port}/graphql`;
  const startBareHop = () =>
    startServiceProcess('bare-hop', join(ROOT, 'scripts/bench/bare-hop.ts'), {
      output: printProblems,
      env: childEnvironment({ NODE_ENV: 'production' }),
      args: ['--url', productsUrl, '--secrets', secretsPath, '--subgraph', 'products'],
      nodeArgs: profileArgs('bare-hop'),
    });

  const mix = storefrontMix(plan, options.productPages);
  const arms: ArmReport[] = [];
  // Operations every subgraph has served so far: what one client request cost the subgraphs, in requests.
  const subgraphOperations = async () => {
    let total = 0;
    for (const service of liveStack.subgraphs.values())
      total += (await counterSum(service.port, 'graphql_operations_total')) ?? 0;
    return total;
  };
  type LoadPlan = Omit<LoadOptions, 'url' | 'durationSeconds'> & { path?: string };
  interface Arm {
    name: string;
    note: string;
    start: () => Promise<ServiceProcess>;
    /** A fresh load for each round: the same sequence of requests for every arm. */
    load: () => LoadPlan;
    /** A gateway answers (else the products subgraph itself, which the stack owns and keeps running). */
    gateway: boolean;
  }
  interface Round {
    sample: LoadSample;
    gatewayCpuSeconds: number | null;
    machineCpuSeconds: number | null;
    subgraphCalls: number;
    peakRssBytes: number;
    cacheLookups: { hits: number; misses: number } | null;
  }
  const measureRound = async (arm: Arm): Promise<Round> => {
    const process = await arm.start();
    if (arm.gateway) running.add(process);
    try {
      const load = arm.load();
      const url = `http://127.0.0.1:${process.port}${load.path ?? '/graphql'}`;
      log(
        `${arm.name}: warming up ${options.warmupSeconds} s, then measuring ${options.durationSeconds} s …`,
      );
      await runLoad({ ...load, url, durationSeconds: options.warmupSeconds });
      const cpuBefore = readCpu(process.child.pid);
      const callsBefore = await subgraphOperations();
      const sample = await runLoad({ ...load, url, durationSeconds: options.durationSeconds });
      const cpuAfter = readCpu(process.child.pid);
      const hits = await counterSum(process.port, 'cache_lookups_total', 'result="hit"');
      const misses = await counterSum(process.port, 'cache_lookups_total', 'result="miss"');
      return {
        sample,
        gatewayCpuSeconds:
          cpuBefore && cpuAfter && arm.gateway ? cpuAfter.processSeconds - cpuBefore.processSeconds : null,
        machineCpuSeconds: cpuBefore && cpuAfter ? cpuAfter.machineSeconds - cpuBefore.machineSeconds : null,
        subgraphCalls: (await subgraphOperations()) - callsBefore,
        peakRssBytes: arm.gateway ? peakRss(process) : 0,
        cacheLookups: hits !== null && misses !== null && hits + misses > 0 ? { hits, misses } : null,
      };
    } finally {
      if (arm.gateway) {
        await process.stop();
        running.delete(process);
      }
    }
  };
  const reportOf = (arm: Arm, rounds: readonly Round[]): ArmReport => {
    const result = summarizeLoad(rounds.map((round) => round.sample));
    const perRequest = (values: (number | null)[]) =>
      values.includes(null) || result.requests === 0
        ? null
        : (values.reduce<number>((sum, value) => sum + (value ?? 0), 0) * 1000) / result.requests;
    const lookups = rounds.map((round) => round.cacheLookups);
    const hits = lookups.reduce((sum, lookup) => sum + (lookup?.hits ?? 0), 0);
    const misses = lookups.reduce((sum, lookup) => sum + (lookup?.misses ?? 0), 0);
    const report: ArmReport = {
      name: arm.name,
      note: arm.note,
      ...result,
      peakRssBytes: Math.max(...rounds.map((round) => round.peakRssBytes)),
      cacheHitRate: hits + misses > 0 ? hits / (hits + misses) : null,
      gatewayCpuMsPerRequest: perRequest(rounds.map((round) => round.gatewayCpuSeconds)),
      subgraphRequestsPerRequest:
        arm.gateway && result.requests > 0
          ? rounds.reduce((sum, round) => sum + round.subgraphCalls, 0) / result.requests
          : null,
      machineCpuMsPerRequest: perRequest(rounds.map((round) => round.machineCpuSeconds)),
    };
    arms.push(report);
    return report;
  };

  const storefront = (): LoadPlan => ({ connections: options.connections, next: requestPicker(mix) });
  const storefrontArm = (name: string, start: Arm['start'], note = ''): Arm => ({
    name,
    note,
    start,
    load: storefront,
    gateway: true,
  });
  const cachedArm = storefrontArm('gateway, caching on', () => startOurGateway('cache-on', true));
  const uncachedArm = storefrontArm('gateway, caching off', () => startOurGateway('cache-off', false));
  const stockArm = storefrontArm(
    'stock @apollo/gateway',
    startStockGateway('stock'),
    'supergraph without its @authenticated/@requiresScopes links and directives; requests signed like ours',
  );
  // Rounds in alternating order (on, off, stock, then stock, off, on, …): a machine that speeds
  // up or slows down during the run weighs on every arm alike.
  const measureInRounds = async <Group extends readonly Arm[]>(
    group: Group,
  ): Promise<{ [Index in keyof Group]: ArmReport }> => {
    const rounds = new Map<Arm, Round[]>(group.map((arm) => [arm, []]));
    for (let round = 0; round < options.rounds; round++)
      for (const arm of round % 2 === 0 ? group : [...group].reverse())
        rounds.get(arm)?.push(await measureRound(arm));
    return group.map((arm) => reportOf(arm, rounds.get(arm) ?? [])) as { [Index in keyof Group]: ArmReport };
  };
  const [cached, uncached, stock] = await measureInRounds([cachedArm, uncachedArm, stockArm] as const);

  // The gateway hop: one single-subgraph operation through this gateway (no cache), through the
  // stock gateway, through a bare Node hop (no GraphQL: the floor), and on products directly.
  const single = () => SINGLE_SUBGRAPH_OPERATION;
  const hopLoad = () => ({ connections: options.hopConnections, next: single });
  const hopNote = `CatalogPage (products only), ${options.hopConnections} connection(s)`;
  // Identical requests in flight are not shared here: every request crosses the hop, as it does directly.
  const hopArm: Arm = {
    name: 'gateway, caching off: products-only operation',
    note: `${hopNote}, identical requests not shared`,
    start: () => startOurGateway('hop', false, { SUBGRAPH_DEDUPLICATE: 'false' }),
    load: hopLoad,
    gateway: true,
  };
  const stockHopArm: Arm = {
    name: 'stock @apollo/gateway: products-only operation',
    note: hopNote,
    start: startStockGateway('stock-hop'),
    load: hopLoad,
    gateway: true,
  };
  const bareHopArm: Arm = {
    name: 'bare Node hop (no GraphQL): products-only operation',
    note: `${hopNote}; reads, signs, forwards over undici, parses and writes the answer again`,
    start: startBareHop,
    load: hopLoad,
    gateway: true,
  };
  const directArm: Arm = {
    name: 'products subgraph directly',
    note: `CatalogPage, signed like the gateway signs, ${options.hopConnections} connection(s)`,
    start: async () => products,
    load: () => ({
      ...hopLoad(),
      headersFor: (request) =>
        signGatewayRequest(productsSecret, {
          method: 'POST',
          path: '/graphql',
          body: request.body,
          caller: null,
        }),
    }),
    gateway: false,
  };
  const [hopGateway, hopStock, hopBare, direct] = await measureInRounds([
    hopArm,
    stockHopArm,
    bareHopArm,
    directArm,
  ] as const);

  const report = printReport(arms, { stock, cached, uncached, hopGateway, hopStock, hopBare, direct });
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

/** The sum of a counter's samples (those whose labels include `label`) on a service's /metrics; null when unreachable. */
async function counterSum(port: number, name: string, label = ''): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\d+)`, 'gm'))]
      .filter((match) => match[1]?.includes(label))
      .reduce((sum, match) => sum + Number(match[2]), 0);
  } catch {
    return null;
  }
}

function benchOptionsForReport(value: BenchOptions): Omit<BenchOptions, 'jsonPath' | 'profileDir'> {
  const { jsonPath: _json, profileDir: _profile, ...rest } = value;
  return rest;
}
