import { ApolloLink } from '@apollo/client';
import { Observable, type Subscription } from 'rxjs';

/**
 * The terminating link for subscriptions. graphql-ws is loaded with the first subscription, not
 * with the home page: its JavaScript stays small, and pages without live parts never open a socket.
 */
export function createSubscriptionLink(gatewayUrl: string): ApolloLink {
  let socketLink: Promise<ApolloLink> | undefined;
  return new ApolloLink(
    (operation, forward) =>
      new Observable((observer) => {
        let subscription: Subscription | undefined;
        let closed = false;
        socketLink ??= import('./socket-link').then(({ createSocketLink }) => createSocketLink(gatewayUrl));
        socketLink.then(
          (link) => {
            if (!closed) subscription = link.request(operation, forward).subscribe(observer);
          },
          (error: unknown) => observer.error(error),
        );
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      }),
  );
}
