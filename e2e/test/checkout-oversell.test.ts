import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNatsReachable,
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  checkoutProduct,
  type StockView,
  sleep,
  TRANSPORTS,
  transportEnv,
} from '../src/checkout';
import { startTestStack, type TestStack } from '../src/test-stack';

const STOCKED = 50;
const ORDERS = 200;
// The bound: every order of the rush has ended its saga this long after the first was sent.
const ALL_FINAL_WITHIN_MS = 30_000;

describe.each(TRANSPORTS)('a rush on one product, events on %s', (transport) => {
  let stack: TestStack;
  let client: CheckoutClient;

  beforeAll(async () => {
    if (transport === 'nats') await assertNatsReachable();
    stack = await startTestStack({ seed: CHECKOUT_SEED_PLAN, env: transportEnv(transport) });
    // Alice and Bob and four more customers, each with a token from accounts.
    client = await CheckoutClient.open(stack, 4);
  });
  afterAll(() => stack?.stop());

  it(`sells exactly ${STOCKED} units to ${ORDERS} concurrent orders, rejects the rest OUT_OF_STOCK, and never goes below zero`, async () => {
    const product = checkoutProduct(0);
    expect(await client.setStock(product, STOCKED)).toMatchObject({
      available: STOCKED,
      reserved: 0,
      sold: 0,
    });

    // The stock as the warehouse reports it, sampled all through the rush.
    const samples: StockView[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await client.stock(product));
        await sleep(50);
      }
    })();

    const startedAt = Date.now();
    const answers = await Promise.all(
      Array.from({ length: ORDERS }, (_, index) =>
        client.placeOrder(client.customer(index), {
          lines: [{ productId: product, quantity: 1 }],
          paymentToken: 'tok_ok',
        }),
      ),
    );
    // Every placeOrder is accepted (the saga decides later); none is answered with an error.
    expect(
      answers.filter((answer) => answer.body.errors !== undefined).map((answer) => answer.body.errors),
    ).toEqual([]);
    const ids = answers.map((answer) => answer.body.data?.placeOrder.id ?? '');
    expect(new Set(ids).size).toBe(ORDERS);

    const finals = [
      ...(await client.waitUntilFinal(ids, ALL_FINAL_WITHIN_MS - (Date.now() - startedAt))).values(),
    ];
    sampling = false;
    await sampler;

    const confirmed = finals.filter((order) => order.status === 'CONFIRMED');
    const rejected = finals.filter((order) => order.status === 'REJECTED');
    expect(confirmed).toHaveLength(STOCKED);
    expect(rejected).toHaveLength(ORDERS - STOCKED);
    for (const order of rejected) {
      expect(order).toMatchObject({ state: 'REJECTED', failureReason: 'OUT_OF_STOCK' });
      // Stock was never held for it, so nobody charged it.
      expect(order.payment).toBeNull();
    }
    for (const order of confirmed) {
      expect(order).toMatchObject({ state: 'CONFIRMED', failureReason: null });
      expect(order.payment).toMatchObject({ status: 'CHARGED', amount: order.total });
    }

    // Inventory commits the confirmed orders' units when it hears of them: wait for the last one.
    const settled = await client.waitForStock(product, (stock) => stock.reserved === 0);
    expect(settled).toEqual({ available: 0, reserved: 0, sold: STOCKED });
    expect(samples.length).toBeGreaterThan(5);
    for (const sample of samples) {
      expect(sample.available).toBeGreaterThanOrEqual(0);
      expect(sample.reserved).toBeGreaterThanOrEqual(0);
      expect(sample.available + sample.reserved + sample.sold).toBe(STOCKED);
    }
  }, 120_000);
});
