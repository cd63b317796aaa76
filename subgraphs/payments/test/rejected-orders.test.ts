import { eventually } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeKey, type PaymentProcessor, refundKey } from '../src/domain/payment-processor';
import {
  announcements,
  directConsumer,
  ledgerOf,
  orderRejected,
  type PaymentsService,
  paymentOf,
  paymentRequested,
  publish,
  startPayments,
} from './payments-service';

/**
 * order.rejected, and above all the checkout deadline's TIMED_OUT: the saga may give up on an
 * order while its payment request waits on the bus (payments down) or while payment.charged is on
 * its way back. Whatever the order the two events come in, no charge stands for a rejected order.
 */
let service: PaymentsService;
let processor: PaymentProcessor;

beforeAll(async () => {
  ({ service, processor } = await startPayments());
});
afterAll(() => service.stop());

const newOrderId = () => crypto.randomUUID();
const amount = { amount: 3200, currency: 'USD' };

describe('order.rejected', () => {
  it('refunds an order charged before its rejection reached payments, and tells no one', async () => {
    const orderId = newOrderId();
    await publish(service, paymentRequested(orderId, 'tok_ok', amount));
    await eventually(async () => (await paymentOf(service, orderId))?.status === 'CHARGED', 'the charge');
    const charged = await paymentOf(service, orderId);

    await publish(service, orderRejected(orderId));
    await eventually(async () => (await paymentOf(service, orderId))?.status === 'REFUNDED', 'the refund');
    expect(await ledgerOf(service, orderId)).toEqual([
      expect.objectContaining({ idempotency_key: chargeKey(orderId), outcome: 'succeeded' }),
      expect.objectContaining({
        idempotency_key: refundKey(orderId),
        outcome: 'succeeded',
        amount: amount.amount,
        charge_reference: charged?.processor_reference,
      }),
    ]);
    // The saga has finished with the order: a payment.refunded would be news it cannot use.
    expect((await announcements(service, orderId)).map((row) => row.type)).toEqual(['payment.charged']);
  });

  it('charges nothing for a payment request that comes after the rejection', async () => {
    const orderId = newOrderId();
    const deliver = directConsumer(service, processor);
    expect(await deliver(orderRejected(orderId))).toBe('ack');
    expect(await deliver(paymentRequested(orderId, 'tok_ok', amount))).toBe('ack');
    expect(await paymentOf(service, orderId)).toBeUndefined();
    expect(await ledgerOf(service, orderId)).toEqual([]);
    expect(await announcements(service, orderId)).toEqual([]);
  });

  it('refunds once, however often the rejection comes', async () => {
    const orderId = newOrderId();
    const deliver = directConsumer(service, processor);
    expect(await deliver(paymentRequested(orderId, 'tok_ok', amount))).toBe('ack');
    const rejected = orderRejected(orderId);
    expect(await deliver(rejected)).toBe('ack');
    expect(await deliver(rejected, 2)).toBe('ack');
    expect(await deliver(orderRejected(orderId))).toBe('ack');
    expect(await deliver(paymentRequested(orderId, 'tok_ok', amount))).toBe('ack');
    expect((await ledgerOf(service, orderId)).map((row) => [row.kind, row.attempts, row.outcome])).toEqual([
      ['charge', 1, 'succeeded'],
      ['refund', 1, 'succeeded'],
    ]);
    expect((await paymentOf(service, orderId))?.status).toBe('REFUNDED');
  });

  it('gives nothing back for a declined charge, or for an order never asked to be charged', async () => {
    const declined = newOrderId();
    const deliver = directConsumer(service, processor);
    expect(await deliver(paymentRequested(declined, 'tok_declined', amount))).toBe('ack');
    expect(await deliver(orderRejected(declined, 'PAYMENT_DECLINED'))).toBe('ack');
    expect((await paymentOf(service, declined))?.status).toBe('DECLINED');
    expect((await ledgerOf(service, declined)).map((row) => row.kind)).toEqual(['charge']);

    const outOfStock = newOrderId();
    expect(await deliver(orderRejected(outOfStock, 'OUT_OF_STOCK'))).toBe('ack');
    expect(await ledgerOf(service, outOfStock)).toEqual([]);
  });

  it('leaves no charge standing for any of 20 orders whose charge and rejection are handled at the same moment', async () => {
    const orderIds = Array.from({ length: 20 }, newOrderId);
    const deliver = directConsumer(service, processor);
    // One order at a time: the handlers and the test processor share this service's small pool.
    for (const orderId of orderIds) {
      const outcomes = await Promise.all([
        deliver(paymentRequested(orderId, 'tok_ok', amount)),
        deliver(orderRejected(orderId)),
      ]);
      expect(outcomes).toEqual(['ack', 'ack']);
    }
    for (const orderId of orderIds) {
      const ledger = await ledgerOf(service, orderId);
      const payment = await paymentOf(service, orderId);
      // Either the rejection came first and nothing was charged, or the charge was refunded.
      if (ledger.length === 0) expect(payment).toBeUndefined();
      else {
        expect(ledger.map((row) => [row.kind, row.outcome])).toEqual([
          ['charge', 'succeeded'],
          ['refund', 'succeeded'],
        ]);
        expect(payment?.status).toBe('REFUNDED');
      }
    }
  });
});
