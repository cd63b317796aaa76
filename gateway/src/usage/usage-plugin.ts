import type { ApolloServerPlugin } from '@apollo/server';
import { type OperationUsage, operationUsage } from '@shop/platform/schema';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context';
import type { UsageClient } from './usage-batch';
import type { UsageReporter } from './usage-reporter';

/** Signatures kept per schema; past this many the oldest is forgotten (client-made documents are unbounded). */
const MAX_SIGNATURES = 2000;

/**
 * Counts each executed operation for the registry: its signature and coordinates (worked out
 * once per document and schema version), the client's name and version, and whether it failed.
 * Requests that never became an operation (unparsable, invalid, refused early) are not usage.
 */
export function usageReportingPlugin(reporter: UsageReporter): ApolloServerPlugin<GatewayContext> {
  const signatures = new WeakMap<GraphQLSchema, Map<string, OperationUsage>>();
  const usageOf = (
    schema: GraphQLSchema,
    queryHash: string,
    operationName: string | null,
    compute: () => OperationUsage,
  ) => {
    let known = signatures.get(schema);
    if (!known) {
      known = new Map();
      signatures.set(schema, known);
    }
    const key = `${queryHash}\n${operationName ?? ''}`;
    let usage = known.get(key);
    if (!usage) {
      usage = compute();
      if (known.size >= MAX_SIGNATURES) known.delete(known.keys().next().value as string);
      known.set(key, usage);
    }
    return usage;
  };
  return {
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
          const name = operationName ?? null;
          const usage = usageOf(schema, queryHash, name, () => operationUsage(schema, document, name));
          const responseErrors =
            response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const failed = responseErrors.length > 0 || (errors?.length ?? 0) > 0;
          reporter.record(operation.name?.value ?? null, usage, clientOf(request.http?.headers), failed);
        },
      };
    },
  };
}

function clientOf(headers: Map<string, string> | undefined): UsageClient {
  return {
    name: (headers?.get('apollographql-client-name') ?? '').slice(0, 200),
    version: (headers?.get('apollographql-client-version') ?? '').slice(0, 100),
  };
}
