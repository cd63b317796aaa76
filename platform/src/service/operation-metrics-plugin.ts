import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Metrics } from '../metrics';

// Client-chosen operation names are unbounded; past this many distinct names they count as "other".
const MAX_OPERATION_NAMES = 500;

/** Counts GraphQL operations by name, type and outcome (`ok`, `error` when any error was returned). */
export function operationMetricsPlugin<TContext extends BaseContext>(
  metrics: Metrics,
): ApolloServerPlugin<TContext> {
  const seen = new Set<string>();
  const label = (name: string | null | undefined) => {
    const operation = name ?? 'anonymous';
    if (seen.has(operation)) return operation;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(operation);
    return operation;
  };
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, operation, errors, response }) {
          const hasErrors =
            (errors?.length ?? 0) > 0 ||
            (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.graphqlOperations.inc({
            operation: label(operationName),
            type: operation?.operation ?? 'unknown',
            outcome: hasErrors ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
