import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FederatedTestGraph, startFederatedTestGraph } from './support/federated-test-graph';

const CATALOG = {
  name: 'catalog',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
    type Query {
      products(first: Int = 20, after: String): ProductConnection!
      categories: [Category!]!
      bestsellers: [Product!]! @listSize(assumedSize: 50)
      report(year: Int @cost(weight: 200)): String
      product(id: ID!): Product
    }
    type Mutation { logIn(email: String!, password: String!): String }
    type ProductConnection { edges: [ProductEdge!]! totalCount: Int! }
    type ProductEdge { node: Product! }
    type Product @key(fields: "id") { id: ID! name: String! related: [Product!]! @cost(weight: 5) }
    type Category { id: ID! name: String! }
  `,
  resolvers: {
    Query: {
      products: (_: unknown, { first }: { first: number }) => ({
        totalCount: 3,
        edges: [1, 2, 3].slice(0, first).map((id) => ({ node: { id: String(id), name: `P${id}` } })),
      }),
      categories: () => [{ id: 'c', name: 'Tools' }],
      product: (_: unknown, { id }: { id: string }) => ({ id, name: `P${id}` }),
    },
    Mutation: { logIn: () => 'token' },
    Product: { related: () => [] },
  },
};

let graph: FederatedTestGraph;
beforeAll(async () => {
  graph = await startFederatedTestGraph([CATALOG], { MAX_COST: '1000', DEFAULT_LIST_SIZE: '10' });
});
afterAll(() => graph?.stop());

/** The request is refused with this code, before any subgraph was called. */
async function refused(query: string, variables?: Record<string, unknown>) {
  const before = graph.totalCalls();
  const { status, body } = await graph.graphql(query, variables ? { variables } : {});
  expect(graph.totalCalls()).toBe(before);
  expect(status).toBe(400);
  return body.errors?.[0];
}

describe('demand control', () => {
  it('estimates a connection from first: products(first: 100000) is refused with its estimated cost', async () => {
    const error = await refused('{ products(first: 100000) { edges { node { name } } } }');
    // 1 (connection) + 100000 edges x (1 edge + 1 node)
    expect(error).toEqual({
      message: expect.stringContaining('200001'),
      extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: 200_001, maxCost: 1000 },
    });
  });

  it('reads the size from variables, and the schema default when not given', async () => {
    expect(
      (await refused('query($n: Int) { products(first: $n) { edges { node { name } } } }', { n: 600 }))
        ?.extensions?.cost,
    ).toBe(1201);
    const { body } = await graph.graphql('{ products { edges { node { name } } } }');
    expect(body.errors).toBeUndefined();
  });

  it('uses @cost weights on fields and arguments and @listSize(assumedSize)', async () => {
    // 50 bestsellers x (1 + 5 x 10 related x 1)... over 1000
    expect((await refused('{ bestsellers { related { name } } }'))?.extensions?.cost).toBe(50 * (1 + 10 * 5));
    // The argument weight counts only when the argument is given.
    expect((await graph.graphql('{ report }')).body.errors).toBeUndefined();
    const { body } = await graph.graphql(
      '{ a: report(year: 2024) b: report(year: 2025) c: report(year: 2023) }',
    );
    expect(body.errors).toBeUndefined();
    const many = Array.from({ length: 6 }, (_, index) => `r${index}: report(year: ${2020 + index})`).join(
      ' ',
    );
    expect((await refused(`{ ${many} }`))?.extensions?.cost).toBe(1200);
  });

  it('charges mutations 10 each: 1,000 logIn aliases are refused before any attempt reaches a subgraph', async () => {
    const attempts = Array.from(
      { length: 1000 },
      (_, index) => `a${index}: logIn(email: "victim@example.test", password: "guess-${index}")`,
    ).join(' ');
    const error = await refused(`mutation { ${attempts} }`);
    expect(error?.extensions?.code).toMatch(
      /^(MAX_ALIASES_LIMIT|MAX_ROOT_FIELDS_LIMIT|COST_ESTIMATED_TOO_EXPENSIVE|MAX_TOKENS_LIMIT)$/,
    );
  });
});

describe('operation limits', () => {
  it('refuses too deep an operation', async () => {
    let nested = 'name';
    for (let level = 0; level < 20; level++) nested = `related { ${nested} }`;
    expect((await refused(`{ product(id: "1") { ${nested} } }`))?.extensions).toEqual({
      code: 'MAX_DEPTH_LIMIT',
      limit: 15,
    });
  });

  it('refuses too many aliases, counted with fragments expanded', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `t${index}: __typename`).join(' ');
    expect((await refused(`{ ${aliases} }`))?.extensions?.code).toBe('MAX_ALIASES_LIMIT');
    const fragment = Array.from({ length: 8 }, (_, index) => `n${index}: name`).join(' ');
    expect(
      (
        await refused(`{ product(id: "1") { ...F ...F2 } } fragment F on Product { ${fragment} related { ...F2 } }
        fragment F2 on Product { ${fragment} x: related { ${fragment} } y: related { ${fragment} } }`)
      )?.extensions?.code,
    ).toBe('MAX_ALIASES_LIMIT');
  });

  it('refuses too many root fields and too many directives', async () => {
    const roots = Array.from({ length: 21 }, () => 'categories { name }').join(' ');
    expect((await refused(`{ ${roots} }`))?.extensions?.code).toBe('MAX_ROOT_FIELDS_LIMIT');
    const directives = Array.from(
      { length: 100 },
      (_, index) => `f${index % 10}: __typename @include(if: true)`,
    );
    expect((await refused(`{ categories { ${directives.join(' ')} } }`))?.extensions?.code).toMatch(
      /^MAX_(DIRECTIVES|ALIASES)_LIMIT$/,
    );
    const onOneField = Array.from({ length: 60 }, () => '@skip(if: false)').join(' ');
    expect((await refused(`{ categories { name ${onOneField} } }`))?.extensions?.code).toBe(
      'MAX_DIRECTIVES_LIMIT',
    );
  });

  it('refuses a document of more tokens than allowed', async () => {
    const error = await refused(`{ ${'categories { name } '.repeat(1000)} }`);
    expect(error?.extensions?.code).toBe('MAX_TOKENS_LIMIT');
  });

  it('refuses a fragment cycle, and exponential fan-out, in a few milliseconds', async () => {
    const started = performance.now();
    const cycle = await refused(
      '{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ...A }',
    );
    expect(cycle?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    let fragments = '';
    for (let level = 0; level < 40; level++)
      fragments += `fragment F${level} on Product { a: related { ...F${level + 1} } b: related { ...F${level + 1} } } `;
    fragments += 'fragment F40 on Product { name }';
    const fanOut = await refused(`{ product(id: "1") { ...F0 } } ${fragments}`);
    expect(fanOut?.extensions?.code).toMatch(
      /^(MAX_DEPTH_LIMIT|MAX_ALIASES_LIMIT|COST_ESTIMATED_TOO_EXPENSIVE)$/,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('serves a normal query after all of that', async () => {
    const { body } = await graph.graphql('{ products(first: 2) { totalCount edges { node { name } } } }');
    expect(body).toEqual({
      data: { products: { totalCount: 3, edges: [{ node: { name: 'P1' } }, { node: { name: 'P2' } }] } },
    });
  });
});
