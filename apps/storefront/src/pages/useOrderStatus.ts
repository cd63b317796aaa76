import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { OrderStatusDocument } from '../../../../schema/__generated__/graphql';

const POLL_MS = 1000;

/**
 * An order as its checkout moves on: polled every second while PENDING, then left alone. When the
 * gateway serves subscriptions this hook becomes `orderUpdated(id)`; its callers do not change.
 */
export function useOrderStatus(id: string) {
  const result = useQuery(OrderStatusDocument, {
    variables: { id },
    pollInterval: POLL_MS,
    notifyOnNetworkStatusChange: false,
  });
  const order = result.data?.order;
  const status = order && (order.state === 'CANCELLING' ? 'PENDING' : order.status);
  const { stopPolling, startPolling } = result;
  useEffect(() => {
    if (status && status !== 'PENDING') stopPolling();
    else startPolling(POLL_MS);
  }, [status, stopPolling, startPolling]);
  return result;
}
