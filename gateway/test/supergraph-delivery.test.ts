import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '@shop/platform/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { capturingLogger, type LibraryGraph, type LogLine, post, startLibraryGraph } from './library-graph';

let graph: LibraryGraph;
let dir: string;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  graph = await startLibraryGraph();
  dir = await mkdtemp(join(tmpdir(), 'supergraph-delivery-'));
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await graph?.close();
  await rm(dir, { recursive: true, force: true });
});

async function startWith(env: Record<string, string>, supergraphPath?: string) {
  const { logger, lines } = capturingLogger();
  const argv = ['node', 'main.ts', ...(supergraphPath ? ['--supergraph', supergraphPath] : [])];
  const gateway = await startGateway(loadGatewayConfig({ PORT: '0', ...env }, argv), logger);
  gateways.push(gateway);
  return { url: gateway.url, logs: lines };
}

/** Which of the two supergraphs the gateway serves: only the one with loans has `Book.onLoan`. */
async function servesLoans(url: string): Promise<boolean> {
  const { body } = await post(url, { query: '{ __type(name: "Book") { fields { name } } }' });
  const type = body.data?.__type as { fields: { name: string }[] } | undefined;
  return type?.fields.some((field) => field.name === 'onLoan') ?? false;
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const logged = (logs: LogLine[], msg: string) => logs.filter((line) => line.msg === msg);

/** How deployments replace a file: write another and rename it over (atomic), or rewrite it in place. */
async function replaceFile(path: string, content: string, how: 'rename' | 'in place') {
  if (how === 'in place') return writeFile(path, content);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/** Clients sending the same query over and over, a few at a time, until stopped. */
function steadyLoad(url: string, workers: number) {
  let running = true;
  let completed = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (running) {
      try {
        const response = await post(url, { query: '{ books(delayMs: 5) { isbn title } }' });
        const books = response.body.data?.books as unknown[] | undefined;
        if (response.status !== 200 || response.body.errors || books?.length !== 2)
          failures.push(`${response.status} ${JSON.stringify(response.body)}`);
      } catch (error) {
        failures.push(String(error));
      }
      completed += 1;
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    failures,
    get completed() {
      return completed;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('a supergraph file that changes', () => {
  it('is swapped in ten times under a steady load without a single failed request', async () => {
    const path = join(dir, 'swapped.graphql');
    await writeFile(path, graph.libraryOnly);
    // Only the file watch can notice the changes: the safety-net poll is an hour away.
    const { url, logs } = await startWith({ SUPERGRAPH_POLL_SECONDS: '3600' }, path);
    const load = steadyLoad(url, 4);
    // Requests that are in flight, each across one swap.
    const slow: Promise<Awaited<ReturnType<typeof post>>>[] = [];
    for (let swap = 0; swap < 10; swap += 1) {
      const loans = swap % 2 === 0;
      slow.push(post(url, { query: '{ books(delayMs: 300) { title } }' }));
      await sleep(50);
      await replaceFile(
        path,
        loans ? graph.withLoans : graph.libraryOnly,
        swap % 4 < 2 ? 'rename' : 'in place',
      );
      await waitFor(`swap ${swap + 1}`, async () => (await servesLoans(url)) === loans);
      // Let the load run on the new supergraph before the next swap.
      const before = load.completed;
      await waitFor('requests on the new supergraph', () => load.completed >= before + 20);
    }
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(load.completed).toBeGreaterThanOrEqual(200);
    for (const response of await Promise.all(slow))
      expect(response).toEqual({
        status: 200,
        body: { data: { books: [{ title: 'Dune' }, { title: 'Emma' }] } },
      });
    expect(logged(logs, 'serving a new supergraph')).toHaveLength(10);
  });

  it('enforces the access rules of the supergraph it serves: a reload that protects a field protects it at once', async () => {
    const path = join(dir, 'secured.graphql');
    await writeFile(path, graph.withLoans);
    const { url } = await startWith({ SUPERGRAPH_POLL_SECONDS: '3600' }, path);
    const query = { query: '{ book(isbn: "978-1") { title onLoan } }' };
    expect((await post(url, query)).body).toEqual({ data: { book: { title: 'Emma', onLoan: true } } });
    await replaceFile(path, graph.withLoansForMembers, 'rename');
    const loansCalls = () => graph.requests.get('loans') ?? 0;
    await waitFor('the protected supergraph', async () => {
      const before = loansCalls();
      const { body } = await post(url, query);
      return body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' && loansCalls() === before;
    });
    const { body } = await post(url, query);
    expect(body.data).toEqual({ book: null });
    expect(body.errors?.[0]).toMatchObject({
      path: ['book', 'onLoan'],
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('keeps serving the old supergraph when the new one fails to load, and logs why once', async () => {
    const path = join(dir, 'broken.graphql');
    await writeFile(path, graph.withLoans);
    const { url, logs } = await startWith({ SUPERGRAPH_POLL_SECONDS: '0.05' }, path);
    const booksOnLoan = () => post(url, { query: '{ books { title onLoan } }' });
    const expected = {
      status: 200,
      body: {
        data: {
          books: [
            { title: 'Dune', onLoan: false },
            { title: 'Emma', onLoan: true },
          ],
        },
      },
    };

    for (const broken of ['type Query { books: [Book', graph.apiSdl]) {
      const failuresBefore = logged(
        logs,
        'the new supergraph failed to load; still serving the previous one',
      ).length;
      await replaceFile(path, broken, 'rename');
      await waitFor(
        'the failure to be logged',
        () =>
          logged(logs, 'the new supergraph failed to load; still serving the previous one').length >
          failuresBefore,
      );
      expect(await booksOnLoan()).toEqual(expected);
      // Polled again and again, the same broken file is logged once.
      await sleep(300);
      expect(logged(logs, 'the new supergraph failed to load; still serving the previous one')).toHaveLength(
        failuresBefore + 1,
      );
    }
    const failure = logged(logs, 'the new supergraph failed to load; still serving the previous one')[0];
    expect(failure).toMatchObject({ level: 'error', source: path });

    await rm(path);
    await waitFor(
      'the missing file to be logged',
      () => logged(logs, 'cannot read the supergraph; still serving the previous one').length > 0,
    );
    expect(await booksOnLoan()).toEqual(expected);

    await replaceFile(path, graph.libraryOnly, 'rename');
    await waitFor('the valid supergraph to be served', async () => !(await servesLoans(url)));
  });

  it('stops the start, naming the file, when the first supergraph does not load', async () => {
    const path = join(dir, 'never-valid.graphql');
    await writeFile(path, 'type Query { hello: String }');
    await expect(startWith({}, path)).rejects.toThrow(`cannot serve the supergraph at ${path}:`);
    await expect(startWith({}, join(dir, 'missing.graphql'))).rejects.toThrow(
      `cannot read the supergraph at ${join(dir, 'missing.graphql')}: ENOENT`,
    );
  });
});

describe('a supergraph polled from SUPERGRAPH_URL', () => {
  let server: Server;
  let supergraphUrl: string;
  let answer: { status: number; body: string };
  let notModified = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const etag = `"${createHash('sha256').update(answer.body).digest('hex')}"`;
      if (answer.status === 200 && req.headers['if-none-match'] === etag) {
        notModified += 1;
        res.writeHead(304).end();
        return;
      }
      res.writeHead(answer.status, answer.status === 200 ? { etag } : {}).end(answer.body);
    });
    supergraphUrl = `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}/supergraph.graphql?token=secret`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('follows what the URL serves, and keeps the last good supergraph through errors and bad answers', async () => {
    answer = { status: 200, body: graph.libraryOnly };
    const { url, logs } = await startWith({ SUPERGRAPH_URL: supergraphUrl, SUPERGRAPH_POLL_SECONDS: '0.05' });
    expect(await servesLoans(url)).toBe(false);
    await waitFor('an unchanged supergraph to be answered with 304', () => notModified > 0);

    answer = { status: 200, body: graph.withLoans };
    await waitFor('the new supergraph', () => servesLoans(url));

    answer = { status: 503, body: 'down for maintenance' };
    await waitFor(
      'the error to be logged',
      () => logged(logs, 'cannot read the supergraph; still serving the previous one').length > 0,
    );
    expect(await servesLoans(url)).toBe(true);
    const unreadable = logged(logs, 'cannot read the supergraph; still serving the previous one')[0];
    // The URL's query string (a token, often) stays out of the logs.
    expect(unreadable?.source).toBe(supergraphUrl.replace('?token=secret', ''));
    expect(JSON.stringify(logs)).not.toContain('secret');

    // Polled again and again during the outage, it is logged when it starts and when it ends.
    await sleep(300);
    expect(logged(logs, 'cannot read the supergraph; still serving the previous one')).toHaveLength(1);

    answer = { status: 200, body: 'not a supergraph' };
    await waitFor(
      'the bad supergraph to be logged',
      () => logged(logs, 'the new supergraph failed to load; still serving the previous one').length > 0,
    );
    expect(await servesLoans(url)).toBe(true);

    expect(logged(logs, 'the supergraph can be read again')).toHaveLength(1);

    answer = { status: 200, body: graph.libraryOnly };
    await waitFor('the good supergraph again', async () => !(await servesLoans(url)));
  });

  it('stops the start, naming the fallback file, when neither the URL nor SUPERGRAPH_FALLBACK_PATH can be read', async () => {
    // Without a fallback the gateway waits for the URL (supergraph-registry-down.test.ts).
    const missing = join(dir, 'no-such-fallback.graphql');
    await expect(
      startWith({
        SUPERGRAPH_URL: 'http://127.0.0.1:9/supergraph.graphql',
        SUPERGRAPH_FALLBACK_PATH: missing,
      }),
    ).rejects.toThrow(`cannot read the supergraph at ${missing}`);
  });
});
