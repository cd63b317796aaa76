import { randomBytes } from 'node:crypto';
import type { SeedPlan } from '@shop/devkit/seed';
import { deleteNatsStreams, testEventBus, testLogLevel, testNatsUrl } from '@shop/devkit/testing';
import { dropDatabases, type Stack, type StackOptions, startStack } from '@shop/scripts/lib/stack';
import { inject } from 'vitest';

export interface GraphQLResponse<TData> {
  status: number;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface TestStack extends Stack {
  /** Sends an operation to the gateway over HTTP, as a client would. */
  graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
  /** A service's `db_queries_total`. */
  queryCount(service: string): Promise<number>;
  /** Where a subgraph answers GraphQL directly, bypassing the gateway (it wants the gateway's proof). */
  subgraphUrl(service: string): string;
}

/**
 * The bus of a stack whose caller names none: pg-boss on the stack's own `events` database (the
 * embedded default), or with `E2E_BUS=nats` the machine's NATS (`NATS_URL`), which makes the
 * suite run in the distributed mode, as CI runs it.
 */
function defaultBus(): string {
  return testEventBus() === 'nats' ? testNatsUrl() : '';
}

/**
 * The whole system for one test file: every subgraph and the gateway as processes, on
 * databases of their own (prefixed, on the test Postgres server), dropped again by `stop()`.
 * Events go through pg-boss on the stack's own `events` database, or through NATS when
 * `env.NATS_URL` is given (or E2E_BUS=nats), under a namespace of the stack's own (its streams
 * deleted by `stop()`).
 */
export async function startTestStack(
  options: {
    seed?: SeedPlan;
    env?: Record<string, string>;
    /** Hears every line every process writes (tests that check what is logged). */
    onOutput?: (service: string, line: string) => void;
  } & Pick<StackOptions, 'subgraphs' | 'supergraphPath' | 'restart' | 'gatewayEnv'> = {},
): Promise<TestStack> {
  const adminUrl = inject('databaseUrl');
  const databasePrefix = `e2e_${randomBytes(3).toString('hex')}_`;
  const password = randomBytes(18).toString('base64url');
  const eventsNamespace = databasePrefix.slice(0, -1);
  const natsUrl = options.env?.NATS_URL ?? defaultBus();
  const logLevel = testLogLevel();
  const verbose = logLevel !== 'silent';
  // A stack that fails to start leaves nothing behind: its databases and streams go too.
  const cleanUp = async () => {
    await dropDatabases(adminUrl, databasePrefix);
    if (natsUrl) await deleteNatsStreams(natsUrl, `${eventsNamespace}_`);
  };
  let stack: Stack;
  try {
    stack = await startStack({
      adminUrl,
      databasePrefix,
      passwordOf: () => password,
      ports: 'free',
      env: (overrides) => ({
        ...process.env,
        NODE_ENV: 'test',
        // A test stack takes no real money, also when a test runs it in production mode.
        TEST_DEPLOYMENT: 'true',
        LOG_LEVEL: verbose ? logLevel : 'warn',
        EVENTS_NAMESPACE: eventsNamespace,
        // The stack's bus is what its caller says, else the suite's default (see defaultBus); the
        // tests' own NATS_URL (for the contract tests) does not switch it.
        NATS_URL: natsUrl,
        // Tests watch what the subgraphs do and see writes at once; a cached answer would hide
        // both. The cache's own tests turn it on (caching.test.ts).
        RESPONSE_CACHE: 'false',
        // Two test files may each run a whole stack on the one test server (max_connections 100 by
        // default): small pools keep both well inside it.
        DATABASE_POOL_MAX: '3',
        EVENTS_CONCURRENCY: '2',
        ...options.env,
        ...overrides,
      }),
      output: (service, line) => {
        options.onOutput?.(service, line);
        if (verbose) console.log(`${service} | ${line}`);
      },
      ...(options.seed ? { seed: options.seed } : {}),
      ...(options.subgraphs ? { subgraphs: options.subgraphs } : {}),
      ...(options.supergraphPath ? { supergraphPath: options.supergraphPath } : {}),
      ...(options.restart ? { restart: options.restart } : {}),
      ...(options.gatewayEnv ? { gatewayEnv: options.gatewayEnv } : {}),
    });
  } catch (error) {
    // The start-up error is the one worth reading; a failed clean-up must not hide it.
    await cleanUp().catch(() => {});
    throw error;
  }
  return {
    ...stack,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse<never>['body'] };
    },
    subgraphUrl(service) {
      const port = stack.subgraphs.get(service)?.port;
      if (port === undefined) throw new Error(`no subgraph ${service} in this stack`);
      return `http://127.0.0.1:${port}/graphql`;
    },
    async queryCount(service) {
      const port = stack.subgraphs.get(service)?.port;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const match = /^db_queries_total\{[^}]*\} (\d+)/m.exec(text);
      return Number(match?.[1] ?? Number.NaN);
    },
    async stop() {
      await stack.stop();
      await cleanUp();
    },
  };
}
