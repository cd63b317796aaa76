import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export { deadLetters, inbox, outbox } from '@shop/platform/events/tables';

// Milliseconds, like a JavaScript Date.
const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const PAYMENT_STATUSES = ['CHARGED', 'DECLINED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** One row per order whose charge was attempted: what the shop knows of the money. */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey(),
    /** Unique: an order is charged at most once, however often the saga asks. */
    orderId: uuid('order_id').notNull().unique('payments_one_per_order'),
    /** The order's owner, kept so the payment is shown to them (and admins) only. */
    userId: uuid('user_id').notNull(),
    status: text('status').$type<PaymentStatus>().notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    declineReason: text('decline_reason'),
    /** The processor's id of the charge, which a refund names. */
    processorReference: text('processor_reference').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    refundedAt: at('refunded_at'),
  },
  (table) => [
    check('payments_status_known', sql`${table.status} in ('CHARGED', 'DECLINED', 'REFUNDED')`),
    check('payments_amount_not_negative', sql`${table.amount} >= 0`),
    check('payments_currency_code', sql`${table.currency} ~ '^[A-Z]{3}$'`),
    check(
      'payments_decline_reason_iff_declined',
      sql`(${table.status} = 'DECLINED') = (${table.declineReason} is not null)`,
    ),
    check(
      'payments_refunded_at_iff_refunded',
      sql`(${table.status} = 'REFUNDED') = (${table.refundedAt} is not null)`,
    ),
  ],
);

export type PaymentRow = typeof payments.$inferSelect;

/**
 * Orders the saga rejected (order.rejected): never charged from then on. The bus keeps no order,
 * so an order.payment_requested queued while payments was down may come after the rejection of
 * an order that timed out waiting for it; this row is what refuses it.
 */
export const rejectedOrders = pgTable('rejected_orders', {
  orderId: uuid('order_id').primaryKey(),
  rejectedAt: at('rejected_at').notNull().defaultNow(),
});

export const PROCESSOR_OPERATION_KINDS = ['charge', 'refund'] as const;
export const PROCESSOR_OUTCOMES = ['succeeded', 'declined'] as const;
export type ProcessorOutcome = (typeof PROCESSOR_OUTCOMES)[number];

/**
 * The test processor's own records, as a real provider keeps them on its side: written in
 * transactions of their own, never the event handler's, so an operation it performed stays
 * performed even when the handler that asked for it rolls back. A repeated idempotency key
 * gets the recorded outcome back instead of a second operation.
 */
export const processorOperations = pgTable(
  'processor_operations',
  {
    /** `charge:<orderId>` or `refund:<orderId>`. */
    idempotencyKey: text('idempotency_key').primaryKey(),
    kind: text('kind').$type<(typeof PROCESSOR_OPERATION_KINDS)[number]>().notNull(),
    /** The processor's id of the operation, returned to the caller. */
    reference: uuid('reference').notNull().unique('processor_operations_reference'),
    token: text('token').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    /** For a refund: the reference of the charge it gives back. */
    chargeReference: uuid('charge_reference'),
    /** Calls made with this key so far, failed ones included (tok_flaky fails its first two). */
    attempts: integer('attempts').notNull().default(0),
    /** Null while no attempt has completed (only transient failures so far). */
    outcome: text('outcome').$type<ProcessorOutcome>(),
    declineReason: text('decline_reason'),
    createdAt: at('created_at').notNull().defaultNow(),
    completedAt: at('completed_at'),
  },
  (table) => [
    check('processor_operations_kind_known', sql`${table.kind} in ('charge', 'refund')`),
    check(
      'processor_operations_outcome_known',
      sql`${table.outcome} is null or ${table.outcome} in ('succeeded', 'declined')`,
    ),
    check(
      'processor_operations_refund_names_charge',
      sql`(${table.kind} = 'refund') = (${table.chargeReference} is not null)`,
    ),
    index('processor_operations_charge_reference_idx').on(table.chargeReference),
  ],
);

export type ProcessorOperationRow = typeof processorOperations.$inferSelect;
