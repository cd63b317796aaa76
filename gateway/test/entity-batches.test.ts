import type { Caller } from '@shop/platform/auth';
import { describe, expect, it } from 'vitest';
import { batchEntityFetches } from '../src/execution/entity-batches';
import type {
  CacheHint,
  SubgraphCall,
  SubgraphRequest,
  SubgraphService,
} from '../src/fetcher/subgraph-service';

const QUERY =
  'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{rating}}}';
const ALICE: Caller = { userId: 'u-alice', role: 'CUSTOMER', scopes: [] };
const BOB: Caller = { userId: 'u-bob', role: 'CUSTOMER', scopes: [] };

/** A subgraph that answers ratings by id, fails for `down`, has no rating for `broken`, and remembers what it was sent. */
function ratingsSource(cacheHint: CacheHint = { maxAge: 60 }) {
  const sent: { ids: string[]; caller: Caller | null }[] = [];
  const source: SubgraphService = {
    async send(request, call) {
      const ids = ((request.variables.representations ?? []) as { id: string }[]).map((entity) => entity.id);
      sent.push({ ids, caller: call.caller });
      call.cachePolicy?.restrict(cacheHint);
      if (ids.includes('down')) throw new Error('subgraph down');
      return {
        data: { _entities: ids.map((id) => (id === 'broken' ? null : { rating: id.length })) },
        errors: ids.flatMap((id, index) =>
          id === 'broken' ? [{ message: 'no rating', path: ['_entities', index, 'rating'] }] : [],
        ),
      };
    },
  };
  return { source, sent };
}

/** One operation's entity fetch, with a cache policy that records what it is told. */
function fetchOf(ids: readonly string[], caller: Caller | null = null) {
  const hints: CacheHint[] = [];
  const request: SubgraphRequest = {
    query: QUERY,
    operationName: undefined,
    variables: { representations: ids.map((id) => ({ __typename: 'Product', id })) },
    idempotent: true,
  };
  const call: SubgraphCall = {
    requestId: `r-${ids.join('-')}`,
    caller,
    clientAddress: null,
    operationName: null,
    cachePolicy: { restrict: (hint) => hints.push(hint) },
  };
  return { request, call, hints };
}

const sendThrough = (service: SubgraphService, fetch: ReturnType<typeof fetchOf>) =>
  service.send(fetch.request, fetch.call);

describe('entity fetches batched across operations', () => {
  it('sends the fetches started in one turn as one request, each entity once, and answers each with its own', async () => {
    const { source, sent } = ratingsSource();
    const batched = batchEntityFetches(source, { acrossOperations: true });

    const a = fetchOf(['p1', 'p22', 'p1']);
    const b = fetchOf(['p22', 'p333']);
    const [answerA, answerB] = await Promise.all([sendThrough(batched, a), sendThrough(batched, b)]);

    expect(sent).toEqual([{ ids: ['p1', 'p22', 'p333'], caller: null }]);
    expect(answerA).toEqual({ data: { _entities: [{ rating: 2 }, { rating: 3 }, { rating: 2 }] } });
    expect(answerB).toEqual({ data: { _entities: [{ rating: 3 }, { rating: 4 }] } });
    // Every occurrence is an object of its own: the gateway merges into what it receives.
    const entitiesA = answerA.data?._entities as object[];
    const entitiesB = answerB.data?._entities as object[];
    expect(new Set([...entitiesA, ...entitiesB]).size).toBe(5);
  });

  it('never merges the fetches of different callers', async () => {
    const { source, sent } = ratingsSource();
    const batched = batchEntityFetches(source, { acrossOperations: true });

    await Promise.all([
      sendThrough(batched, fetchOf(['p1'], ALICE)),
      sendThrough(batched, fetchOf(['p2'], BOB)),
      sendThrough(batched, fetchOf(['p3'], null)),
      sendThrough(batched, fetchOf(['p4'], ALICE)),
    ]);

    expect(sent).toEqual([
      { ids: ['p1', 'p4'], caller: ALICE },
      { ids: ['p2'], caller: BOB },
      { ids: ['p3'], caller: null },
    ]);
  });

  it("gives an entity's error to the operations that asked for that entity only, at their own index", async () => {
    const { source } = ratingsSource();
    const batched = batchEntityFetches(source, { acrossOperations: true });

    const [a, b] = await Promise.all([
      sendThrough(batched, fetchOf(['p1', 'broken'])),
      sendThrough(batched, fetchOf(['p2'])),
    ]);

    expect(a).toEqual({
      data: { _entities: [{ rating: 2 }, null] },
      errors: [{ message: 'no rating', path: ['_entities', 1, 'rating'] }],
    });
    expect(b).toEqual({ data: { _entities: [{ rating: 2 }] } });
  });

  it("tells every operation's cache policy what the shared answer allows", async () => {
    const { source } = ratingsSource({ maxAge: 0, scope: 'PRIVATE' });
    const batched = batchEntityFetches(source, { acrossOperations: true });

    const a = fetchOf(['p1']);
    const b = fetchOf(['p2']);
    await Promise.all([sendThrough(batched, a), sendThrough(batched, b)]);

    expect(a.hints).toEqual([{ maxAge: 0, scope: 'PRIVATE' }]);
    expect(b.hints).toEqual([{ maxAge: 0, scope: 'PRIVATE' }]);
  });

  it('fails every operation of a request that failed', async () => {
    const { source } = ratingsSource();
    const batched = batchEntityFetches(source, { acrossOperations: true });

    const results = await Promise.allSettled([
      sendThrough(batched, fetchOf(['down'])),
      sendThrough(batched, fetchOf(['p2'])),
    ]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('keeps each operation to its own request when batching is off, still sending each entity once', async () => {
    const { source, sent } = ratingsSource();
    const alone = batchEntityFetches(source, { acrossOperations: false });

    const [a] = await Promise.all([
      sendThrough(alone, fetchOf(['p1', 'p1'])),
      sendThrough(alone, fetchOf(['p2'])),
    ]);

    expect(sent.map((request) => request.ids)).toEqual([['p1'], ['p2']]);
    expect(a).toEqual({ data: { _entities: [{ rating: 2 }, { rating: 2 }] } });
  });
});
