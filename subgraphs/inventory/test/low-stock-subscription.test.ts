import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { startTestSubgraph, subscribeToSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { seed } from '../src/db/seed';
import { reserveOrder } from '../src/domain/stock-reservations';
import type { Context } from '../src/subgraph';
import { inventorySubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const plan = { ...DEMO_SEED_PLAN, products: 10 };
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };
const customer: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: ROLE_SCOPES.CUSTOMER };
const LOW_STOCK = /* GraphQL */ `subscription ($atMost: Int) { lowStock(atMost: $atMost) { id } }`;
const SET_STOCK = /* GraphQL */ `
  mutation ($productId: ID!, $available: Int!) { setStock(productId: $productId, available: $available) { available } }
`;

beforeAll(async () => {
  service = await startTestSubgraph(inventorySubgraph);
  await seed(service.database.db, plan);
});
afterAll(() => service.stop());

const setStock = async (productId: string, available: number) =>
  expect((await service.execute(SET_STOCK, { productId, available }, admin)).errors).toBeUndefined();

describe('Subscription.lowStock', () => {
  it('announces a product when an order takes its available units to the threshold or below', async () => {
    const [first, second] = [seedIds.product(1), seedIds.product(2)];
    await setStock(first, 10);
    await setStock(second, 10);
    const subscription = subscribeToSubgraph(service.url, service.gatewaySecret, admin, LOW_STOCK, {
      atMost: 3,
    });
    await expect.poll(() => service.changes.listenerCount(), { timeout: 10_000 }).toBe(1);
    // 10 → 6 stays above 3: nothing; 10 → 2 falls under it: announced.
    await reserveOrder(service.database.db, crypto.randomUUID(), [{ productId: first, quantity: 4 }]);
    await reserveOrder(service.database.db, crypto.randomUUID(), [{ productId: second, quantity: 8 }]);
    expect((await subscription.next()).data).toEqual({ lowStock: { id: second } });
    await setStock(first, 1);
    expect((await subscription.next()).data).toEqual({ lowStock: { id: first } });
    await subscription.close();
    await expect.poll(() => service.changes.listenerCount(), { timeout: 10_000 }).toBe(0);
  });

  it('is for admins only', async () => {
    const subscription = subscribeToSubgraph(service.url, service.gatewaySecret, customer, LOW_STOCK, {});
    expect((await subscription.next()).errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    await subscription.close();
  });
});
