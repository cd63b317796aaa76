import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../src/db/seed';
import { type AccountsUnderTest, startAccounts } from './accounts-service';

let service: AccountsUnderTest;
const alice: Caller = { userId: seedIds.user(0), role: 'CUSTOMER', scopes: [] };
const bob: Caller = { userId: seedIds.user(1), role: 'CUSTOMER', scopes: [] };
const admin: Caller = { userId: seedIds.admin(), role: 'ADMIN', scopes: ROLE_SCOPES.ADMIN };

beforeAll(async () => {
  service = await startAccounts();
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

  it('needs a login, and the users:read scope rather than the ADMIN role alone', async () => {
    const anonymous = await service.execute(`{ user(id: "${bob.userId}") { name } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const adminWithoutScope = await service.execute(`{ user(id: "${bob.userId}") { name } }`, undefined, {
      ...admin,
      scopes: [],
    });
    expect(adminWithoutScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
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

describe('over HTTP, as the gateway calls it', () => {
  it("answers _entities for User.email only to the user, with the gateway's proof", async () => {
    const asAlice = await service.post(ALICE_AS_ENTITY, aliceReference, { caller: alice });
    expect(asAlice.body.data).toEqual({
      _entities: [{ id: alice.userId, name: 'Alice Example', email: 'alice@shop.test' }],
    });
    const asBob = await service.post(ALICE_AS_ENTITY, aliceReference, { caller: bob });
    expect(asBob.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(asBob.body)).not.toContain('alice@shop.test');
  });

  it('refuses the same _entities request, or _service, without the proof', async () => {
    for (const body of [
      { query: ALICE_AS_ENTITY, variables: aliceReference },
      { query: '{ _service { sdl } }' },
    ]) {
      const response = await fetch(service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('alice@shop.test');
    }
  });
});
