import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/**
 * The classic accounts / products / inventory / reviews demo of The Guild's gateway benchmark,
 * with in-memory data, all four subgraphs in this one process (as the benchmark runs them).
 * Tells its parent each subgraph's port: { type: 'listening', ports: { name: port } }.
 */
const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';
const users = [
  { id: '1', name: 'Ada Lovelace', username: '@ada', birthday: 1815 },
  { id: '2', name: 'Alan Turing', username: '@complete', birthday: 1912 },
];
const products = Array.from({ length: 5 }, (_, index) => ({
  upc: String(index + 1),
  name: ['Table', 'Couch', 'Glass', 'Chair', 'TV'][index],
  price: [899, 1299, 15, 499, 1999][index],
  weight: [100, 1000, 20, 50, 400][index],
}));
const reviews = Array.from({ length: 10 }, (_, index) => ({
  id: String(index + 1),
  authorId: String((index % 2) + 1),
  product: { upc: String((index % 5) + 1) },
  body: `Review ${index + 1}: ${'lorem ipsum '.repeat(3)}`,
}));

const SUBGRAPHS = {
  accounts: {
    typeDefs: `${LINK}
      type Query { me: User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
    resolvers: {
      Query: { me: () => users[0], users: () => users },
      User: { __resolveReference: (user: { id: string }) => users.find((u) => u.id === user.id) },
    },
  },
  products: {
    typeDefs: `${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, args: { first: number }) => products.slice(0, args.first) },
      Product: {
        __resolveReference: (product: { upc: string }) => products.find((p) => p.upc === product.upc),
      },
    },
  },
  inventory: {
    typeDefs: `${LINK}
      type Product @key(fields: "upc") {
        upc: String! weight: Int @external price: Int @external inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (product: { upc: string }) => ({
          ...product,
          inStock: Number(product.upc) % 2 === 1,
        }),
        // Free for expensive items, else an estimate by weight.
        shippingEstimate: (product: { price: number; weight: number }) =>
          product.price > 1000 ? 0 : product.weight * 0.5,
      },
    },
  },
  reviews: {
    typeDefs: `${LINK}
      type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        author: (review: { authorId: string }) => ({
          __typename: 'User',
          id: review.authorId,
          username: users.find((user) => user.id === review.authorId)?.username,
        }),
      },
      User: { reviews: (user: { id: string }) => reviews.filter((review) => review.authorId === user.id) },
      Product: {
        reviews: (product: { upc: string }) => reviews.filter((review) => review.product.upc === product.upc),
      },
    },
  },
};

export type GuildSubgraph = keyof typeof SUBGRAPHS;
export const GUILD_SUBGRAPHS = Object.fromEntries(
  Object.entries(SUBGRAPHS).map(([name, { typeDefs }]) => [name, typeDefs]),
) as Record<GuildSubgraph, string>;

if (process.send) {
  const ports: Record<string, number> = {};
  for (const [name, { typeDefs, resolvers }] of Object.entries(SUBGRAPHS)) {
    const server = new ApolloServer({
      schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
    ports[name] = Number(new URL(url).port);
  }
  process.send({ type: 'listening', port: 0, ports });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
