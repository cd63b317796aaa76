import type { Logger } from '@shop/platform/logger';
import type { GraphQLFormattedError } from 'graphql';
import { SubgraphUnavailableError } from '../fetcher/subgraph-fetcher';
import type { SubgraphAnswer, SubgraphRequest, SubgraphService } from '../fetcher/subgraph-service';
import { isRequested, readSubgraphOperation } from './subgraph-operation';

/**
 * A subgraph request that fails (the subgraph is down, too slow, its circuit open, or it
 * answered with an HTTP error) does not fail the client's operation: the fields that request
 * was to supply come back `null`, each with one error at its path, and the rest of the answer
 * is served. The gateway maps `_entities` error paths onto the client's paths (each entity's
 * place in the answer), so an error lands exactly where the field is. The error carries no
 * public code: clients see INTERNAL_SERVER_ERROR with the masked message; the log has the cause.
 */
export function servePartialResults(
  subgraph: string,
  service: SubgraphService,
  logger: Logger,
): SubgraphService {
  return {
    async send(request, call) {
      try {
        return await service.send(request, call);
      } catch (error) {
        const context = { err: error, subgraph, operation: call.operationName };
        // A stopped gateway still finishing an execution whose client hung up: nothing failed.
        if (error instanceof SubgraphUnavailableError && error.reason === 'stopped')
          logger.info(context, `subgraph ${subgraph} not asked: the gateway has stopped`);
        else logger.warn(context, `subgraph ${subgraph} failed: its fields are answered with null`);
        return unavailableAnswer(subgraph, request, error);
      }
    },
  };
}

/** The answer for a request that got none: an error at each field it was to supply, its data null. */
export function unavailableAnswer(
  subgraph: string,
  request: Pick<SubgraphRequest, 'query' | 'variables'>,
  error: unknown,
): SubgraphAnswer {
  const operation = readSubgraphOperation(request.query);
  const { variables } = request;
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
