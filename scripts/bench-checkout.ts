import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { SeedPlan } from '@shop/devkit/seed';
import { deleteNatsStreams } from '@shop/devkit/testing';
import { runCheckoutLoad } from './bench-checkout/checkout-load';
import { readCheckoutBenchOptions, type Transport } from './bench-checkout/options';
import { printReport, summarize, type TransportReport } from './bench-checkout/report';
import { assertReachable, prepareTarget } from './bench-checkout/target';
import { childEnvironment, loadLauncherConfig } from './config';
import { openDatabaseServer } from './lib/database-server';
import { formatLogLine } from './lib/log-lines';
import { loadLocalSecrets } from './lib/secrets';
import { SUBGRAPHS } from './lib/services';
import { dropDatabases, type Stack, startStack } from './lib/stack';

/**
 * `npm run bench:checkout [-- --rate 20 --duration 10 --warmup 2 --drain 30 --transports pg-boss,nats --json out.json]`:
 * for each event bus, starts the whole system on free ports (real Postgres: DATABASE_URL or the
 * embedded server; NATS at NATS_URL or --nats-url), sends placeOrder through the gateway at a
 * steady rate, as logged-in customers, and measures how long each order takes to reach a final
 * state. Prints the buses side by side and stops by itself. Loopback only, bounded in time.
 */
const config = loadLauncherConfig();
const options = readCheckoutBenchOptions(process.argv.slice(2), config.NATS_URL);
const log = (line: string) => console.info(line);
const serviceOutput = (service: string, line: string) => {
  // Only what went wrong: the services log at `warn` during the benchmark.
  if (/"level":(40|50|60)\b|"level":"(warn|error|fatal)"/.test(line))
    console.info(formatLogLine(service, line));
};

// A small catalog with no past orders: the stacks start in seconds, and every order is the benchmark's.
const PLAN: SeedPlan = { seed: 1, categories: 2, products: 20, users: 4, reviews: 0, orders: 0 };

const secrets = loadLocalSecrets(
  config.DATA_DIR,
  SUBGRAPHS.map((spec) => spec.name),
);
const server = await openDatabaseServer(config, secrets, () => {});
const reports: TransportReport[] = [];
const failed = new Map<Transport, string>();

try {
  log(
    `checkout benchmark: ${options.rate} placeOrder/s for ${options.durationSeconds} s (after ${options.warmupSeconds} s of warm-up) on ${options.transports.join(' and ')}, Postgres ${server.embedded ? 'embedded' : 'at DATABASE_URL'}`,
  );
  for (const transport of options.transports) {
    try {
      reports.push(summarize(transport, await measureTransport(transport)));
    } catch (error) {
      failed.set(transport, (error as Error).message);
      log(`${transport}: ${(error as Error).message}`);
    }
  }
  log('');
  log('placeOrder → final state (CONFIRMED / REJECTED), seen by polling the orders through the gateway:');
  printReport(reports, failed);
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

/** One bus: its own stack (databases, processes, event namespace), warmed up, measured, removed. */
async function measureTransport(transport: Transport) {
  const databasePrefix = `bench_checkout_${randomBytes(3).toString('hex')}_`;
  const namespace = databasePrefix.slice(0, -1);
  const natsUrl = transport === 'nats' ? options.natsUrl : '';
  let stack: Stack | null = null;
  try {
    if (natsUrl) await assertReachable(natsUrl);
    log(`${transport}: starting the services …`);
    const startedAt = Date.now();
    stack = await startStack({
      adminUrl: server.adminUrl,
      databasePrefix,
      passwordOf: () => randomBytes(18).toString('base64url'),
      ports: 'free',
      env: (overrides) =>
        childEnvironment({
          LOG_LEVEL: 'warn',
          EVENTS_NAMESPACE: namespace,
          NATS_URL: natsUrl,
          // Order states are read back while they change: no cached answers.
          RESPONSE_CACHE: 'false',
          ...overrides,
        }),
      output: serviceOutput,
      seed: PLAN,
    });
    const target = await prepareTarget(stack.gatewayUrl, PLAN);
    log(
      `${transport}: up in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; warming up, then measuring …`,
    );
    if (options.warmupSeconds > 0)
      await runCheckoutLoad(target, { ...options, durationSeconds: options.warmupSeconds });
    return await runCheckoutLoad(target, options);
  } finally {
    await stack?.stop();
    await dropDatabases(server.adminUrl, databasePrefix);
    if (natsUrl) await deleteNatsStreams(natsUrl, `${namespace}_`).catch(() => {});
  }
}
