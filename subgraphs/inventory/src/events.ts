import { defineEvent, type EventHandler, handleEvent, publishEvent } from '@shop/platform/events';
import { z } from 'zod';
import type { Db, Tables } from './context';
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
  producer: 'products',
  type: 'product.created',
  version: 1,
  payload: catalogProduct,
});
const productUpdated = defineEvent({
  producer: 'products',
  type: 'product.updated',
  version: 1,
  payload: catalogProduct,
});

const orderLines = z.array(z.object({ productId: z.uuid(), quantity: z.number().int().min(1) })).min(1);
const orderWithLines = z.object({ orderId: z.uuid(), lines: orderLines });
// Confirming, rejecting and cancelling move what the reservations hold, so the lines are not read.
const orderRef = z.object({ orderId: z.uuid() });

const orderPlaced = defineEvent({
  producer: 'orders',
  type: 'order.placed',
  version: 1,
  payload: orderWithLines,
});
const orderConfirmed = defineEvent({
  producer: 'orders',
  type: 'order.confirmed',
  version: 1,
  payload: orderRef,
});
const orderRejected = defineEvent({
  producer: 'orders',
  type: 'order.rejected',
  version: 1,
  payload: orderRef,
});
const orderCancelled = defineEvent({
  producer: 'orders',
  type: 'order.cancelled',
  version: 1,
  payload: orderRef,
});

// ── What inventory tells the saga ──────────────────────────────────────────────────────────────

/** Every line of the order is held for it. */
export const stockReserved = defineEvent({
  producer: 'inventory',
  type: 'stock.reserved',
  version: 1,
  payload: orderRef,
});

/** Nothing is held: these products have fewer units available than the order asks for. */
export const stockReservationFailed = defineEvent({
  producer: 'inventory',
  type: 'stock.reservation_failed',
  version: 1,
  payload: z.object({
    orderId: z.uuid(),
    reason: z.literal('OUT_OF_STOCK'),
    productIds: z.array(z.uuid()).min(1),
  }),
});

/** The order's reserved units are sold (order confirmed). Informational. */
export const stockCommitted = defineEvent({
  producer: 'inventory',
  type: 'stock.committed',
  version: 1,
  payload: orderRef,
});
/** The order's reserved units are available again (order rejected). Informational. */
export const stockReleased = defineEvent({
  producer: 'inventory',
  type: 'stock.released',
  version: 1,
  payload: orderRef,
});
/** The order's sold units are available again (order cancelled). Informational. */
export const stockRestocked = defineEvent({
  producer: 'inventory',
  type: 'stock.restocked',
  version: 1,
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
