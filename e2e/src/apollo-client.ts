import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { type GraphQLFormattedError, OperationTypeNode, print } from 'graphql';
import { createClient as createEventStreamClient, type Client as EventStreamClient } from 'graphql-sse';
import { createClient as createWebSocketClient } from 'graphql-ws';
import { Observable } from 'rxjs';
import WebSocket from 'ws';

/** How an Apollo Client reaches the gateway's subscriptions. */
export type SubscriptionTransport = 'graphql-ws' | 'graphql-sse';

/**
 * Apollo Client's link for GraphQL over Server-Sent Events (graphql-sse's client, distinct
 * connections mode), for apps that cannot open a WebSocket: Apollo ships a link for graphql-ws only.
 */
export class EventStreamLink extends ApolloLink {
  constructor(private readonly client: EventStreamClient) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable((observer) =>
      this.client.subscribe(
        {
          query: print(operation.query),
          variables: operation.variables,
          operationName: operation.operationName,
          extensions: operation.extensions,
        },
        {
          next: (result) => observer.next(result as ApolloLink.Result),
          complete: () => observer.complete(),
          // An `error` with GraphQL errors is the server's answer; anything else failed on the way.
          error: (error) =>
            observer.error(
              Array.isArray(error)
                ? new CombinedGraphQLErrors({ errors: error as GraphQLFormattedError[] })
                : error instanceof Error
                  ? error
                  : new Error(String(error)),
            ),
        },
      ),
    );
  }
}

/** An Apollo Client as a Node app (or the storefront) would set it up against the gateway. */
export interface ShopApolloClient {
  client: ApolloClient;
  dispose(): Promise<void>;
}

/**
 * Apollo Client 4 on the gateway's `/graphql`: queries and mutations over HTTP, subscriptions
 * over `transport`, each with the bearer token (the WebSocket's in its `connection_init`).
 */
export function shopApolloClient(
  gatewayUrl: string,
  transport: SubscriptionTransport,
  token?: string,
): ShopApolloClient {
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const webSocketClient =
    transport === 'graphql-ws'
      ? createWebSocketClient({
          url: gatewayUrl.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: authorization,
        })
      : null;
  const eventStreamClient =
    transport === 'graphql-sse'
      ? createEventStreamClient({ url: gatewayUrl, retryAttempts: 0, headers: authorization })
      : null;
  const subscriptions = webSocketClient
    ? new GraphQLWsLink(webSocketClient)
    : new EventStreamLink(eventStreamClient as EventStreamClient);
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return (
        definition.kind === 'OperationDefinition' && definition.operation === OperationTypeNode.SUBSCRIPTION
      );
    },
    subscriptions,
    new HttpLink({ uri: gatewayUrl, headers: authorization }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  return {
    client,
    async dispose() {
      client.stop();
      await webSocketClient?.dispose();
      eventStreamClient?.dispose();
    },
  };
}
