import type { FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenSignedWith } from '../src/access-tokens';
import { CHECKOUT_SEED_PLAN, CheckoutClient, checkoutProduct, killSubgraph, sleep } from '../src/checkout';
import {
  type GatewaySubscription,
  gatewayEventStreamClient,
  gatewaySubscriptionClient,
  gaugeSum,
  upgradeStatus,
} from '../src/gateway-subscriptions';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * Subscriptions through the gateway over graphql-ws: planned as any operation, opened on the
 * owning subgraph (orders) with a signed init, each event completed by the other subgraphs
 * (products' names), under the same access rules and limits as HTTP, and nothing left open.
 */
const MAX_PER_CONNECTION = 3;
const MAX_PER_USER = 4;
const SOCKETS_GAUGE = 'gateway_subgraph_subscription_sockets';

let stack: TestStack;
let client: CheckoutClient;

beforeAll(async () => {
  stack = await startTestStack({
    seed: CHECKOUT_SEED_PLAN,
    env: {
      MAX_SUBSCRIPTIONS_PER_CONNECTION: String(MAX_PER_CONNECTION),
      MAX_SUBSCRIPTIONS_PER_USER: String(MAX_PER_USER),
      CORS_ORIGINS: 'https://shop.example',
    },
  });
  client = await CheckoutClient.open(stack);
});
afterAll(() => stack?.stop());

const ORDER_UPDATED = /* GraphQL */ `
  subscription OrderUpdated($id: ID!) {
    orderUpdated(id: $id) {
      id status failureReason total { amount } lines { quantity product { name stock { available } } }
    }
  }
`;
const MY_ORDERS = /* GraphQL */ `subscription MyOrders { myOrders { id status lines { product { name } } } }`;

interface OrderEvent {
  id: string;
  status: string;
  failureReason?: string | null;
  total?: { amount: number };
  lines: { quantity?: number; product: { name: string; stock?: { available: number } } | null }[];
}

async function upstreamSockets(): Promise<number> {
  const response = await fetch(stack.gatewayMetricsUrl);
  return gaugeSum(await response.text(), SOCKETS_GAUGE);
}

async function waitForUpstreamSockets(expected: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let open = await upstreamSockets();
  while (open !== expected && Date.now() < deadline) {
    await sleep(50);
    open = await upstreamSockets();
  }
  return open;
}

/** Events of `field` until one has a status in `until` (included); fails on errors. */
async function eventsUntil(
  subscription: GatewaySubscription,
  field: 'orderUpdated' | 'myOrders',
  until: readonly string[],
  orderId?: string,
): Promise<OrderEvent[]> {
  const events: OrderEvent[] = [];
  for (;;) {
    const result = await subscription.next();
    if (!result) throw new Error(`the subscription ended: ${JSON.stringify(await subscription.ended)}`);
    expect(result.errors).toBeUndefined();
    const event = (result.data as Record<string, OrderEvent>)[field] as OrderEvent;
    if (orderId && event.id !== orderId) continue;
    events.push(event);
    if (until.includes(event.status)) return events;
  }
}

const statuses = (events: readonly OrderEvent[]) =>
  events.map((event) => event.status).filter((status, index, all) => status !== all[index - 1]);

const errorCodeOf = (result: FormattedExecutionResult | null) => result?.errors?.[0]?.extensions?.code;

describe('subscriptions through the gateway (graphql-ws)', () => {
  it('a customer sees their order go PENDING then CONFIRMED, with fields another subgraph owns', async () => {
    const alice = client.customer(0);
    const product = checkoutProduct(0);
    await client.setStock(product, 10);
    const productName = (
      await stack.graphql<{ product: { name: string } }>('query ($id: ID) { product(id: $id) { name } }', {
        id: product,
      })
    ).body.data?.product.name;
    expect(productName).toEqual(expect.any(String));

    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token: alice.token });
    // Subscribed before the order exists: every change of it is heard, PENDING first.
    const mine = connection.subscribe(MY_ORDERS);
    await expect.poll(upstreamSockets).toBe(1);
    const placed = await client.placed(alice, {
      lines: [{ productId: product, quantity: 2 }],
      paymentToken: 'tok_ok',
    });
    const followed = connection.subscribe(ORDER_UPDATED, { id: placed.id });

    const myEvents = await eventsUntil(mine, 'myOrders', ['CONFIRMED'], placed.id);
    expect(statuses(myEvents)).toEqual(['PENDING', 'CONFIRMED']);
    expect(myEvents.at(-1)?.lines).toEqual([{ product: { name: productName } }]);

    // orderUpdated starts with the order as it is now, then each change, to CONFIRMED.
    const events = await eventsUntil(followed, 'orderUpdated', ['CONFIRMED']);
    expect(['PENDING', 'CONFIRMED']).toContain(events[0]?.status);
    expect(events.at(-1)).toEqual({
      id: placed.id,
      status: 'CONFIRMED',
      failureReason: null,
      total: { amount: placed.total.amount },
      // Each event completed across three subgraphs: the order (orders), its product's name
      // (products) and stock after the order's reservation (inventory).
      lines: [{ quantity: 2, product: { name: productName, stock: { available: 8 } } }],
    });
    expect(await upstreamSockets()).toBe(2);

    // Unsubscribing closes the upstream sockets at once.
    mine.unsubscribe();
    followed.unsubscribe();
    expect(await waitForUpstreamSockets(0)).toBe(0);
    await connection.dispose();
  });

  it('a declined card: REJECTED with its failure reason, then the subscription completes', async () => {
    const bob = client.customer(1);
    await client.setStock(checkoutProduct(1), 10);
    const placed = await client.placed(bob, {
      lines: [{ productId: checkoutProduct(1), quantity: 1 }],
      paymentToken: 'tok_declined',
    });
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token: bob.token });
    const followed = connection.subscribe(ORDER_UPDATED, { id: placed.id });
    const events = await eventsUntil(followed, 'orderUpdated', ['REJECTED']);
    expect(events.at(-1)).toMatchObject({ status: 'REJECTED', failureReason: 'PAYMENT_DECLINED' });
    expect(await followed.ended).toEqual({ kind: 'complete' });
    expect(await waitForUpstreamSockets(0)).toBe(0);
    await connection.dispose();
  });

  it('refuses an anonymous subscriber UNAUTHENTICATED and another customer NOT_FOUND', async () => {
    const placed = await client.placed(client.customer(0), {
      lines: [{ productId: checkoutProduct(2), quantity: 1 }],
      paymentToken: 'tok_ok',
    });
    const anonymous = gatewaySubscriptionClient(stack.gatewayUrl);
    const anonymousSubscription = anonymous.subscribe(ORDER_UPDATED, { id: placed.id });
    expect(errorCodeOf(await anonymousSubscription.next())).toBe('UNAUTHENTICATED');
    expect(await anonymousSubscription.ended).toEqual({ kind: 'complete' });

    const other = gatewaySubscriptionClient(stack.gatewayUrl, { token: client.customer(1).token });
    const otherSubscription = other.subscribe(ORDER_UPDATED, { id: placed.id });
    const refused = await otherSubscription.next();
    expect(errorCodeOf(refused)).toBe('NOT_FOUND');
    expect(refused?.data ?? null).toBeNull();
    expect(await otherSubscription.ended).toEqual({ kind: 'complete' });
    expect(await waitForUpstreamSockets(0)).toBe(0);
    await Promise.all([anonymous.dispose(), other.dispose()]);
  });

  it('closes a connection whose token is not valid with 4401', async () => {
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token: 'not-a-token' });
    const subscription = connection.subscribe(MY_ORDERS);
    expect(await subscription.ended).toEqual({ kind: 'closed', code: 4401 });
    expect(await connection.closed).toBe(4401);
  });

  it('answers an unknown field with a validation error and opens nothing upstream', async () => {
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token: client.customer(0).token });
    const subscription = connection.subscribe('subscription { myOrders { id shoeSize } }');
    const ended = await subscription.ended;
    expect(ended).toMatchObject({
      kind: 'errors',
      errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
    expect(await upstreamSockets()).toBe(0);
    // The operation limits are those of HTTP.
    const deep = connection.subscribe(
      `subscription { myOrders { ${'user { orders(first: 1) { edges { node { '.repeat(4)}id${' } } } }'.repeat(4)} } }`,
    );
    expect(await deep.ended).toMatchObject({
      kind: 'errors',
      errors: [{ extensions: { code: 'MAX_DEPTH_LIMIT' } }],
    });
    await connection.dispose();
  });

  it('ends the subscriptions of a token that expires UNAUTHENTICATED, lets go upstream, and takes no new one', async () => {
    const key = stack.secrets.signingKeys[0];
    if (!key) throw new Error('the stack has no token signing key');
    // Valid for 2 s, and the gateway's 5 s of clock tolerance: the subscription ends about 7 s from now.
    const token = accessTokenSignedWith(key, { sub: client.customer(0).id, role: 'CUSTOMER', expiresIn: 2 });
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token });
    const mine = connection.subscribe(MY_ORDERS);
    expect(await waitForUpstreamSockets(1)).toBe(1);
    const started = Date.now();
    expect(await mine.ended).toMatchObject({
      kind: 'errors',
      errors: [{ message: expect.stringMatching(/expired/), extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(Date.now() - started).toBeGreaterThan(3000);
    expect(await waitForUpstreamSockets(0)).toBe(0);
    const afterwards = connection.subscribe(MY_ORDERS);
    expect(await afterwards.ended).toMatchObject({
      kind: 'errors',
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(await upstreamSockets()).toBe(0);
    await connection.dispose();
  });

  it('refuses a WebSocket from an origin CORS_ORIGINS does not allow, 403 at the upgrade', async () => {
    expect(await upgradeStatus(stack.gatewayUrl, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(stack.gatewayUrl, 'https://shop.example')).toBe(101);
  });

  it(`refuses more than ${MAX_PER_CONNECTION} subscriptions on one connection`, async () => {
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token: client.customer(0).token });
    const open = Array.from({ length: MAX_PER_CONNECTION }, () => connection.subscribe(MY_ORDERS));
    expect(await waitForUpstreamSockets(MAX_PER_CONNECTION)).toBe(MAX_PER_CONNECTION);
    const oneTooMany = connection.subscribe(MY_ORDERS);
    expect(await oneTooMany.ended).toMatchObject({
      kind: 'errors',
      errors: [{ extensions: { code: 'MAX_SUBSCRIPTIONS_PER_CONNECTION_LIMIT', limit: MAX_PER_CONNECTION } }],
    });
    // Closing the connection ends its subscriptions and their upstream sockets.
    await connection.dispose();
    for (const subscription of open) expect((await subscription.ended).kind).not.toBe('errors');
    expect(await waitForUpstreamSockets(0)).toBe(0);
  });

  it(`refuses a user more than ${MAX_PER_USER} subscriptions over all their connections, and no one else`, async () => {
    const alice = client.customer(0);
    const first = gatewaySubscriptionClient(stack.gatewayUrl, { token: alice.token });
    const second = gatewaySubscriptionClient(stack.gatewayUrl, { token: alice.token });
    const bob = gatewaySubscriptionClient(stack.gatewayUrl, { token: client.customer(1).token });
    for (let index = 0; index < MAX_PER_CONNECTION; index += 1) first.subscribe(MY_ORDERS);
    second.subscribe(MY_ORDERS);
    expect(await waitForUpstreamSockets(MAX_PER_USER)).toBe(MAX_PER_USER);
    const oneTooMany = second.subscribe(MY_ORDERS);
    expect(await oneTooMany.ended).toMatchObject({
      kind: 'errors',
      errors: [{ extensions: { code: 'MAX_SUBSCRIPTIONS_PER_USER_LIMIT', limit: MAX_PER_USER } }],
    });
    bob.subscribe(MY_ORDERS);
    expect(await waitForUpstreamSockets(MAX_PER_USER + 1)).toBe(MAX_PER_USER + 1);
    // A closed connection gives its subscriptions back to its user.
    await first.dispose();
    expect(await waitForUpstreamSockets(2)).toBe(2);
    second.subscribe(MY_ORDERS);
    expect(await waitForUpstreamSockets(3)).toBe(3);
    await Promise.all([second.dispose(), bob.dispose()]);
    expect(await waitForUpstreamSockets(0)).toBe(0);
  });

  it('serves the same subscriptions over Server-Sent Events, a stream each or one reserved stream', async () => {
    const alice = client.customer(0);
    const product = checkoutProduct(0);
    await client.setStock(product, 10);
    for (const singleConnection of [false, true]) {
      const sse = gatewayEventStreamClient(stack.gatewayUrl, { token: alice.token, singleConnection });
      const mine = sse.subscribe(MY_ORDERS);
      await expect.poll(upstreamSockets).toBe(1);
      const placed = await client.placed(alice, {
        lines: [{ productId: product, quantity: 1 }],
        paymentToken: singleConnection ? 'tok_declined' : 'tok_ok',
      });
      const followed = sse.subscribe(ORDER_UPDATED, { id: placed.id });
      const last = singleConnection ? 'REJECTED' : 'CONFIRMED';
      expect(statuses(await eventsUntil(mine, 'myOrders', [last], placed.id))).toEqual(['PENDING', last]);
      const events = await eventsUntil(followed, 'orderUpdated', [last]);
      expect(events.at(-1)).toMatchObject({
        status: last,
        failureReason: singleConnection ? 'PAYMENT_DECLINED' : null,
        lines: [{ product: { name: expect.any(String) } }],
      });
      mine.unsubscribe();
      followed.unsubscribe();
      expect(await waitForUpstreamSockets(0)).toBe(0);
      await sse.dispose();
    }
  });

  it('refuses over Server-Sent Events what it refuses over WebSocket', async () => {
    const placed = await client.placed(client.customer(0), {
      lines: [{ productId: checkoutProduct(2), quantity: 1 }],
      paymentToken: 'tok_ok',
    });
    const anonymous = gatewayEventStreamClient(stack.gatewayUrl).subscribe(ORDER_UPDATED, { id: placed.id });
    expect(errorCodeOf(await anonymous.next())).toBe('UNAUTHENTICATED');
    expect(await anonymous.ended).toEqual({ kind: 'complete' });

    const badToken = gatewayEventStreamClient(stack.gatewayUrl, { token: 'not-a-token' }).subscribe(
      MY_ORDERS,
    );
    expect(await badToken.ended).toMatchObject({
      kind: 'refused',
      status: 401,
      body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    const customer = gatewayEventStreamClient(stack.gatewayUrl, { token: client.customer(0).token });
    expect(await customer.subscribe('subscription { myOrders { id shoeSize } }').ended).toMatchObject({
      kind: 'refused',
      status: 400,
      body: { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
    expect(await customer.subscribe('{ categories { id } }').ended).toMatchObject({
      kind: 'refused',
      status: 400,
      body: { errors: [{ extensions: { code: 'BAD_REQUEST' } }] },
    });
    expect(await upstreamSockets()).toBe(0);

    // The body is bounded as on HTTP, before anything is parsed.
    const oversized = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: `subscription { myOrders { id } } # ${'x'.repeat(2_000_000)}` }),
    });
    expect(oversized.status).toBe(413);
    await customer.dispose();
  });

  // Last: it restarts orders.
  it('ends a subscription with SUBSCRIPTION_ENDED when its subgraph goes away, and works again after', async () => {
    const alice = client.customer(0);
    const connection = gatewaySubscriptionClient(stack.gatewayUrl, { token: alice.token });
    const mine = connection.subscribe(MY_ORDERS);
    expect(await waitForUpstreamSockets(1)).toBe(1);
    await killSubgraph(stack, 'orders');
    expect(await mine.ended).toMatchObject({
      kind: 'errors',
      errors: [{ extensions: { code: 'SUBSCRIPTION_ENDED' } }],
    });
    expect(await waitForUpstreamSockets(0)).toBe(0);

    await stack.restartSubgraph('orders');
    const again = connection.subscribe(MY_ORDERS);
    expect(await waitForUpstreamSockets(1)).toBe(1);
    again.unsubscribe();
    expect(await waitForUpstreamSockets(0)).toBe(0);
    await connection.dispose();
  });
});
