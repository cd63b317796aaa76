import type { Caller } from '@shop/platform/auth';
import type { GraphQLFormattedError } from 'graphql';

/** One operation for one subgraph, as the query plan wrote it. */
export interface SubgraphRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** A query: safe to retry and to share with an identical one in flight; false for a mutation. */
  idempotent: boolean;
}

/** What a subgraph's `Cache-Control` may narrow: the client operation's cache policy. */
export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

export interface CachePolicy {
  restrict(hint: CacheHint): void;
}

/** On whose behalf, and for which client request, subgraph requests are sent. */
export interface SubgraphCall {
  requestId: string;
  /** The verified user: signed into the gateway's proof. */
  caller: Caller | null;
  clientAddress: string | null;
  /** The client's operation name, for the log. */
  operationName: string | null;
  /** Narrowed by each answer's `Cache-Control` (the subgraphs' `@cacheControl` hints); null when nothing caches. */
  cachePolicy: CachePolicy | null;
}

/** A subgraph's GraphQL answer. */
export interface SubgraphAnswer {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * How the engine asks a subgraph. The layers (partial results, entity batches, metrics, the HTTP
 * client) each take one and give one, so each receives the call as an argument.
 */
export interface SubgraphService {
  send(request: SubgraphRequest, call: SubgraphCall): Promise<SubgraphAnswer>;
}
