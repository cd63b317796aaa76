import { afterEach, describe, expect, it } from 'vitest';
import { catalogGraph } from './support/catalog-graph';
import { type SwitchableGraph, startSwitchableGraph } from './support/switchable-subgraphs';

// No response cache here: every request below must reach the subgraphs.
const RESILIENCE = {
  RESPONSE_CACHE: 'false',
  SUBGRAPH_TIMEOUT_MS: '600',
  CIRCUIT_MIN_REQUESTS: '3',
  CIRCUIT_RESET_MS: '500',
};

const PRODUCTS_WITH_RATINGS = '{ products { id name rating } }';

let graph: SwitchableGraph | null = null;
afterEach(async () => {
  await graph?.stop();
  graph = null;
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe('a subgraph that is down', () => {
  it('costs only its own fields: each is null with one masked error at its path, the rest is served', async () => {
    graph = await startSwitchableGraph(catalogGraph(), RESILIENCE);
    await graph.subgraph('ratings').set('down');

    const { status, body } = await graph.graphql(PRODUCTS_WITH_RATINGS);

    expect(status).toBe(200);
    expect(body.data).toEqual({
      products: [
        { id: 'p1', name: 'Kettle', rating: null },
        { id: 'p2', name: 'Teapot', rating: null },
        { id: 'p3', name: 'Whisk', rating: null },
      ],
    });
    expect(body.errors?.map((error) => error.path)).toEqual([
      ['products', 0, 'rating'],
      ['products', 1, 'rating'],
      ['products', 2, 'rating'],
    ]);
    for (const error of body.errors ?? []) {
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      // Masked: nothing names the subgraph, its address or the cause.
      expect(error.message).toBe('Internal server error');
    }
  });

  it('loses its root fields only: the other subgraph answers its own', async () => {
    graph = await startSwitchableGraph(catalogGraph(), RESILIENCE);
    await graph.subgraph('ratings').set('down');

    const { body } = await graph.graphql('{ shelf topRated { id name } }');

    expect(body.data).toEqual({ shelf: 'kitchen', topRated: null });
    expect(body.errors?.map((error) => error.path)).toEqual([['topRated']]);
  });

  it('answers in full again within seconds of coming back', async () => {
    graph = await startSwitchableGraph(catalogGraph(), RESILIENCE);
    const ratings = graph.subgraph('ratings');
    await ratings.set('down');
    // Enough failures to open its circuit: requests now fail fast.
    for (let i = 0; i < 5; i++) await graph.graphql(PRODUCTS_WITH_RATINGS);
    expect(await graph.metrics()).toMatch(/gateway_subgraph_circuit_open\{[^}]*subgraph="ratings"[^}]*\} 1/);

    await ratings.set('up');
    const back = performance.now();
    let full = false;
    while (!full && performance.now() - back < 5000) {
      const { body } = await graph.graphql(PRODUCTS_WITH_RATINGS);
      full = body.errors === undefined;
      if (!full) await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(full).toBe(true);
    expect(performance.now() - back).toBeLessThan(5000);
    expect(await graph.metrics()).toMatch(/gateway_subgraph_circuit_open\{[^}]*subgraph="ratings"[^}]*\} 0/);
  });
});

describe('a subgraph that accepts requests and never answers', () => {
  it('costs a request no more than its timeout, then its circuit opens and requests fail fast', async () => {
    // A longer timeout and rest than the other tests': waiting for the timeout and failing fast stay
    // far apart, and the circuit stays open throughout, however loaded the machine (the suite runs beside).
    const timeoutMs = 1500;
    graph = await startSwitchableGraph(catalogGraph(), {
      ...RESILIENCE,
      SUBGRAPH_TIMEOUT_MS: String(timeoutMs),
      CIRCUIT_RESET_MS: '30000',
    });
    const ratings = graph.subgraph('ratings');
    await ratings.set('silent');

    // Three different requests at once: each waits for the timeout and is not sent again (one call each).
    const queries = ['{ products { rating } }', '{ products { votes } }', '{ products { rating votes } }'];
    const first = await Promise.all(
      queries.map((query) => timed(() => graph?.graphql(query) ?? Promise.reject())),
    );
    for (const { value, ms } of first) {
      expect(ms).toBeGreaterThanOrEqual(timeoutMs - 50);
      // Not twice the timeout (a resend would be one more call, counted below); the slack is for a loaded machine.
      expect(ms).toBeLessThan(timeoutMs + 3000);
      expect(value.body.data?.products).toHaveLength(3);
      expect(value.body.errors?.[0]?.path?.slice(0, 2)).toEqual(['products', 0]);
    }
    const reached = ratings.calls();
    expect(reached).toBe(3);

    // The circuit is open: the next requests do not reach the subgraph, nor wait for its timeout.
    const later = await Promise.all(
      [1, 2, 3, 4, 5].map(() => timed(() => graph?.graphql(PRODUCTS_WITH_RATINGS) ?? Promise.reject())),
    );
    for (const { value, ms } of later) {
      expect(ms).toBeLessThan(timeoutMs);
      expect(value.body.data?.products).toEqual([
        { id: 'p1', name: 'Kettle', rating: null },
        { id: 'p2', name: 'Teapot', rating: null },
        { id: 'p3', name: 'Whisk', rating: null },
      ]);
    }
    expect(ratings.calls()).toBe(reached);
  });

  it('is probed again once the circuit has rested, and serves again when it answers', async () => {
    graph = await startSwitchableGraph(catalogGraph(), RESILIENCE);
    const ratings = graph.subgraph('ratings');
    await ratings.set('silent');
    await Promise.all(
      ['{ products { rating } }', '{ products { votes } }', '{ products { rating votes } }'].map((query) =>
        graph?.graphql(query),
      ),
    );
    expect(await graph.metrics()).toMatch(/gateway_subgraph_circuit_open\{[^}]*subgraph="ratings"[^}]*\} 1/);
    await ratings.set('up');

    await new Promise((resolve) => setTimeout(resolve, 600));
    const { body } = await graph.graphql(PRODUCTS_WITH_RATINGS);

    expect(body.errors).toBeUndefined();
    expect(body.data?.products).toContainEqual({ id: 'p1', name: 'Kettle', rating: 4.5 });
  });
});

describe('retries', () => {
  it('sends a query again when its connection failed, a bounded number of times', async () => {
    graph = await startSwitchableGraph(catalogGraph(), { ...RESILIENCE, SUBGRAPH_RETRIES: '2' });
    await graph.subgraph('catalog').set('reset');

    const { body } = await graph.graphql('{ shelf }');

    expect(body.data).toEqual({ shelf: null });
    expect(body.errors?.map((error) => error.path)).toEqual([['shelf']]);
    expect(graph.subgraph('catalog').calls()).toBe(3);
  });

  it('never sends a mutation twice: it may have been applied', async () => {
    graph = await startSwitchableGraph(catalogGraph(), { ...RESILIENCE, SUBGRAPH_RETRIES: '2' });
    await graph.subgraph('catalog').set('reset');

    const { body } = await graph.graphql('mutation { touch { id } }');

    expect(body.data).toBeNull();
    expect(body.errors?.map((error) => error.path)).toEqual([['touch']]);
    expect(graph.subgraph('catalog').calls()).toBe(1);
  });
});

describe('sending less to subgraphs', () => {
  it('sends an entity listed twice once, and answers both places', async () => {
    graph = await startSwitchableGraph(catalogGraph(), RESILIENCE);

    const { body } = await graph.graphql('{ twice { id name rating votes } }');

    expect(body).toEqual({
      data: {
        twice: [
          { id: 'p1', name: 'Kettle', rating: 4.5, votes: 10 },
          { id: 'p1', name: 'Kettle', rating: 4.5, votes: 10 },
        ],
      },
    });
    const [entities] = graph.subgraph('ratings').requests();
    expect(entities?.variables.representations).toEqual([{ __typename: 'Product', id: 'p1' }]);
  });

  it('sends the entity fetches of operations ready together as one request, and answers each as if alone', async () => {
    const ids = ['p1', 'p2', 'p3', 'p2', 'x7', 'unrated', 'x8', 'p1'];
    const query = 'query ($id: ID!) { product(id: $id) { id name rating } }';
    const run = async (env: Record<string, string>) => {
      // The products come back together (identical requests in flight share one), so their
      // rating fetches start in the same turn.
      graph = await startSwitchableGraph(catalogGraph({ productsTogether: new Set(ids).size }), {
        ...RESILIENCE,
        ...env,
      });
      const live = graph;
      const answers = await Promise.all(ids.map((id) => live.graphql(query, { variables: { id } })));
      const ratingRequests = live.subgraph('ratings').requests();
      await live.stop();
      graph = null;
      return { bodies: answers.map((answer) => answer.body), ratingRequests };
    };

    const batched = await run({});
    const alone = await run({ SUBGRAPH_BATCHING: 'false' });

    expect(batched.bodies).toEqual(alone.bodies);
    expect(batched.bodies[0]).toEqual({ data: { product: { id: 'p1', name: 'Kettle', rating: 4.5 } } });
    expect(batched.bodies[4]).toEqual({ data: { product: { id: 'x7', name: 'Product x7', rating: 3 } } });
    expect(batched.bodies[5]?.data).toEqual({
      product: { id: 'unrated', name: 'Product unrated', rating: null },
    });
    expect(batched.bodies[5]?.errors?.map((error) => error.path)).toEqual([['product']]);
    // Only the operation whose product failed carries the error.
    for (const [index, body] of batched.bodies.entries())
      if (index !== 5) expect(body.errors).toBeUndefined();
    // Alone: one rating request per distinct operation (identical ones in flight share theirs).
    expect(alone.ratingRequests.length).toBe(new Set(ids).size);
    // Batched: fewer requests, each entity in a request once.
    expect(batched.ratingRequests.length).toBeLessThan(alone.ratingRequests.length);
    for (const request of batched.ratingRequests) {
      const sent = (request.variables.representations as { id: string }[]).map((entity) => entity.id);
      expect(new Set(sent).size).toBe(sent.length);
    }
  });

  it('shares one subgraph request among identical queries in flight', async () => {
    graph = await startSwitchableGraph(catalogGraph({ ratingsDelayMs: 100 }), RESILIENCE);

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => graph?.graphql(PRODUCTS_WITH_RATINGS) ?? Promise.reject()),
    );

    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    // Ten client requests, far fewer rating requests: those in flight together were shared.
    expect(graph.subgraph('ratings').calls()).toBeLessThan(10);
  });
});
