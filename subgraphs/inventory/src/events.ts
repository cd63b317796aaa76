import { defineEvent, type EventHandler, eventNamed, handleEvent, publishEvent } from '@shop/platform/events';
import {
  StockCommittedSchema,
  StockReleasedSchema,
  StockReservationFailedSchema,
  StockReservedSchema,
  StockRestockedSchema,
} from '@shop/platform/events/contracts/inventory';
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRejectedSchema,
} from '@shop/platform/events/contracts/orders';
import { ProductCreatedSchema, ProductUpdatedSchema } from '@shop/platform/events/contracts/products';
import { z } from 'zod';
import type { Db, Tables } from './db/database';
import { recordCatalogProduct } from './domain/stock';
import { commitOrder, releaseOrder, reserveOrder, restockOrder } from './domain/stock-reservations';

// ── What inventory reads (only the fields it uses; see the saga contract) ─────────────────────

/** The catalog's product, as far as the warehouse cares: its id, its SKU, and when it changed. */
const catalogProduct = z.object({
  id: z.uuid(),
  sku: z.string().min(1),
  changedAt: z.iso.datetime({ offset: true }),
});

const productCreated = defineEvent({
  ...eventNamed(ProductCreatedSchema),
  payload: catalogProduct,
});
const productUpdated = defineEvent({
  ...eventNamed(ProductUpdatedSchema),
  payload: catalogProduct,
});

const orderLines = z.array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1) })).min(1);
const orderWithLines = z.object({ orderId: z.uuid(), lines: orderLines });
// Confirming, rejecting and cancelling move what the reservations hold, so the lines are not read.
const orderRef = z.object({ orderId: z.uuid() });

const orderPlaced = defineEvent({
  ...eventNamed(OrderPlacedSchema),
  payload: orderWithLines,
});
const orderConfirmed = defineEvent({
  ...eventNamed(OrderConfirmedSchema),
  payload: orderRef,
});
const orderRejected = defineEvent({
  ...eventNamed(OrderRejectedSchema),
  payload: orderRef,
});
const orderCancelled = defineEvent({
  ...eventNamed(OrderCancelledSchema),
  payload: orderRef,
});

// ── What inventory tells the saga ──────────────────────────────────────────────────────────────

/** Every line of the order is held for it. */
export const stockReserved = defineEvent({
  ...eventNamed(StockReservedSchema),
  payload: orderRef,
});

/** Nothing is held: these products have fewer units available than the order asks for. */
export const stockReservationFailed = defineEvent({
  ...eventNamed(StockReservationFailedSchema),
  payload: z.object({
    orderId: z.uuid(),
    reason: z.literal('OUT_OF_STOCK'),
    productIds: z.array(z.uuid()).min(1),
  }),
});

/** The order's reserved units are sold (order confirmed). Informational. */
export const stockCommitted = defineEvent({
  ...eventNamed(StockCommittedSchema),
  payload: orderRef,
});
/** The order's reserved units are available again (order rejected). Informational. */
export const stockReleased = defineEvent({
  ...eventNamed(StockReleasedSchema),
  payload: orderRef,
});
/** The order's sold units are available again (order cancelled). Informational. */
export const stockRestocked = defineEvent({
  ...eventNamed(StockRestockedSchema),
  payload: orderRef,
});

export const publishes = [
  stockReserved,
  stockReservationFailed,
  stockCommitted,
  stockReleased,
  stockRestocked,
];

// Each handler runs inside the transaction that records the event in the inbox: it writes
// through `tx` only, and its event is published only if that transaction commits.
export const consumes: EventHandler<Tables>[] = [
  handleEvent(productCreated, (tx: Db, product) => recordCatalogProduct(tx, product)),
  handleEvent(productUpdated, (tx: Db, product) => recordCatalogProduct(tx, product)),

  handleEvent(orderPlaced, async (tx: Db, { orderId, lines }) => {
    const outcome = await reserveOrder(tx, orderId, lines);
    if (outcome.kind === 'reserved') await publishEvent(tx, stockReserved, { orderId });
    else if (outcome.kind === 'out-of-stock')
      await publishEvent(tx, stockReservationFailed, {
        orderId,
        reason: 'OUT_OF_STOCK',
        productIds: outcome.productIds,
      });
    // 'already-handled': the order was reserved before; the saga has its answer already.
    // 'rejected': the saga gave up on the order (timed out) before this came; it needs no answer.
  }),
  handleEvent(orderConfirmed, async (tx: Db, { orderId }) => {
    if (await commitOrder(tx, orderId)) await publishEvent(tx, stockCommitted, { orderId });
  }),
  handleEvent(orderRejected, async (tx: Db, { orderId }) => {
    if (await releaseOrder(tx, orderId)) await publishEvent(tx, stockReleased, { orderId });
  }),
  handleEvent(orderCancelled, async (tx: Db, { orderId }) => {
    if (await restockOrder(tx, orderId)) await publishEvent(tx, stockRestocked, { orderId });
  }),
];
