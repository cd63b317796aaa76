import { signGatewayRequest } from '@shop/platform/auth';
import { ErrorCode } from '@shop/platform/errors';
import type { Logger } from '@shop/platform/logger';
import { pushedStream } from '@shop/platform/pushed-stream';
import { SUBSCRIPTION_PROOF_REQUEST } from '@shop/platform/service';
import { GraphQLError } from 'graphql';
import { createClient } from 'graphql-ws';
import type { Gauge } from 'prom-client';
import WebSocket from 'ws';
import type {
  SubgraphEvent,
  SubgraphSubscriptionRequest,
  SubscriptionSource,
} from '../execution/subscription-events';

/** Events a subscription may hold for a slow client; one more ends it (see docs/realtime.md). */
export const SUBSCRIPTION_QUEUE_LIMIT = 100;

export interface SubgraphSubscriptionsOptions {
  name: string;
  /** The subgraph's HTTP URL; its subscriptions are on the same URL over WebSocket. */
  url: string;
  /** What the connection's init is signed with (as the subgraph's HTTP requests); unsigned without one. */
  secret: string | undefined;
  sockets: Gauge<'subgraph'>;
  logger: Logger;
}

/**
 * One subgraph's subscriptions, each on a socket of its own (graphql-transport-ws) whose
 * `connection_init` carries the gateway's proof for the caller: ending the client's subscription
 * closes exactly that socket, and a socket the subgraph closes ends exactly that subscription.
 */
export function subgraphSubscriptions(options: SubgraphSubscriptionsOptions): SubscriptionSource {
  const { name, secret, sockets, logger } = options;
  const url = options.url.replace(/^http/, 'ws');
  // Counted from the moment the socket exists to its close, whatever way it goes.
  class CountedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      sockets.inc({ subgraph: name });
      this.once('close', () => sockets.dec({ subgraph: name }));
    }
  }
  sockets.set({ subgraph: name }, 0);
  return {
    open(request: SubgraphSubscriptionRequest) {
      const { caller, clientAddress } = request;
      const client = createClient({
        url,
        webSocketImpl: CountedWebSocket,
        retryAttempts: 0,
        lazy: true,
        // Signed when the socket opens: the proof is only good for a short while.
        connectionParams: () =>
          secret === undefined
            ? {}
            : {
                headers: signGatewayRequest(secret, { ...SUBSCRIPTION_PROOF_REQUEST, caller, clientAddress }),
              },
      });
      const events = pushedStream<SubgraphEvent>({
        limit: SUBSCRIPTION_QUEUE_LIMIT,
        overflow: () =>
          new GraphQLError(
            `More than ${SUBSCRIPTION_QUEUE_LIMIT} events waited for this client: the subscription was ended. Subscribe again.`,
            { extensions: { code: ErrorCode.SUBSCRIPTION_ENDED } },
          ),
        onClose: () => {
          unsubscribe();
          void client.dispose();
        },
      });
      const unsubscribe = client.subscribe(
        { query: request.query, variables: request.variables, operationName: request.operationName ?? null },
        {
          next: (event) => events.push(event as SubgraphEvent),
          complete: () => events.end(),
          error: (error) => {
            logger.info({ subgraph: name, err: error }, `subgraph ${name} ended a subscription`);
            events.fail(
              new GraphQLError(
                `The ${name} service ended the subscription (${describe(error)}). Subscribe again.`,
                { extensions: { code: ErrorCode.SUBSCRIPTION_ENDED } },
              ),
            );
          },
        },
      );
      return events;
    },
  };
}

/** A graphql-ws client error: a close event, the subgraph's errors, or an Error. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return 'it refused the operation';
  const close = error as { code?: unknown; reason?: unknown };
  return `socket closed, code ${String(close.code)}${close.reason ? `: ${String(close.reason)}` : ''}`;
}
