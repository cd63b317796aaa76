import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import { onSessionChange, sessionToken } from './session';

/**
 * Subscriptions over GraphQL over WebSocket at the gateway's /graphql, the session's token in
 * connection_init. Loaded with the first subscription (see subscription-link.ts).
 */
export function createSocketLink(gatewayUrl: string): GraphQLWsLink {
  const url = new URL(gatewayUrl, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createClient({
    url: url.href,
    // Read at each connect, so a reconnect carries the token of the session as it is then.
    connectionParams: () => {
      const token = sessionToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    // A few quick retries, then the subscription errors and its screen falls back to polling.
    retryAttempts: 3,
  });
  // The gateway knows a connection's user from its connection_init only: a new token needs a new
  // socket. Terminating is retried at once, and graphql-ws subscribes again on the new socket.
  let token = sessionToken();
  onSessionChange(() => {
    if (sessionToken() === token) return;
    token = sessionToken();
    client.terminate();
  });
  return new GraphQLWsLink(client);
}
