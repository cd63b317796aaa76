import { AsyncLocalStorage } from 'node:async_hooks';

/** What the fetcher may do with the request being sent: only a query may be sent twice. */
export interface FetchIntent {
  /** A query (safe to retry, to share with an identical one in flight); false for a mutation. */
  idempotent: boolean;
}

// The data source knows the operation, the fetcher only sees bytes: this carries one to the other.
const intents = new AsyncLocalStorage<FetchIntent>();

export function withFetchIntent<T>(intent: FetchIntent, send: () => T): T {
  return intents.run(intent, send);
}

/** Outside any operation (loading a subgraph's SDL, health checks) requests are reads. */
export function currentFetchIntent(): FetchIntent {
  return intents.getStore() ?? { idempotent: true };
}
