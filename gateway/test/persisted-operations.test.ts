import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postForParts } from '@shop/devkit/testing/multipart';
import { StartupError } from '@shop/platform/service';
import { generateClientArtifacts, type PersistedOperationManifest } from '@shop/scripts/lib/client-documents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { capturingLogger, type LibraryGraph, post, startLibraryGraph } from './library-graph';

// The operations clients of the library graph send, turned into a manifest the way
// `npm run codegen` turns the client operations into schema/persisted-operations.json.
const OPERATIONS_DIR = new URL('./fixtures/operations/', import.meta.url);

/** What each operation of the fixtures is sent with, and what it answers. */
const EXPECTED: Record<string, { variables: Record<string, unknown>; data: Record<string, unknown> }> = {
  Books: {
    variables: {},
    data: {
      books: [
        { isbn: '978-0', title: 'Dune' },
        { isbn: '978-1', title: 'Emma' },
      ],
    },
  },
  Book: { variables: { isbn: '978-1' }, data: { book: { isbn: '978-1', title: 'Emma', onLoan: true } } },
  // Deferred: whole to these JSON clients, in parts to one that takes them (see below).
  BookOnLoan: { variables: { isbn: '978-1' }, data: { book: { isbn: '978-1', onLoan: true } } },
  RenameBook: {
    variables: { isbn: '978-0', title: 'Dune Messiah' },
    data: { renameBook: { isbn: '978-0', title: 'Dune Messiah' } },
  },
};
const AD_HOC = '{ books { title } }';

let graph: LibraryGraph;
let dir: string;
let supergraphPath: string;
let manifestPath: string;
let manifest: PersistedOperationManifest;
let files: { file: string; source: string }[];
const gateways: RunningGateway[] = [];

async function gatewayIn(mode: 'off' | 'log' | 'safelist', manifestFile = manifestPath) {
  const { logger, lines } = capturingLogger();
  const config = loadGatewayConfig(
    { PORT: '0', PERSISTED_OPERATIONS: mode, PERSISTED_OPERATIONS_MANIFEST: manifestFile },
    ['node', 'main.ts', '--supergraph', supergraphPath],
  );
  const gateway = await startGateway(config, logger);
  gateways.push(gateway);
  return { url: gateway.url, logs: lines };
}

const byId = (id: string, operationName?: string, variables: Record<string, unknown> = {}) => ({
  ...(operationName ? { operationName } : {}),
  variables,
  extensions: { persistedQuery: { version: 1, sha256Hash: id } },
});
const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  body.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  graph = await startLibraryGraph();
  dir = await mkdtemp(join(tmpdir(), 'persisted-operations-'));
  supergraphPath = join(dir, 'supergraph.graphql');
  await writeFile(supergraphPath, graph.withLoans);
  const names = (await readdir(OPERATIONS_DIR)).filter((name) => name.endsWith('.graphql')).sort();
  files = await Promise.all(
    names.map(async (name) => ({
      file: `schema/operations/${name}`,
      source: await readFile(new URL(name, OPERATIONS_DIR), 'utf8'),
    })),
  );
  manifest = (await generateClientArtifacts(graph.apiSdl, files)).manifest;
  manifestPath = join(dir, 'persisted-operations.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await graph?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('PERSISTED_OPERATIONS=safelist', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await gatewayIn('safelist'));
  });

  it('has a manifest entry for every fixture operation, each id the sha256 of its body', () => {
    expect(manifest.operations.map((operation) => operation.name).sort()).toEqual(
      Object.keys(EXPECTED).sort(),
    );
    expect(manifest.operations.find((operation) => operation.name === 'RenameBook')?.type).toBe('mutation');
  });

  it('runs every operation sent by id', async () => {
    for (const operation of manifest.operations) {
      const expected = EXPECTED[operation.name];
      const response = await post(url, byId(operation.id, operation.name, expected?.variables ?? {}));
      expect({ operation: operation.name, ...response }).toEqual({
        operation: operation.name,
        status: 200,
        body: { data: expected?.data },
      });
    }
  });

  it('runs every operation sent by text: as written in its file, and as it stands in the manifest', async () => {
    for (const operation of manifest.operations) {
      const expected = EXPECTED[operation.name];
      const declares = new RegExp(`\\b(query|mutation|subscription)\\s+${operation.name}\\b`);
      const file = files.find(({ source }) => declares.test(source));
      expect(file, operation.name).toBeDefined();
      for (const query of [file?.source, operation.body]) {
        const response = await post(url, {
          query,
          operationName: operation.name,
          variables: expected?.variables,
        });
        expect({ operation: operation.name, ...response }).toEqual({
          operation: operation.name,
          status: 200,
          body: { data: expected?.data },
        });
      }
    }
  });

  it('runs a deferred operation of the manifest by id, in parts to a client that takes them', async () => {
    const onLoan = manifest.operations.find((operation) => operation.name === 'BookOnLoan');
    const answer = await postForParts(url, byId(onLoan?.id ?? '', 'BookOnLoan', { isbn: '978-1' }));
    expect(answer.parts.map((part) => part.body)).toEqual([
      { data: { book: { isbn: '978-1' } }, hasNext: true },
      { incremental: [{ data: { onLoan: true }, path: ['book'], label: 'loan' }], hasNext: false },
    ]);
  });

  it('runs an operation by GET with its id, the way a CDN-cached client asks', async () => {
    const books = manifest.operations.find((operation) => operation.name === 'Books');
    const search = new URLSearchParams({
      operationName: 'Books',
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: books?.id } }),
    });
    const response = await fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: EXPECTED.Books?.data });
  });

  it('rejects an ad-hoc query with PERSISTED_QUERY_NOT_IN_LIST before any subgraph is asked', async () => {
    const before = graph.requests.get('library') ?? 0;
    const response = await post(url, { query: AD_HOC });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        {
          message: 'This operation is not one of the persisted operations this API accepts.',
          extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' },
        },
      ],
    });
    expect(graph.requests.get('library') ?? 0).toBe(before);
  });

  it('rejects an operation of the manifest with a field added, and one under a name of the manifest', async () => {
    const books = manifest.operations.find((operation) => operation.name === 'Books');
    const widened = books?.body.replace('title', 'title onLoan');
    expect(codeOf((await post(url, { query: widened })).body)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const renamed = await post(url, {
      query: 'query Books { books { isbn onLoan } }',
      operationName: 'Books',
    });
    expect(codeOf(renamed.body)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('rejects text that does not even parse, and introspection, with the same code', async () => {
    expect(codeOf((await post(url, { query: '{ books {' })).body)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf((await post(url, { query: '{ __schema { types { name } } }' })).body)).toBe(
      'PERSISTED_QUERY_NOT_IN_LIST',
    );
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND and does not let a client register one', async () => {
    const { createHash } = await import('node:crypto');
    const id = createHash('sha256').update(AD_HOC).digest('hex');
    expect(codeOf((await post(url, byId(id))).body)).toBe('PERSISTED_QUERY_NOT_FOUND');
    // An automatic persisted query registration: text and hash together.
    const registration = await post(url, { query: AD_HOC, ...byId(id) });
    expect(codeOf(registration.body)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf((await post(url, byId(id))).body)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('PERSISTED_OPERATIONS=log', () => {
  it('runs an ad-hoc query and logs it once, and still runs operations by id', async () => {
    const { url, logs } = await gatewayIn('log');
    for (let i = 0; i < 3; i += 1)
      expect((await post(url, { query: AD_HOC })).body).toEqual({
        data: { books: [{ title: 'Dune' }, { title: 'Emma' }] },
      });
    const unknown = logs.filter((line) => line.msg === 'operation not in the persisted operation manifest');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ level: 'warn', mode: 'log', body: AD_HOC });
    const book = manifest.operations.find((operation) => operation.name === 'Book');
    const response = await post(url, byId(book?.id ?? '', 'Book', EXPECTED.Book?.variables ?? {}));
    expect(response.body).toEqual({ data: EXPECTED.Book?.data });
  });

  it('keeps automatic persisted queries working', async () => {
    const { url } = await gatewayIn('log');
    await expectAutomaticPersistedQueries(url);
  });
});

describe('PERSISTED_OPERATIONS=off', () => {
  it('keeps automatic persisted queries working and knows no manifest', async () => {
    const { url } = await gatewayIn('off', join(dir, 'no-such-manifest.json'));
    await expectAutomaticPersistedQueries(url);
    const books = manifest.operations.find((operation) => operation.name === 'Books');
    expect(codeOf((await post(url, byId(books?.id ?? '', 'Books', {}))).body)).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });
});

/** The automatic persisted query handshake: unknown hash, then text with hash, then the hash alone works. */
async function expectAutomaticPersistedQueries(url: string) {
  const { createHash } = await import('node:crypto');
  const query = `{ book(isbn: "978-0") { title } }`;
  const id = createHash('sha256').update(query).digest('hex');
  expect(codeOf((await post(url, byId(id))).body)).toBe('PERSISTED_QUERY_NOT_FOUND');
  expect((await post(url, { query, ...byId(id) })).body).toEqual({
    data: { book: { title: 'Dune' } },
  });
  expect((await post(url, byId(id))).body).toEqual({ data: { book: { title: 'Dune' } } });
}

describe('an operation sent by id', () => {
  it('is held to the operation limits like the same text: the guard reads the stored body', async () => {
    const body = 'query ThreeShelves { a: books { title } b: books { title } c: books { title } }';
    const id = createHash('sha256').update(body).digest('hex');
    const path = join(dir, 'aliased-manifest.json');
    await writeFile(
      path,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id, name: 'ThreeShelves', type: 'query', body }],
      }),
    );
    const config = loadGatewayConfig(
      { PORT: '0', PERSISTED_OPERATIONS: 'log', PERSISTED_OPERATIONS_MANIFEST: path, MAX_ALIASES: '2' },
      ['node', 'main.ts', '--supergraph', supergraphPath],
    );
    const gateway = await startGateway(config, capturingLogger().logger);
    gateways.push(gateway);
    const before = graph.requests.get('library') ?? 0;
    const response = await post(gateway.url, byId(id, 'ThreeShelves'));
    expect(response.status).toBe(400);
    expect(codeOf(response.body)).toBe('MAX_ALIASES_LIMIT');
    expect(graph.requests.get('library') ?? 0).toBe(before);
  });
});

describe('a manifest the gateway cannot use', () => {
  it('stops the start when safelist mode has no manifest', async () => {
    const missing = join(dir, 'missing.json');
    await expect(gatewayIn('safelist', missing)).rejects.toThrow(
      new StartupError(
        `PERSISTED_OPERATIONS=safelist needs the manifest at ${missing}: ENOENT: no such file or directory, open '${missing}'`,
      ),
    );
  });

  it('stops the start when an id is not the sha256 of its body', async () => {
    const tampered = join(dir, 'tampered.json');
    const [first, ...rest] = manifest.operations;
    await writeFile(
      tampered,
      // The same operation with a space more: the id no longer matches.
      JSON.stringify({ ...manifest, operations: [{ ...first, body: `${first?.body} ` }, ...rest] }),
    );
    await expect(gatewayIn('log', tampered)).rejects.toThrow(/the id is not the sha256 of the body/);
  });
});
