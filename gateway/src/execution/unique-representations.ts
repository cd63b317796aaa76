import type { GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';

/**
 * Sends each entity once: the query planner asks a subgraph for every occurrence of an entity
 * (the same author under twenty reviews is twenty representations). Duplicates are dropped
 * before sending, and the answer is spread back over every occurrence, errors included, so
 * the gateway sees exactly what the subgraph would have answered for the full list.
 */
export function sendUniqueRepresentations(
  dataSource: GraphQLDataSource<GatewayContext>,
): GraphQLDataSource<GatewayContext> {
  return {
    async process(options) {
      const representations = options.request.variables?.representations;
      if (
        !('incomingRequestContext' in options) ||
        !Array.isArray(representations) ||
        representations.length < 2
      )
        return dataSource.process(options);
      const uniqueIndex = new Map<string, number>();
      const unique: unknown[] = [];
      const repeated: boolean[] = [];
      // occurrence i of the full list is unique entity sentAs[i]
      const sentAs = representations.map((representation: unknown) => {
        const key = JSON.stringify(representation);
        let index = uniqueIndex.get(key);
        repeated.push(index !== undefined);
        if (index === undefined) {
          index = unique.length;
          uniqueIndex.set(key, index);
          unique.push(representation);
        }
        return index;
      });
      if (unique.length === representations.length) return dataSource.process(options);

      const response = await dataSource.process({
        ...options,
        request: { ...options.request, variables: { ...options.request.variables, representations: unique } },
      });
      const entities = response.data?._entities;
      const data =
        Array.isArray(entities) && entities.length === unique.length
          ? {
              ...response.data,
              // Each occurrence gets its own copy: the gateway merges into what it receives.
              _entities: sentAs.map((index, occurrence) =>
                repeated[occurrence] ? structuredClone(entities[index]) : entities[index],
              ),
            }
          : response.data;
      const errors = response.errors?.flatMap((error) => spreadError(error, sentAs));
      return { ...response, data, ...(errors ? { errors } : {}) };
    },
  };
}

/** An error at `_entities[j]…` belongs to every occurrence of unique entity j. */
function spreadError(error: GraphQLFormattedError, sentAs: readonly number[]): GraphQLFormattedError[] {
  const [root, index, ...rest] = error.path ?? [];
  if (root !== '_entities' || typeof index !== 'number') return [error];
  return sentAs.flatMap((unique, occurrence) =>
    unique === index ? [{ ...error, path: ['_entities', occurrence, ...rest] }] : [],
  );
}
