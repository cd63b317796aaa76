import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { SeedPlan } from '@shop/devkit/seed';
import { runCheckoutLoad } from './bench-checkout/checkout-load';
import { readCheckoutBenchOptions, type Transport } from './bench-checkout/options';
import { printReport, summarize, type TransportReport } from './bench-checkout/report';
import { prepareTarget } from './bench-checkout/target';
import { loadLauncherConfig } from './config';
import { withBenchStack } from './lib/bench-stack';
import { openDatabaseServer } from './lib/database-server';
import { loadLocalSecrets } from './lib/secrets';
import { SUBGRAPHS } from './lib/services';

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
function measureTransport(transport: Transport) {
  log(`${transport}: starting the services …`);
  const startedAt = Date.now();
  const natsUrl = transport === 'nats' ? options.natsUrl : '';
  return withBenchStack(
    { adminUrl: server.adminUrl, name: 'bench_checkout', natsUrl, seed: PLAN },
    async (stack) => {
      const target = await prepareTarget(stack.gatewayUrl, PLAN);
      log(
        `${transport}: up in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; warming up, then measuring …`,
      );
      if (options.warmupSeconds > 0)
        await runCheckoutLoad(target, { ...options, durationSeconds: options.warmupSeconds });
      return await runCheckoutLoad(target, options);
    },
  );
}
