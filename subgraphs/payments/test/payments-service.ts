import { deliverDirectly, startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import type { EventBusOptions, EventEnvelope } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { createLogger } from '@shop/platform/logger';
import { expect } from 'vitest';
import type { Db, Tables } from '../src/db/database';
import type { PaymentProcessor } from '../src/domain/payment-processor';
import { createTestProcessor } from '../src/domain/test-processor';
import { consumersWith } from '../src/events';
import type { Context } from '../src/subgraph';
import { createPaymentsSubgraph } from '../src/subgraph';

export type PaymentsService = TestSubgraph<Tables, Context>;

const silent = createLogger('payments', 'silent');

/**
 * The payments subgraph on a fresh database with the test processor, its ledger on that same
 * database through the request pool (not the event handlers'), as `main.ts` gives it a pool
 * of its own. Events on a private pg-boss bus unless `events` names one.
 */
export async function startPayments(
  options: { events?: EventBusOptions } = {},
): Promise<{ service: PaymentsService; processor: PaymentProcessor }> {
  let ledger: Db | undefined;
  const processor = createTestProcessor(() => {
    if (!ledger) throw new Error('the test processor was called before the service started');
    return ledger;
  });
  const service = await startTestSubgraph(
    await createPaymentsSubgraph({ processor, logger: silent }),
    options,
  );
  ledger = service.database.db;
  return { service, processor };
}

/** An event as the orders service would publish it (a fresh envelope id each time). */
export function ordersEvent<TPayload>(type: string, payload: TPayload): EventEnvelope<TPayload> {
  return {
    id: newId(),
    type,
    version: 1,
    producer: 'orders',
    occurredAt: new Date().toISOString(),
    traceContext: {},
    payload,
  };
}

export const paymentRequested = (
  orderId: string,
  paymentToken: string,
  amount = { amount: 4999, currency: 'USD' },
  userId = crypto.randomUUID(),
) => ordersEvent('order.payment_requested', { orderId, userId, amount, paymentToken });

export const cancellationRequested = (orderId: string, userId = crypto.randomUUID()) =>
  ordersEvent('order.cancellation_requested', { orderId, userId });

export const orderRejected = (orderId: string, reason = 'TIMED_OUT', userId = crypto.randomUUID()) =>
  ordersEvent('order.rejected', {
    orderId,
    userId,
    reason,
    lines: [{ productId: crypto.randomUUID(), quantity: 1 }],
  });

/** Puts events on the service's bus, as the orders relay would. */
export async function publish(service: PaymentsService, ...envelopes: EventEnvelope[]): Promise<void> {
  if (!service.events) throw new Error('payments runs without events');
  const results = await service.events.transport.publish(envelopes);
  expect(results.every((result) => result.ok)).toBe(true);
}

/**
 * Hands envelopes to payments' consumer as the bus does (inbox, handler, one transaction),
 * without the bus: the way to deliver one envelope twice, which the bus itself would dedupe.
 */
export function directConsumer(service: PaymentsService, processor: PaymentProcessor) {
  return deliverDirectly({
    consumer: 'payments',
    db: service.database.db,
    handlers: consumersWith(processor, silent),
  });
}

export interface PaymentRecord {
  id: string;
  status: string;
  amount: number;
  currency: string;
  decline_reason: string | null;
  processor_reference: string;
  refunded_at: Date | null;
}

export async function paymentOf(
  service: PaymentsService,
  orderId: string,
): Promise<PaymentRecord | undefined> {
  const [row] = await service.database.sql<PaymentRecord[]>`
    select id, status, amount, currency, decline_reason, processor_reference, refunded_at
    from payments where order_id = ${orderId}`;
  return row;
}

/** What payments announced about an order, oldest first: the outbox rows (sent or not). */
export async function announcements(
  service: PaymentsService,
  orderId: string,
): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  return service.database.sql<{ type: string; payload: Record<string, unknown> }[]>`
    select type, payload from outbox where payload->>'orderId' = ${orderId} order by occurred_at, id`;
}

export interface LedgerRow {
  idempotency_key: string;
  kind: string;
  reference: string;
  token: string;
  amount: number;
  attempts: number;
  outcome: string | null;
  decline_reason: string | null;
  charge_reference: string | null;
}

/** The processor's records for an order: its charge and refund, by key. */
export async function ledgerOf(service: PaymentsService, orderId: string): Promise<LedgerRow[]> {
  return service.database.sql<LedgerRow[]>`
    select idempotency_key, kind, reference, token, amount, attempts, outcome, decline_reason, charge_reference
    from processor_operations
    where idempotency_key in (${`charge:${orderId}`}, ${`refund:${orderId}`})
    order by kind`;
}

export async function deadLettersOf(service: PaymentsService, eventId: string) {
  return service.database.sql<{ reason: string; detail: string }[]>`
    select reason, detail from dead_letters where event_id = ${eventId}`;
}
