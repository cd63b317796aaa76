import { randomUUID } from 'node:crypto';
import { withoutNats } from '@shop/devkit/testing/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNatsReachable,
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  checkoutProduct,
  deadLetters,
  type OrderView,
  ROOMY_GATEWAY_ENV,
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

for (const transport of TRANSPORTS)
  describe.skipIf(transport === 'nats' && withoutNats())(
    `a rush on one product, events on ${transport}`,
    () => {
      let stack: TestStack;
      let client: CheckoutClient;

      beforeAll(async () => {
        if (transport === 'nats') await assertNatsReachable();
        stack = await startTestStack({
          seed: CHECKOUT_SEED_PLAN,
          env: { ...ROOMY_GATEWAY_ENV, ...transportEnv(transport) },
        });
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
            // A read that fails under the rush is a missing sample, not a failure of the test.
            const sample = await client.stock(product).catch(() => null);
            if (sample) samples.push(sample);
            await sleep(50);
          }
        })();

        let finals: OrderView[];
        try {
          const startedAt = Date.now();
          const orders = await Promise.all(
            Array.from({ length: ORDERS }, (_, index) =>
              client.placeRetrying(client.customer(index), {
                lines: [{ productId: product, quantity: 1 }],
                paymentToken: 'tok_ok',
                idempotencyKey: randomUUID(),
              }),
            ),
          );
          // Every placeOrder is accepted (the saga decides later), each its own order.
          const ids = orders.map((order) => order.id);
          expect(new Set(ids).size).toBe(ORDERS);
          if (client.retries > 0)
            console.info(`${transport}: ${client.retries} placeOrder calls were sent again`);

          finals = [
            ...(await client.waitUntilFinal(ids, ALL_FINAL_WITHIN_MS - (Date.now() - startedAt))).values(),
          ];
        } finally {
          sampling = false;
          await sampler;
        }

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
        expect(await deadLetters(stack)).toEqual([]);
        expect(samples.length).toBeGreaterThan(5);
        for (const sample of samples) {
          expect(sample.available).toBeGreaterThanOrEqual(0);
          expect(sample.reserved).toBeGreaterThanOrEqual(0);
          expect(sample.available + sample.reserved + sample.sold).toBe(STOCKED);
        }
      }, 120_000);
    },
  );
