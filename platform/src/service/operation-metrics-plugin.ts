import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import type { Metrics } from '../metrics';

// Client-chosen operation names are unbounded; past this many distinct names they count as "other".
const MAX_OPERATION_NAMES = 500;

/**
 * Counts and times GraphQL operations by name (only `knownOperations` when given, every other
 * one as `other`), type and outcome (`ok`, `error` when any error
 * was returned), counts the errors by code, and names the request's trace span after the
 * operation (`query Storefront`) so traces read like the API, not like `POST /graphql`.
 */
export function operationMetricsPlugin<TContext extends BaseContext>(
  metrics: Metrics,
  options: { knownOperations?: ReadonlySet<string> } = {},
): ApolloServerPlugin<TContext> {
  const seen = new Set<string>();
  const known = options.knownOperations;
  const label = (name: string | null | undefined) => {
    const operation = name ?? 'anonymous';
    // Given the names the service knows, anyone else's made-up names never take a label of their own.
    if (known) return known.has(operation) ? operation : 'other';
    if (seen.has(operation)) return operation;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(operation);
    return operation;
  };
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ operationName, operation }) {
          const span = trace.getActiveSpan();
          const type = operation?.operation ?? 'unknown';
          span?.updateName(`${type} ${operationName ?? 'anonymous'}`);
          span?.setAttributes({
            'graphql.operation.type': type,
            ...(operationName ? { 'graphql.operation.name': operationName } : {}),
          });
        },
        async willSendResponse({ operationName, operation, errors, response }) {
          const responseErrors =
            response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const allErrors = responseErrors.length > 0 ? responseErrors : (errors ?? []);
          const name = label(operationName);
          const type = operation?.operation ?? 'unknown';
          metrics.graphqlOperations.inc({
            operation: name,
            type,
            outcome: allErrors.length > 0 ? 'error' : 'ok',
          });
          metrics.graphqlOperationDuration.observe(
            { operation: name, type },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
          for (const error of allErrors) {
            const code = error.extensions?.code;
            metrics.graphqlErrors.inc({ operation: name, code: typeof code === 'string' ? code : 'UNKNOWN' });
          }
        },
      };
    },
  };
}
