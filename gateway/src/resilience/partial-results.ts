import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Logger } from '@shop/platform/logger';
import { currentRequestContext } from '@shop/platform/request-context';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';
import { withSubgraphCall } from '../fetcher/subgraph-call';
import { SubgraphUnavailableError } from '../fetcher/subgraph-fetcher';
import { isRequested, readSubgraphOperation, type SubgraphOperation } from './subgraph-operation';

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;
type Response = Awaited<ReturnType<GraphQLDataSource<GatewayContext>['process']>>;

/**
 * A subgraph request that fails (the subgraph is down, too slow, its circuit open, or it
 * answered with an HTTP error) does not fail the client's operation: the fields that request
 * was to supply come back `null`, each with one error at its path, and the rest of the answer
 * is served. The gateway maps `_entities` error paths onto the client's paths (each entity's
 * place in the answer), so an error lands exactly where the field is. The error carries no
 * public code: clients see INTERNAL_SERVER_ERROR with the masked message; the log has the cause.
 *
 * Here the call starts (see SubgraphCall): the operation type decides what the fetcher may do
 * (a query may be retried and shared, a mutation is sent once), and the caller and client
 * address go into the proof the request is signed with.
 */
export function servePartialResults(
  subgraph: string,
  dataSource: GraphQLDataSource<GatewayContext>,
  logger: Logger,
): GraphQLDataSource<GatewayContext> {
  return {
    async process(options) {
      // Loading a subgraph's SDL and health checks are the gateway's own business: they may fail.
      if (!('incomingRequestContext' in options)) return dataSource.process(options);
      const operation = readSubgraphOperation(options.request.query ?? '');
      try {
        const call = {
          idempotent: operation.type === 'query',
          caller: options.context.caller ?? null,
          clientAddress: currentRequestContext()?.clientAddress ?? null,
        };
        return await withSubgraphCall(call, () => dataSource.process(options));
      } catch (error) {
        const context = {
          err: error,
          subgraph,
          operation: options.incomingRequestContext.operationName ?? null,
        };
        // A stopped gateway still finishing an execution whose client hung up: nothing failed.
        if (error instanceof SubgraphUnavailableError && error.reason === 'stopped')
          logger.info(context, `subgraph ${subgraph} not asked: the gateway has stopped`);
        else logger.warn(context, `subgraph ${subgraph} failed: its fields are answered with null`);
        return unavailableAnswer(subgraph, operation, options, error);
      }
    },
  };
}

function unavailableAnswer(
  subgraph: string,
  operation: SubgraphOperation,
  options: ProcessOptions,
  error: unknown,
): Response {
  const variables = options.request.variables ?? {};
  const message = `subgraph ${subgraph} did not answer: ${(error as Error).message ?? String(error)}`;
  const extensions = { code: 'INTERNAL_SERVER_ERROR' };
  const representations = variables.representations;
  if (operation.entityFields && Array.isArray(representations)) {
    const errors: GraphQLFormattedError[] = [];
    representations.forEach((representation: unknown, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      const fields = typeof typename === 'string' ? (operation.entityFields?.get(typename) ?? []) : [];
      for (const field of fields)
        if (isRequested(field, variables))
          errors.push({ message, path: ['_entities', index, field.key], extensions });
    });
    // One error per missing field of each entity; with no field to name, one for the request.
    return { data: null, errors: errors.length > 0 ? errors : [{ message, extensions }] };
  }
  const errors = operation.rootFields
    .filter((field) => isRequested(field, variables))
    .map((field): GraphQLFormattedError => ({ message, path: [field.key], extensions }));
  return { data: null, errors: errors.length > 0 ? errors : [{ message, extensions }] };
}
