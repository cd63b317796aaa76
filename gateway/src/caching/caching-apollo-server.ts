import type { ApolloServer, ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import {
  GuardedApolloServer,
  type OperationGuard,
  type PersistedQueryLookup,
} from '../http/guarded-apollo-server';
import type { OperationRejected } from '../limits/operation-guard';
import type { ResponseCache } from './response-cache';

export interface ResponseCaching {
  cache: ResponseCache;
  /** What the answers depend on beyond the request: the version of the supergraph being served. */
  version: () => string;
}

/**
 * The guarded Apollo Server with the response cache in front: a request the cache can answer
 * costs neither the operation limits nor planning nor a subgraph (what it answers passed all of
 * them when it was made, for the same text, variables and supergraph).
 */
export class CachingApolloServer extends GuardedApolloServer<GatewayContext> {
  constructor(
    options: ApolloServerOptions<GatewayContext>,
    guard: OperationGuard,
    onRejected: (rejection: OperationRejected) => void,
    persistedQuery: PersistedQueryLookup,
    private readonly caching: ResponseCaching | null,
  ) {
    super(options, guard, onRejected, persistedQuery);
  }

  override async executeHTTPGraphQLRequest(
    args: Parameters<ApolloServer<GatewayContext>['executeHTTPGraphQLRequest']>[0],
  ) {
    if (!this.caching) return super.executeHTTPGraphQLRequest(args);
    const context = await args.context();
    return this.caching.cache.serve(args.httpGraphQLRequest, context.caller, this.caching.version(), () =>
      super.executeHTTPGraphQLRequest({ ...args, context: async () => context }),
    );
  }
}

/**
 * Only a query's answer may be cached: a mutation's says `no-store`, whatever hints the types it
 * returns carry (Apollo's cache control, which runs after this, keeps an explicit `no-store`).
 */
export function noStoreUnlessQuery(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          if (operation?.operation !== 'query') response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
