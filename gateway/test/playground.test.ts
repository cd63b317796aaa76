import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { createLogger } from '@shop/platform/logger';
import { generateClientArtifacts } from '@shop/scripts/lib/client-documents';
import { buildASTSchema, parse, printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';

// A supergraph of two subgraphs that need not run: the playground plans, it does not execute.
const composition = composeServices([
  {
    name: 'library',
    url: 'http://127.0.0.1:9/graphql',
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Query { books: [Book!]! }
      type Book @key(fields: "isbn") { isbn: ID! title: String! }
    `),
  },
  {
    name: 'loans',
    url: 'http://127.0.0.1:9/graphql',
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Book @key(fields: "isbn") { isbn: ID! onLoan: Boolean! }
    `),
  },
]);

let dir: string;
let supergraph: string;
let manifest: string;
const running: RunningGateway[] = [];

async function start(env: Record<string, string>): Promise<string> {
  const config = loadGatewayConfig({ PORT: '0', ...env }, ['node', 'main.ts', '--supergraph', supergraph]);
  const gateway = await startGateway(config, createLogger('gateway', 'silent'));
  running.push(gateway);
  return new URL('/', gateway.url).toString();
}

beforeAll(async () => {
  if (!composition.supergraphSdl) throw new Error(String(composition.errors));
  dir = await mkdtemp(join(tmpdir(), 'playground-'));
  supergraph = join(dir, 'supergraph.graphql');
  await writeFile(supergraph, composition.supergraphSdl);
  // The manifest `npm run codegen` would write from two operation files, a fragment in the second.
  const apiSdl = printSchema(buildASTSchema(composition.schema.toAPISchema().toAST()));
  const { manifest: operations } = await generateClientArtifacts(apiSdl, [
    {
      file: 'schema/operations/books.graphql',
      source:
        'query Shelf { books { ...Spine } }\nquery Book($isbn: ID!, $onLoan: Boolean = false) { books { isbn } }\n',
    },
    { file: 'schema/operations/fragments.graphql', source: 'fragment Spine on Book { title onLoan }\n' },
  ]);
  manifest = join(dir, 'persisted-operations.json');
  await writeFile(manifest, JSON.stringify(operations));
});

afterAll(async () => {
  await Promise.all(running.map((gateway) => gateway.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe('when the playground is on (the default outside production)', () => {
  let root: string;
  beforeAll(async () => {
    root = await start({ NODE_ENV: 'development', PERSISTED_OPERATIONS_MANIFEST: manifest });
  });

  it('serves the page and its scripts from the gateway itself, locked to its own origin', async () => {
    const page = await fetch(root);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(scripts).toEqual([
      '/playground/react.js',
      '/playground/react-dom.js',
      '/playground/graphiql.js',
      '/playground/playground.js',
    ]);
    for (const script of scripts) {
      const asset = await fetch(new URL(script, root), { headers: { 'accept-encoding': 'gzip' } });
      expect(asset.status, script).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
      const again = await fetch(new URL(script, root), {
        headers: { 'if-none-match': String(asset.headers.get('etag')) },
      });
      expect(again.status).toBe(304);
    }
  });

  it('offers the persisted operations with the fragments they use and a variables template', async () => {
    const { operations } = (await (await fetch(new URL('/playground/operations.json', root))).json()) as {
      operations: { name: string; type: string; query: string; variables: string }[];
    };
    expect(operations.map((operation) => operation.name)).toEqual(['Book', 'Shelf']);
    const shelf = operations.find((operation) => operation.name === 'Shelf');
    expect(shelf?.type).toBe('query');
    // The manifest's operation, laid out to read; the safelist accepts it in any layout.
    expect(shelf?.query).toBe(
      'query Shelf {\n  books {\n    ...Spine\n  }\n}\n\nfragment Spine on Book {\n  onLoan\n  title\n}',
    );
    // $onLoan has a default: only $isbn needs a value.
    expect(JSON.parse(operations.find((operation) => operation.name === 'Book')?.variables ?? '')).toEqual({
      isbn: '',
    });
  });

  it('explains the query plan of an operation without running it', async () => {
    const explain = async (body: unknown, contentType = 'application/json') => {
      const response = await fetch(new URL('/playground/query-plan', root), {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        body: (await response.json()) as { plan?: string; errors?: string[] },
      };
    };
    const { body } = await explain({ query: '{ books { title onLoan } }' });
    expect(body.plan).toContain('Fetch(service: "library")');
    expect(body.plan).toContain('Fetch(service: "loans")');
    expect((await explain({ query: '{ books { nope } }' })).body.errors).toEqual([
      'Cannot query field "nope" on type "Book".',
    ]);
    expect((await explain({ query: '{ books {' })).body.errors?.[0]).toMatch(/^Syntax Error/);
    expect(
      (await explain({ query: 'query A { books { isbn } } query B { books { isbn } }' })).body.errors,
    ).toEqual(['Must provide operation name if query contains multiple operations.']);
    expect(
      (await explain({ query: 'query A { books { isbn } } query B { books { isbn } }', operationName: 'B' }))
        .body.plan,
    ).toContain('Fetch(service: "library")');
    expect((await explain({ nothing: true })).status).toBe(400);
    expect((await explain({ query: '{ books { isbn } }' }, 'text/plain')).status).toBe(415);
  });

  it('plans nothing /graphql would refuse: the same limits and cost, the same token check', async () => {
    const plan = (body: string, headers: Record<string, string> = {}) =>
      fetch(new URL('/playground/query-plan', root), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    // Fragments that double at each level: planning them is exponential.
    const levels = 13;
    const fragments = Array.from({ length: levels }, (_, level) =>
      level === levels - 1
        ? `fragment F${level} on Book { title onLoan }`
        : `fragment F${level} on Book { ...F${level + 1} a${level}: title ...F${level + 1} }`,
    ).join('\n');
    const started = performance.now();
    const doubling = await plan(JSON.stringify({ query: `{ books { ...F0 } }\n${fragments}` }));
    expect(doubling.status).toBe(400);
    expect(performance.now() - started).toBeLessThan(1000);
    const aliases = Array.from({ length: 6000 }, (_, index) => `a${index}: title`).join(' ');
    const wide = await plan(JSON.stringify({ query: `{ books { ${aliases} } }` }));
    expect(wide.status).toBe(400);
    expect(JSON.stringify(await wide.json())).toMatch(/LIMIT/);
    const forged = await plan(JSON.stringify({ query: '{ books { isbn } }' }), {
      authorization: 'Bearer not-a-token',
    });
    expect(forged.status).toBe(401);
    const deep = await plan(
      `{"query":"{ books { isbn } }","variables":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    );
    expect(deep.status).toBe(400);
  });
});

describe('in production', () => {
  it('is off unless configured: no page, no plans', async () => {
    const root = await start({ NODE_ENV: 'production' });
    expect((await fetch(root)).status).toBe(404);
    const plan = await fetch(new URL('/playground/query-plan', root), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ books { isbn } }' }),
    });
    expect(plan.status).toBe(404);
  });

  it('is on when PLAYGROUND_ENABLED=true, with no manifest at all', async () => {
    const root = await start({
      NODE_ENV: 'production',
      PLAYGROUND_ENABLED: 'true',
      PERSISTED_OPERATIONS_MANIFEST: join(dir, 'missing.json'),
    });
    expect((await fetch(root)).status).toBe(200);
    const { operations } = (await (await fetch(new URL('/playground/operations.json', root))).json()) as {
      operations: unknown[];
    };
    expect(operations).toEqual([]);
  });
});
