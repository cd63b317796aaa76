import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeedPlan } from '@shop/devkit/seed';
import { prepareTarget } from './bench-checkout/target';
import { readSubscriptionBenchOptions } from './bench-subscriptions/options';
import { type GatewayMemory, printReport, summarize } from './bench-subscriptions/report';
import { connectSubscribers } from './bench-subscriptions/subscribers';
import { loadLauncherConfig } from './config';
import { withBenchStack } from './lib/bench-stack';
import { openDatabaseServer } from './lib/database-server';
import { gaugeSum } from './lib/prometheus-text';
import { loadLocalSecrets } from './lib/secrets';
import { SUBGRAPHS } from './lib/services';
import type { Stack } from './lib/stack';

/**
 * `npm run bench:subscriptions [-- --subscribers 1000 --lanes 4 --timeout 300 --bus pg-boss|nats --json out.json]`:
 * starts the whole system on free loopback ports (real Postgres: DATABASE_URL or the embedded
 * server), connects that many subscribers to one gateway (a WebSocket each), then places an order
 * for each and subscribes it to its own order (orderUpdated). Prints how many received the final
 * status, the event's latency (from the saga's final transaction, and from placeOrder's answer),
 * and the gateway's memory per subscription. Stops by itself within --timeout once up.
 */
const config = loadLauncherConfig();
const options = readSubscriptionBenchOptions(process.argv.slice(2), config.NATS_URL);
const log = (line: string) => console.info(line);
// Few products, no past orders: up in seconds, and every order is the benchmark's.
const PLAN: SeedPlan = { seed: 1, categories: 2, products: 20, users: 4, reviews: 0, orders: 0 };
const RUNNING = 'gateway_subscriptions_running';
const SOCKETS = 'gateway_subgraph_subscription_sockets';

const secrets = loadLocalSecrets(
  config.DATA_DIR,
  SUBGRAPHS.map((spec) => spec.name),
);
const server = await openDatabaseServer(config, secrets, () => {});
try {
  log(
    `subscriptions benchmark: ${options.subscribers} subscribers on one gateway, events over ${options.bus}; starting the services …`,
  );
  const report = await withBenchStack(
    {
      adminUrl: server.adminUrl,
      name: 'bench_subs',
      natsUrl: options.bus === 'nats' ? options.natsUrl : '',
      seed: PLAN,
      // The seeded customers place every order: each may follow all of theirs at once.
      env: { MAX_SUBSCRIPTIONS_PER_USER: String(options.subscribers) },
    },
    async (stack) => {
      const loadAtStart = loadavg()[0] ?? 0;
      const measured = await measure(stack);
      log('');
      // The latencies mean little on a machine busy with other work: say how busy it was.
      log(
        `machine load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end, ${availableParallelism()} cores`,
      );
      return measured;
    },
  );
  printReport(report, log);
  if (options.jsonPath) {
    const machine = {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
    };
    const json = {
      date: new Date().toISOString(),
      machine,
      options: { ...options, jsonPath: undefined },
      report,
    };
    writeFileSync(options.jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${options.jsonPath}`);
  }
  if (report.receivedFinal < report.subscribers) process.exitCode = 1;
} finally {
  await server.stop();
}

async function measure(running: Stack) {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutSeconds * 1000;
  const metrics = async () => (await fetch(running.gatewayMetricsUrl)).text();
  const memory = async (): Promise<GatewayMemory> => {
    const text = await metrics();
    return {
      rssBytes: gaugeSum(text, 'process_resident_memory_bytes'),
      heapUsedBytes: gaugeSum(text, 'nodejs_heap_size_used_bytes'),
    };
  };
  const target = await prepareTarget(running.gatewayUrl, PLAN);
  await sleep(2000);
  const before = await memory();

  log(`connecting ${options.subscribers} subscribers …`);
  const subscribers = await connectSubscribers(target, options.subscribers);
  log(`placing ${options.subscribers} orders, ${options.lanes} at a time, each followed by its subscriber …`);
  const placingStarted = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: options.lanes }, async () => {
      while (next < options.subscribers && Date.now() < deadline) {
        const index = next;
        next += 1;
        await subscribers.placeAndFollow(index);
      }
    }),
  );
  const placingSeconds = (Date.now() - placingStarted) / 1000;
  while (subscribers.settled() < subscribers.followed.length && Date.now() < deadline) await sleep(200);

  const peakText = await metrics();
  const peak = await memory();
  const measures = {
    subscribers: options.subscribers,
    peakRunning: gaugeSum(peakText, RUNNING),
    peakUpstreamSockets: gaugeSum(peakText, SOCKETS),
    before,
    peak,
    placingSeconds,
  };
  await subscribers.close();
  // Ending is asynchronous upstream: give the gauges a moment to come back to 0.
  const closedBy = Date.now() + 10_000;
  let afterText = await metrics();
  while ((gaugeSum(afterText, RUNNING) > 0 || gaugeSum(afterText, SOCKETS) > 0) && Date.now() < closedBy) {
    await sleep(200);
    afterText = await metrics();
  }
  return summarize(subscribers.followed, {
    ...measures,
    runningAfterClose: gaugeSum(afterText, RUNNING),
    upstreamSocketsAfterClose: gaugeSum(afterText, SOCKETS),
    totalSeconds: (Date.now() - startedAt) / 1000,
  });
}
