import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, HTTPGraphQLRequest } from '@apollo/server';
import { operationUsage } from '@shop/platform/schema';
import { type GraphQLSchema, getOperationAST, parse } from 'graphql';
import type { ServedFromCacheListener } from '../caching/cached-responses';
import type { GatewayContext } from '../context';
import { type KnownOperation, OperationSignatures } from './operation-signatures';
import type { UsageClient } from './usage-batch';
import type { UsageReporter } from './usage-reporter';

/**
 * Counts each request served for the registry: its operation's signature and coordinates
 * (worked out once per document and schema version), the client's name and version, and
 * whether it failed. An answer from the response cache counts too (`servedFromCache`): one
 * usage per request served, cached or not. Requests that never became an operation
 * (unparsable, invalid, refused early) are not usage.
 */
export function usageReportingPlugin(
  reporter: UsageReporter,
): ApolloServerPlugin<GatewayContext> & ServedFromCacheListener {
  const signatures = new OperationSignatures();
  // The API schema served now: what a cached answer's operation is read against.
  let currentSchema: GraphQLSchema | null = null;
  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          currentSchema = apiSchema;
        },
      };
    },
    async requestDidStart() {
      return {
        async willSendResponse({
          schema,
          document,
          operation,
          operationName,
          queryHash,
          request,
          response,
          errors,
        }) {
          if (!document || !operation || !queryHash) return;
          const known = signatures.remember(schema, queryHash, request.operationName ?? null, () => ({
            name: operation.name?.value ?? null,
            usage: operationUsage(schema, document, operationName ?? null),
          }));
          const responseErrors =
            response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const failed = responseErrors.length > 0 || (errors?.length ?? 0) > 0;
          reporter.record(known.name, known.usage, clientOf(request.http?.headers), failed);
        },
      };
    },
    servedFromCache(request) {
      const known = currentSchema ? cachedOperation(signatures, currentSchema, request) : null;
      // Only error-free answers are cached: a cached answer never failed.
      if (known) reporter.record(known.name, known.usage, clientOf(request.headers), false);
      else reporter.dropUnknown();
    },
  };
}

/** The operation of a request the cache answered: known from when it ran, or read from its text. */
function cachedOperation(
  signatures: OperationSignatures,
  schema: GraphQLSchema,
  request: HTTPGraphQLRequest,
): KnownOperation | null {
  const body = request.body as { query?: unknown; operationName?: unknown; extensions?: unknown };
  const query = typeof body.query === 'string' ? body.query : null;
  const requestedName = typeof body.operationName === 'string' ? body.operationName : null;
  const persistedHash = (body.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)
    ?.persistedQuery?.sha256Hash;
  const queryHash =
    query !== null
      ? createHash('sha256').update(query).digest('hex')
      : typeof persistedHash === 'string'
        ? persistedHash
        : null;
  if (queryHash === null) return null;
  const known = signatures.get(schema, queryHash, requestedName);
  // Made by another replica (a shared Redis cache) and sent by hash alone: nothing to read it from.
  if (known || query === null) return known ?? null;
  try {
    const document = parse(query);
    const operation = getOperationAST(document, requestedName);
    if (!operation) return null;
    const name = operation.name?.value ?? null;
    return signatures.remember(schema, queryHash, requestedName, () => ({
      name,
      usage: operationUsage(schema, document, name),
    }));
  } catch {
    return null;
  }
}

function clientOf(headers: Map<string, string> | undefined): UsageClient {
  return {
    name: (headers?.get('apollographql-client-name') ?? '').slice(0, 200),
    version: (headers?.get('apollographql-client-version') ?? '').slice(0, 100),
  };
}
