import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * The client's own mistakes in choosing what to run, answered 400 with a code before anything
 * plans or executes (left to the executor they fail as 500s, logged as ours): several operations
 * and no `operationName`, an `operationName` the document does not define, a subscription over
 * plain HTTP (they are served over WebSocket and Server-Sent Events, see subscriptions/).
 */
export function operationResolutionPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (!operation)
            throw clientMistake(
              'OPERATION_RESOLUTION_FAILURE',
              request.operationName
                ? `The document has no operation named "${request.operationName}".`
                : 'The document has several operations: say which one to run with operationName.',
            );
          if (operation.operation === 'subscription')
            throw clientMistake(
              'BAD_REQUEST',
              'Subscriptions are not served over plain HTTP: subscribe over WebSocket (graphql-transport-ws) or Server-Sent Events (graphql-sse) at the same /graphql.',
            );
        },
      };
    },
  };
}

function clientMistake(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}
