import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { OperationTypeNode } from 'graphql';
import { map } from 'rxjs';
import { version } from '../package.json';
import { sessionToken, setSession } from './session';
import { createSubscriptionLink } from './subscription-link';

/** The gateway's /graphql, written into index.html by the server that serves the app. */
const gatewayUrl =
  document.querySelector<HTMLMetaElement>('meta[name="shop-gateway"]')?.content ??
  'http://localhost:4000/graphql';

// The token goes with every request; an UNAUTHENTICATED answer ends the session cleanly.
const auth = new ApolloLink((operation, forward) => {
  const token = sessionToken();
  if (token) operation.setContext({ headers: { authorization: `Bearer ${token}` } });
  return forward(operation).pipe(
    map((result) => {
      if (token && result.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED'))
        setSession(null);
      return result;
    }),
  );
});

export const client = new ApolloClient({
  // Sent as apollographql-client-name/-version: the registry's usage names this app and its version.
  clientAwareness: { name: 'storefront', version },
  // Subscriptions go over graphql-ws, everything else over HTTP.
  link: ApolloLink.from([
    auth,
    ApolloLink.split(
      (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
      createSubscriptionLink(gatewayUrl),
      new HttpLink({ uri: gatewayUrl }),
    ),
  ]),
  // Entities are keyed by id (the supergraph's @key); Stock is kept inside its product (queries ask it without productId).
  cache: new InMemoryCache(),
  // @defer answered in parts by the gateway (multipart/mixed; deferSpec=20220824): a page shows before its slow parts.
  incrementalHandler: new Defer20220824Handler(),
  // Partial results: a subgraph down shows the page with the failed parts marked.
  defaultOptions: { watchQuery: { errorPolicy: 'all' }, query: { errorPolicy: 'all' } },
});

// Tells the hooks' types that data may come with errors (errorPolicy 'all' by default).
declare module '@apollo/client' {
  export namespace ApolloClient {
    export namespace DeclareDefaultOptions {
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Query {
        errorPolicy: 'all';
      }
    }
  }
}

/** The code of a GraphQL error (BAD_USER_INPUT, FORBIDDEN...), or undefined for a network error. */
export function errorCode(error: unknown): string | undefined {
  return CombinedGraphQLErrors.is(error)
    ? (error.errors[0]?.extensions?.code as string | undefined)
    : undefined;
}

/** The field a BAD_USER_INPUT error names (`input.price.amount`), if any. */
export function errorField(error: unknown): string | undefined {
  return CombinedGraphQLErrors.is(error)
    ? (error.errors[0]?.extensions?.field as string | undefined)
    : undefined;
}
