import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capturingLogger, type LogLine } from './library-graph';
import { type FederatedTestGraph, startFederatedTestGraph } from './support/federated-test-graph';

const SHELF = {
  name: 'shelf',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    input BookFilter { maxPages: Int order: BookOrder }
    enum BookOrder { TITLE PAGES }
    type Query { books(filter: BookFilter): [Book!]! }
    type Subscription { bookAdded: Book! }
    type Book @key(fields: "id") { id: ID! title: String! }
  `,
  resolvers: { Query: { books: () => [{ id: '1', title: 'Dune' }] } },
};

let graph: FederatedTestGraph;
let logs: LogLine[];
beforeAll(async () => {
  const captured = capturingLogger();
  logs = captured.lines;
  graph = await startFederatedTestGraph([SHELF], { NODE_ENV: 'production' }, captured.logger);
});
afterAll(() => graph?.stop());
beforeEach(() => {
  logs.length = 0;
});

interface Answer {
  status: number;
  errors: { message: string; extensions?: { code?: string } }[];
}

async function post(body: string): Promise<Answer> {
  const response = await fetch(graph.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const { errors } = (await response.json()) as { errors?: Answer['errors'] };
  return { status: response.status, errors: errors ?? [] };
}

/** A client's mistake: a 4xx with one GraphQL error and its code, no subgraph call, nothing logged as an error. */
async function expectClientMistake(answer: Promise<Answer>, code: string): Promise<string> {
  const before = graph.totalCalls();
  const { status, errors } = await answer;
  expect(status).toBe(400);
  expect(errors).toHaveLength(1);
  expect(errors[0]?.extensions?.code).toBe(code);
  expect(graph.totalCalls()).toBe(before);
  expect(logs.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
  return errors[0]?.message ?? '';
}

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('a client mistake is a 400 with a code, never a server error', () => {
  it('several operations and no operationName', async () => {
    const message = await expectClientMistake(
      post(JSON.stringify({ query: 'query A { books { id } } query B { books { title } }' })),
      'OPERATION_RESOLUTION_FAILURE',
    );
    expect(message).toMatch(/operationName/);
  });

  it('an operationName the document does not define', async () => {
    const message = await expectClientMistake(
      post(JSON.stringify({ query: 'query A { books { id } }', operationName: 'B' })),
      'OPERATION_RESOLUTION_FAILURE',
    );
    expect(message).toMatch(/"B"/);
  });

  it('a subscription over plain HTTP', async () => {
    const message = await expectClientMistake(
      post(JSON.stringify({ query: 'subscription { bookAdded { id } }' })),
      'BAD_REQUEST',
    );
    expect(message).toMatch(/subscription/i);
  });

  it('an automatic persisted query whose hash is not its own', async () => {
    const otherHash = createHash('sha256').update('{ books { title } }').digest('hex');
    await expectClientMistake(
      post(
        JSON.stringify({
          query: '{ books { id } }',
          extensions: { persistedQuery: { version: 1, sha256Hash: otherHash } },
        }),
      ),
      'PERSISTED_QUERY_HASH_MISMATCH',
    );
    // The text was not registered under that hash: sending the hash alone finds nothing.
    const { errors } = await post(
      JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: otherHash } } }),
    );
    expect(errors[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('variables nested 100,000 levels deep', async () => {
    const message = await expectClientMistake(
      post(
        `{"query":"query ($f: BookFilter) { books(filter: $f) { id } }","variables":{"f":${nested(100_000)}}}`,
      ),
      'BAD_REQUEST',
    );
    expect(message).toMatch(/nested more than 64 levels/);
  });

  it('extensions nested 100,000 levels deep, in a POST body or a GET parameter', async () => {
    await expectClientMistake(
      post(`{"query":"{ books { id } }","extensions":{"x":${nested(100_000)}}}`),
      'BAD_REQUEST',
    );
    const params = new URLSearchParams({ query: '{ books { id } }', extensions: `{"x":${nested(1_000)}}` });
    await expectClientMistake(
      fetch(`${graph.gateway.url}?${params}`, { headers: { 'apollo-require-preflight': 'true' } }).then(
        async (response) => ({
          status: response.status,
          errors: ((await response.json()) as { errors: Answer['errors'] }).errors,
        }),
      ),
      'BAD_REQUEST',
    );
  });

  it('nesting a real input may have still runs, brackets inside strings not counted', async () => {
    const { status } = await post(
      JSON.stringify({
        query: 'query ($f: BookFilter) { books(filter: $f) { id } }',
        variables: { f: { maxPages: 3 } },
        extensions: { note: '['.repeat(1000), deep: JSON.parse(nested(60)) as unknown },
      }),
    );
    expect(status).toBe(200);
  });
});

describe('in production no error suggests a name', () => {
  it('not for a misspelt field of an input object sent as a variable', async () => {
    const message = await expectClientMistake(
      post(
        JSON.stringify({
          query: 'query ($f: BookFilter) { books(filter: $f) { id } }',
          variables: { f: { maxPage: 3 } },
        }),
      ),
      'BAD_USER_INPUT',
    );
    expect(message).toMatch(/"maxPage" is not defined/);
    expect(message).not.toMatch(/did you mean|maxPages/i);
  });

  it('not for an unknown enum value in a variable', async () => {
    const message = await expectClientMistake(
      post(
        JSON.stringify({
          query: 'query ($f: BookFilter) { books(filter: $f) { id } }',
          variables: { f: { order: 'TITEL' } },
        }),
      ),
      'BAD_USER_INPUT',
    );
    expect(message).not.toMatch(/did you mean|"TITLE"/i);
  });

  it('not for a misspelt type, field or argument in the document', async () => {
    const { errors } = await post(
      JSON.stringify({ query: 'query ($f: BookFiltr) { books(filtr: $f) { titl } }' }),
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(errors)).not.toMatch(/did you mean|BookFilter|"filter"|"title"/i);
  });
});
