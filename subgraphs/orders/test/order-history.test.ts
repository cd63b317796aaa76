import { DEMO_SEED_PLAN, seedIds, seedOrders, seedProducts } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import type { Caller } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import type { Context } from '../src/subgraph';
import { admin, alice, bob, CANCEL_ORDER, type OrderView, ordersSubgraph } from './fixtures';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 40, users: 10, orders: 60 };
const pastOrders = seedOrders(plan);
const products = seedProducts(plan);
const ordersOf = (userId: string) =>
  pastOrders
    .filter((order) => order.userId === userId)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

beforeAll(async () => {
  service = await startTestSubgraph(ordersSubgraph);
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

interface OrderPage {
  totalCount: number;
  edges: { cursor: string; node: OrderView }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const USER_ORDERS = /* GraphQL */ `
  query ($representations: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $representations) {
      ... on User {
        id
        orders(first: $first, after: $after) {
          totalCount
          edges {
            cursor
            node {
              id status state createdAt
              total { amount currency }
              lines { product { id } productName quantity unitPrice { amount currency } lineTotal { amount } }
              history { state previousState }
            }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

async function userOrders(
  userIds: string[],
  variables: Record<string, unknown>,
  caller: Caller | null = admin,
) {
  return service.execute<{ _entities: { id: string; orders: OrderPage }[] }>(
    USER_ORDERS,
    { representations: userIds.map((id) => ({ __typename: 'User', id })), ...variables },
    caller,
  );
}

describe('User.orders', () => {
  it('lists a user’s orders newest first, with the seeded lines, paging without gaps or repeats', async () => {
    const expected = ordersOf(alice.userId);
    expect(expected.length).toBeGreaterThan(5);
    const seen: OrderView[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await userOrders([alice.userId], { first: 4, after }, alice);
      expect(result.errors).toBeUndefined();
      const page = result.data?._entities[0]?.orders ?? expect.unreachable('no page');
      expect(page.totalCount).toBe(expected.length);
      seen.push(...page.edges.map((edge) => edge.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.map((order) => order.id)).toEqual(expected.map((order) => order.id));
    const [newest] = expected;
    expect(seen[0]).toMatchObject({
      status: 'CONFIRMED',
      state: 'CONFIRMED',
      createdAt: newest?.createdAt.toISOString(),
      total: { amount: newest?.totalAmount, currency: 'USD' },
      lines: newest?.lines.map((line) => ({
        product: { id: line.productId },
        productName: products[line.productIndex]?.name,
        quantity: line.quantity,
        unitPrice: { amount: line.unitPriceAmount, currency: 'USD' },
        lineTotal: { amount: line.unitPriceAmount * line.quantity },
      })),
      history: [{ previousState: null, state: 'CONFIRMED' }],
    });
  });

  it('is an empty page for a user without orders', async () => {
    const result = await userOrders([seedIds.user(9999)], { first: 5 });
    expect(result.data?._entities[0]?.orders).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
  });

  it('shows a user’s orders to themself and to admins only', async () => {
    expect((await userOrders([alice.userId], { first: 1 }, alice)).errors).toBeUndefined();
    expect((await userOrders([alice.userId], { first: 1 }, admin)).errors).toBeUndefined();
    const other = await userOrders([alice.userId], { first: 1 }, bob);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await userOrders([alice.userId], { first: 1 }, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a page larger than 100 and a forged cursor, naming the argument', async () => {
    const tooMany = await userOrders([alice.userId], { first: 101 });
    expect(tooMany.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    const forged = await userOrders([alice.userId], { after: 'bm90IGEgY3Vyc29y' });
    expect(forged.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('costs the same statements for a page of 2 orders as for 20, of one user or of five', async () => {
    const cost = async (userIds: string[], first: number) => {
      const before = await service.queryCount();
      const result = await userOrders(userIds, { first });
      expect(result.errors).toBeUndefined();
      const returned = result.data?._entities.flatMap((entity) => entity.orders.edges) ?? [];
      expect(returned.length).toBeGreaterThan(0);
      return (await service.queryCount()) - before;
    };
    const users = [0, 1, 2, 3, 4].map((index) => seedIds.user(index));
    const small = await cost(users.slice(0, 1), 2);
    expect(small).toBe(4); // the page, its lines, its history, the count
    expect(await cost(users.slice(0, 1), 20)).toBe(small);
    expect(await cost(users, 20)).toBe(small);
  });
});

describe('cancelOrder', () => {
  const aliceOrders = ordersOf(alice.userId);
  const bobOrders = ordersOf(bob.userId);

  it("refuses anonymous callers, someone else's order (as unknown), unknown and malformed ids, and changes nothing", async () => {
    const id = aliceOrders[0]?.id;
    const cases: [unknown, Caller | null, string][] = [
      [id, null, 'UNAUTHENTICATED'],
      [id, bob, 'NOT_FOUND'],
      ['00000000-0000-4000-8000-000000000000', alice, 'NOT_FOUND'],
      ['not-an-id', alice, 'BAD_USER_INPUT'],
    ];
    for (const [orderId, caller, code] of cases) {
      const result = await service.execute(CANCEL_ORDER, { id: orderId }, caller);
      expect(result.errors?.[0]?.extensions?.code, `${code}`).toBe(code);
    }
    const [row] = await service.database.sql`select state from orders where id = ${id ?? ''}`;
    expect(row).toEqual({ state: 'CONFIRMED' });
    expect(await service.database.sql`select 1 from outbox`).toHaveLength(0);
  });

  it('lets the owner and an admin cancel a confirmed order, once', async () => {
    for (const [order, caller] of [
      [aliceOrders[1], alice],
      [bobOrders[1], admin],
    ] as const) {
      const id = order?.id ?? '';
      const result = await service.execute<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id }, caller);
      expect(result.errors).toBeUndefined();
      expect(result.data?.cancelOrder).toMatchObject({ id, status: 'CONFIRMED', state: 'CANCELLING' });
      const again = await service.execute<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id }, caller);
      expect(again.data?.cancelOrder.state).toBe('CANCELLING');
      const events = await service.database.sql<{ type: string }[]>`
        select type from outbox where payload->>'orderId' = ${id}`;
      expect(events).toEqual([{ type: 'order.cancellation_requested' }]);
      const [transition] = await service.database.sql`
        select from_state, to_state, trigger, actor_user_id from order_transitions
        where order_id = ${id} and trigger = 'cancelOrder'`;
      expect(transition).toEqual({
        from_state: 'CONFIRMED',
        to_state: 'CANCELLING',
        trigger: 'cancelOrder',
        actor_user_id: caller.userId,
      });
    }
  });

  it('cancels once when asked twice at the same time', async () => {
    const id = aliceOrders[2]?.id ?? '';
    const results = await Promise.all(
      [alice, alice, admin].map((caller) =>
        service.execute<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id }, caller),
      ),
    );
    for (const result of results) expect(result.data?.cancelOrder.state).toBe('CANCELLING');
    const events = await service.database.sql`select 1 from outbox where payload->>'orderId' = ${id}`;
    expect(events).toHaveLength(1);
  });

  it('is a CONFLICT while the order is still being placed', async () => {
    const id = aliceOrders[3]?.id ?? '';
    for (const state of ['RESERVING_STOCK', 'CHARGING_PAYMENT']) {
      await service.database.sql`update orders set state = ${state} where id = ${id}`;
      const result = await service.execute(CANCEL_ORDER, { id }, alice);
      expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(result.errors?.[0]?.message).toMatch(/still being placed/);
    }
  });
});
