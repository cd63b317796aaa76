import { connectDatabase } from '@shop/platform/db';
import * as tables from '../db/schema';
import type { PaymentProcessor } from './payment-processor';
import { createTestProcessor } from './test-processor';

export interface ConfiguredProcessor {
  processor: PaymentProcessor;
  close(): Promise<void>;
}

/** The processor `PAYMENT_PROCESSOR` names, with whatever connection it holds. */
export function openPaymentProcessor(settings: {
  PAYMENT_PROCESSOR: 'test';
  DATABASE_URL: string;
}): ConfiguredProcessor {
  switch (settings.PAYMENT_PROCESSOR) {
    case 'test': {
      // A pool of its own: the ledger's transactions must never be the event handler's.
      const ledger = connectDatabase({ url: settings.DATABASE_URL, schema: tables, maxConnections: 2 });
      return { processor: createTestProcessor(() => ledger.db), close: () => ledger.close() };
    }
    default: {
      const unknown: never = settings.PAYMENT_PROCESSOR;
      throw new Error(`unknown payment processor ${String(unknown)}`);
    }
  }
}
