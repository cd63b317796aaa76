import { useQuery, useSubscription } from '@apollo/client/react';
import { useState } from 'react';
import { LowStockAlertsDocument, LowStockDocument } from '../../../../schema/__generated__/graphql';
import { usePollingFallback } from '../use-polling-fallback';

const POLL_MS = 5000;

/**
 * The low-stock list, live: each `lowStock` event (a product fell to `atMost` or below) reads the
 * list again, so the product takes its place in it. When the subscription fails, polled every 5 s.
 */
export function useLowStock(atMost: number) {
  const list = useQuery(LowStockDocument, { variables: { atMost, first: 50 } });
  const [socketFailed, setSocketFailed] = useState(false);
  const { refetch } = list;
  useSubscription(LowStockAlertsDocument, {
    variables: { atMost },
    onData: () => void refetch().catch(() => undefined),
    onError: () => setSocketFailed(true),
  });
  usePollingFallback(list, socketFailed, POLL_MS);
  return list;
}
