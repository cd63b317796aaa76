import { DEMO_SEED_PLAN, seedOrders } from '@shop/devkit/seed';
import { eventually } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../src/db/seed';
import { chargeKey, type PaymentProcessor, refundKey } from '../src/domain/payment-processor';
import {
  announcements,
  cancellationRequested,
  deadLettersOf,
  directConsumer,
  ledgerOf,
  type PaymentsService,
  paymentOf,
  paymentRequested,
  publish,
  startPayments,
} from './payments-service';

let service: PaymentsService;
let processor: PaymentProcessor;

beforeAll(async () => {
  ({ service, processor } = await startPayments());
});
afterAll(() => service.stop());

/** An order charged with `token`, as the saga leaves it before a cancellation. */
async function chargedOrder(token = 'tok_ok', amount = { amount: 7450, currency: 'USD' }) {
  const orderId = crypto.randomUUID();
  await publish(service, paymentRequested(orderId, token, amount));
  await eventually(async () => (await announcements(service, orderId))[0], 'the charge');
  return orderId;
}

const announcedTypes = async (orderId: string) =>
  (await announcements(service, orderId)).map((row) => row.type);

describe('order.cancellation_requested', () => {
  it('refunds the charge, marks the payment REFUNDED and announces payment.refunded', async () => {
    const orderId = await chargedOrder();
    const charged = await paymentOf(service, orderId);
    await publish(service, cancellationRequested(orderId));
    const refunded = await eventually(
      async () => (await announcements(service, orderId))[1],
      'the refund announcement',
    );
    expect(refunded).toEqual({
      type: 'payment.refunded',
      payload: { orderId, paymentId: charged?.id, amount: { amount: 7450, currency: 'USD' } },
    });
    const payment = await paymentOf(service, orderId);
    expect(payment?.status).toBe('REFUNDED');
    expect(payment?.refunded_at).not.toBeNull();
    expect(await ledgerOf(service, orderId)).toEqual([
      expect.objectContaining({ idempotency_key: chargeKey(orderId), outcome: 'succeeded' }),
      expect.objectContaining({
        idempotency_key: refundKey(orderId),
        kind: 'refund',
        outcome: 'succeeded',
        amount: 7450,
        charge_reference: charged?.processor_reference,
      }),
    ]);
  });

  it('refunds once, however often it is asked, answering again with the recorded refund', async () => {
    const orderId = await chargedOrder();
    const cancel = cancellationRequested(orderId);
    const deliver = directConsumer(service, processor);
    expect(await deliver(cancel)).toBe('ack');
    expect(await deliver(cancel, 2)).toBe('ack'); // the same event again: the inbox drops it
    expect(await deliver(cancellationRequested(orderId))).toBe('ack'); // the saga asks again
    expect(await announcedTypes(orderId)).toEqual([
      'payment.charged',
      'payment.refunded',
      'payment.refunded',
    ]);
    const refunds = (await ledgerOf(service, orderId)).filter((row) => row.kind === 'refund');
    expect(refunds).toEqual([expect.objectContaining({ attempts: 1, outcome: 'succeeded' })]);
  });

  it('refunds tok_flaky after the bus retried its transient failures', async () => {
    const orderId = await chargedOrder('tok_flaky');
    const cancel = cancellationRequested(orderId);
    await publish(service, cancel);
    await eventually(
      async () => (await paymentOf(service, orderId))?.status === 'REFUNDED',
      'the refund',
      30_000,
    );
    const refund = (await ledgerOf(service, orderId)).find((row) => row.kind === 'refund');
    expect(refund).toMatchObject({ attempts: 3, outcome: 'succeeded' });
    expect(await deadLettersOf(service, cancel.id)).toEqual([]);
  });

  it('does not refund twice after dying between the processor call and the commit', async () => {
    const orderId = await chargedOrder();
    const payment = await paymentOf(service, orderId);
    const refunded = await processor.refund({
      idempotencyKey: refundKey(orderId),
      chargeReference: payment?.processor_reference ?? '',
      amount: { amount: 7450, currency: 'USD' },
    });
    expect(refunded.outcome).toBe('succeeded');
    expect(await directConsumer(service, processor)(cancellationRequested(orderId))).toBe('ack');
    expect((await paymentOf(service, orderId))?.status).toBe('REFUNDED');
    expect((await ledgerOf(service, orderId)).filter((row) => row.kind === 'refund')).toEqual([
      expect.objectContaining({ attempts: 1, reference: refunded.reference }),
    ]);
  });

  it('announces nothing, and neither retries nor dead-letters, for an order that was never charged', async () => {
    const orderId = crypto.randomUUID();
    const cancel = cancellationRequested(orderId);
    expect(await directConsumer(service, processor)(cancel)).toBe('ack');
    expect(await announcements(service, orderId)).toEqual([]);
    expect(await paymentOf(service, orderId)).toBeUndefined();
    expect(await ledgerOf(service, orderId)).toEqual([]);
    expect(await deadLettersOf(service, cancel.id)).toEqual([]);
    const [handled] = await service.database.sql`select 1 from inbox where event_id = ${cancel.id}`;
    expect(handled).toBeDefined();
  });

  it('gives nothing back for an order whose charge was declined', async () => {
    const orderId = await chargedOrder('tok_declined');
    expect(await directConsumer(service, processor)(cancellationRequested(orderId))).toBe('ack');
    expect(await announcedTypes(orderId)).toEqual(['payment.declined']);
    expect((await paymentOf(service, orderId))?.status).toBe('DECLINED');
    expect((await ledgerOf(service, orderId)).map((row) => row.kind)).toEqual(['charge']);
  });

  it('retries a refund the processor refuses, then leaves it as a dead letter for a person', async () => {
    // A charge the processor has no record of (imported by hand, say): it will not refund it.
    const orderId = crypto.randomUUID();
    await service.database.sql`
      insert into payments (id, order_id, user_id, status, amount, currency, processor_reference)
      values (${crypto.randomUUID()}, ${orderId}, ${crypto.randomUUID()}, 'CHARGED', 100, 'USD', ${crypto.randomUUID()})`;
    const cancel = cancellationRequested(orderId);
    const deliver = directConsumer(service, processor); // its last attempt is the 3rd
    expect(await deliver(cancel, 1)).toBe('retry');
    expect(await deliver(cancel, 3)).toBe('ack');
    expect(await deadLettersOf(service, cancel.id)).toEqual([
      expect.objectContaining({
        reason: 'handler_failed',
        detail: expect.stringContaining('charge_not_found'),
      }),
    ]);
    expect((await paymentOf(service, orderId))?.status).toBe('CHARGED');
    expect(await announcements(service, orderId)).toEqual([]);
  });

  it("refunds a seeded past order with the processor's seeded record of its charge", async () => {
    const plan = { ...DEMO_SEED_PLAN, products: 10, orders: 2 };
    await seed(service.database.db, plan);
    const [order] = seedOrders(plan);
    if (!order) throw new Error('the plan has no orders');
    expect(await directConsumer(service, processor)(cancellationRequested(order.id))).toBe('ack');
    expect(await paymentOf(service, order.id)).toMatchObject({
      status: 'REFUNDED',
      amount: order.totalAmount,
    });
    expect((await ledgerOf(service, order.id)).map((row) => [row.kind, row.outcome])).toEqual([
      ['charge', 'succeeded'],
      ['refund', 'succeeded'],
    ]);
  });
});
