import { withoutNats } from '@shop/devkit/testing/services';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  assertNatsReachable,
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  type CuttableProxy,
  checkoutProduct,
  deadLetters,
  NATS_URL,
  type OrderView,
  openCuttableProxy,
  sleep,
  TRANSPORTS,
  transportEnv,
} from '../src/checkout';
import { startTestStack, type TestStack } from '../src/test-stack';

// The outage: the bus is gone this long while customers keep ordering.
const OUTAGE_MS = 30_000;
const ORDER_EVERY_MS = 1000;
const STOCKED = 1000;

/** How each transport's bus is taken away and given back, honestly: the services see it gone. */
interface Outage {
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

for (const transport of TRANSPORTS)
  describe.skipIf(transport === 'nats' && withoutNats())(
    `the bus (${transport}) unavailable for 30 s`,
    () => {
      let stack: TestStack;
      let client: CheckoutClient;
      let outage: Outage;
      let proxy: CuttableProxy | undefined;

      beforeAll(async () => {
        if (transport === 'nats') {
          await assertNatsReachable();
          // The machine's NATS server is shared: the services reach it through a proxy this test cuts.
          proxy = await openCuttableProxy(NATS_URL);
        }
        stack = await startTestStack({
          seed: CHECKOUT_SEED_PLAN,
          env: transportEnv(transport, proxy?.url),
        });
        client = await CheckoutClient.open(stack);
        outage = proxy ? proxyOutage(proxy) : await eventsDatabaseOutage(stack.eventsDatabaseUrl);
      });
      afterAll(async () => {
        await outage?.restore();
        await stack?.stop();
        await outage?.close();
      });

      it('takes orders meanwhile and, once it is back, every one of them ends its saga', async () => {
        const product = checkoutProduct(1);
        await client.setStock(product, STOCKED);
        // The saga runs before the outage: the stack is warm and consumers are subscribed.
        const before = await client.placed(client.customer(0), {
          lines: [{ productId: product, quantity: 1 }],
          paymentToken: 'tok_ok',
        });
        expect((await client.waitUntilFinal([before.id], 30_000)).get(before.id)?.state).toBe('CONFIRMED');

        await outage.cut();
        const cutAt = Date.now();
        const placedMeanwhile: OrderView[] = [];
        let index = 0;
        while (Date.now() - cutAt < OUTAGE_MS - ORDER_EVERY_MS) {
          // placeOrder writes the order and its event to orders' own database: it needs no bus.
          placedMeanwhile.push(
            await client.placed(client.customer(index++), {
              lines: [{ productId: product, quantity: 1 }],
              paymentToken: index % 3 === 0 ? 'tok_flaky' : 'tok_ok',
            }),
          );
          await sleep(ORDER_EVERY_MS);
        }
        await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
        // Nothing moved while the bus was gone: the orders are still waiting for their stock.
        const duringOutage = await Promise.all(placedMeanwhile.map((order) => client.order(order.id)));
        expect(duringOutage.map((order) => order?.state)).toEqual(
          placedMeanwhile.map(() => 'RESERVING_STOCK'),
        );
        // No service gave up and exited.
        for (const [name, service] of stack.subgraphs)
          expect({ name, exitCode: service.child.exitCode }).toEqual({ name, exitCode: null });
        await outage.restore();

        const ids = placedMeanwhile.map((order) => order.id);
        const finals = await client.waitUntilFinal(ids, 60_000);
        expect([...finals.values()].map((order) => order.state)).toEqual(ids.map(() => 'CONFIRMED'));
        const stock = await client.waitForStock(product, (level) => level.reserved === 0);
        // Nothing was given up on while the bus was gone.
        expect(await deadLetters(stack)).toEqual([]);
        expect(stock).toEqual({ available: STOCKED - ids.length - 1, reserved: 0, sold: ids.length + 1 });
      }, 150_000);
    },
  );

/**
 * pg-boss' `events` database made unreachable: new connections refused, open ones terminated
 * (what a database server that went away looks like to its clients), then allowed again.
 */
async function eventsDatabaseOutage(eventsDatabaseUrl: string): Promise<Outage> {
  const database = decodeURIComponent(new URL(eventsDatabaseUrl).pathname.slice(1));
  const admin = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
  return {
    async cut() {
      await admin.unsafe(`alter database "${database}" allow_connections false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database}`;
    },
    async restore() {
      await admin.unsafe(`alter database "${database}" allow_connections true`);
    },
    async close() {
      await admin.end();
    },
  };
}

function proxyOutage(proxy: CuttableProxy): Outage {
  return { cut: async () => proxy.cut(), restore: async () => proxy.restore(), close: () => proxy.close() };
}
