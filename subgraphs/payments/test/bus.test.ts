import { createTestEventBus, eventually, type TestEventBus } from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  announcements,
  cancellationRequested,
  type PaymentsService,
  paymentOf,
  paymentRequested,
  publish,
  startPayments,
} from './payments-service';

let bus: TestEventBus;
let service: PaymentsService;

beforeAll(async () => {
  bus = await createTestEventBus('nats');
  ({ service } = await startPayments({ events: bus.options }));
});
afterAll(async () => {
  await service.stop();
  await bus.drop();
});

it.skipIf(withoutNats())(
  'charges and refunds over NATS JetStream, and its announcements leave for the bus',
  async () => {
    const orderId = crypto.randomUUID();
    await publish(service, paymentRequested(orderId, 'tok_ok', { amount: 1999, currency: 'USD' }));
    await eventually(async () => (await paymentOf(service, orderId))?.status === 'CHARGED', 'the charge');
    await publish(service, cancellationRequested(orderId));
    await eventually(async () => (await paymentOf(service, orderId))?.status === 'REFUNDED', 'the refund');
    expect((await announcements(service, orderId)).map((row) => row.type)).toEqual([
      'payment.charged',
      'payment.refunded',
    ]);
    // The relay handed both to JetStream.
    await eventually(async () => {
      const [row] = await service.database.sql<{ unsent: number }[]>`
      select count(*)::int as unsent from outbox where payload->>'orderId' = ${orderId} and sent_at is null`;
      return row?.unsent === 0;
    }, 'the outbox to drain');
  },
);
