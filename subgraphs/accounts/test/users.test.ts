import type { Caller } from '@shop/platform/auth';
import { DEMO_SEED_PLAN, seedIds } from '@shop/platform/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context, Tables } from '../src/context';
import { seed } from '../src/db/seed';
import { accountsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;
const alice: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: [] };
const bob: Caller = { userId: seedIds.user(1), role: 'CUSTOMER', scopes: [] };
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: [] };

beforeAll(async () => {
  service = await startTestSubgraph(accountsSubgraph);
  await seed(service.database.db, { ...DEMO_SEED_PLAN, users: 20 });
});
afterAll(() => service.stop());

const ALICE_AS_ENTITY = /* GraphQL */ `
  query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id name email } } }
`;
const aliceReference = { representations: [{ __typename: 'User', id: seedIds.user(0) }] };

describe('who may read an email', () => {
  it('the user themself and admins', async () => {
    for (const caller of [alice, admin]) {
      const result = await service.execute<{ _entities: { email: string }[] }>(
        ALICE_AS_ENTITY,
        aliceReference,
        caller,
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities[0]?.email).toBe('alice@shop.test');
    }
  });

  it('not another customer, and not anonymous callers, even through _entities', async () => {
    for (const caller of [bob, null]) {
      const result = await service.execute(ALICE_AS_ENTITY, aliceReference, caller);
      expect(result.errors?.[0]).toMatchObject({
        path: ['_entities', 0, 'email'],
        extensions: { code: 'FORBIDDEN' },
      });
      expect(JSON.stringify(result.data)).not.toContain('alice@shop.test');
    }
  });
});

describe('me', () => {
  it('is null for an anonymous caller and the caller otherwise', async () => {
    expect((await service.execute('{ me { id } }')).data).toEqual({ me: null });
    const result = await service.execute('{ me { id name email role } }', undefined, alice);
    expect(result.data).toEqual({
      me: { id: alice.userId, name: 'Alice Example', email: 'alice@shop.test', role: 'CUSTOMER' },
    });
  });
});

describe('user(id)', () => {
  it('is for admins only', async () => {
    const asCustomer = await service.execute(`{ user(id: "${bob.userId}") { name } }`, undefined, alice);
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const asAdmin = await service.execute(`{ user(id: "${bob.userId}") { name role } }`, undefined, admin);
    expect(asAdmin.data).toEqual({ user: { name: 'Bob Example', role: 'CUSTOMER' } });
  });

  it('is null for an unknown or malformed id', async () => {
    const result = await service.execute(
      `{ a: user(id: "${seedIds.user(99_999)}") { id } b: user(id: "42") { id } }`,
      undefined,
      admin,
    );
    expect(result).toEqual({ data: { a: null, b: null } });
  });
});
