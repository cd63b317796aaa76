import type { ApolloServerPlugin, HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLHttpServer } from '@shop/platform/http';
import type { GatewayContext } from '../context';
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

/** The plugins among `plugins` that hear of requests the cache answered. */
export function servedFromCacheListeners(
  plugins: readonly ApolloServerPlugin<GatewayContext>[],
): ServedFromCacheListener[] {
  return plugins.filter(
    (plugin): plugin is ApolloServerPlugin<GatewayContext> & ServedFromCacheListener =>
      typeof (plugin as Partial<ServedFromCacheListener>).servedFromCache === 'function',
  );
}

/**
 * The response cache in front of `next`: a request the cache can answer costs neither the
 * operation limits nor planning nor a subgraph (what it answers passed all of them when it was
 * made, for the same text, variables and supergraph).
 */
export function serveFromCache(
  caching: ResponseCaching,
  listeners: readonly ServedFromCacheListener[],
  next: GraphQLHttpServer<GatewayContext>,
): GraphQLHttpServer<GatewayContext> {
  return {
    async executeHTTPGraphQLRequest(args) {
      const context = await args.context();
      let executed = false;
      const response = await caching.cache.serve(
        args.httpGraphQLRequest,
        context.caller,
        caching.version(),
        () => {
          executed = true;
          return next.executeHTTPGraphQLRequest({ ...args, context: async () => context });
        },
      );
      if (!executed) for (const listener of listeners) listener.servedFromCache(args.httpGraphQLRequest);
      return response;
    },
  };
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
