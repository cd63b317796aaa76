import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { launchChromium } from '@shop/devkit/testing/browser';
import { GatewayProofError, SeenNonces, verifyGatewayRequest } from '@shop/platform/auth';
import { listen } from '@shop/platform/http';
import { createLogger } from '@shop/platform/logger';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/server';
import { startTestIssuer } from './support/test-issuer';

const SECRET = 'history-test-usage-secret-0123456789abcdef';
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
]);

const VERSION = {
  id: 2,
  hash: 'f'.repeat(64),
  subgraph: 'library',
  publisher: 'library deploy',
  commit: 'abc123',
  createdAt: '2026-12-01T10:00:00.000Z',
  changes: [
    { type: 'FIELD_REMOVED', level: 'breaking', message: "Field 'author' was removed", path: 'Book.author' },
  ],
};

/** A stand-in registry that checks the gateway's proof as the real one does, and notes what it was sent. */
interface FakeRegistry {
  url: string;
  requests: { url: string; headers: IncomingHttpHeaders }[];
}

let dir: string;
let supergraph: string;
let registry: FakeRegistry;
const servers: Server[] = [];
const running: RunningGateway[] = [];

async function startFakeRegistry(): Promise<FakeRegistry> {
  const nonces = new SeenNonces();
  const requests: FakeRegistry['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = new URL(req.url ?? '/', 'http://registry');
    if (path.pathname === '/versions') {
      send(200, { versions: [VERSION] });
      return;
    }
    try {
      verifyGatewayRequest(SECRET, {
        method: 'GET',
        path: req.url ?? '/',
        body: '',
        headers: req.headers,
        nonces,
      });
    } catch (error) {
      if (error instanceof GatewayProofError) send(error.status, { error: error.message });
      else send(500, { error: String(error) });
      return;
    }
    if (path.pathname === '/usage/coordinates')
      send(200, { coordinates: [{ coordinate: 'Book.title', count: 4, operations: 1, clients: 1 }] });
    else if (path.pathname === '/usage')
      send(200, {
        coordinate: path.searchParams.get('coordinate'),
        usage: [
          {
            operationHash: 'a'.repeat(64),
            operationName: 'Shelf',
            clientName: 'storefront',
            clientVersion: '1.2.0',
            count: 4,
          },
        ],
      });
    else send(404, { error: 'not found' });
  });
  servers.push(server);
  const port = await listen(server, '127.0.0.1', 0);
  return { url: `http://127.0.0.1:${port}`, requests };
}

async function start(
  env: Record<string, string>,
): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const config = loadGatewayConfig({ PORT: '0', ...env }, ['node', 'main.ts', '--supergraph', supergraph]);
  const gateway = await startGateway(config, createLogger('gateway', 'silent'));
  running.push(gateway);
  return (path, init) => fetch(new URL(path, gateway.url), init);
}

beforeAll(async () => {
  if (!composition.supergraphSdl) throw new Error(String(composition.errors));
  dir = await mkdtemp(join(tmpdir(), 'playground-history-'));
  supergraph = join(dir, 'supergraph.graphql');
  await writeFile(supergraph, composition.supergraphSdl);
  registry = await startFakeRegistry();
});

afterAll(async () => {
  await Promise.all(running.map((gateway) => gateway.stop()));
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await rm(dir, { recursive: true, force: true });
});

describe('the schema history page', () => {
  it('is served by the playground, with its script from the gateway itself', async () => {
    const get = await start({ NODE_ENV: 'development' });
    const page = await get('/playground/history');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('src="/playground/history.js"');
    expect((await get('/playground/history.js')).status).toBe(200);
  });

  it('says plainly when no registry is configured', async () => {
    const get = await start({ NODE_ENV: 'development' });
    for (const path of ['/playground/history/versions', '/playground/history/usage?coordinate=Book.title']) {
      const response = await get(path);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        code: 'REGISTRY_NOT_CONFIGURED',
        error: expect.stringContaining('No schema registry is configured'),
      });
    }
  });

  it('says plainly when the registry is down, without naming its address', async () => {
    const get = await start({
      NODE_ENV: 'development',
      REGISTRY_URL: 'http://127.0.0.1:9',
      USAGE_REPORTING_SECRET: SECRET,
    });
    const response = await get('/playground/history/versions');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe('REGISTRY_UNREACHABLE');
    expect(body.error).toContain('cannot be reached');
    expect(body.error).not.toContain('127.0.0.1');
  });

  it("reads the changelog and usage with the gateway's proof, forwarding nothing of the browser's request", async () => {
    const get = await start({
      NODE_ENV: 'development',
      REGISTRY_URL: registry.url,
      USAGE_REPORTING_SECRET: SECRET,
    });
    const browser = { headers: { authorization: 'Bearer a-users-token', cookie: 'session=1' } };
    const versions = await get('/playground/history/versions?before=7', browser);
    expect(versions.status).toBe(200);
    expect(await versions.json()).toEqual({ versions: [VERSION] });

    const coordinates = await get('/playground/history/coordinates?windowHours=24', browser);
    expect(coordinates.status).toBe(200);
    const usage = await get('/playground/history/usage?coordinate=Book.title&windowHours=168', browser);
    expect(usage.status).toBe(200);
    expect(await usage.json()).toMatchObject({
      usage: [{ operationName: 'Shelf', clientName: 'storefront' }],
    });

    const seen = registry.requests.slice(-3);
    expect(seen.map((request) => request.url)).toEqual([
      '/versions?limit=50&before=7',
      '/usage/coordinates?windowHours=24&limit=500',
      '/usage?coordinate=Book.title&windowHours=168',
    ]);
    for (const request of seen) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers.cookie).toBeUndefined();
    }
  });

  it('says the registry refused the gateway when the secrets differ', async () => {
    const get = await start({
      NODE_ENV: 'development',
      REGISTRY_URL: registry.url,
      USAGE_REPORTING_SECRET: 'not-the-registrys-secret-0123456789abcdef',
    });
    const response = await get('/playground/history/usage?coordinate=Book.title');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'REGISTRY_REFUSED' });
  });

  it('refuses malformed parameters before asking the registry', async () => {
    const get = await start({
      NODE_ENV: 'development',
      REGISTRY_URL: registry.url,
      USAGE_REPORTING_SECRET: SECRET,
    });
    const before = registry.requests.length;
    for (const path of [
      '/playground/history/usage',
      '/playground/history/usage?coordinate=Book.title%26windowHours%3D1',
      '/playground/history/usage?coordinate=../tokens',
      '/playground/history/usage?coordinate=Book.title&windowHours=0',
      '/playground/history/coordinates?windowHours=1e9',
      '/playground/history/versions?before=-1',
    ])
      expect((await get(path)).status, path).toBe(400);
    expect(registry.requests.length).toBe(before);
  });

  it('in production serves the page and answers an admin only: 401 anonymous or a bad token, 403 a customer', async () => {
    const issuer = await startTestIssuer();
    try {
      const production = {
        NODE_ENV: 'production',
        JWKS_URL: issuer.jwksUrl,
        REGISTRY_URL: registry.url,
        USAGE_REPORTING_SECRET: SECRET,
      };
      const admin = await issuer.sign({ sub: '9', role: 'ADMIN', scope: 'users:read' });
      const customer = await issuer.sign({ sub: '1', role: 'CUSTOMER' });
      const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      // The playground is off in production (no GraphiQL), the history page is not; nor with it turned on.
      for (const get of [
        await start(production),
        await start({ ...production, PLAYGROUND_ENABLED: 'true' }),
      ]) {
        expect((await get('/playground/history')).status).toBe(200);
        expect((await get('/playground/history.js')).status).toBe(200);
        const before = registry.requests.length;
        for (const path of [
          '/playground/history/versions',
          '/playground/history/coordinates',
          '/playground/history/usage?coordinate=Book.title',
        ]) {
          const anonymous = await get(path);
          expect(anonymous.status, path).toBe(401);
          expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
          expect((await get(path, bearer('not-a-jwt'))).status, path).toBe(401);
          expect((await get(path, bearer(issuer.unsigned({ sub: '9', role: 'ADMIN' })))).status, path).toBe(
            401,
          );
          const refused = await get(path, bearer(customer));
          expect(refused.status, path).toBe(403);
          expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN' });
        }
        // Nothing refused reached the registry.
        expect(registry.requests.length).toBe(before);

        const versions = await get('/playground/history/versions', bearer(admin));
        expect(versions.status).toBe(200);
        expect(versions.headers.get('cache-control')).toBe('private, no-store');
        expect(await versions.json()).toEqual({ versions: [VERSION] });
        const usage = await get('/playground/history/usage?coordinate=Book.title', bearer(admin));
        expect(await usage.json()).toMatchObject({ usage: [{ operationName: 'Shelf' }] });
        // The admin's token stays at the gateway: the registry gets the gateway's proof only.
        for (const request of registry.requests.slice(before))
          expect(request.headers.authorization).toBeUndefined();
        // Still malformed parameters are refused, for an admin too.
        expect((await get('/playground/history/usage?coordinate=../tokens', bearer(admin))).status).toBe(400);
      }
      const playgroundOff = await start(production);
      expect((await playgroundOff('/')).status).toBe(404);
      expect((await playgroundOff('/playground/operations.json')).status).toBe(404);
    } finally {
      issuer.stop();
    }
  });
  it('in production the page asks for a log-in and reads with the admin token pasted there', async () => {
    const issuer = await startTestIssuer();
    const browser = await launchChromium();
    try {
      const get = await start({
        NODE_ENV: 'production',
        JWKS_URL: issuer.jwksUrl,
        REGISTRY_URL: registry.url,
        USAGE_REPORTING_SECRET: SECRET,
      });
      const page = await browser.newPage();
      await page.goto((await get('/playground/history')).url);
      const login = page.getByRole('heading', { name: 'Log in as an admin' });
      await login.waitFor();
      await expect(page.getByTestId('registry-error').first().textContent()).resolves.toContain(
        'Log in as an admin',
      );

      await page.getByLabel('or token').fill(await issuer.sign({ sub: '1', role: 'CUSTOMER' }));
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Only an admin may read the schema history.').first().waitFor();

      await page.getByLabel('or token').fill(await issuer.sign({ sub: '9', role: 'ADMIN' }));
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('article[data-version="2"]').waitFor();
      expect(await login.isHidden()).toBe(true);
      expect(await page.locator('article[data-version="2"]').textContent()).toContain('library deploy');
      // The playground is off here: the page does not link to it.
      expect(await page.getByRole('link', { name: 'Back to the playground' }).isHidden()).toBe(true);
    } finally {
      await browser.close();
      issuer.stop();
    }
  });
});
