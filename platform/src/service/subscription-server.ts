import type { Server } from 'node:http';
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { GatewayProofError, type VerifiedGatewayRequest } from '../auth/gateway-proof';
import type { Logger } from '../logger';
import { mapStream } from '../pushed-stream';

/**
 * What the gateway signs for a subscription connection (see `signGatewayRequest`): the proof
 * rides in the `connection_init` payload as `{ headers }`, over an empty body, with a method
 * of its own so that it can never pass for an HTTP request's proof.
 */
export const SUBSCRIPTION_PROOF_REQUEST = { method: 'WEBSOCKET', path: '/graphql', body: '' } as const;

export interface SubscriptionServerOptions<TContext> {
  httpServer: Server;
  schema: GraphQLSchema;
  /** Checks the gateway's proof in `connection_init`; throws GatewayProofError. */
  admit(headers: Record<string, string | string[] | undefined>): VerifiedGatewayRequest;
  /** A fresh context: one to subscribe with, then one per event, so no loader serves a stale row. */
  context(proven: VerifiedGatewayRequest): TContext;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
  /** Seconds between pings that keep a connection alive and find dead ones. */
  keepAliveSeconds?: number;
}

export interface SubscriptionServer {
  /** Open connections (for tests that check nothing leaks). */
  connectionCount(): number;
  close(): Promise<void>;
}

const proven = new WeakMap<object, VerifiedGatewayRequest>();
const contextOrigins = new WeakMap<object, () => unknown>();

/**
 * The subgraph's `Subscription` fields over GraphQL over WebSocket (`graphql-transport-ws`)
 * on the subgraph's own port and path, for the gateway only: a connection whose init carries
 * no valid gateway proof is closed (4403) before any operation. The caller comes from the proof.
 */
export function serveSubscriptions<TContext extends object>(
  options: SubscriptionServerOptions<TContext>,
): SubscriptionServer {
  const webSockets = new WebSocketServer({ server: options.httpServer, path: '/graphql' });
  const server = useServer(
    {
      schema: options.schema,
      onConnect: (ctx) => {
        const payload = ctx.connectionParams ?? {};
        const headers =
          typeof payload.headers === 'object' && payload.headers !== null ? payload.headers : {};
        try {
          proven.set(ctx, options.admit(headers as Record<string, string>));
          return true;
        } catch (error) {
          if (!(error instanceof GatewayProofError)) throw error;
          options.logger.warn(
            { reason: error.message },
            'refused a subscription connection without a valid gateway proof',
          );
          return false;
        }
      },
      context: (ctx) => {
        const identity = proven.get(ctx) ?? { caller: null, clientAddress: null };
        const context = options.context(identity);
        contextOrigins.set(context, () => options.context(identity));
        return context;
      },
      subscribe: (args) => subscribeWithFreshContexts(args),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result, options.formatError),
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => options.formatError(error.toJSON(), error)),
    },
    webSockets,
    (options.keepAliveSeconds ?? 12) * 1000,
  );
  return {
    connectionCount: () => webSockets.clients.size,
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => webSockets.close(() => resolve()));
    },
  };
}

/** graphql-js's `subscribe`, except that each event is executed with a context of its own. */
async function subscribeWithFreshContexts(
  args: ExecutionArgs,
): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const fresh = contextOrigins.get(args.contextValue as object);
  return mapStream(source[Symbol.asyncIterator](), (payload): Promise<ExecutionResult> | ExecutionResult =>
    execute({ ...args, rootValue: payload, contextValue: fresh ? fresh() : args.contextValue }),
  );
}

function formatResult(
  result: ExecutionResult,
  formatError: SubscriptionServerOptions<unknown>['formatError'],
): ExecutionResult | undefined {
  if (!result.errors) return undefined;
  return {
    ...result,
    errors: result.errors.map(
      (error: GraphQLError) => formatError(error.toJSON(), error) as unknown as GraphQLError,
    ),
  };
}
