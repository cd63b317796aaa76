import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphBehaviour } from './support/deterministic-subgraphs';
import { generateOperations } from './support/generated-operations';
import { describeDifferences } from './support/stock-comparison';
import { type DifferentialGraph, startDifferentialGraph } from './support/stock-differential-graph';

// Generated operations get byte-identical answers (but for the order of errors) from our gateway
// and from a stock @apollo/gateway in front of the same subgraphs, whose answers are a pure
// function of the question (support/deterministic-subgraphs.ts): some fields fail, some are
// null, and in the failure rounds one subgraph answers only errors, an HTTP 500, or not at all.

const SHOP_SUBGRAPHS = new URL('../../schema/subgraphs/', import.meta.url);
const FAILURES: SubgraphBehaviour[] = ['errors', 'http-500', 'down'];

function shopSubgraphs() {
  return readdirSync(SHOP_SUBGRAPHS)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => ({
      name: file.replace(/\.graphql$/, ''),
      typeDefs: readFileSync(new URL(file, SHOP_SUBGRAPHS), 'utf8'),
    }));
}

// The shop has no interface or union: this graph has them, across subgraphs — an entity
// interface completed by an @interfaceObject, a union of entities, @requires and @provides.
const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@interfaceObject"])`;
const MEDIA_SUBGRAPHS = [
  {
    name: 'media',
    typeDefs: `${FEDERATION}
      interface Media @key(fields: "id") { id: ID! title: String! creator: Creator }
      type Book implements Media @key(fields: "id") { id: ID! title: String! creator: Creator pages: Int }
      type Movie implements Media @key(fields: "id") { id: ID! title: String! creator: Creator minutes: Int! }
      type Creator @key(fields: "id") { id: ID! name: String! @shareable works: [Media!]! }
      union SearchResult = Book | Movie | Creator
      type Query {
        media(first: Int): [Media!]!
        featured: Media
        search(text: String!): [SearchResult]!
        creator(id: ID!): Creator
      }`,
  },
  {
    name: 'reviews',
    typeDefs: `${FEDERATION}
      type Book @key(fields: "id") { id: ID! reviews: [Review!]! }
      type Movie @key(fields: "id") { id: ID! minutes: Int! @external reviews: [Review!]! long: Boolean @requires(fields: "minutes") }
      type Review @key(fields: "id") { id: ID! stars: Int! body: String about: Creator @provides(fields: "name") }
      type Creator @key(fields: "id") { id: ID! name: String! @external reviewCount: Int! }
      type Query { latestReviews: [Review!]! }`,
  },
  {
    name: 'ratings',
    typeDefs: `${FEDERATION}
      type Media @key(fields: "id") @interfaceObject { id: ID! popularity: Int! related: [Media!]! }
      type Query { topRated(first: Int): [Media!]! }`,
  },
];

function differentialSuite(
  title: string,
  subgraphs: () => { name: string; typeDefs: string }[],
  healthy: number,
  perFailure: number,
  seed: number,
) {
  describe(title, () => {
    let graph: DifferentialGraph;
    beforeAll(async () => {
      graph = await startDifferentialGraph(subgraphs());
    });
    afterAll(() => graph?.stop());

    it(`answers ${healthy} generated operations as the stock gateway does`, async () => {
      const operations = generateOperations(graph.apiSchema, {
        count: healthy,
        seed,
        skipField: graph.isProtected,
      });
      const { differences, withData } = await graph.compare(operations);
      expect(differences, describeDifferences(differences, operations.length)).toEqual([]);
      // Most answers carry data: the comparison is of results, not of error messages alone.
      expect(withData).toBeGreaterThan(operations.length / 2);
    }, 240_000);

    it.each(FAILURES)(
      'answers as the stock gateway does while one subgraph at a time answers %s',
      async (behaviour) => {
        const operations = generateOperations(graph.apiSchema, {
          count: graph.subgraphNames.length * perFailure,
          seed: seed + 1 + FAILURES.indexOf(behaviour),
          skipField: graph.isProtected,
        });
        const differences = [];
        for (const [index, subgraph] of graph.subgraphNames.entries()) {
          graph.set(subgraph, behaviour);
          try {
            const slice = operations.slice(index * perFailure, (index + 1) * perFailure);
            differences.push(...(await graph.compare(slice)).differences);
          } finally {
            graph.set(subgraph, 'up');
          }
        }
        expect(differences, describeDifferences(differences, operations.length)).toEqual([]);
      },
      120_000,
    );
  });
}

// 400 + 3 × 6 × 10 = 580 operations over the shop's supergraph, 150 + 3 × 3 × 10 over the media one.
differentialSuite("the shop's supergraph", shopSubgraphs, 400, 10, 1);
differentialSuite('a supergraph of interfaces and unions', () => MEDIA_SUBGRAPHS, 150, 10, 11);
