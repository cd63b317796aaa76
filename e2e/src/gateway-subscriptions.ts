import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { createClient as createEventStreamClient, NetworkError } from 'graphql-sse';
import { type Client, createClient, type Sink } from 'graphql-ws';
import WebSocket from 'ws';

/** How one subscription ended: completed, with the errors of an `error` message, or with its socket's close code. */
export type SubscriptionEnd =
  | { kind: 'complete' }
  | { kind: 'errors'; errors: readonly GraphQLFormattedError[] }
  | { kind: 'closed'; code: number }
  /** Over SSE: the gateway answered this HTTP status and body instead of a stream. */
  | { kind: 'refused'; status: number; body: unknown };

/** One subscription through the gateway, as a test reads it: each result in turn, then how it ended. */
export interface GatewaySubscription<TResult = FormattedExecutionResult> {
  /** The next result (waiting for it), or null when the subscription ended first. */
  next(timeoutMs?: number): Promise<TResult | null>;
  ended: Promise<SubscriptionEnd>;
  unsubscribe(): void;
}

/** One client connection to the gateway's `/graphql` over graphql-ws, as a browser app would open it. */
export interface GatewaySubscriptionClient {
  subscribe(query: string, variables?: Record<string, unknown>): GatewaySubscription;
  /** The close code of the connection, once it closed. */
  closed: Promise<number>;
  dispose(): Promise<void>;
}

export function gatewaySubscriptionClient(
  gatewayUrl: string,
  options: { token?: string; origin?: string } = {},
): GatewaySubscriptionClient {
  let closedWith: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    closedWith = resolve;
  });
  const { origin } = options;
  class WebSocketFromOrigin extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, origin ? { origin } : {});
    }
  }
  const client: Client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocketFromOrigin,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    on: { closed: (event) => closedWith((event as { code: number }).code) },
  });
  return {
    closed,
    dispose: async () => {
      await client.dispose();
    },
    subscribe: (query, variables = {}) =>
      readSubscription(
        (sink) => client.subscribe({ query, variables }, sink),
        (error) =>
          Array.isArray(error)
            ? { kind: 'errors', errors: error as GraphQLFormattedError[] }
            : { kind: 'closed', code: (error as { code?: number }).code ?? -1 },
      ),
  };
}

/**
 * One client of GraphQL over Server-Sent Events at the gateway (graphql-sse), in either mode:
 * a stream per subscription (distinct connections), or one reserved stream for all of them.
 */
export function gatewayEventStreamClient(
  gatewayUrl: string,
  options: { token?: string; singleConnection?: boolean } = {},
): Pick<GatewaySubscriptionClient, 'subscribe' | 'dispose'> {
  const client = createEventStreamClient({
    url: gatewayUrl,
    singleConnection: options.singleConnection ?? false,
    retryAttempts: 0,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  return {
    dispose: async () => client.dispose(),
    subscribe: (query, variables = {}) =>
      readSubscription(
        (sink) => client.subscribe({ query, variables }, sink as Parameters<typeof client.subscribe>[1]),
        async (error) => {
          if (error instanceof NetworkError && error.response) {
            const response = error.response as unknown as Response;
            return {
              kind: 'refused',
              status: response.status,
              body: await response.json().catch(() => null),
            };
          }
          if (Array.isArray(error)) return { kind: 'errors', errors: error as GraphQLFormattedError[] };
          return { kind: 'closed', code: -1 };
        },
      ),
  };
}

/** A subscription as a test reads it, from a client's `subscribe(sink)` (graphql-ws, graphql-sse, or Apollo Client's observable). */
export function readSubscription<TResult = FormattedExecutionResult>(
  subscribe: (sink: Sink<TResult>) => () => void,
  endOf: (error: unknown) => SubscriptionEnd | Promise<SubscriptionEnd>,
): GatewaySubscription<TResult> {
  const results: TResult[] = [];
  const waiting: ((result: TResult | null) => void)[] = [];
  let end: (outcome: SubscriptionEnd) => void = () => {};
  let over = false;
  const ended = new Promise<SubscriptionEnd>((resolve) => {
    end = (outcome) => {
      over = true;
      for (const reader of waiting.splice(0)) reader(null);
      resolve(outcome);
    };
  });
  const unsubscribe = subscribe({
    next: (result) => {
      const reader = waiting.shift();
      if (reader) reader(result);
      else results.push(result);
    },
    error: (error) => void Promise.resolve(endOf(error)).then(end),
    complete: () => end({ kind: 'complete' }),
  });
  return {
    ended,
    unsubscribe,
    next(timeoutMs = 20_000) {
      const result = results.shift();
      if (result) return Promise.resolve(result);
      if (over) return Promise.resolve(null);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
}

/** The HTTP status a WebSocket upgrade to `url` from `origin` is answered with (101 when accepted). */
export function upgradeStatus(gatewayUrl: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { origin });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('error', (error) => reject(error));
  });
}

export { gaugeSum } from '@shop/scripts/lib/prometheus-text';
