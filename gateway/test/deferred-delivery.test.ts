import { assembleParts, postForParts } from '@shop/devkit/testing/multipart';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogGraph } from './support/catalog-graph';
import { type SwitchableGraph, startSwitchableGraph } from './support/switchable-subgraphs';

let graph: SwitchableGraph | null = null;
afterEach(async () => {
  await graph?.stop();
  graph = null;
});

function started(): SwitchableGraph {
  if (!graph) throw new Error('no graph started');
  return graph;
}

/** The same operation answered whole, to a client that does not take parts. */
async function whole(query: string, variables?: Record<string, unknown>) {
  const answer = await started().graphql(query, { variables, headers: { accept: 'application/json' } });
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Name, operation, a field only its deferred parts bring, variables. */
const OPERATIONS: [string, string, string, Record<string, unknown>?][] = [
  [
    'a deferred fragment on every element of a list',
    '{ products { id name ... @defer { rating votes } } }',
    'rating',
  ],
  [
    'a labelled fragment, with variables',
    'query ($id: ID!) { product(id: $id) { id ... @defer(label: "ratings") { rating name } } }',
    'name',
    { id: 'p1' },
  ],
  [
    'a fragment deferred inside a deferred one',
    '{ topRated { id ... @defer(label: "outer") { name ... @defer(label: "inner") { rating votes } } } }',
    'votes',
  ],
  [
    'a deferred fragment at the root',
    '{ products { id name } ... @defer { topRated { id rating } } }',
    'topRated',
  ],
  [
    'a fragment with a type condition deferred',
    '{ topRated { id ... on Product @defer { votes } } }',
    'votes',
  ],
  [
    'a named fragment deferred, and __typename',
    'query { __typename twice { ...Rated @defer } } fragment Rated on Product { __typename id rating }',
    'rating',
  ],
];

describe('@defer through the gateway', () => {
  it.each(OPERATIONS)(
    '%s: the parts add up to the whole answer, deferred fields only after the first',
    async (_, query, deferredField, variables) => {
      graph = await startSwitchableGraph(catalogGraph());
      const expected = await whole(query, variables);
      expect(expected.errors).toBeUndefined();

      const answer = await postForParts(graph.gateway.url, { query, variables });

      expect(answer.status).toBe(200);
      expect(answer.contentType).toMatch(/^multipart\/mixed; boundary="-"; deferSpec=20220824/);
      expect(answer.parts.length).toBeGreaterThan(1);
      expect(answer.parts[0]?.body.hasNext).toBe(true);
      expect(answer.parts.at(-1)?.body.hasNext).toBe(false);
      expect(JSON.stringify(answer.parts[0]?.body.data)).not.toContain(`"${deferredField}"`);
      const assembled = assembleParts(answer.parts);
      expect(assembled.errors).toEqual([]);
      expect(assembled.data).toEqual(expected.data);
    },
  );

  it('labels a part as the client labelled its fragment, and paths it to each object it completes', async () => {
    graph = await startSwitchableGraph(catalogGraph());

    const answer = await postForParts(graph.gateway.url, {
      query: '{ products { id ... @defer(label: "r") { rating } } }',
    });

    const items = answer.parts.slice(1).flatMap((part) => part.body.incremental as unknown[]);
    expect(items).toEqual([
      { data: { rating: 4.5 }, path: ['products', 0], label: 'r' },
      { data: { rating: 3 }, path: ['products', 1], label: 'r' },
      { data: { rating: 3 }, path: ['products', 2], label: 'r' },
    ]);
  });

  it('sends the first part as soon as its own fields are there, not after the slow subgraph', async () => {
    graph = await startSwitchableGraph(catalogGraph({ ratingsDelayMs: 1000 }));
    const url = graph.gateway.url;
    const unslowed = '{ product(id: "p1") { id name } }';
    const deferred = '{ product(id: "p1") { id name ... @defer { rating } } }';
    // Both planned and every connection open before anything is timed.
    await postForParts(url, { query: unslowed });
    await postForParts(url, { query: deferred });

    // The best of three rounds, taken in turn: a loaded machine's pauses hit one round, not all.
    let unslowedMs = Number.POSITIVE_INFINITY;
    let firstPartMs = Number.POSITIVE_INFINITY;
    let answer: Awaited<ReturnType<typeof postForParts>> | null = null;
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      await postForParts(url, { query: unslowed });
      unslowedMs = Math.min(unslowedMs, performance.now() - started);
      answer = await postForParts(url, { query: deferred });
      firstPartMs = Math.min(firstPartMs, answer.parts[0]?.atMs ?? Number.POSITIVE_INFINITY);
    }

    const parts = answer?.parts ?? [];
    expect(parts[0]?.body.data).toEqual({ product: { id: 'p1', name: 'Kettle' } });
    expect(firstPartMs).toBeLessThan(unslowedMs + 100);
    expect(parts.at(-1)?.atMs).toBeGreaterThanOrEqual(1000);
    expect(assembleParts(parts).data).toEqual({ product: { id: 'p1', name: 'Kettle', rating: 4.5 } });
  });

  it('puts a deferred fragment’s errors in its own part; a subgraph down costs only its parts', async () => {
    graph = await startSwitchableGraph(catalogGraph(), { SUBGRAPH_RETRIES: '0' });
    const query = '{ product(id: "unrated") { id name ... @defer { rating } } }';
    const expected = await whole(query);
    const unrated = await postForParts(graph.gateway.url, { query });
    expect(unrated.parts[0]?.body).toEqual({
      data: { product: { id: 'unrated', name: 'Product unrated' } },
      hasNext: true,
    });
    const [item] = (unrated.parts[1]?.body.incremental ?? []) as { data: unknown; errors: unknown[] }[];
    expect(item?.data).toEqual({ rating: null });
    // The same error, masked the same way, as in the whole answer.
    expect(expected.errors).toHaveLength(1);
    expect(item?.errors).toEqual(expected.errors);

    await graph.subgraph('ratings').set('down');
    const down = await postForParts(graph.gateway.url, {
      query: '{ products { id name ... @defer { rating } } }',
    });
    expect(down.parts[0]?.body.errors).toBeUndefined();
    expect(down.parts[0]?.body.data).toEqual({
      products: [
        { id: 'p1', name: 'Kettle' },
        { id: 'p2', name: 'Teapot' },
        { id: 'p3', name: 'Whisk' },
      ],
    });
    const items = down.parts
      .slice(1)
      .flatMap((part) => part.body.incremental as { data: unknown; errors?: unknown[] }[]);
    expect(items.map((partItem) => partItem.data)).toEqual([
      { rating: null },
      { rating: null },
      { rating: null },
    ]);
    expect(items.flatMap((partItem) => partItem.errors ?? []).length).toBeGreaterThan(0);
  });

  it('answers whole a client that does not take parts, and a fragment whose @defer(if:) is false', async () => {
    graph = await startSwitchableGraph(catalogGraph());
    const query = 'query ($later: Boolean!) { products { id ... @defer(if: $later) { rating } } }';

    const notTaking = await whole(query, { later: true });
    const notDeferred = await postForParts(graph.gateway.url, { query, variables: { later: false } });

    expect(notTaking.data).toEqual({
      products: [
        { id: 'p1', rating: 4.5 },
        { id: 'p2', rating: 3 },
        { id: 'p3', rating: 3 },
      ],
    });
    expect(notDeferred.contentType).toMatch(/^application\/(graphql-response\+)?json/);
    expect(notDeferred.parts).toHaveLength(1);
    expect(notDeferred.parts[0]?.body.data).toEqual(notTaking.data);
  });

  it('never caches an answer in parts; the whole answer to the same operation is cached as any', async () => {
    graph = await startSwitchableGraph(catalogGraph());
    const query = '{ products { id ... @defer { rating } } }';

    const first = await postForParts(graph.gateway.url, { query });
    const callsAfterFirst = graph.subgraph('ratings').calls();
    await postForParts(graph.gateway.url, { query });
    expect(graph.subgraph('ratings').calls()).toBe(callsAfterFirst + 1);
    expect(first.parts).not.toHaveLength(1);

    await whole(query);
    const callsBeforeCached = graph.subgraph('ratings').calls();
    const cached = await started().graphql(query, { headers: { accept: 'application/json' } });
    expect(graph.subgraph('ratings').calls()).toBe(callsBeforeCached);
    expect(cached.headers.get('age')).toMatch(/^\d+$/);
  });
});
