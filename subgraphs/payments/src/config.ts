import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';

export const paymentsEnv = z
  .object({
    ...subgraphEnv({ port: 4006, database: 'payments' }),
    /**
     * Which payment provider charges and refunds. `test` (the only one so far) is the built-in
     * test processor: tokens tok_ok, tok_declined and tok_flaky, its records in the
     * `processor_operations` table of this service's database. A real provider plugs in behind
     * `PaymentProcessor` (src/domain/payment-processor.ts) and gets its own value here.
     */
    PAYMENT_PROCESSOR: z.enum(['test']).default('test'),
    /**
     * `true` says this deployment takes no real money (a demo, a staging copy): the only thing
     * that lets `PAYMENT_PROCESSOR=test` run with `NODE_ENV=production`.
     */
    TEST_DEPLOYMENT: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true'),
  })
  // A production shop that would take every order with tok_ok and charge nobody must not start.
  .refine((env) => env.PAYMENT_PROCESSOR !== 'test' || env.NODE_ENV !== 'production' || env.TEST_DEPLOYMENT, {
    path: ['PAYMENT_PROCESSOR'],
    message:
      'the test processor charges nobody: refused with NODE_ENV=production unless TEST_DEPLOYMENT=true says this deployment takes no real money',
  });

export const config = loadConfig('payments', paymentsEnv);
