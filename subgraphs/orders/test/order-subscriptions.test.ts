import { randomUUID } from 'node:crypto';
import { DEMO_SEED_PLAN, seedProducts } from '@shop/devkit/seed';
import {
  createTestEventBus,
  startTestReplica,
  startTestSubgraph,
  subscribeToSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { newId } from '@shop/platform/ids';
import type { RunningSubgraph } from '@shop/platform/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import { advanceCheckout, type EventTrigger } from '../src/domain/checkout-saga';
import type { Context } from '../src/subgraph';
import { admin, alice, bob, type OrderView, ordersSubgraph, PLACE_ORDER } from './fixtures';

/**
 * Subscription.orderUpdated and myOrders on two replicas of orders sharing one database: the
 * saga moves the order on replica A, the subscriber is connected to replica B and hears every
 * change (Postgres LISTEN/NOTIFY after commit), and only with the gateway's proof.
 */
let bus: TestEventBus;
let replicaA: TestSubgraph<Tables, Context>;
let replicaB: RunningSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 5, users: 5, orders: 0 };
const products = seedProducts(plan);

const ORDER_UPDATED = /* GraphQL */ `
  subscription ($id: ID!) { orderUpdated(id: $id) { id status state failureReason } }
`;
const MY_ORDERS = /* GraphQL */ `subscription { myOrders { id status } }`;

beforeAll(async () => {
  bus = await createTestEventBus('pg-boss');
  replicaA = await startTestSubgraph(ordersSubgraph, { events: bus.options });
  await seed(replicaA.database.db, plan);
  replicaB = await startTestReplica(ordersSubgraph, replicaA, bus.options);
});

afterAll(async () => {
  await replicaB?.stop();
  await replicaA?.stop();
  await bus?.drop();
});

async function placeOrder(paymentToken = 'tok_ok', caller = alice): Promise<OrderView> {
  const result = await replicaA.execute<{ placeOrder: OrderView }>(
    PLACE_ORDER,
    {
      input: {
        lines: [{ productId: products[0]?.id, quantity: 1 }],
        paymentToken,
        idempotencyKey: randomUUID(),
      },
    },
    caller,
  );
  expect(result.errors).toBeUndefined();
  return result.data?.placeOrder ?? expect.unreachable('no order');
}

/** What the saga's consumer does when inventory or payments answer, on replica A. */
async function advanceOnA(orderId: string, trigger: EventTrigger) {
  await replicaA.database.db.transaction((tx) =>
    advanceCheckout(tx, trigger, orderId, { id: newId(), type: trigger }),
  );
}

describe('Subscription.orderUpdated across replicas', () => {
  it('sends the order as it is, then each change made on the other replica, PENDING to CONFIRMED', async () => {
    const order = await placeOrder();
    const subscription = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, alice, ORDER_UPDATED, {
      id: order.id,
    });
    expect(await subscription.next()).toEqual({
      data: {
        orderUpdated: { id: order.id, status: 'PENDING', state: 'RESERVING_STOCK', failureReason: null },
      },
    });
    await advanceOnA(order.id, 'stock.reserved');
    expect((await subscription.next()).data).toEqual({
      orderUpdated: { id: order.id, status: 'PENDING', state: 'CHARGING_PAYMENT', failureReason: null },
    });
    await advanceOnA(order.id, 'payment.charged');
    expect((await subscription.next()).data).toEqual({
      orderUpdated: { id: order.id, status: 'CONFIRMED', state: 'CONFIRMED', failureReason: null },
    });
    await subscription.close();
  });

  it('ends after REJECTED, with the reason', async () => {
    const order = await placeOrder('tok_declined');
    const subscription = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, admin, ORDER_UPDATED, {
      id: order.id,
    });
    expect((await subscription.next()).data?.orderUpdated).toMatchObject({ state: 'RESERVING_STOCK' });
    await advanceOnA(order.id, 'stock.reserved');
    expect((await subscription.next()).data?.orderUpdated).toMatchObject({ state: 'CHARGING_PAYMENT' });
    await advanceOnA(order.id, 'payment.declined');
    expect((await subscription.next()).data?.orderUpdated).toEqual({
      id: order.id,
      status: 'REJECTED',
      state: 'REJECTED',
      failureReason: 'PAYMENT_DECLINED',
    });
    expect(await subscription.ended).toBeNull();
    await subscription.close();
  });

  it("refuses someone else's order as NOT_FOUND, and an anonymous caller as UNAUTHENTICATED", async () => {
    const order = await placeOrder();
    const asBob = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, bob, ORDER_UPDATED, {
      id: order.id,
    });
    expect((await asBob.next()).errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    await asBob.close();
    const anonymous = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, null, ORDER_UPDATED, {
      id: order.id,
    });
    expect((await anonymous.next()).errors?.map((error) => error.extensions?.code)).toEqual([
      'UNAUTHENTICATED',
    ]);
    await anonymous.close();
  });

  it('closes a connection without the gateway proof, or with a wrong one, before any operation', async () => {
    const order = await placeOrder();
    for (const secret of [null, 'x'.repeat(40)]) {
      const subscription = subscribeToSubgraph(replicaB.url, secret, alice, ORDER_UPDATED, { id: order.id });
      const ended = (await subscription.ended) as { code?: number };
      expect(ended.code).toBe(4403);
      await subscription.close();
    }
  });

  it("myOrders hears each of the caller's orders change, and no one else's", async () => {
    const mine = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, alice, MY_ORDERS);
    const bobs = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, bob, MY_ORDERS);
    // Both subscriptions listen once the server has answered something on them: wait for the LISTEN.
    await expect.poll(() => replicaB.changes.listenerCount(), { timeout: 10_000 }).toBe(2);
    const order = await placeOrder();
    expect((await mine.next()).data).toEqual({ myOrders: { id: order.id, status: 'PENDING' } });
    await advanceOnA(order.id, 'stock.reserved');
    expect((await mine.next()).data).toEqual({ myOrders: { id: order.id, status: 'PENDING' } });
    const bobsOrder = await placeOrder('tok_ok', bob);
    expect((await bobs.next()).data).toEqual({ myOrders: { id: bobsOrder.id, status: 'PENDING' } });
    await mine.close();
    await bobs.close();
    await expect.poll(() => replicaB.changes.listenerCount(), { timeout: 10_000 }).toBe(0);
  });

  it('lets go of every listener and socket once subscriptions end', async () => {
    const order = await placeOrder();
    for (let round = 0; round < 20; round++) {
      const subscription = subscribeToSubgraph(replicaB.url, replicaA.gatewaySecret, alice, ORDER_UPDATED, {
        id: order.id,
      });
      await subscription.next();
      await subscription.close();
    }
    await expect.poll(() => replicaB.changes.listenerCount(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => replicaB.subscriptions?.connectionCount(), { timeout: 10_000 }).toBe(0);
  });
});
