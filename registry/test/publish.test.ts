import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, PRODUCTS_SDL, REVIEWS_SDL, startTestRegistry, type TestRegistry } from './support';

let registry: TestRegistry;
let products: { id: number; token: string };
let reviews: { id: number; token: string };
const PRODUCTS_URL = 'http://products.internal/graphql';
const REVIEWS_URL = 'http://reviews.internal/graphql';

beforeAll(async () => {
  registry = await startTestRegistry('registry_publish');
  products = await registry.tokenFor('products', 'products CI');
  reviews = await registry.tokenFor('reviews');
});
afterAll(() => registry.stop());

const publish = (token: string, body: Record<string, unknown>) =>
  registry.call('POST', '/publish', { token, body });
const versionCount = async () => (await registry.call('GET', '/versions')).json.versions.length as number;

describe('publish', () => {
  it('composes and stores a version with its publisher and commit, served at /supergraph with an ETag', async () => {
    const first = await publish(products.token, {
      subgraph: 'products',
      url: PRODUCTS_URL,
      sdl: PRODUCTS_SDL,
      commit: 'abc123',
    });
    expect(first.status).toBe(201);
    expect(first.json.version).toMatchObject({
      id: 1,
      subgraph: 'products',
      publisher: 'products CI',
      commit: 'abc123',
    });

    const served = await fetch(`${registry.url}/supergraph`);
    expect(served.status).toBe(200);
    const etag = served.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const sdl = await served.text();
    expect(sdl).toContain('join__Graph');
    expect(sdl).toContain(PRODUCTS_URL);

    const again = await fetch(`${registry.url}/supergraph`, { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('publishing the same SDL again is a no-op', async () => {
    const before = await versionCount();
    const same = await publish(products.token, {
      subgraph: 'products',
      url: PRODUCTS_URL,
      sdl: PRODUCTS_SDL,
    });
    expect(same.status).toBe(200);
    expect(same.json.status).toBe('unchanged');
    expect(await versionCount()).toBe(before);
  });

  it('records the diff to the previous version', async () => {
    const changed = await publish(products.token, {
      subgraph: 'products',
      url: PRODUCTS_URL,
      sdl: PRODUCTS_SDL.replace('legacyCode: String', 'legacyCode: String\n    sku: String'),
    });
    expect(changed.status).toBe(201);
    expect(changed.json.version.changes).toContainEqual(
      expect.objectContaining({ type: 'FIELD_ADDED', path: 'Product.sku', level: 'safe' }),
    );
    const diff = await registry.call('GET', `/diff?to=${changed.json.version.id}`);
    expect(diff.json.changes).toContainEqual(expect.objectContaining({ path: 'Product.sku' }));
  });

  it('rejects a publish that does not compose with the composition messages, and changes nothing', async () => {
    const before = await registry.call('GET', '/supergraph');
    const bad = await publish(reviews.token, {
      subgraph: 'reviews',
      url: REVIEWS_URL,
      // Product.id as a String here, ID! in products: the subgraphs disagree.
      sdl: REVIEWS_SDL.replace('id: ID!\n    reviews', 'id: String\n    reviews'),
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatch(/does not compose/);
    expect(bad.json.errors.join('\n')).toMatch(/Product\.id/);
    const after = await registry.call('GET', '/supergraph');
    expect(after.json).toBe(before.json);
  });

  it('rejects invalid SDL with the parser message', async () => {
    const bad = await publish(reviews.token, {
      subgraph: 'reviews',
      url: REVIEWS_URL,
      sdl: 'type Review { id: ID! ',
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0]).toMatch(/\[reviews\] Syntax Error/);
  });

  it('refuses a subgraph name that does not exist, a malformed one, and a missing URL', async () => {
    const unknown = await publish(products.token, {
      subgraph: 'shipping',
      url: PRODUCTS_URL,
      sdl: PRODUCTS_SDL,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/no subgraph named shipping/);
    const malformed = await publish(products.token, {
      subgraph: 'Products!',
      url: PRODUCTS_URL,
      sdl: PRODUCTS_SDL,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/subgraph/);
    const noUrl = await publish(products.token, { subgraph: 'products', sdl: PRODUCTS_SDL });
    expect(noUrl.status).toBe(400);
    expect(noUrl.json.error).toMatch(/url/);
  });

  it('refuses a 10 MB SDL before reading it', async () => {
    const huge = await publish(products.token, {
      subgraph: 'products',
      url: PRODUCTS_URL,
      sdl: `# ${'x'.repeat(10 * 1024 * 1024)}\n${PRODUCTS_SDL}`,
    });
    expect(huge.status).toBe(413);
  });

  it('refuses a missing, wrong or revoked token, and a token for another subgraph', async () => {
    const body = {
      subgraph: 'products',
      url: PRODUCTS_URL,
      sdl: PRODUCTS_SDL.replace('price: Int!', 'price: Int! @deprecated'),
    };
    expect((await registry.call('POST', '/publish', { body })).status).toBe(401);
    expect((await publish('shreg_not-a-real-token', body)).status).toBe(401);
    const other = await publish(reviews.token, body);
    expect(other.status).toBe(403);
    expect(other.json.error).toMatch(/may not publish subgraph products/);

    const shortLived = await registry.tokenFor('products', 'to revoke');
    const revoked = await registry.call('POST', '/tokens/revoke', {
      token: ADMIN_TOKEN,
      body: { id: shortLived.id },
    });
    expect(revoked.status).toBe(200);
    const refused = await publish(shortLived.token, body);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatch(/revoked/);
    // Only the administrator makes tokens.
    expect(
      (
        await registry.call('POST', '/tokens', {
          token: products.token,
          body: { subgraph: 'products', label: 'x' },
        })
      ).status,
    ).toBe(403);
  });

  it('stores tokens hashed, never in the clear', async () => {
    const sql = postgres(registry.database.url, { max: 1 });
    try {
      const rows = await sql<{ hash: string }[]>`select hash from tokens`;
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(row.hash).not.toBe(products.token);
      }
    } finally {
      await sql.end();
    }
  });

  it('serialises concurrent publishes: each composes on the result of the other, none is lost', async () => {
    const before = await versionCount();
    const [a, b] = await Promise.all([
      publish(reviews.token, { subgraph: 'reviews', url: REVIEWS_URL, sdl: REVIEWS_SDL }),
      publish(products.token, {
        subgraph: 'products',
        url: PRODUCTS_URL,
        sdl: PRODUCTS_SDL.replace('name: String!', 'name: String!\n    slug: String'),
      }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await versionCount()).toBe(before + 2);
    const live = await (await fetch(`${registry.url}/supergraph`)).text();
    expect(live).toContain('slug');
    expect(live).toContain('rating');
  });

  it('lists the history newest first with publisher and commit', async () => {
    const history = await registry.call('GET', '/versions?limit=2');
    expect(history.json.versions).toHaveLength(2);
    expect(history.json.versions[0].id).toBeGreaterThan(history.json.versions[1].id);
    expect(history.json.versions[0]).toHaveProperty('publisher');
  });
});
