import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { SeedPlan } from '@shop/devkit/seed';
import { summarizeProfiles } from './bench/profile-summary';
import { runCheckoutLoad } from './bench-checkout/checkout-load';
import { startCpuAccount } from './bench-checkout/cpu-per-service';
import { finalStateReader } from './bench-checkout/final-states';
import { settledInvariants } from './bench-checkout/invariants';
import { readCheckoutBenchOptions, type Transport } from './bench-checkout/options';
import { type ArmReport, printReport, summarize } from './bench-checkout/report';
import { prepareTarget, UNITS_PER_PRODUCT } from './bench-checkout/target';
import { loadLauncherConfig } from './config';
import { withBenchStack } from './lib/bench-stack';
import { openDatabaseServer } from './lib/database-server';
import { loadLocalSecrets } from './lib/secrets';
import { GATEWAY, SUBGRAPHS } from './lib/services';

/**
 * `npm run bench:checkout [-- --rate 20 --duration 10 --warmup 2 --drain 30 --transports pg-boss,nats --replicas 1,2 --rounds 1 --json out.json --profile dir]`:
 * for each event bus (and number of replicas of the saga's services), starts the whole system on
 * free ports (real Postgres: DATABASE_URL or the embedded server; NATS at NATS_URL or
 * --nats-url), sends placeOrder through the gateway at a steady rate, as logged-in customers,
 * and measures how long each order takes to reach a final state (read from orders' database,
 * beside the system), the CPU each part spends per order (/proc) and, at the end, the
 * checkout's invariants. Prints the arms side by side and stops by itself. Loopback only, bounded in time.
 */
const config = loadLauncherConfig();
const options = readCheckoutBenchOptions(process.argv.slice(2), config.NATS_URL);
const log = (line: string) => console.info(line);

// A small catalog with no past orders: the stacks start in seconds, and every order is the benchmark's.
const PLAN: SeedPlan = { seed: 1, categories: 2, products: 20, users: 4, reviews: 0, orders: 0 };
// The services an order's saga runs through: the ones --replicas multiplies.
const SAGA_SERVICES = ['orders', 'inventory', 'payments'];

const secrets = loadLocalSecrets(
  config.DATA_DIR,
  SUBGRAPHS.map((spec) => spec.name),
);
const server = await openDatabaseServer(config, secrets, () => {});
const reports: ArmReport[] = [];
const failed = new Map<string, string>();

try {
  log(
    `checkout benchmark: ${options.rate} placeOrder/s for ${options.durationSeconds} s (after ${options.warmupSeconds} s of warm-up) on ${options.transports.join(' and ')}, ${options.replicas.join(' and ')} replica(s), ${options.rounds} round(s), Postgres ${server.embedded ? 'embedded' : 'at DATABASE_URL'}`,
  );
  const arms = options.replicas.flatMap((replicas) =>
    options.transports.map((transport) => ({ transport, replicas })),
  );
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const arm of round % 2 === 1 ? arms : [...arms].reverse()) {
      const label = `${arm.transport}${arm.replicas > 1 ? ` ×${arm.replicas}` : ''}${options.rounds > 1 ? ` #${round}` : ''}`;
      try {
        reports.push(summarize({ label, ...arm, ...(await measureArm(label, arm.transport, arm.replicas)) }));
      } catch (error) {
        failed.set(label, (error as Error).message);
        log(`${label}: ${(error as Error).message}`);
      }
    }
  }
  log('');
  log(
    'placeOrder → final state (CONFIRMED / REJECTED), read from orders’ database beside the system; CPU from /proc:',
  );
  printReport(reports, failed);
  if (options.profileDir) log(summarizeProfiles(options.profileDir, 12));
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
          options: { ...options, jsonPath: undefined },
          reports,
          failed: Object.fromEntries(failed),
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${options.jsonPath}`);
  }
  if (failed.size > 0) process.exitCode = 1;
} finally {
  await server.stop();
}

/** One arm: its own stack (databases, processes, event namespace), warmed up, measured, checked, removed. */
function measureArm(label: string, transport: Transport, replicas: number) {
  log(`${label}: starting the services …`);
  const startedAt = Date.now();
  const natsUrl = transport === 'nats' ? options.natsUrl : '';
  return withBenchStack(
    {
      adminUrl: server.adminUrl,
      name: 'bench_checkout',
      natsUrl,
      seed: PLAN,
      replicas: Object.fromEntries(SAGA_SERVICES.map((service) => [service, replicas])),
      env: {
        // Two cores run a handful of statements at once: small request pools, and the stacks fit the server's max_connections.
        DATABASE_POOL_MAX: '4',
        // What is measured is the saga's capacity: the gateway waits for a slow orders instead of shedding load.
        SUBGRAPH_TIMEOUT_MS: '20000',
        CIRCUIT_MIN_REQUESTS: '1000000',
      },
      ...(options.profileDir
        ? {
            nodeArgs: (service: string) => [
              '--cpu-prof',
              `--cpu-prof-dir=${join(options.profileDir as string, `${label.replace(/\W+/g, '-')}-${service}`)}`,
            ],
          }
        : {}),
    },
    async (stack, databasePrefix) => {
      const target = await prepareTarget(stack.gatewayUrl, PLAN);
      const finalStates = finalStateReader(stack.databaseUrls.get('orders') as string);
      try {
        log(
          `${label}: up in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; warming up, then measuring …`,
        );
        if (options.warmupSeconds > 0)
          await runCheckoutLoad(target, { ...options, durationSeconds: options.warmupSeconds }, finalStates);
        const pids = new Map<string, number[]>([[GATEWAY.name, [stack.gateway.child.pid ?? 0]]]);
        for (const service of [...stack.subgraphs.values(), ...stack.replicas])
          pids.set(service.name, [...(pids.get(service.name) ?? []), service.child.pid ?? 0]);
        const loadAverage = loadavg()[0] ?? 0;
        const before = await finalStates.count();
        const endCpu = startCpuAccount(pids, databasePrefix);
        const result = await runCheckoutLoad(target, options, finalStates);
        // The window ends when the system has settled: every order final, every effect applied.
        const invariants = await settledInvariants(
          stack.databaseUrls,
          UNITS_PER_PRODUCT,
          Date.now() + options.drainSeconds * 1000,
        );
        const cpu = endCpu?.() ?? null;
        const ordersMade = (await finalStates.count()).orders - before.orders;
        return { loadAverage, result, cpu, ordersMade, invariants };
      } finally {
        await finalStates.close();
      }
    },
  );
}
