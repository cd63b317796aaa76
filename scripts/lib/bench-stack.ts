import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { SeedPlan } from '@shop/devkit/seed';
import { deleteNatsStreams } from '@shop/devkit/testing';
import { childEnvironment } from '../config';
import { formatLogLine } from './log-lines';
import { dropDatabases, type Stack, startStack } from './stack';

export interface BenchStackOptions {
  /** The Postgres server the stack's databases are made on. */
  adminUrl: string;
  /** Names the stack's databases and event namespace (`<name>_<random>_`). */
  name: string;
  /** The bus: NATS at this URL, or pg-boss when empty. */
  natsUrl: string;
  seed: SeedPlan;
  /** Settings of the benchmark's own, over the defaults below. */
  env?: Record<string, string>;
  /** Processes per subgraph (see StackOptions). */
  replicas?: Readonly<Record<string, number>>;
  /** Node flags per service (see StackOptions). */
  nodeArgs?: (service: string) => string[];
}

/**
 * A benchmark's own system on free loopback ports (its databases, processes and event namespace):
 * started, handed to `run`, then stopped and its databases and streams removed, whatever happened.
 */
export async function withBenchStack<T>(
  options: BenchStackOptions,
  run: (stack: Stack, databasePrefix: string) => Promise<T>,
): Promise<T> {
  const databasePrefix = `${options.name}_${randomBytes(3).toString('hex')}_`;
  const namespace = databasePrefix.slice(0, -1);
  let stack: Stack | null = null;
  try {
    if (options.natsUrl) await assertReachable(options.natsUrl);
    stack = await startStack({
      adminUrl: options.adminUrl,
      databasePrefix,
      passwordOf: () => randomBytes(18).toString('base64url'),
      ports: 'free',
      env: (overrides) =>
        childEnvironment({
          LOG_LEVEL: 'warn',
          EVENTS_NAMESPACE: namespace,
          NATS_URL: options.natsUrl,
          // What is measured is read back while it changes: no cached answers.
          RESPONSE_CACHE: 'false',
          ...options.env,
          ...overrides,
        }),
      output: printProblems,
      seed: options.seed,
      ...(options.replicas ? { replicas: options.replicas } : {}),
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    });
    return await run(stack, databasePrefix);
  } finally {
    await stack?.stop();
    await dropDatabases(options.adminUrl, databasePrefix);
    if (options.natsUrl) await deleteNatsStreams(options.natsUrl, `${namespace}_`).catch(() => {});
  }
}

/** Only what went wrong: the services log at `warn` during a benchmark. */
export function printProblems(service: string, line: string): void {
  if (/"level":(40|50|60)\b|"level":"(warn|error|fatal)"/.test(line))
    console.info(formatLogLine(service, line));
}

/** A clear reason up front instead of services that exit at start: is anything listening at the NATS URL? */
export async function assertReachable(url: string): Promise<void> {
  const { hostname, port } = new URL(url.includes('://') ? url : `nats://${url}`);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port || 4222), timeout: 3000 });
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new Error(`NATS is not reachable at ${url} (${reason}): start nats-server -js, or pass --nats-url`),
      );
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail('no answer in 3 s'));
    socket.once('error', (error) => fail(error.message));
  });
}
