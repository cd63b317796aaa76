import { DEMO_SEED_PLAN, type SeedOrder, seedIds, seedOrders } from '@shop/devkit/seed';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../src/db/seed';
import { type PaymentsService, startPayments } from './payments-service';

let service: PaymentsService;
const plan = { ...DEMO_SEED_PLAN, products: 40, orders: 60 };
const orders: SeedOrder[] = seedOrders(plan);
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
const asUser = (userId: string): Caller => ({ userId, role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER });

beforeAll(async () => {
  ({ service } = await startPayments());
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

const ORDER_PAYMENTS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Order { id payment { id status amount { amount currency } declineReason createdAt updatedAt refundedAt } }
    }
  }
`;

interface OrderPayment {
  id: string;
  payment: {
    id: string;
    status: string;
    amount: { amount: number; currency: string };
    declineReason: string | null;
    refundedAt: string | null;
  } | null;
}

const orderReferences = (ids: readonly string[]) => ({
  representations: ids.map((id) => ({ __typename: 'Order', id })),
});

async function paymentsOfOrders(ids: readonly string[], caller: Caller | null = admin) {
  return service.execute<{ _entities: OrderPayment[] }>(ORDER_PAYMENTS, orderReferences(ids), caller);
}

describe('Order.payment', () => {
  it("is every seeded order's charge, of the order's total", async () => {
    const result = await paymentsOfOrders(orders.map((order) => order.id));
    expect(result.errors).toBeUndefined();
    const entities = result.data?._entities ?? [];
    expect(entities).toHaveLength(orders.length);
    orders.forEach((order, index) => {
      expect(entities[index]).toMatchObject({
        id: order.id,
        payment: {
          status: 'CHARGED',
          amount: { amount: order.totalAmount, currency: order.currency },
          declineReason: null,
          refundedAt: null,
        },
      });
    });
  });

  it('is null for an order whose charge was never attempted, or an id that is no order', async () => {
    const result = await paymentsOfOrders([crypto.randomUUID(), 'not-an-id']);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((entity) => entity.payment)).toEqual([null, null]);
  });

  it('costs one statement for 60 orders as for 3', async () => {
    const cost = async (count: number) => {
      const before = await service.queryCount();
      const result = await paymentsOfOrders(orders.slice(0, count).map((order) => order.id));
      expect(result.errors).toBeUndefined();
      return (await service.queryCount()) - before;
    };
    expect(await cost(60)).toBe(1);
    expect(await cost(3)).toBe(1);
  });

  it("is shown to the order's owner and admins, and to no one else", async () => {
    const [order] = orders;
    if (!order) throw new Error('the plan has no orders');
    const owner = await paymentsOfOrders([order.id], asUser(order.userId));
    expect(owner.errors).toBeUndefined();
    expect(owner.data?._entities[0]?.payment?.status).toBe('CHARGED');

    const stranger = await paymentsOfOrders([order.id], asUser(crypto.randomUUID()));
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(stranger.data?._entities[0]?.payment ?? null).toBeNull();

    const anonymous = await paymentsOfOrders([order.id], null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(anonymous)).not.toContain(String(order.totalAmount));
  });
});

describe('Payment references', () => {
  it('resolve any number of payments with one statement, to their owners and admins only', async () => {
    const ids = await service.database.sql<{ id: string }[]>`select id from payments order by id limit 20`;
    const query = /* GraphQL */ `
      query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Payment { id status } } }
    `;
    const variables = { representations: ids.map(({ id }) => ({ __typename: 'Payment', id })) };
    const before = await service.queryCount();
    const result = await service.execute<{ _entities: { id: string; status: string }[] }>(
      query,
      variables,
      admin,
    );
    expect((await service.queryCount()) - before).toBe(1);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((payment) => payment.id)).toEqual(ids.map(({ id }) => id));

    const stranger = await service.execute(query, variables, asUser(crypto.randomUUID()));
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('over HTTP, as the gateway calls it', () => {
  it("answers with the gateway's proof and refuses the same request, or _service, without it", async () => {
    const [order] = orders;
    if (!order) throw new Error('the plan has no orders');
    const proven = await service.post<{ _entities: OrderPayment[] }>(
      ORDER_PAYMENTS,
      orderReferences([order.id]),
      {
        caller: asUser(order.userId),
      },
    );
    expect(proven.status).toBe(200);
    expect(proven.body.data?._entities[0]?.payment?.status).toBe('CHARGED');

    for (const body of [
      { query: ORDER_PAYMENTS, variables: orderReferences([order.id]) },
      { query: '{ _service { sdl } }' },
    ]) {
      const response = await fetch(service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('CHARGED');
    }
  });
});
