import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

export { deadLetters, inbox, outbox } from '@shop/platform/events/tables';

// Milliseconds, like a JavaScript Date, so cursors holding a timestamp compare exactly.
const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** The saga's states (docs/checkout-and-events.md); the order row holds the current one. */
export const ORDER_STATES = [
  'RESERVING_STOCK',
  'CHARGING_PAYMENT',
  'CONFIRMED',
  'REJECTED',
  'CANCELLING',
  'CANCELLED',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

const listOf = (states: readonly OrderState[]) => sql.raw(states.map((state) => `'${state}'`).join(', '));
const stateList = listOf(ORDER_STATES);

/** The states in which the saga waits for inventory or payments: what the checkout deadline cuts short. */
export const WAITING_STATES = [
  'RESERVING_STOCK',
  'CHARGING_PAYMENT',
] as const satisfies readonly OrderState[];
/** As literals: a query repeats its partial index's predicate word for word, or the planner cannot use it. */
export const waitingStateList = listOf(WAITING_STATES);

/**
 * The orders service's own copy of the catalog, fed by product.created / product.updated:
 * what placeOrder prices and names lines from, without asking the products service.
 */
export const catalogProducts = pgTable(
  'catalog_products',
  {
    productId: uuid('product_id').primaryKey(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    priceAmount: integer('price_amount').notNull(),
    priceCurrency: text('price_currency').notNull(),
    /** The product's `changedAt` this row reflects: an older event never overwrites a newer one. */
    changedAt: at('changed_at').notNull(),
  },
  (table) => [check('catalog_products_price_not_negative', sql`${table.priceAmount} >= 0`)],
);

export type CatalogProductRow = typeof catalogProducts.$inferSelect;

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    /** Where the checkout saga is; every change is also a row of order_transitions. */
    state: text('state').$type<OrderState>().notNull(),
    /** Why the order was rejected (OUT_OF_STOCK, PAYMENT_DECLINED, TIMED_OUT); null otherwise. */
    failureReason: text('failure_reason'),
    totalAmount: integer('total_amount').notNull(),
    currency: text('currency').notNull(),
    /** Kept until the payment step asks payments to charge it. */
    paymentToken: text('payment_token').notNull(),
    /** The client's key: a retried placeOrder with the same key and request gets this order back. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** Hash of the normalized request, to tell a retry from a different request under the same key. */
    requestHash: text('request_hash').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [
    check('orders_state_known', sql`${table.state} in (${stateList})`),
    check('orders_total_not_negative', sql`${table.totalAmount} >= 0`),
    unique('orders_one_per_idempotency_key').on(table.userId, table.idempotencyKey),
    // User.orders: newest first, keyset-paged.
    index('orders_user_newest_idx').on(table.userId, table.createdAt, table.id),
    // The checkout deadline's sweep: only orders still waiting, oldest first, so it stays small.
    index('orders_waiting_since_idx').on(table.createdAt).where(sql`${table.state} in (${waitingStateList})`),
  ],
);

export type OrderRow = typeof orders.$inferSelect;

/** What was ordered, with the name and price the catalog had at the time of ordering. */
export const orderLines = pgTable(
  'order_lines',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    /** The line's place in the order as the client sent it (0-based). */
    position: smallint('position').notNull(),
    productId: uuid('product_id').notNull(),
    productName: text('product_name').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceAmount: integer('unit_price_amount').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.position] }),
    unique('order_lines_one_per_product').on(table.orderId, table.productId),
    check('order_lines_quantity_range', sql`${table.quantity} between 1 and 100`),
    check('order_lines_price_not_negative', sql`${table.unitPriceAmount} >= 0`),
  ],
);

export type OrderLineRow = typeof orderLines.$inferSelect;

/**
 * The saga's history: one row per state change, with what caused it (a user's mutation or an
 * event, by id) and the event the change published. Written in the same transaction as the change.
 */
export const orderTransitions = pgTable(
  'order_transitions',
  {
    id: uuid('id').primaryKey(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    /** Null for the order's first state. */
    fromState: text('from_state').$type<OrderState>(),
    toState: text('to_state').$type<OrderState>().notNull(),
    /** `placeOrder`, `cancelOrder`, `seed`, or the type of the event that caused it (`stock.reserved`). */
    trigger: text('trigger').notNull(),
    /** The id of the event that caused it; null for a user's mutation. */
    triggerEventId: uuid('trigger_event_id'),
    /** Who asked for it, for a user's mutation; null for an event. */
    actorUserId: uuid('actor_user_id'),
    /** The event this transition published (the outbox row's id). */
    publishedEventId: uuid('published_event_id'),
    occurredAt: at('occurred_at').notNull().defaultNow(),
  },
  (table) => [
    index('order_transitions_order_idx').on(table.orderId, table.occurredAt),
    // A saga step happens once per event: a second row for the same cause would be a bug.
    unique('order_transitions_one_per_event').on(table.orderId, table.triggerEventId),
  ],
);

export type OrderTransitionRow = typeof orderTransitions.$inferSelect;
