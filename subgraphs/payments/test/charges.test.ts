import { eventually } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeKey, type PaymentProcessor } from '../src/domain/payment-processor';
import {
  announcements,
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

const newOrderId = () => crypto.randomUUID();

/** Publishes a payment request on the bus and waits for payments to announce the outcome. */
async function requestPayment(orderId: string, token: string, amount = { amount: 4999, currency: 'USD' }) {
  await publish(service, paymentRequested(orderId, token, amount));
  return eventually(async () => (await announcements(service, orderId))[0], `the outcome for ${token}`);
}

describe('order.payment_requested', () => {
  it('charges tok_ok and announces payment.charged with the payment and amount', async () => {
    const orderId = newOrderId();
    const announced = await requestPayment(orderId, 'tok_ok', { amount: 12_345, currency: 'EUR' });
    const payment = await paymentOf(service, orderId);
    expect(payment).toMatchObject({
      status: 'CHARGED',
      amount: 12_345,
      currency: 'EUR',
      decline_reason: null,
    });
    expect(announced).toEqual({
      type: 'payment.charged',
      payload: { orderId, paymentId: payment?.id, amount: { amount: 12_345, currency: 'EUR' } },
    });
    const ledger = await ledgerOf(service, orderId);
    expect(ledger).toEqual([
      expect.objectContaining({
        idempotency_key: chargeKey(orderId),
        kind: 'charge',
        outcome: 'succeeded',
        amount: 12_345,
        attempts: 1,
        reference: payment?.processor_reference,
      }),
    ]);
  });

  it('declines tok_declined as card_declined and announces payment.declined', async () => {
    const orderId = newOrderId();
    const announced = await requestPayment(orderId, 'tok_declined');
    const payment = await paymentOf(service, orderId);
    expect(payment).toMatchObject({ status: 'DECLINED', decline_reason: 'card_declined' });
    expect(announced).toEqual({
      type: 'payment.declined',
      payload: { orderId, paymentId: payment?.id, reason: 'card_declined' },
    });
    expect((await ledgerOf(service, orderId))[0]).toMatchObject({
      outcome: 'declined',
      decline_reason: 'card_declined',
    });
  });

  it('declines any token it does not know as unknown_token', async () => {
    for (const token of ['tok_visa', '', 'TOK_OK']) {
      const orderId = newOrderId();
      const announced = await requestPayment(orderId, token);
      expect(announced).toMatchObject({ type: 'payment.declined', payload: { reason: 'unknown_token' } });
      expect(await paymentOf(service, orderId)).toMatchObject({
        status: 'DECLINED',
        decline_reason: 'unknown_token',
      });
    }
  });

  it('charges tok_flaky once, after the bus retried its two transient failures', async () => {
    const orderId = newOrderId();
    const request = paymentRequested(orderId, 'tok_flaky');
    await publish(service, request);
    const announced = await eventually(
      async () => (await announcements(service, orderId))[0],
      'tok_flaky to succeed',
      30_000,
    );
    expect(announced).toMatchObject({ type: 'payment.charged' });
    expect(await paymentOf(service, orderId)).toMatchObject({ status: 'CHARGED' });
    // Three attempts under one key, one charge; nothing left for a person to look at.
    expect(await ledgerOf(service, orderId)).toEqual([
      expect.objectContaining({ attempts: 3, outcome: 'succeeded' }),
    ]);
    expect(await deadLettersOf(service, request.id)).toEqual([]);
  });

  it('charges once when the same event is delivered twice', async () => {
    const orderId = newOrderId();
    const request = paymentRequested(orderId, 'tok_ok');
    const deliver = directConsumer(service, processor);
    expect(await deliver(request)).toBe('ack');
    expect(await deliver(request, 2)).toBe('ack');
    // And the bus, asked to carry it twice, carries it once.
    await publish(service, request);
    await publish(service, request);
    await eventually(async () => {
      const [row] = await service.database.sql`select 1 from inbox where event_id = ${request.id}`;
      return row;
    }, 'the inbox row');

    expect(await announcements(service, orderId)).toHaveLength(1);
    expect(await ledgerOf(service, orderId)).toEqual([expect.objectContaining({ attempts: 1 })]);
    const [{ count } = { count: 0 }] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from payments where order_id = ${orderId}`;
    expect(count).toBe(1);
  });

  it('charges once when the saga asks again with a new event, answering with the recorded outcome', async () => {
    const orderId = newOrderId();
    const first = await requestPayment(orderId, 'tok_ok');
    await publish(service, paymentRequested(orderId, 'tok_ok'));
    const both = await eventually(async () => {
      const rows = await announcements(service, orderId);
      return rows.length === 2 && rows;
    }, 'the second answer');
    expect(both[1]).toEqual(first);
    expect(await ledgerOf(service, orderId)).toEqual([
      expect.objectContaining({ attempts: 1, outcome: 'succeeded' }),
    ]);

    // A declined order asked again is declined again, without a new try at the card.
    const declinedOrder = newOrderId();
    await requestPayment(declinedOrder, 'tok_declined');
    await publish(service, paymentRequested(declinedOrder, 'tok_ok'));
    const answers = await eventually(async () => {
      const rows = await announcements(service, declinedOrder);
      return rows.length === 2 && rows;
    }, 'the second answer');
    expect(answers.map((row) => row.type)).toEqual(['payment.declined', 'payment.declined']);
    expect(await paymentOf(service, declinedOrder)).toMatchObject({ status: 'DECLINED' });
  });

  it('charges once when two requests for one order are handled at the same moment', async () => {
    const orderId = newOrderId();
    const deliver = directConsumer(service, processor);
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => deliver(paymentRequested(orderId, 'tok_ok'))),
    );
    expect(outcomes.every((outcome) => outcome === 'ack')).toBe(true);
    expect(await ledgerOf(service, orderId)).toEqual([
      expect.objectContaining({ attempts: 1, outcome: 'succeeded' }),
    ]);
    const [{ count } = { count: 0 }] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from payments where order_id = ${orderId}`;
    expect(count).toBe(1);
    const announced = await announcements(service, orderId);
    expect(announced.length).toBeGreaterThanOrEqual(1);
    expect(new Set(announced.map((row) => JSON.stringify(row))).size).toBe(1);
  });

  it('does not charge twice after dying between the processor call and the commit', async () => {
    const orderId = newOrderId();
    const amount = { amount: 2500, currency: 'USD' };
    // The first delivery got this far: the processor charged, then the process died before the commit.
    const charged = await processor.charge({ idempotencyKey: chargeKey(orderId), token: 'tok_ok', amount });
    expect(charged.outcome).toBe('succeeded');
    expect(await paymentOf(service, orderId)).toBeUndefined();

    // The bus delivers the event again; the processor answers with the charge it made.
    await requestPayment(orderId, 'tok_ok', amount);
    expect(await paymentOf(service, orderId)).toMatchObject({
      status: 'CHARGED',
      processor_reference: charged.reference,
    });
    expect(await ledgerOf(service, orderId)).toEqual([
      expect.objectContaining({ attempts: 1, outcome: 'succeeded', reference: charged.reference }),
    ]);
  });

  it('dead-letters a request it cannot read, charging nothing', async () => {
    const orderId = newOrderId();
    const deliver = directConsumer(service, processor);
    for (const bad of [
      paymentRequested(orderId, 'tok_ok', { amount: -1, currency: 'USD' }),
      paymentRequested(orderId, 'tok_ok', { amount: 100, currency: 'usd' }),
      paymentRequested('not-an-order-id', 'tok_ok'),
    ]) {
      expect(await deliver(bad)).toBe('ack');
      expect(await deadLettersOf(service, bad.id)).toEqual([
        expect.objectContaining({ reason: 'invalid_payload' }),
      ]);
    }
    expect(await paymentOf(service, orderId)).toBeUndefined();
    expect(await ledgerOf(service, orderId)).toEqual([]);
  });
});
