import { createLogger, type Logger } from '@shop/platform/logger';
import { defineSubgraph, type SubgraphContext } from '@shop/platform/service';
import type { Tables } from './db/database';
import type { PaymentProcessor } from './domain/payment-processor';
import { consumersWith, publishes } from './events';
import { createLoaders } from './loaders';

/**
 * The payments subgraph, charging and refunding with `processor`: the configured one in
 * `main.ts` (`openPaymentProcessor`), the test processor on the test database in tests.
 * SDL, resolvers, tables and migrations are found by their places (see defineSubgraph).
 */
export function createPaymentsSubgraph(options: { processor: PaymentProcessor; logger?: Logger }) {
  return defineSubgraph(import.meta.url, {
    loaders: createLoaders,
    events: {
      publishes,
      consumes: consumersWith(options.processor, options.logger ?? createLogger('payments')),
    },
  });
}

export type Context = SubgraphContext<Tables, ReturnType<typeof createLoaders>>;
