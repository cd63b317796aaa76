import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const ordersEnv = z.object({
  ...subgraphEnv({ port: 4005, database: 'orders' }),
  /**
   * Seconds an order may wait for inventory or payments (stock reserved, payment charged) before
   * the checkout gives up: it is rejected as TIMED_OUT, its stock released and a charge refunded.
   * Each replica looks for overdue orders every quarter of this (at most every 30 s). Keep it well
   * above the bus' retries of one step (about two minutes with the default EVENTS_* settings).
   */
  CHECKOUT_DEADLINE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(900),
});

export const config = loadConfig('orders', ordersEnv);
