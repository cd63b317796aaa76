import { createHash } from 'node:crypto';
import { signGatewayRequest } from '@shop/platform/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordUsage } from '../src/domain/usage';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry, USAGE_SECRET } from './support';

let registry: TestRegistry;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const PRODUCT_PAGE = sha('query ProductPage');
const CATALOG = sha('query Catalog');
const OLD = sha('query Old');

beforeAll(async () => {
  registry = await startTestRegistry('registry_usage_reads');
  const recorded = await registry.call('POST', '/usage', {
    token: ADMIN_TOKEN,
    body: {
      operations: [
        {
          hash: PRODUCT_PAGE,
          name: 'ProductPage',
          signature: 'query ProductPage{product{name price}}',
          coordinates: ['Query.product', 'Product.name', 'Product.price'],
        },
        {
          hash: CATALOG,
          name: 'Catalog',
          signature: 'query Catalog{products{name}}',
          coordinates: ['Query.products', 'Product.name'],
        },
      ],
      counts: [
        { hash: PRODUCT_PAGE, clientName: 'storefront', clientVersion: '1.4.0', count: 5, errors: 0 },
        { hash: PRODUCT_PAGE, clientName: 'storefront', clientVersion: '1.3.0', count: 2, errors: 1 },
        { hash: CATALOG, clientName: 'ios', clientVersion: '7', count: 3, errors: 0 },
      ],
    },
  });
  expect(recorded.status).toBe(202);
  // Usage from 40 days ago: outside the default 30-day window.
  await recordUsage(
    registry.registry.database.db,
    {
      operations: [{ hash: OLD, name: 'Old', signature: 'query Old{legacy}', coordinates: ['Query.legacy'] }],
      counts: [{ hash: OLD, clientName: 'old-app', clientVersion: '0.1', count: 9, errors: 0 }],
    },
    new Date(Date.now() - 40 * 24 * 3_600_000),
  );
});
afterAll(() => registry.stop());

/** A GET signed as the gateway signs it: the proof covers the path and its query string. */
function gatewayProof(path: string, secret = USAGE_SECRET): Record<string, string> {
  return signGatewayRequest(secret, { method: 'GET', path, body: '', caller: null });
}

describe('reading usage', () => {
  it('lists every coordinate used in the window, most requested first, with operations and clients', async () => {
    const { status, json } = await registry.call('GET', '/usage/coordinates', { token: ADMIN_TOKEN });
    expect(status).toBe(200);
    expect(json.coordinates).toEqual([
      { coordinate: 'Product.name', count: 10, operations: 2, clients: 3 },
      { coordinate: 'Product.price', count: 7, operations: 1, clients: 2 },
      { coordinate: 'Query.product', count: 7, operations: 1, clients: 2 },
      { coordinate: 'Query.products', count: 3, operations: 1, clients: 1 },
    ]);
  });

  it('reaches back as far as windowHours says, and no further than asked', async () => {
    const wide = await registry.call('GET', `/usage/coordinates?windowHours=${24 * 60}`, {
      token: ADMIN_TOKEN,
    });
    expect(wide.json.coordinates.map((row: { coordinate: string }) => row.coordinate)).toContain(
      'Query.legacy',
    );
    const limited = await registry.call('GET', '/usage/coordinates?limit=1', { token: ADMIN_TOKEN });
    expect(limited.json.coordinates).toHaveLength(1);
  });

  it('names the operations and client versions behind one coordinate', async () => {
    const { status, json } = await registry.call('GET', '/usage?coordinate=Product.price', {
      token: ADMIN_TOKEN,
    });
    expect(status).toBe(200);
    expect(json.usage).toEqual([
      {
        operationHash: PRODUCT_PAGE,
        operationName: 'ProductPage',
        clientName: 'storefront',
        clientVersion: '1.4.0',
        count: 5,
      },
      {
        operationHash: PRODUCT_PAGE,
        operationName: 'ProductPage',
        clientName: 'storefront',
        clientVersion: '1.3.0',
        count: 2,
      },
    ]);
  });

  it("takes a gateway's proof instead of a token, once, for the path it was signed for", async () => {
    const path = '/usage?coordinate=Query.products';
    const headers = gatewayProof(path);
    const signed = await registry.call('GET', path, { headers });
    expect(signed.status).toBe(200);
    expect(signed.json.usage[0]).toMatchObject({ operationName: 'Catalog', clientName: 'ios' });

    const replayed = await registry.call('GET', path, { headers });
    expect(replayed.status).toBe(403);
    const otherPath = await registry.call('GET', '/usage?coordinate=Product.price', {
      headers: gatewayProof(path),
    });
    expect(otherPath.status).toBe(403);
    const wrongSecret = await registry.call('GET', '/usage/coordinates', {
      headers: gatewayProof('/usage/coordinates', 'a-different-secret-that-is-long-enough-0123'),
    });
    expect(wrongSecret.status).toBe(403);
    const coordinates = await registry.call('GET', '/usage/coordinates', {
      headers: gatewayProof('/usage/coordinates'),
    });
    expect(coordinates.status).toBe(200);
  });

  it('refuses readers without a token or proof, with a revoked token, and malformed parameters', async () => {
    expect((await registry.call('GET', '/usage/coordinates')).status).toBe(401);
    expect((await registry.call('GET', '/usage?coordinate=Product.name')).status).toBe(401);
    expect((await registry.call('GET', '/usage/coordinates', { token: 'not-a-token' })).status).toBe(401);
    const reader = await registry.tokenFor('products');
    await registry.call('POST', '/tokens/revoke', { token: ADMIN_TOKEN, body: { id: reader.id } });
    expect((await registry.call('GET', '/usage/coordinates', { token: reader.token })).status).toBe(401);

    const badWindow = await registry.call('GET', '/usage/coordinates?windowHours=-3', { token: ADMIN_TOKEN });
    expect(badWindow.status).toBe(400);
    expect(JSON.stringify(badWindow.json)).toContain('windowHours must be a positive integer');
    const badLimit = await registry.call('GET', '/usage/coordinates?limit=abc', { token: ADMIN_TOKEN });
    expect(badLimit.status).toBe(400);
    const noCoordinate = await registry.call('GET', '/usage', { token: ADMIN_TOKEN });
    expect(noCoordinate.status).toBe(400);
  });

  it('refuses every gateway proof when USAGE_SECRET is not set', async () => {
    const closed = await startTestRegistry('registry_usage_reads_closed', { USAGE_SECRET: '' });
    try {
      const refused = await closed.call('GET', '/usage/coordinates', {
        headers: gatewayProof('/usage/coordinates'),
      });
      expect(refused.status).toBe(401);
      expect(JSON.stringify(refused.json)).toContain('USAGE_SECRET is not set');
    } finally {
      await closed.stop();
    }
  });
});
