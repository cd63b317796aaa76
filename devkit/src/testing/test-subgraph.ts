import { randomBytes } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import type { Caller } from '@shop/platform/auth';
import { signGatewayRequest } from '@shop/platform/auth';
import type { EventBusOptions } from '@shop/platform/events';
import { createLogger } from '@shop/platform/logger';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from '@shop/platform/service';
import type { GraphQLFormattedError } from 'graphql';
import { testLogLevel } from './env';
import { createTestDatabase } from './test-database';
import { createTestEventBus, type TestEventBus } from './test-event-bus';

export interface GraphQLResult<TData> {
  data?: TData | null;
  errors?: readonly GraphQLFormattedError[];
}

export interface HttpGraphQLResult<TData> {
  status: number;
  body: GraphQLResult<TData>;
}

export interface TestSubgraph<TSchema extends Record<string, unknown>, TContext extends BaseContext>
  extends RunningSubgraph<TSchema, TContext> {
  /** Runs an operation through the subgraph's schema, as `caller` (anonymous when omitted), without HTTP. */
  execute<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller | null,
  ): Promise<GraphQLResult<TData>>;
  /** Sends an operation over HTTP, signed with the gateway's proof as the gateway would sign it. */
  post<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    as?: { caller?: Caller | null; clientAddress?: string },
  ): Promise<HttpGraphQLResult<TData>>;
  /** The secret the gateway signs this subgraph's requests with. */
  gatewaySecret: string;
  /** Where its database is, password included (`database.displayUrl` hides it): what a replica connects to. */
  databaseUrl: string;
  /** SQL statements this subgraph has sent so far (its `db_queries_total`). */
  queryCount(): Promise<number>;
}

/**
 * A subgraph on its own fresh database, migrated, listening on a free port: what a subgraph's
 * integration tests run against. One that has events gets a private pg-boss bus unless
 * `events` names one (say, from `createTestEventBus('nats')`). `stop()` drops the database.
 */
export async function startTestSubgraph<
  TSchema extends Record<string, unknown>,
  TContext extends BaseContext,
>(
  definition: SubgraphDefinition<TSchema, TContext>,
  options: {
    /** The bus to use; by default a definition with events gets a pg-boss bus of its own. */
    events?: EventBusOptions;
  } = {},
): Promise<TestSubgraph<TSchema, TContext>> {
  const database = await createTestDatabase(definition.name);
  const gatewaySecret = randomBytes(32).toString('base64url');
  const ownBus: TestEventBus | null =
    definition.events && !options.events ? await createTestEventBus('pg-boss') : null;
  const events = options.events ?? ownBus?.options;
  const running = await startOnFreePort(definition, database.url, gatewaySecret, events, definition.name);
  return {
    ...running,
    gatewaySecret,
    databaseUrl: database.url,
    async execute<TData>(query: string, variables?: Record<string, unknown>, caller: Caller | null = null) {
      const response = await running.apollo.executeOperation<TData>(
        { query, ...(variables ? { variables } : {}) },
        { contextValue: running.contextFor(caller) },
      );
      if (response.body.kind !== 'single')
        throw new Error('expected a single result, not an incremental one');
      return response.body.singleResult as GraphQLResult<TData>;
    },
    async post<TData>(
      query: string,
      variables?: Record<string, unknown>,
      as: { caller?: Caller | null; clientAddress?: string } = {},
    ) {
      const body = JSON.stringify({ query, variables });
      const proof = signGatewayRequest(gatewaySecret, {
        method: 'POST',
        path: new URL(running.url).pathname,
        body,
        caller: as.caller ?? null,
        clientAddress: as.clientAddress ?? null,
      });
      const response = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...proof },
        body,
      });
      return { status: response.status, body: (await response.json()) as GraphQLResult<TData> };
    },
    async queryCount() {
      const metric = await running.metrics.dbQueries.get();
      return metric.values[0]?.value ?? 0;
    },
    async stop() {
      await running.stop();
      await database.drop();
      await ownBus?.drop();
    },
  };
}

/**
 * Another replica of a running test subgraph: the same database, gateway secret and bus, on a
 * port of its own (what two replicas behind a balancer share). Its `stop()` leaves the database.
 */
export function startTestReplica<TSchema extends Record<string, unknown>, TContext extends BaseContext>(
  definition: SubgraphDefinition<TSchema, TContext>,
  first: TestSubgraph<TSchema, TContext>,
  events?: EventBusOptions,
): Promise<RunningSubgraph<TSchema, TContext>> {
  return startOnFreePort(
    definition,
    first.databaseUrl,
    first.gatewaySecret,
    events,
    `${definition.name}-replica`,
  );
}

function startOnFreePort<TSchema extends Record<string, unknown>, TContext extends BaseContext>(
  definition: SubgraphDefinition<TSchema, TContext>,
  databaseUrl: string,
  gatewaySecret: string,
  events: EventBusOptions | undefined,
  logName: string,
): Promise<RunningSubgraph<TSchema, TContext>> {
  return startSubgraph(definition, {
    databaseUrl,
    host: '127.0.0.1',
    port: 0,
    logger: createLogger(logName, testLogLevel()),
    introspection: true,
    shutdownGraceSeconds: 1,
    gatewaySecrets: [gatewaySecret],
    ...(events ? { events } : {}),
  });
}
