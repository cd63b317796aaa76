import { readFile, writeFile } from 'node:fs/promises';
import { ApolloGateway } from '@apollo/gateway';
import { assembleParts, postForParts } from '@shop/devkit/testing/multipart';
import { createLogger } from '@shop/platform/logger';
import { StartupError } from '@shop/platform/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { startGateway } from '../src/server';
import { type FederatedTestGraph, startFederatedTestGraph } from './support/federated-test-graph';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

// A graph of its own, with every way the directives can be written: on fields, on types, on an
// interface's implementation, on a mutation, on a field another subgraph adds to an entity.
const PEOPLE = {
  name: 'people',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",
      import: ["@key", "@authenticated", "@requiresScopes"])
    type Query {
      me: Person @authenticated
      person(id: ID!): Person
      people: [Person!]!
      auditLog: [AuditEntry!]! @requiresScopes(scopes: [["audit:read"]])
      node(id: ID!): Node
    }
    type Mutation { deletePerson(id: ID!): Boolean! @requiresScopes(scopes: [["users:write"], ["root"]]) }
    type Person @key(fields: "id") {
      id: ID!
      name: String!
      email: String @requiresScopes(scopes: [["users:read"]])
      ssn: String! @authenticated
    }
    type AuditEntry @authenticated { id: ID! what: String! }
    interface Node { id: ID! }
    type Secret implements Node @requiresScopes(scopes: [["secrets:read"]]) { id: ID! value: String! }
    type Page implements Node { id: ID! title: String! }
  `,
  resolvers: {
    Query: {
      me: () => PERSONS[0],
      person: (_: unknown, { id }: { id: string }) => PERSONS.find((person) => person.id === id) ?? null,
      people: () => PERSONS,
      auditLog: () => [{ id: 'a1', what: 'logged in' }],
      node: (_: unknown, { id }: { id: string }) =>
        id.startsWith('s')
          ? { __typename: 'Secret', id, value: 'hunter2' }
          : { __typename: 'Page', id, title: 'Home' },
    },
    Mutation: {
      deletePerson: () => {
        deletions += 1;
        return true;
      },
    },
    Person: { __resolveReference: (ref: { id: string }) => PERSONS.find((person) => person.id === ref.id) },
    Node: { __resolveType: (node: { __typename: string }) => node.__typename },
  },
};
const NOTES = {
  name: 'notes',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated"])
    type Person @key(fields: "id") { id: ID! notes: [String!] @authenticated }
  `,
  resolvers: { Person: { notes: (person: { id: string }) => [`note about ${person.id}`] } },
};
const PERSONS = [
  { id: '1', name: 'Ada', email: 'ada@example.test', ssn: '111' },
  { id: '2', name: 'Bob', email: 'bob@example.test', ssn: '222' },
];
let deletions = 0;

let issuer: TestIssuer;
let graph: FederatedTestGraph;
let customer: string;
let admin: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  graph = await startFederatedTestGraph([PEOPLE, NOTES], {
    JWKS_URL: issuer.jwksUrl,
    JWKS_REFETCH_COOLDOWN_SECONDS: '0.5',
  });
  customer = await issuer.sign({ sub: '1', role: 'CUSTOMER' });
  admin = await issuer.sign({ sub: '9', role: 'ADMIN', scope: 'users:read audit:read secrets:read' });
});
afterAll(async () => {
  await graph?.stop();
  issuer?.stop();
});

/** Runs the request and says how many subgraph calls it cost. */
async function withCalls<T>(run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const before = { people: graph.calls('people'), notes: graph.calls('notes') };
  const result = await run();
  return {
    result,
    calls: { people: graph.calls('people') - before.people, notes: graph.calls('notes') - before.notes },
  };
}

describe('a field the caller may not see', () => {
  it('inside a deferred fragment: the answer is whole, never a part without the completion', async () => {
    const query = '{ people { name ... @defer { email notes } } }';
    const denied = await postForParts(graph.gateway.url, { query }, { authorization: `Bearer ${customer}` });
    const allowed = await postForParts(graph.gateway.url, { query }, { authorization: `Bearer ${admin}` });

    expect(denied.parts).toHaveLength(1);
    expect(denied.parts[0]?.body.data).toEqual({
      people: [
        { name: 'Ada', email: null, notes: ['note about 1'] },
        { name: 'Bob', email: null, notes: ['note about 2'] },
      ],
    });
    expect(denied.parts[0]?.body.errors).toEqual([
      expect.objectContaining({ path: ['people', 0, 'email'], extensions: { code: 'FORBIDDEN' } }),
      expect.objectContaining({ path: ['people', 1, 'email'], extensions: { code: 'FORBIDDEN' } }),
    ]);
    // A caller who may see everything gets the parts.
    expect(allowed.parts.length).toBeGreaterThan(1);
    expect(assembleParts(allowed.parts)).toEqual({
      data: {
        people: [
          { name: 'Ada', email: 'ada@example.test', notes: ['note about 1'] },
          { name: 'Bob', email: 'bob@example.test', notes: ['note about 2'] },
        ],
      },
      errors: [],
    });
  });

  it('comes back null with FORBIDDEN at its path, and the rest is served', async () => {
    const { body } = await graph.graphql('{ people { name email } }', { token: customer });
    expect(body.data).toEqual({
      people: [
        { name: 'Ada', email: null },
        { name: 'Bob', email: null },
      ],
    });
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['people', 0, 'email'], extensions: { code: 'FORBIDDEN' } }),
      expect.objectContaining({ path: ['people', 1, 'email'], extensions: { code: 'FORBIDDEN' } }),
    ]);
  });

  it('is UNAUTHENTICATED for an anonymous caller', async () => {
    const { body } = await graph.graphql('{ people { name email } }');
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
    ]);
  });

  it('is served to a caller with the scope', async () => {
    const { body } = await graph.graphql('{ people { name email } }', { token: admin });
    expect(body).toEqual({
      data: {
        people: [
          { name: 'Ada', email: 'ada@example.test' },
          { name: 'Bob', email: 'bob@example.test' },
        ],
      },
    });
  });

  it('is not fetched: a field of another subgraph costs that subgraph no call', async () => {
    const { result, calls } = await withCalls(() => graph.graphql('{ people { name notes } }'));
    expect(result.body.data).toEqual({
      people: [
        { name: 'Ada', notes: null },
        { name: 'Bob', notes: null },
      ],
    });
    expect(calls).toEqual({ people: 1, notes: 0 });
    const loggedIn = await withCalls(() => graph.graphql('{ people { name notes } }', { token: customer }));
    expect(loggedIn.result.body.data).toEqual({
      people: [
        { name: 'Ada', notes: ['note about 1'] },
        { name: 'Bob', notes: ['note about 2'] },
      ],
    });
    expect(loggedIn.calls).toEqual({ people: 1, notes: 1 });
  });

  it('costs no call at all when it is everything the operation asks for', async () => {
    const { result, calls } = await withCalls(() => graph.graphql('{ me { name } }'));
    expect(result.body).toEqual({
      data: { me: null },
      errors: [expect.objectContaining({ path: ['me'], extensions: { code: 'UNAUTHENTICATED' } })],
    });
    expect(calls).toEqual({ people: 0, notes: 0 });
  });

  it('nulls its nearest nullable parent when it is non-null', async () => {
    const { body } = await graph.graphql('{ person(id: "1") { name ssn } }');
    expect(body).toEqual({
      data: { person: null },
      errors: [expect.objectContaining({ path: ['person', 'ssn'], extensions: { code: 'UNAUTHENTICATED' } })],
    });
  });

  it('is found through named and inline fragments and aliases', async () => {
    const { body } = await graph.graphql(
      `query { first: person(id: "1") { ...Contact } second: person(id: "2") { ... on Person { mail: email } } }
       fragment Contact on Person { name email }`,
      { token: customer },
    );
    expect(body.data).toEqual({ first: { name: 'Ada', email: null }, second: { mail: null } });
    expect(body.errors?.map((error) => error.path)).toEqual([
      ['first', 'email'],
      ['second', 'mail'],
    ]);
  });

  it('keeps what @skip and @include leave out out of the answer', async () => {
    const { body } = await graph.graphql(
      'query($show: Boolean!) { person(id: "1") { name email @include(if: $show) } }',
      { variables: { show: false } },
    );
    expect(body).toEqual({ data: { person: { name: 'Ada' } } });
  });
});

describe('directives on types and interfaces', () => {
  it('a type marked @authenticated protects every field returning it; a scope on the field makes it FORBIDDEN', async () => {
    expect((await graph.graphql('{ auditLog { what } }')).body.errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await graph.graphql('{ auditLog { what } }', { token: customer })).body.errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await graph.graphql('{ auditLog { what } }', { token: admin })).body).toEqual({
      data: { auditLog: [{ what: 'logged in' }] },
    });
  });

  it('an interface field demands what any implementation demands', async () => {
    const { result, calls } = await withCalls(() =>
      graph.graphql('{ node(id: "s1") { id ... on Secret { value } } }', { token: customer }),
    );
    expect(result.body).toEqual({
      data: { node: null },
      errors: [expect.objectContaining({ path: ['node'], extensions: { code: 'FORBIDDEN' } })],
    });
    expect(calls.people).toBe(0);
    expect(
      (await graph.graphql('{ node(id: "s1") { id ... on Secret { value } } }', { token: admin })).body,
    ).toEqual({
      data: { node: { id: 's1', value: 'hunter2' } },
    });
  });
});

describe('mutations', () => {
  it('a mutation the caller may not run is not run', async () => {
    const before = deletions;
    const { result, calls } = await withCalls(() =>
      graph.graphql('mutation { deletePerson(id: "2") }', { token: customer }),
    );
    expect(result.body).toEqual({
      data: null,
      errors: [expect.objectContaining({ path: ['deletePerson'], extensions: { code: 'FORBIDDEN' } })],
    });
    expect(calls.people).toBe(0);
    expect(deletions).toBe(before);
    const root = await issuer.sign({ sub: '9', role: 'ADMIN', scope: 'root' });
    expect((await graph.graphql('mutation { deletePerson(id: "2") }', { token: root })).body).toEqual({
      data: { deletePerson: true },
    });
  });
});

describe('access tokens', () => {
  const refused = async (token: string) => {
    const { result, calls } = await withCalls(() => graph.graphql('{ people { name } }', { token }));
    expect(calls).toEqual({ people: 0, notes: 0 });
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toContain('Bearer');
    return result.body.errors?.[0];
  };

  it('refuses an expired token', async () => {
    const expired = await issuer.sign({
      sub: '1',
      role: 'CUSTOMER',
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    expect(await refused(expired)).toMatchObject({
      message: 'The access token has expired.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('refuses a token signed by a key the JWKS does not publish', async () => {
    expect(
      (await refused(await issuer.sign({ sub: '9', role: 'ADMIN' }, 'unpublished')))?.extensions,
    ).toEqual({
      code: 'UNAUTHENTICATED',
    });
  });

  it('refuses alg: none', async () => {
    expect(
      (await refused(issuer.unsigned({ sub: '9', role: 'ADMIN', scope: 'users:read' })))?.extensions,
    ).toEqual({
      code: 'UNAUTHENTICATED',
    });
  });

  it('refuses a token for another audience or issuer, and a header that is not a bearer token', async () => {
    await refused(await issuer.sign({ sub: '1', role: 'CUSTOMER', aud: 'someone-else' }));
    await refused(await issuer.sign({ sub: '1', role: 'CUSTOMER', iss: 'someone-else' }));
    const { status, body } = await graph.graphql('{ people { name } }', {
      headers: { authorization: 'Basic YTpi' },
    });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a token of a rotated-in key: an unknown kid fetches the JWKS again', async () => {
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the refetch cooldown
    await issuer.rotate();
    const token = await issuer.sign({ sub: '9', role: 'ADMIN', scope: 'users:read' });
    const { body } = await graph.graphql('{ people { email } }', { token });
    expect(body).toEqual({
      data: { people: [{ email: 'ada@example.test' }, { email: 'bob@example.test' }] },
    });
  });

  it('does not refetch the JWKS for every token with a made-up kid', async () => {
    const before = issuer.jwksFetches();
    for (let attempt = 0; attempt < 5; attempt++)
      await refused(await issuer.sign({ sub: '9', role: 'ADMIN' }, 'unpublished'));
    expect(issuer.jwksFetches() - before).toBeLessThanOrEqual(1);
  });

  it('serves a normal query afterwards', async () => {
    expect((await graph.graphql('{ people { name } }', { token: customer })).body).toEqual({
      data: { people: [{ name: 'Ada' }, { name: 'Bob' }] },
    });
  });
});

describe('the supergraph with security features', () => {
  it('is one a stock @apollo/gateway refuses to serve', async () => {
    const stock = new ApolloGateway({ supergraphSdl: await readFile(graph.supergraphPath, 'utf8') });
    await expect(stock.load()).rejects.toThrow(/is for: SECURITY but is unsupported/);
  });

  it('with a security feature the gateway cannot enforce does not start', async () => {
    const sdl = await readFile(graph.supergraphPath, 'utf8');
    const path = `${graph.supergraphPath}.policy.graphql`;
    await writeFile(
      path,
      sdl.replace(
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        '@link(url: "https://specs.apollo.dev/link/v1.0")\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
      ),
    );
    const config = loadGatewayConfig({ PORT: '0', SUPERGRAPH_PATH: path }, ['node', 'main.ts']);
    const starting = startGateway(config, createLogger('gateway', 'silent'));
    await expect(starting).rejects.toThrow(StartupError);
    await expect(starting).rejects.toThrow(/cannot enforce: https:\/\/specs.apollo.dev\/policy\/v0.1/);
  });
});
