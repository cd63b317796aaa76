import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientAddressOf } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import type { GraphQLError } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { type Extra, useServer as serveGraphQLOverWebSocket } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AccessTokenVerifier } from '../auth/access-tokens';
import { type AdmissionRules, type AdmittedOperation, admitOperation } from './operation-admission';
import {
  executionArgsOf,
  type StartedContext,
  type StartedSubscription,
  type Subscriber,
  type SubscriptionRunner,
} from './subscription-runner';

export interface GatewaySubscriptionsOptions {
  httpServer: Server;
  rules: AdmissionRules;
  runner: SubscriptionRunner;
  verifyAccessToken: AccessTokenVerifier;
  /** The CORS rule for a browser's Origin (see corsPolicy().acceptsUpgrade). */
  acceptsUpgrade(req: IncomingMessage): boolean;
  trustedProxyHops: number;
  /** How long a connection may hold no subscription before it is closed. */
  idleTimeoutMs: number;
  logger: Logger;
}

export interface GatewaySubscriptions {
  /** Closes every client connection (1001, going away): their subscriptions and upstream sockets end. */
  close(): Promise<void>;
}

type SubscriptionContext = Context<Record<string, unknown>, Extra>;

// WebSocket's own code for an ordinary end: a client opens a new connection when it needs one.
const NORMAL_CLOSURE = 1000;

/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on the gateway's `/graphql`: the Origin is
 * checked at the upgrade, the access token in `connection_init` (`{ authorization: "Bearer …" }`;
 * a bad one closes the socket with 4401, none is anonymous; its subscriptions end UNAUTHENTICATED
 * when it expires), and each operation meets the HTTP rules (see admitOperation) and the
 * per-user limit (SubscriptionRunner) before the engine plans and runs it.
 */
export function serveGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { logger, runner } = options;
  const webSockets = new WebSocketServer({ noServer: true });
  const subscribers = new WeakMap<object, Subscriber>();
  const idleTimers = new WeakMap<object, NodeJS.Timeout>();
  // A connection without a running subscription is closed after the idle timeout; each subscription stops the clock.
  const watchIdle = (ctx: SubscriptionContext) => {
    clearTimeout(idleTimers.get(ctx));
    if (Object.keys(ctx.subscriptions).length > 0) return;
    const timer = setTimeout(() => ctx.extra.socket.close(NORMAL_CLOSURE, 'idle'), options.idleTimeoutMs);
    timer.unref();
    idleTimers.set(ctx, timer);
  };

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
            subscribers.set(ctx, {
              caller: authentication.caller,
              expiresAt: authentication.expiresAt,
              clientAddress: clientAddressOf(ctx.extra.request, options.trustedProxyHops),
            });
            watchIdle(ctx);
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
        const verdict = await admitOperation(options.rules, payload, Object.keys(ctx.subscriptions).length);
        if (Array.isArray(verdict)) return verdict as GraphQLError[];
        const subscriber = subscribers.get(ctx) ?? { caller: null, expiresAt: null, clientAddress: null };
        const started = runner.start(subscriber, verdict as AdmittedOperation);
        if (Array.isArray(started)) return started as GraphQLError[];
        clearTimeout(idleTimers.get(ctx));
        return executionArgsOf(started as StartedSubscription);
      },
      // graphql-ws forgets the subscription after this hook: the clock starts on the next tick.
      onComplete: (ctx: SubscriptionContext) => {
        setImmediate(() => watchIdle(ctx));
      },
      onClose: (ctx: SubscriptionContext) => {
        clearTimeout(idleTimers.get(ctx));
      },
      subscribe: (args) => runner.run((args.contextValue as StartedContext).started),
      onNext: (_ctx, _id, _payload, _args, result) => runner.formatResult(result),
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => runner.format(error)),
    },
    webSockets,
  );
  return {
    async close() {
      options.httpServer.off('upgrade', onUpgrade);
      await server.dispose();
    },
  };
}

/** The init payload's `authorization` (or `Authorization`); a value that is no string is an invalid token, not none. */
function authorizationOf(params: Record<string, unknown>): string | undefined {
  const value = params.authorization ?? params.Authorization;
  if (value === undefined || value === null) return undefined;
  // Not "Bearer …": the verifier refuses it (an empty string would pass as anonymous).
  return typeof value === 'string' ? value : 'not a bearer token';
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
