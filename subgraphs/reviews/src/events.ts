import { defineEvent, type EventHandler, eventNamed, handleEvent } from '@shop/platform/events';
import { OrderCancelledSchema, OrderConfirmedSchema } from '@shop/platform/events/contracts/orders';
import { z } from 'zod';
import type { Db, Tables } from './db/database';
import { forgetPurchases, recordPurchases } from './domain/purchases';

// What reviews reads of the orders service's events: who bought which products (the saga
// contract has the full payloads; zod drops the fields not declared here).

const orderConfirmed = defineEvent({
  ...eventNamed(OrderConfirmedSchema),
  payload: z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    lines: z.array(z.object({ productId: z.uuid() })).min(1),
  }),
});

const orderCancelled = defineEvent({
  ...eventNamed(OrderCancelledSchema),
  payload: z.object({ orderId: z.uuid(), userId: z.uuid() }),
});

// Each handler runs inside the transaction that records the event in the inbox: writes through `tx` only.
export const consumes: EventHandler<Tables>[] = [
  handleEvent(orderConfirmed, (tx: Db, order) =>
    recordPurchases(tx, {
      orderId: order.orderId,
      userId: order.userId,
      productIds: order.lines.map((line) => line.productId),
    }),
  ),
  handleEvent(orderCancelled, (tx: Db, order) => forgetPurchases(tx, order)),
];
