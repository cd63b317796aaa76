import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const config = loadConfig(
  'payments',
  z.object({
    ...subgraphEnv({ port: 4006, database: 'payments' }),
    /**
     * Which payment provider charges and refunds. `test` (the only one so far) is the built-in
     * test processor: tokens tok_ok, tok_declined and tok_flaky, its records in the
     * `processor_operations` table of this service's database. A real provider plugs in behind
     * `PaymentProcessor` (src/domain/payment-processor.ts) and gets its own value here.
     */
    PAYMENT_PROCESSOR: z.enum(['test']).default('test'),
  }),
);
