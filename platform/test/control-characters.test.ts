import { fileURLToPath } from 'node:url';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphDefinition } from '../src/service';

const received: unknown[] = [];
const record = <T>(args: unknown, answer: T): T => {
  received.push(args);
  return answer;
};

// Stands for every subgraph: a search argument, an input object with a list, an entity key.
const echo: SubgraphDefinition<Record<string, never>, Record<string, never>> = {
  name: 'echo',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { search(text: String): String }
    type Mutation { place(input: PlaceInput!): String }
    input PlaceInput { paymentToken: String! lines: [LineInput!]! }
    input LineInput { sku: String! }
    type Thing @key(fields: "id") { id: ID! }
  `),
  resolvers: {
    Query: { search: (_: unknown, args: unknown) => record(args, 'ok') },
    Mutation: { place: (_: unknown, args: unknown) => record(args, 'ok') },
    Thing: { __resolveReference: (reference: unknown) => record(reference, reference) },
  },
  tables: {},
  migrationsFolder: fileURLToPath(new URL('./fixtures/no-migrations', import.meta.url)),
  createContext: () => ({}),
};

let service: TestSubgraph<Record<string, never>, Record<string, never>>;
beforeAll(async () => {
  service = await startTestSubgraph(echo);
});
afterAll(() => service.stop());

describe('a control character in any argument a subgraph takes', () => {
  const PLACE = 'mutation ($input: PlaceInput!) { place(input: $input) }';
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['a variable', 'query ($text: String) { search(text: $text) }', { text: 'kettle\u0000' }, 'text'],
    ['a literal', 'query { search(text: "a\\u001b[2J") }', {}, 'text'],
    ['an input field', PLACE, { input: { paymentToken: 'tok_ok\u007f', lines: [] } }, 'input.paymentToken'],
    [
      'a list item',
      PLACE,
      { input: { paymentToken: 'tok_ok', lines: [{ sku: 'A' }, { sku: 'B\u0000' }] } },
      'input.lines[1].sku',
    ],
    [
      'an entity representation',
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id } } }',
      { r: [{ __typename: 'Thing', id: 'x\u0000' }] },
      'representations[0].id',
    ],
  ];

  it.each(cases)(
    '%s: BAD_USER_INPUT naming the field, over HTTP, before any resolver runs',
    async (_what, query, variables, field) => {
      received.length = 0;
      const response = await service.post(query, variables);
      expect(response.status).toBe(200);
      const body = response.body as { errors?: { extensions?: Record<string, unknown> }[] };
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(received).toEqual([]);
    },
  );

  it('lets text with tabs and line breaks through (a review has lines)', async () => {
    const response = await service.post('query ($text: String) { search(text: $text) }', {
      text: 'one\n\ttwo\r\n',
    });
    expect(response.body).toEqual({ data: { search: 'ok' } });
  });
});
