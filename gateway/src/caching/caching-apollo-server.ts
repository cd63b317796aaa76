import type {
  ApolloServer,
  ApolloServerOptions,
  ApolloServerPlugin,
  HTTPGraphQLRequest,
} from '@apollo/server';
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

/** A plugin that also hears of requests the cache answered, which no Apollo hook sees (usage reporting). */
export interface ServedFromCacheListener {
  servedFromCache(request: HTTPGraphQLRequest): void;
}

const hearsCacheHits = (
  plugin: ApolloServerPlugin<GatewayContext>,
): plugin is ApolloServerPlugin<GatewayContext> & ServedFromCacheListener =>
  typeof (plugin as Partial<ServedFromCacheListener>).servedFromCache === 'function';

/**
 * The guarded Apollo Server with the response cache in front: a request the cache can answer
 * costs neither the operation limits nor planning nor a subgraph (what it answers passed all of
 * them when it was made, for the same text, variables and supergraph).
 */
export class CachingApolloServer extends GuardedApolloServer<GatewayContext> {
  private readonly cacheListeners: ServedFromCacheListener[];

  constructor(
    options: ApolloServerOptions<GatewayContext>,
    guard: OperationGuard,
    onRejected: (rejection: OperationRejected) => void,
    persistedQuery: PersistedQueryLookup,
    private readonly caching: ResponseCaching | null,
  ) {
    super(options, guard, onRejected, persistedQuery);
    this.cacheListeners = (options.plugins ?? []).filter(hearsCacheHits);
  }

  override async executeHTTPGraphQLRequest(
    args: Parameters<ApolloServer<GatewayContext>['executeHTTPGraphQLRequest']>[0],
  ) {
    if (!this.caching) return super.executeHTTPGraphQLRequest(args);
    const context = await args.context();
    let executed = false;
    const response = await this.caching.cache.serve(
      args.httpGraphQLRequest,
      context.caller,
      this.caching.version(),
      () => {
        executed = true;
        return super.executeHTTPGraphQLRequest({ ...args, context: async () => context });
      },
    );
    if (!executed)
      for (const listener of this.cacheListeners) listener.servedFromCache(args.httpGraphQLRequest);
    return response;
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
