import { useQuery, useSubscription } from '@apollo/client/react';
import { useState } from 'react';
import { OrderStatusDocument, OrderUpdatedDocument } from '../../../../schema/__generated__/graphql';
import { usePollingFallback } from '../use-polling-fallback';

const POLL_MS = 1000;

/**
 * An order as its checkout moves on: read once, then kept live by `orderUpdated(id)` over
 * graphql-ws (each event lands on the cached order this query reads). When the subscription
 * fails or ends while the order is still PENDING, the order is polled every second instead.
 */
export function useOrderStatus(id: string) {
  const result = useQuery(OrderStatusDocument, { variables: { id }, notifyOnNetworkStatusChange: false });
  const [socketFailed, setSocketFailed] = useState(false);
  const order = result.data?.order;
  const status = order && (order.state === 'CANCELLING' ? 'PENDING' : order.status);
  // Subscribed once the order is known to exist and be the caller's: the first event is its current state.
  useSubscription(OrderUpdatedDocument, {
    variables: { id },
    skip: !order,
    onError: () => setSocketFailed(true),
    onComplete: () => setSocketFailed(true),
  });
  usePollingFallback(result, socketFailed && status === 'PENDING', POLL_MS);
  return result;
}
