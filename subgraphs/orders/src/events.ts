import { defineEvent, type EventSchema, eventNamed, handleEvent } from '@shop/platform/events';
import { StockReservationFailedSchema, StockReservedSchema } from '@shop/platform/events/contracts/inventory';
import {
  PaymentChargedSchema,
  PaymentDeclinedSchema,
  PaymentRefundedSchema,
} from '@shop/platform/events/contracts/payments';
import { ProductCreatedSchema, ProductUpdatedSchema } from '@shop/platform/events/contracts/products';
import { z } from 'zod';
import type { Db } from './db/database';
import { upsertCatalogProduct } from './domain/catalog';
import { advanceCheckout, type EventTrigger, SAGA_TRANSITIONS } from './domain/checkout-saga';

export { publishes } from './published-events';

/**
 * What orders reads of others' events (docs/checkout-and-events.md): only the fields it uses, so producers
 * may add fields freely. Handlers run in the transaction that records the event in the inbox.
 */

const productState = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  price: z.object({ amount: z.number().int().min(0), currency: z.string().length(3) }),
  changedAt: z.iso.datetime({ offset: true }),
});

const productCreated = defineEvent({ ...eventNamed(ProductCreatedSchema), payload: productState });

const productUpdated = defineEvent({ ...eventNamed(ProductUpdatedSchema), payload: productState });

// The saga's replies: each names the order it is about, which is all the saga needs. Their
// types are the triggers of the saga's transition table (domain/checkout-saga.ts).
const aboutAnOrder = z.object({ orderId: z.uuid() });

function sagaStep(schema: EventSchema) {
  const name = eventNamed(schema);
  const trigger = name.type as EventTrigger;
  if (!(trigger in SAGA_TRANSITIONS)) throw new Error(`the checkout saga has no transition for ${trigger}`);
  const event = defineEvent({ ...name, payload: aboutAnOrder });
  return handleEvent(event, (tx: Db, { orderId }, envelope) =>
    advanceCheckout(tx, trigger, orderId, envelope),
  );
}

export const consumes = [
  handleEvent(productCreated, (tx: Db, product) => upsertCatalogProduct(tx, product)),
  handleEvent(productUpdated, (tx: Db, product) => upsertCatalogProduct(tx, product)),
  sagaStep(StockReservedSchema),
  sagaStep(StockReservationFailedSchema),
  sagaStep(PaymentChargedSchema),
  sagaStep(PaymentDeclinedSchema),
  sagaStep(PaymentRefundedSchema),
];
