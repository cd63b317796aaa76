import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { Caller } from '@shop/platform/auth';
import { clientAddressOf } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import { runWithRequestContext } from '@shop/platform/request-context';
import { type ExecutionResult, GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { type Extra, useServer as serveGraphQLOverWebSocket } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AccessTokenVerifier } from '../auth/access-tokens';
import type { GatewayContext } from '../context';
import { OperationRejected } from '../limits/operation-guard';
import { type AdmissionRules, type AdmittedOperation, admitOperation } from './operation-admission';
import { tokenExpired, untilTokenExpires } from './token-expiry';

export interface GatewaySubscriptionsOptions extends AdmissionRules {
  httpServer: Server;
  /** Runs a subscription under the supergraph's access rules (EnforcingGateway.subscribe). */
  subscribe(
    requestContext: GatewayGraphQLRequestContext,
  ): Promise<GatewayExecutionResult | AsyncIterableIterator<GatewayExecutionResult>>;
  verifyAccessToken: AccessTokenVerifier;
  /** The CORS rule for a browser's Origin (see corsPolicy().acceptsUpgrade). */
  acceptsUpgrade(req: IncomingMessage): boolean;
  trustedProxyHops: number;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
}

export interface GatewaySubscriptions {
  /** Client connections open now. */
  connectionCount(): number;
  /** Closes every client connection (1001, going away): their subscriptions and upstream sockets end. */
  close(): Promise<void>;
}

interface Connection {
  caller: Caller | null;
  /** When the caller's token expires (ms since the epoch): its subscriptions end then. */
  expiresAt: number | null;
  clientAddress: string | null;
}

type SubscriptionContext = Context<Record<string, unknown>, Extra>;

/** The context of one subscription: the request's, and the client's address for the request scope of its events. */
type SubscriptionRequestContext = GatewayContext & { clientAddress: string | null; expiresAt: number | null };

/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on the gateway's `/graphql`: the Origin is
 * checked at the upgrade, the access token in `connection_init` (`{ authorization: "Bearer …" }`;
 * a bad one closes the socket with 4401, none is anonymous; its subscriptions end UNAUTHENTICATED
 * when it expires), and each operation meets the HTTP rules (see admitOperation) before the engine
 * plans and runs it.
 */
export function serveGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { logger } = options;
  const webSockets = new WebSocketServer({ noServer: true });
  const connections = new WeakMap<object, Connection>();
  // Each user's connections, to count their subscriptions: graphql-ws keeps each one's exactly.
  const connectionsOfUser = new Map<string, Set<SubscriptionContext>>();
  const subscriptionsOfUser = (userId: string) =>
    [...(connectionsOfUser.get(userId) ?? [])].reduce(
      (sum, ctx) => sum + Object.keys(ctx.subscriptions).length,
      0,
    );
  const admitted = new WeakMap<object, AdmittedOperation>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/graphql') return refuseUpgrade(socket, 404, 'Not Found');
    if (!options.acceptsUpgrade(req)) {
      logger.info(
        { origin: req.headers.origin },
        'refused a WebSocket from an origin CORS_ORIGINS does not allow',
      );
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    webSockets.handleUpgrade(req, socket, head, (ws) => webSockets.emit('connection', ws, req));
  };
  options.httpServer.on('upgrade', onUpgrade);

  const server = serveGraphQLOverWebSocket(
    {
      onConnect: async (ctx: SubscriptionContext) => {
        const authentication = await options.verifyAccessToken(authorizationOf(ctx.connectionParams ?? {}));
        const socket = ctx.extra.socket;
        switch (authentication.outcome) {
          case 'caller':
            connections.set(ctx, {
              caller: authentication.caller,
              expiresAt: authentication.expiresAt,
              clientAddress: clientAddressOf(ctx.extra.request, options.trustedProxyHops),
            });
            if (authentication.caller) {
              const userId = authentication.caller.userId;
              connectionsOfUser.set(userId, (connectionsOfUser.get(userId) ?? new Set()).add(ctx));
            }
            return true;
          case 'invalid':
            socket.close(CloseCode.Unauthorized, 'Unauthorized');
            return false;
          case 'keys-unavailable':
            socket.close(CloseCode.InternalServerError, 'Internal server error');
            return false;
        }
      },
      onSubscribe: async (ctx: SubscriptionContext, _id, payload) => {
        const connection = connections.get(ctx) ?? { caller: null, expiresAt: null, clientAddress: null };
        if (connection.expiresAt !== null && Date.now() >= connection.expiresAt) return [tokenExpired()];
        const verdict = await admitOperation(options, payload, {
          onConnection: Object.keys(ctx.subscriptions).length,
          ofUser: connection.caller ? subscriptionsOfUser(connection.caller.userId) : null,
        });
        if (Array.isArray(verdict)) return verdict as GraphQLError[];
        const operation = verdict as AdmittedOperation;
        const contextValue: SubscriptionRequestContext = {
          requestId: randomUUID(),
          caller: connection.caller,
          expiresAt: connection.expiresAt,
          clientAddress: connection.clientAddress,
        };
        admitted.set(contextValue, operation);
        return {
          schema: operation.schema,
          document: operation.document,
          operationName: operation.operationName,
          variableValues: operation.variables,
          contextValue,
        };
      },
      subscribe: async (args) => {
        const context = args.contextValue as SubscriptionRequestContext;
        const operation = admitted.get(context);
        if (!operation) throw new Error('an operation reached subscribe without being admitted');
        const scope = { requestId: context.requestId, clientAddress: context.clientAddress };
        try {
          const result = (await runWithRequestContext(scope, () =>
            options.subscribe(
              requestContextOf(operation, { requestId: context.requestId, caller: context.caller }),
            ),
          )) as ExecutionResult | AsyncIterableIterator<ExecutionResult>;
          return context.expiresAt !== null && Symbol.asyncIterator in result
            ? untilTokenExpires(result, context.expiresAt)
            : result;
        } catch (error) {
          return { errors: [asGraphQLError(error)] };
        }
      },
      onClose: (ctx: SubscriptionContext) => {
        const userId = connections.get(ctx)?.caller?.userId;
        if (userId === undefined) return;
        const open = connectionsOfUser.get(userId);
        open?.delete(ctx);
        if (open?.size === 0) connectionsOfUser.delete(userId);
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((error) => formatted(options, error)) }
          : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatted(options, error)),
    },
    webSockets,
  );
  return {
    connectionCount: () => webSockets.clients.size,
    async close() {
      options.httpServer.off('upgrade', onUpgrade);
      await server.dispose();
    },
  };
}

/** What the engine reads of Apollo Server's request context, for an operation that never went through it. */
function requestContextOf(
  operation: AdmittedOperation,
  context: GatewayContext,
): GatewayGraphQLRequestContext {
  return {
    request: {
      query: operation.query,
      variables: operation.variables,
      operationName: operation.operationName,
    },
    document: operation.document,
    source: operation.query,
    queryHash: createHash('sha256').update(operation.query).digest('hex'),
    operationName: operation.operationName ?? null,
    context,
  } as unknown as GatewayGraphQLRequestContext;
}

/** The operation limits' own refusals go as they are (as over HTTP); everything else is masked as any answer is. */
function formatted(options: GatewaySubscriptionsOptions, error: GraphQLError): GraphQLError {
  const json =
    error instanceof OperationRejected ? error.toJSON() : options.formatError(error.toJSON(), error);
  return json as unknown as GraphQLError;
}

/** The init payload's `authorization` (or `Authorization`); a value that is no string is an invalid token, not none. */
function authorizationOf(params: Record<string, unknown>): string | undefined {
  const value = params.authorization ?? params.Authorization;
  if (value === undefined || value === null) return undefined;
  // Not "Bearer …": the verifier refuses it (an empty string would pass as anonymous).
  return typeof value === 'string' ? value : 'not a bearer token';
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError((error as Error).message ?? String(error), { originalError: error as Error });
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
