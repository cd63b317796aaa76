import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  bearer,
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  checkoutProduct,
  consumedEvents,
  deadLetters,
  killSubgraph,
  QUICK_REDELIVERY_ENV,
  readProcessorLedger,
  sleep,
} from '../src/checkout';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * The checkout deadline end to end: a saga service is down for longer than
 * CHECKOUT_DEADLINE_SECONDS, so the order ends REJECTED / TIMED_OUT by itself, its stock is
 * released, and when the service comes back and reads the requests that waited for it, nothing
 * is reserved or charged for that order. The sweep's races (replicas, a reply just in time or
 * just too late) are subgraphs/orders/test/checkout-deadline.test.ts.
 */
const DEADLINE_SECONDS = 4;

// Only what orders answers: with a subgraph down, `payment` or `stock` would come back as errors.
const ORDER_STATE = /* GraphQL */ `
  query OrderState($id: ID!) { order(id: $id) { id status state failureReason } }
`;

interface OrderState {
  id: string;
  status: string;
  state: string;
  failureReason: string | null;
}

let stack: TestStack;
let client: CheckoutClient;

beforeAll(async () => {
  stack = await startTestStack({
    seed: CHECKOUT_SEED_PLAN,
    env: { ...QUICK_REDELIVERY_ENV, CHECKOUT_DEADLINE_SECONDS: String(DEADLINE_SECONDS) },
  });
  client = await CheckoutClient.open(stack);
});
afterAll(() => stack?.stop());

async function orderState(id: string): Promise<OrderState | null> {
  const answer = await stack.graphql<{ order: OrderState | null }>(
    ORDER_STATE,
    { id },
    bearer(client.admin.token),
  );
  if (answer.body.errors) throw new Error(`order(${id}): ${JSON.stringify(answer.body.errors)}`);
  return answer.body.data?.order ?? null;
}

/** Waits for the order to leave PENDING; returns it and how long after `since` that was. */
async function waitUntilDecided(id: string, since: number): Promise<{ order: OrderState; afterMs: number }> {
  for (;;) {
    const order = await orderState(id);
    if (order && order.status !== 'PENDING') return { order, afterMs: performance.now() - since };
    if (performance.now() - since > 60_000) throw new Error(`order ${id} still ${order?.state} after 60 s`);
    await sleep(200);
  }
}

/** Waits until `service` has handled (or recognised as a duplicate) `count` events of `type` since it started. */
async function waitUntilConsumed(service: string, type: string, count: number): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const seen =
      (await consumedEvents(stack, service, type, 'handled')) +
      (await consumedEvents(stack, service, type, 'duplicate'));
    if (seen >= count) return;
    if (performance.now() > deadline) throw new Error(`${service} consumed ${seen} of ${count} ${type}`);
    await sleep(100);
  }
}

it('rejects an order as TIMED_OUT when payments is down past the deadline, releases its stock, and charges nothing once payments is back', async () => {
  const product = checkoutProduct(0);
  await client.setStock(product, 10);
  await killSubgraph(stack, 'payments');

  const placedAt = performance.now();
  const placed = await client.placed(client.customer(0), {
    lines: [{ productId: product, quantity: 2 }],
    paymentToken: 'tok_ok',
  });
  expect(placed.status).toBe('PENDING');
  // Inventory reserved the units; the saga then waits for a payment nobody can take.
  expect((await client.waitForStock(product, (stock) => stock.reserved === 2)).reserved).toBe(2);

  const { order, afterMs } = await waitUntilDecided(placed.id, placedAt);
  expect(order).toMatchObject({ status: 'REJECTED', failureReason: 'TIMED_OUT' });
  // Not before the deadline; soon after it (the sweep looks every quarter of it).
  expect(afterMs).toBeGreaterThanOrEqual(DEADLINE_SECONDS * 1000);
  expect(afterMs).toBeLessThan(DEADLINE_SECONDS * 1000 + 15_000);
  expect(await client.waitForStock(product, (stock) => stock.reserved === 0)).toEqual({
    available: 10,
    reserved: 0,
    sold: 0,
  });

  // Payments comes back and reads both the request that waited for it and the rejection, in
  // whichever order the bus gives them: no money is kept for the order.
  await stack.restartSubgraph('payments');
  await waitUntilConsumed('payments', 'order.payment_requested', 1);
  await waitUntilConsumed('payments', 'order.rejected', 1);
  const ledger = (await readProcessorLedger(stack.databaseUrls.get('payments') as string)).filter(
    (entry) => entry.orderId === placed.id && entry.succeeded,
  );
  const net = ledger.reduce(
    (sum, entry) => sum + (entry.kind === 'charge' ? entry.amount : -entry.amount),
    0,
  );
  expect(net).toBe(0);
  const final = await client.order(placed.id);
  expect(final).toMatchObject({ status: 'REJECTED', failureReason: 'TIMED_OUT' });
  expect(final?.payment === null || final?.payment.status === 'REFUNDED').toBe(true);
  expect(await deadLetters(stack)).toEqual([]);
}, 120_000);

it('rejects an order as TIMED_OUT when inventory is down past the deadline, and reserves nothing for it once inventory is back', async () => {
  const product = checkoutProduct(1);
  await client.setStock(product, 5);
  await killSubgraph(stack, 'inventory');

  const placedAt = performance.now();
  const placed = await client.placed(client.customer(1), {
    lines: [{ productId: product, quantity: 3 }],
    paymentToken: 'tok_ok',
  });
  const { order, afterMs } = await waitUntilDecided(placed.id, placedAt);
  expect(order).toMatchObject({ status: 'REJECTED', failureReason: 'TIMED_OUT' });
  expect(afterMs).toBeGreaterThanOrEqual(DEADLINE_SECONDS * 1000);

  // Inventory comes back to the order.placed that waited for it, and the rejection.
  await stack.restartSubgraph('inventory');
  await waitUntilConsumed('inventory', 'order.placed', 1);
  await waitUntilConsumed('inventory', 'order.rejected', 1);
  expect(await client.stock(product)).toEqual({ available: 5, reserved: 0, sold: 0 });
  // Nothing asked payments to charge it.
  const ledger = await readProcessorLedger(stack.databaseUrls.get('payments') as string);
  expect(ledger.filter((entry) => entry.orderId === placed.id)).toEqual([]);
  expect((await orderState(placed.id))?.status).toBe('REJECTED');
  expect(await deadLetters(stack)).toEqual([]);
}, 120_000);
