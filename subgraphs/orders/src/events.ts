import { defineEvent, handleEvent } from '@shop/platform/events';
import { z } from 'zod';
import type { Db } from './context';
import { upsertCatalogProduct } from './domain/catalog';
import { advanceCheckout, type SagaTrigger } from './domain/checkout-saga';

export { publishes } from './published-events';

/**
 * What orders reads of others' events (saga-contract.md): only the fields it uses, so producers
 * may add fields freely. Handlers run in the transaction that records the event in the inbox.
 */

const productState = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  price: z.object({ amount: z.number().int().min(0), currency: z.string().length(3) }),
  changedAt: z.iso.datetime({ offset: true }),
});

const productCreated = defineEvent({
  producer: 'products',
  type: 'product.created',
  version: 1,
  payload: productState,
});

const productUpdated = defineEvent({
  producer: 'products',
  type: 'product.updated',
  version: 1,
  payload: productState,
});

// The saga's replies: each names the order it is about, which is all the saga needs. Their
// types are the triggers of the saga's transition table (domain/checkout-saga.ts).
const aboutAnOrder = z.object({ orderId: z.uuid() });

function sagaStep(producer: 'inventory' | 'payments', trigger: Exclude<SagaTrigger, 'cancelOrder'>) {
  const event = defineEvent({ producer, type: trigger, version: 1, payload: aboutAnOrder });
  return handleEvent(event, (tx: Db, { orderId }, envelope) =>
    advanceCheckout(tx, trigger, orderId, envelope),
  );
}

export const consumes = [
  handleEvent(productCreated, (tx: Db, product) => upsertCatalogProduct(tx, product)),
  handleEvent(productUpdated, (tx: Db, product) => upsertCatalogProduct(tx, product)),
  sagaStep('inventory', 'stock.reserved'),
  sagaStep('inventory', 'stock.reservation_failed'),
  sagaStep('payments', 'payment.charged'),
  sagaStep('payments', 'payment.declined'),
  sagaStep('payments', 'payment.refunded'),
];
