import { type Caller, signGatewayRequest } from '@shop/platform/auth';
import { SUBSCRIPTION_PROOF_REQUEST } from '@shop/platform/service';
import type { FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** One subscription to a subgraph, as a test reads it: each result in turn, then how it ended. */
export interface TestSubscription {
  /** The next result, waiting for it when none has come yet. */
  next(): Promise<FormattedExecutionResult>;
  /** Resolves when the subscription ends: completed (null), or with the error it ended on. */
  ended: Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Subscribes straight to a subgraph over graphql-ws, with a `connection_init` signed as the
 * gateway signs it (`secret` null: no proof at all), as `caller`.
 */
export function subscribeToSubgraph(
  httpUrl: string,
  secret: string | null,
  caller: Caller | null,
  query: string,
  variables: Record<string, unknown> = {},
): TestSubscription {
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: () =>
      secret === null
        ? {}
        : { headers: signGatewayRequest(secret, { ...SUBSCRIPTION_PROOF_REQUEST, caller }) },
  });
  const results: FormattedExecutionResult[] = [];
  const waiting: ((result: FormattedExecutionResult) => void)[] = [];
  let end: (outcome: unknown) => void = () => {};
  const ended = new Promise<unknown>((resolve) => {
    end = resolve;
  });
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (received) => {
        const result = received as FormattedExecutionResult;
        const reader = waiting.shift();
        if (reader) reader(result);
        else results.push(result);
      },
      error: (error) => end(error),
      complete: () => end(null),
    },
  );
  return {
    next() {
      const result = results.shift();
      if (result) return Promise.resolve(result);
      return new Promise((resolve) => waiting.push(resolve));
    },
    ended,
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}
