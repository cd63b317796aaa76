import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayContext } from './context';

/**
 * How the gateway calls one subgraph. Carries the client's request id, so one id ties the
 * log lines of every service that worked on a request.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }
}
