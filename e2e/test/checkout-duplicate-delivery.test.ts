import { connectEventTransport, type EventEnvelope } from '@shop/platform/events';
import { createLogger } from '@shop/platform/logger';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  checkoutProduct,
  consumedEvents,
  deadLetters,
  readProcessorLedger,
  sleep,
  transportEnv,
} from '../src/checkout';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * At-least-once delivery, exactly-once effect, end to end: events the saga has already been
 * through are put on the bus again, byte for byte (same event id), as a redelivery after a lost
 * ack or a relay that died after publishing would, and nothing a customer or the warehouse or
 * the payment processor can see changes.
 *
 * On pg-boss, the stack's default bus: the bus itself would drop a republish whose job still
 * exists (job id = event id), so the delivered jobs are deleted first, which is what the bus
 * would look like had it lost track of the delivery. The consumers' inboxes are all that stands
 * between the second delivery and a second effect. (NATS drops the same event id for 2 minutes
 * by Nats-Msg-Id, and the inbox code behind both transports is the same.)
 */

// What is delivered again, and who must recognise it: the saga's requests to inventory and
// payments, and the confirmation inventory commits and reviews records a purchase for.
const REDELIVERED = new Map([
  ['order.placed', ['inventory']],
  ['order.payment_requested', ['payments']],
  ['order.confirmed', ['inventory', 'reviews']],
]);

let stack: TestStack;
let client: CheckoutClient;

beforeAll(async () => {
  stack = await startTestStack({ seed: CHECKOUT_SEED_PLAN, env: transportEnv('pg-boss') });
  client = await CheckoutClient.open(stack);
});
afterAll(() => stack?.stop());

it('a second delivery of order.placed, order.payment_requested and order.confirmed reserves, charges and sells nothing', async () => {
  const product = checkoutProduct(2);
  await client.setStock(product, 10);
  const placed = await client.placed(client.customer(0), {
    lines: [{ productId: product, quantity: 2 }],
    paymentToken: 'tok_ok',
  });
  const order = (await client.waitUntilFinal([placed.id], 30_000)).get(placed.id);
  expect(order).toMatchObject({ state: 'CONFIRMED', payment: { status: 'CHARGED' } });
  const stockBefore = await client.waitForStock(product, (stock) => stock.reserved === 0);
  expect(stockBefore).toEqual({ available: 8, reserved: 0, sold: 2 });
  const ledgerBefore = await readProcessorLedger(stack.databaseUrls.get('payments') as string);

  const envelopes = await sentEvents(placed.id, [...REDELIVERED.keys()]);
  expect(envelopes.map((envelope) => envelope.type).sort()).toEqual([...REDELIVERED.keys()].sort());
  const duplicatesBefore = await duplicatesSeen();

  await republish(envelopes);

  // Each consumer received its event again, and recognised it.
  await eventually(async () => {
    expect(await duplicatesSeen()).toEqual(duplicatesBefore.map((count) => count + 1));
  });
  // And nothing changed: the order, its payment, the stock, the processor's ledger.
  await sleep(500);
  expect(await client.order(placed.id)).toEqual(order);
  expect(await client.stock(product)).toEqual(stockBefore);
  expect(await readProcessorLedger(stack.databaseUrls.get('payments') as string)).toEqual(ledgerBefore);
  expect(await deadLetters(stack)).toEqual([]);
}, 120_000);

/** events_consumed_total{outcome="duplicate"} of every consumer of REDELIVERED, in its order. */
function duplicatesSeen(): Promise<number[]> {
  return Promise.all(
    [...REDELIVERED].flatMap(([type, consumers]) =>
      consumers.map((consumer) => consumedEvents(stack, consumer, type, 'duplicate')),
    ),
  );
}

/** The envelopes orders sent for `orderId`, rebuilt from its outbox exactly as the relay sent them. */
async function sentEvents(orderId: string, types: string[]): Promise<EventEnvelope[]> {
  const sql = postgres(stack.databaseUrls.get('orders') as string, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<
      {
        id: string;
        producer: string;
        type: string;
        version: number;
        payload: Record<string, unknown> | null;
        payload_protobuf: Uint8Array | null;
        trace_context: Record<string, string>;
        occurred_at: Date;
      }[]
    >`select * from outbox
      where type in ${sql(types)} and payload->>'orderId' = ${orderId} and sent_at is not null`;
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      version: row.version,
      producer: row.producer,
      occurredAt: row.occurred_at.toISOString(),
      traceContext: row.trace_context,
      // The Protobuf bytes the relay sent (only a row written before Protobuf has just the JSON).
      payload: row.payload_protobuf ?? row.payload,
    }));
  } finally {
    await sql.end();
  }
}

/** Puts the envelopes on the stack's pg-boss bus again, through the platform's own transport. */
async function republish(envelopes: EventEnvelope[]): Promise<void> {
  const events = postgres(stack.eventsDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    // The delivered jobs go (their ids are the event ids), or the bus would drop the republish itself.
    const deleted =
      await events`delete from pgboss.job where id in ${events(envelopes.map((envelope) => envelope.id))} returning id`;
    expect(deleted.length).toBeGreaterThanOrEqual(envelopes.length);
  } finally {
    await events.end();
  }
  const transport = await connectEventTransport(
    {
      bus: { transport: 'pg-boss', databaseUrl: stack.eventsDatabaseUrl },
      namespace: stackNamespace(),
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    },
    'e2e',
    createLogger('e2e', 'warn'),
  );
  try {
    const results = await transport.publish(envelopes);
    expect(results).toEqual(envelopes.map(() => ({ ok: true })));
  } finally {
    await transport.close();
  }
}

/** The stack's event namespace is its database prefix (e2e_xxxxxx), as startTestStack makes it. */
function stackNamespace(): string {
  const namespace = /\/(e2e_[0-9a-f]+)_[a-z]+(\?|$)/.exec(stack.eventsDatabaseUrl)?.[1];
  if (!namespace) throw new Error(`cannot tell the stack's namespace from ${stack.eventsDatabaseUrl}`);
  return namespace;
}

async function eventually(check: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}
