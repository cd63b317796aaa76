import type { TestSubgraph } from './switchable-subgraphs';

/** Apollo Server's cache control, declared the way this system's subgraphs declare it. */
export const CACHE_CONTROL = `
  enum CacheControlScope @inaccessible { PUBLIC PRIVATE }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

const PRODUCTS = [
  { id: 'p1', name: 'Kettle' },
  { id: 'p2', name: 'Teapot' },
  { id: 'p3', name: 'Whisk' },
];

function productById(id: string) {
  return PRODUCTS.find((product) => product.id === id) ?? { id, name: `Product ${id}` };
}

/**
 * A small catalog of two subgraphs: `catalog` owns products (public, cached for a minute),
 * a shelf label (no hint: uncacheable) and a shopper's own note (private); `ratings` adds a
 * rating (nullable) and a vote count to each product (an error for product `unrated`), and has
 * a root field of its own.
 */
export function catalogGraph(
  options: {
    ratingsDelayMs?: number;
    /** `product(id:)` answers only once this many are waiting (or after a second): all in the same tick. */
    productsTogether?: number;
  } = {},
): TestSubgraph[] {
  let notes = 0;
  const waiting: (() => void)[] = [];
  const together = async () => {
    if (!options.productsTogether) return;
    const released = new Promise<void>((resolve) => waiting.push(resolve));
    const releaseAll = () => {
      for (const release of waiting.splice(0)) release();
    };
    const timer = setTimeout(releaseAll, 1000);
    if (waiting.length >= options.productsTogether) releaseAll();
    await released;
    clearTimeout(timer);
  };
  return [
    {
      name: 'catalog',
      typeDefs: `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@inaccessible"])
        ${CACHE_CONTROL}
        type Query {
          products: [Product!]!
          "Any id is a product; unknown ones are named after it."
          product(id: ID!): Product!
          "The same product listed twice, as pages often do."
          twice: [Product!]!
          shelf: String
          myNote: String @cacheControl(maxAge: 60, scope: PRIVATE)
        }
        type Mutation { touch: Product! }
        type Product @key(fields: "id") @cacheControl(maxAge: 60) { id: ID! name: String! }
      `,
      resolvers: {
        Query: {
          products: () => PRODUCTS,
          product: async (_: unknown, { id }: { id: string }) => {
            await together();
            return productById(id);
          },
          twice: () => [PRODUCTS[0], PRODUCTS[0]],
          shelf: () => 'kitchen',
          myNote: () => `note ${++notes}`,
        },
        Mutation: { touch: () => PRODUCTS[0] },
        // A deferred fragment may have the catalog complete a product another subgraph named.
        Product: { __resolveReference: ({ id }: { id: string }) => productById(id) },
      },
    },
    {
      name: 'ratings',
      typeDefs: `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@inaccessible"])
        ${CACHE_CONTROL}
        type Query { topRated: [Product!] @cacheControl(maxAge: 60) }
        type Product @key(fields: "id") @cacheControl(maxAge: 60) { id: ID! rating: Float votes: Int }
      `,
      resolvers: {
        Query: { topRated: () => [{ id: 'p2' }] },
        Product: {
          __resolveReference: async (reference: { id: string }) => {
            if (options.ratingsDelayMs)
              await new Promise((resolve) => setTimeout(resolve, options.ratingsDelayMs));
            if (reference.id === 'unrated') throw new Error('no ratings for this product');
            return { id: reference.id, rating: reference.id === 'p1' ? 4.5 : 3, votes: 10 };
          },
        },
      },
    },
  ];
}
