import type { ApolloClient } from '@apollo/client';
import { CombinedGraphQLErrors, gql } from '@apollo/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShopApolloClient, type SubscriptionTransport, shopApolloClient } from '../src/apollo-client';
import {
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  checkoutProduct,
  mapConcurrently,
  PLACE_ORDER,
} from '../src/checkout';
import {
  type GatewaySubscription,
  gatewaySubscriptionClient,
  gaugeSum,
  readSubscription,
} from '../src/gateway-subscriptions';
import {
  footprintAfterGc,
  inspectableNodeOptions,
  inspectorUrlIn,
  type ProcessFootprint,
} from '../src/process-inspector';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * Apollo Client 4 in Node against the whole system, as an app would use it: subscriptions over
 * graphql-ws (GraphQLWsLink) and over Server-Sent Events (EventStreamLink), mutations over HTTP.
 * Then 1,000 subscribe/unsubscribe cycles through the gateway, and nothing stays behind: no
 * upstream socket, no running subscription, no listener in orders, no handle or heap in the gateway.
 */
let stack: TestStack;
let checkout: CheckoutClient;
let gatewayInspector: string | null = null;

beforeAll(async () => {
  stack = await startTestStack({
    seed: CHECKOUT_SEED_PLAN,
    // The gateway measured from inside after a full GC (see process-inspector.ts).
    gatewayEnv: () => ({ NODE_OPTIONS: inspectableNodeOptions() }),
    onOutput: (service, line) => {
      if (service === 'gateway') gatewayInspector = inspectorUrlIn(line) ?? gatewayInspector;
    },
  });
  checkout = await CheckoutClient.open(stack);
});
afterAll(() => stack?.stop());

const ORDER_UPDATED = gql`
  subscription OrderUpdated($id: ID!) {
    orderUpdated(id: $id) { id status failureReason lines { quantity product { name } } }
  }
`;
const MY_ORDERS = gql`subscription MyOrders { myOrders { id status } }`;

interface OrderEvent {
  id: string;
  status: string;
  failureReason?: string | null;
}
type Result = ApolloClient.SubscribeResult<Record<string, OrderEvent>>;

/** An Apollo Client subscription read in turn, its observable's end as the test's SubscriptionEnd. */
function subscribed(
  apollo: ShopApolloClient,
  query: typeof ORDER_UPDATED,
  variables = {},
): GatewaySubscription<Result> {
  const observable = apollo.client.subscribe<Record<string, OrderEvent>>({ query, variables });
  return readSubscription<Result>(
    (sink) => {
      const subscription = observable.subscribe({
        next: (result) => sink.next(result),
        error: (error) => sink.error(error),
        complete: () => sink.complete(),
      });
      return () => subscription.unsubscribe();
    },
    (error) =>
      CombinedGraphQLErrors.is(error)
        ? { kind: 'errors', errors: error.errors }
        : { kind: 'closed', code: -1 },
  );
}

/** Statuses of `orderId` from `field`'s events until one in `until`; fails on an error. */
async function statusesUntil(
  subscription: GatewaySubscription<Result>,
  field: string,
  orderId: string,
  until: string,
): Promise<{ statuses: string[]; last: OrderEvent }> {
  const statuses: string[] = [];
  for (;;) {
    const result = await subscription.next();
    if (!result) throw new Error(`the subscription ended: ${JSON.stringify(await subscription.ended)}`);
    expect(result.error).toBeUndefined();
    const event = result.data?.[field];
    if (!event || event.id !== orderId) continue;
    if (statuses.at(-1) !== event.status) statuses.push(event.status);
    if (event.status === until) return { statuses, last: event };
  }
}

async function placeOrder(apollo: ShopApolloClient, productId: string, paymentToken: string) {
  const placed = await apollo.client.mutate<{ placeOrder: { id: string; status: string } }>({
    mutation: gql(PLACE_ORDER),
    variables: {
      input: { idempotencyKey: crypto.randomUUID(), lines: [{ productId, quantity: 1 }], paymentToken },
    },
  });
  const order = placed.data?.placeOrder;
  if (!order) throw new Error(`placeOrder failed: ${String(placed.error)}`);
  return order;
}

describe.each<SubscriptionTransport>(['graphql-ws', 'graphql-sse'])(
  'Apollo Client 4 over %s',
  (transport) => {
    it('sees an order it placed go PENDING then CONFIRMED, and its cache follows', async () => {
      const alice = shopApolloClient(stack.gatewayUrl, transport, checkout.customer(0).token);
      await checkout.setStock(checkoutProduct(0), 10);
      // Subscribed before the order exists: PENDING is heard, whatever the saga's speed.
      const mine = subscribed(alice, MY_ORDERS);
      await expect.poll(() => gauge('gateway_subgraph_subscription_sockets')).toBe(1);
      const order = await placeOrder(alice, checkoutProduct(0), 'tok_ok');
      expect(order.status).toBe('PENDING');
      const followed = subscribed(alice, ORDER_UPDATED, { id: order.id });

      expect((await statusesUntil(mine, 'myOrders', order.id, 'CONFIRMED')).statuses).toEqual([
        'PENDING',
        'CONFIRMED',
      ]);
      const { last } = await statusesUntil(followed, 'orderUpdated', order.id, 'CONFIRMED');
      expect(last).toMatchObject({
        status: 'CONFIRMED',
        failureReason: null,
        lines: [{ quantity: 1, product: { name: expect.any(String) } }],
      });
      // Events land in the normalized cache, as a query's answer would.
      expect(
        alice.client.cache.readFragment<{ status: string }>({
          id: alice.client.cache.identify({ __typename: 'Order', id: order.id }),
          fragment: gql`fragment OrderStatus on Order { status }`,
        }),
      ).toEqual({ __typename: 'Order', status: 'CONFIRMED' });

      mine.unsubscribe();
      followed.unsubscribe();
      await expect.poll(() => gauge('gateway_subgraph_subscription_sockets')).toBe(0);
      await alice.dispose();
    });

    it('sees a declined card REJECTED with its reason, then the subscription completes', async () => {
      const bob = shopApolloClient(stack.gatewayUrl, transport, checkout.customer(1).token);
      await checkout.setStock(checkoutProduct(1), 10);
      const order = await placeOrder(bob, checkoutProduct(1), 'tok_declined');
      const followed = subscribed(bob, ORDER_UPDATED, { id: order.id });
      const { last } = await statusesUntil(followed, 'orderUpdated', order.id, 'REJECTED');
      expect(last).toMatchObject({ status: 'REJECTED', failureReason: 'PAYMENT_DECLINED' });
      expect(await followed.ended).toEqual({ kind: 'complete' });
      await bob.dispose();
    });

    it("refuses another customer's subscription to that order NOT_FOUND", async () => {
      const alice = shopApolloClient(stack.gatewayUrl, transport, checkout.customer(0).token);
      const bob = shopApolloClient(stack.gatewayUrl, transport, checkout.customer(1).token);
      const order = await placeOrder(alice, checkoutProduct(2), 'tok_ok');
      const snooping = subscribed(bob, ORDER_UPDATED, { id: order.id });
      const refused = await snooping.next();
      expect(refused?.data).toBeUndefined();
      const error = refused?.error;
      if (!CombinedGraphQLErrors.is(error)) throw new Error(`not GraphQL errors: ${String(error)}`);
      expect(error.errors[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await snooping.ended).toEqual({ kind: 'complete' });
      await Promise.all([alice.dispose(), bob.dispose()]);
    });
  },
);

async function gauge(name: string, service = 'gateway'): Promise<number> {
  const url =
    service === 'gateway'
      ? stack.gatewayMetricsUrl
      : `http://127.0.0.1:${stack.subgraphs.get(service)?.port}/metrics`;
  return gaugeSum(await (await fetch(url)).text(), name);
}

describe('1,000 subscribe/unsubscribe cycles through the gateway', () => {
  const CYCLES = 1000;
  const LANES = 10;

  /** `cycles` subscriptions to `orderId`, LANES at a time, each ended once its first event came. */
  async function cycle(cycles: number, orderId: string, token: string): Promise<void> {
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token });
    try {
      await mapConcurrently(Array.from({ length: cycles }), LANES, async () => {
        const subscription = connection.subscribe(
          'subscription ($id: ID!) { orderUpdated(id: $id) { id status } }',
          { id: orderId },
        );
        const first = await subscription.next();
        expect(first?.errors).toBeUndefined();
        subscription.unsubscribe();
      });
    } finally {
      await connection.dispose();
    }
  }

  async function settled(): Promise<void> {
    for (const [name, service] of [
      ['gateway_subgraph_subscription_sockets', 'gateway'],
      ['gateway_subscriptions_running', 'gateway'],
      ['db_change_listeners', 'orders'],
    ] as const)
      await expect.poll(() => gauge(name, service), { timeout: 15_000 }).toBe(0);
  }

  it('leaves sockets, running subscriptions, listeners, handles and heap where they were', {
    timeout: 300_000,
  }, async () => {
    if (!gatewayInspector) throw new Error('the gateway announced no inspector');
    const alice = checkout.customer(0);
    const order = await checkout.placed(alice, {
      lines: [{ productId: checkoutProduct(3), quantity: 1 }],
      paymentToken: 'tok_ok',
    });
    // Warmed up first (code compiled, pools filled), so what is left after is only what leaked.
    await cycle(100, order.id, alice.token);
    await settled();
    const before = await footprintAfterGc(gatewayInspector);

    const started = Date.now();
    await cycle(CYCLES, order.id, alice.token);
    const seconds = (Date.now() - started) / 1000;
    await settled();
    const after = await footprintAfterGc(gatewayInspector);
    console.log(
      `${CYCLES} cycles in ${seconds.toFixed(1)} s; gateway heap after GC ${mb(before.heapUsedBytes)} -> ${mb(after.heapUsedBytes)} MB, ` +
        `RSS ${mb(before.rssBytes)} -> ${mb(after.rssBytes)} MB, resources ${JSON.stringify(before.activeResources)} -> ${JSON.stringify(after.activeResources)}`,
    );
    // 1,000 leaked subscriptions of a few KB each would be several MB; a GC'd heap moves far less.
    expect(after.heapUsedBytes - before.heapUsedBytes).toBeLessThan(3 * 1024 * 1024);
    expect(sockets(after)).toBeLessThanOrEqual(sockets(before));
    expect(after.activeResources.Timeout ?? 0).toBeLessThanOrEqual((before.activeResources.Timeout ?? 0) + 2);
  });
});

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const sockets = (footprint: ProcessFootprint) => footprint.activeResources.TCPSocketWrap ?? 0;
