import { readFileSync } from 'node:fs';
import { createLogger, type Logger } from '@shop/platform/logger';
import type { SubgraphDefinition } from '@shop/platform/service';
import { parse } from 'graphql';
import { type Context, createContext, type Tables } from './context';
import type { PaymentProcessor } from './domain/payment-processor';
import { consumersWith, publishes } from './events';
import { resolvers } from './resolvers';
import { paymentsStorage } from './storage';

/**
 * The payments subgraph, charging and refunding with `processor`: the configured one in
 * `main.ts` (`openPaymentProcessor`), the test processor on the test database in tests.
 */
export function createPaymentsSubgraph(options: {
  processor: PaymentProcessor;
  logger?: Logger;
}): SubgraphDefinition<Tables, Context> {
  return {
    ...paymentsStorage,
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers,
    createContext,
    events: {
      publishes,
      consumes: consumersWith(options.processor, options.logger ?? createLogger('payments')),
    },
  };
}
