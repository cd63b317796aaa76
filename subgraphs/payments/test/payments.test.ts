import { DEMO_SEED_PLAN } from '@shop/platform/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context, Tables } from '../src/context';
import { seed } from '../src/db/seed';
import { paymentsSubgraph } from '../src/subgraph';

let service: TestSubgraph<Tables, Context>;

beforeAll(async () => {
  service = await startTestSubgraph(paymentsSubgraph);
  await seed(service.database.db, DEMO_SEED_PLAN);
});
afterAll(() => service.stop());

interface Page {
  payments: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; name: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const LIST = /* GraphQL */ `
  query ($first: Int, $after: String) {
    payments(first: $first, after: $after) {
      totalCount
      edges { cursor node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

describe('payments', () => {
  it('pages through every payment by name, without repeats', async () => {
    const first = await service.execute<Page>(LIST, { first: 2 });
    expect(first.errors).toBeUndefined();
    expect(first.data?.payments.totalCount).toBe(5);
    expect(first.data?.payments.pageInfo.hasNextPage).toBe(true);
    const rest = await service.execute<Page>(LIST, {
      first: 10,
      after: first.data?.payments.pageInfo.endCursor,
    });
    const names = [...(first.data?.payments.edges ?? []), ...(rest.data?.payments.edges ?? [])].map(
      ({ node }) => node.name,
    );
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(5);
    expect(rest.data?.payments.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a page larger than 100 and a forged cursor, naming the argument', async () => {
    const tooMany = await service.execute(LIST, { first: 101 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const forged = await service.execute(LIST, { after: 'bm90IGEgY3Vyc29y' });
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('finds one by id, and null for an unknown or malformed id', async () => {
    const list = await service.execute<Page>(LIST, { first: 1 });
    const id = list.data?.payments.edges[0]?.node.id;
    const found = await service.execute<{ payment: { id: string } | null }>(
      'query ($id: ID!) { payment(id: $id) { id } }',
      { id },
    );
    expect(found.data?.payment?.id).toBe(id);
    for (const unknown of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const missing = await service.execute('query ($id: ID!) { payment(id: $id) { id } }', { id: unknown });
      expect(missing.data?.payment).toBeNull();
    }
  });

  it('resolves any number of references with one statement', async () => {
    const list = await service.execute<Page>(LIST, { first: 5 });
    const representations = (list.data?.payments.edges ?? []).map(({ node }) => ({
      __typename: 'Payment',
      id: node.id,
    }));
    const before = await service.queryCount();
    const result = await service.execute<{ _entities: { name: string }[] }>(
      'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Payment { name } } }',
      { representations },
    );
    expect(result.data?._entities).toHaveLength(5);
    expect((await service.queryCount()) - before).toBe(1);
  });
});
