import { useQuery } from '@apollo/client/react';
import { LowStockDocument } from '../../../../schema/__generated__/graphql';

/**
 * The low-stock list, polled every 5 s. When the gateway serves the `lowStock` subscription this
 * hook subscribes instead; its callers do not change.
 */
export function useLowStock(atMost: number) {
  return useQuery(LowStockDocument, { variables: { atMost, first: 50 }, pollInterval: 5000 });
}
