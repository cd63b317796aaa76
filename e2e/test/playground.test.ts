import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { launchChromium } from '@shop/devkit/testing/browser';
import { generateClientArtifacts } from '@shop/scripts/lib/client-documents';
import { publishAtStart } from '@shop/scripts/lib/registry/publish-at-start';
import { API_SCHEMA_FILE } from '@shop/scripts/lib/schema-artifacts';
import { ROOT } from '@shop/scripts/lib/services';
import { readSubgraphSources } from '@shop/scripts/lib/supergraph';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry, USAGE_SECRET } from '../../registry/test/support';
import { CheckoutClient, checkoutProduct } from '../src/checkout';
import { gaugeSum } from '../src/gateway-subscriptions';
import { startTestStack, type TestStack } from '../src/test-stack';

const SCREENSHOTS = join(ROOT, 'test-results');
const run = promisify(execFile);

let stack: TestStack;
let registry: TestRegistry | undefined;
let browser: Browser;
let page: Page;
let manifestDir: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // The playground offers the persisted operations; these come from two files, a fragment in the second.
  const files = [
    {
      file: 'schema/operations/storefront/products.graphql',
      source: `# What the shop's front page shows.
query FrontPage($first: Int = 3) {
  products(first: $first, orderBy: NAME) {
    edges { node { ...ProductCard } }
  }
}
`,
    },
    {
      file: 'schema/operations/fragments.graphql',
      source: `fragment ProductCard on Product {
  name
  price { amount currency }
  reviews(first: 2) { edges { node { rating author { name } } } }
}
`,
    },
  ];
  const { manifest } = await generateClientArtifacts(
    await readFile(join(ROOT, API_SCHEMA_FILE), 'utf8'),
    files,
  );
  manifestDir = await mkdtemp(join(tmpdir(), 'playground-operations-'));
  await writeFile(join(manifestDir, 'persisted-operations.json'), JSON.stringify(manifest));
  // A registry the gateway reports usage to and the history page reads (the gateway serves its file).
  registry = await startTestRegistry('playground_history');
  [stack, browser] = await Promise.all([
    startTestStack({
      seed: DEMO_SEED_PLAN,
      env: {
        PERSISTED_OPERATIONS_MANIFEST: join(manifestDir, 'persisted-operations.json'),
        REGISTRY_URL: registry.url,
        USAGE_REPORTING_SECRET: USAGE_SECRET,
        USAGE_REPORT_INTERVAL_SECONDS: '0.2',
      },
    }),
    launchChromium(),
  ]);
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await registry?.stop();
  if (manifestDir) await rm(manifestDir, { recursive: true, force: true });
});

/** The text of one of GraphiQL's editors (CodeMirror renders only the visible lines, so ask it). */
function editorValue(selector: string): Promise<string> {
  // Evaluated in the page (this file is not compiled against the DOM's types).
  const element = JSON.stringify(`${selector} .CodeMirror`);
  return page.evaluate<string>(`document.querySelector(${element})?.CodeMirror?.getValue() ?? ''`);
}

/**
 * Puts an operation in the query editor and waits until GraphiQL has parsed it (100 ms after a
 * change): executing before would send the operation that was there.
 */
async function typeOperation(text: string, rootField: string): Promise<void> {
  const editor = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror";
  await page.evaluate(`${editor}.setValue(${JSON.stringify(text)})`);
  await expect
    .poll(() =>
      page.evaluate<string>(
        `${editor}.documentAST?.definitions[0]?.selectionSet.selections[0]?.name.value ?? ''`,
      ),
    )
    .toBe(rootField);
}

/** Opens a sidebar panel of GraphiQL by its title; clicking an open panel's button would close it. */
async function openPanel(title: string): Promise<void> {
  const button = page.getByRole('button', { name: `Show ${title}` });
  if ((await button.count()) > 0) await button.click();
}

describe('the playground at GET / on the gateway', () => {
  it('runs a persisted operation across three subgraphs and shows the data', async () => {
    const root = new URL('/', stack.gatewayUrl).toString();
    const response = await page.goto(root);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.graphiql-container').waitFor();

    await openPanel('Operations');
    await page.locator('button[data-operation="FrontPage"]').click();
    await expect
      .poll(() => editorValue('.graphiql-query-editor'), { timeout: 10_000 })
      .toContain('query FrontPage');
    // The fragment it uses came along, so the operation runs as it is.
    expect(await editorValue('.graphiql-query-editor')).toContain('fragment ProductCard on Product');

    await page.locator('.graphiql-execute-button').click();
    await expect.poll(async () => editorValue('.result-window'), { timeout: 20_000 }).toContain('"author"');
    const result = JSON.parse(await editorValue('.result-window')) as {
      errors?: unknown;
      data: {
        products: {
          edges: {
            node: {
              name: string;
              price: { amount: number };
              reviews: { edges: { node: { author: { name: string } } }[] };
            };
          }[];
        };
      };
    };
    expect(result.errors).toBeUndefined();
    const products = result.data.products.edges.map(({ node }) => node);
    expect(products).toHaveLength(3);
    expect(products.every((product) => product.name.length > 0 && product.price.amount > 0)).toBe(true);
    const authors = products.flatMap((product) => product.reviews.edges.map(({ node }) => node.author.name));
    expect(authors.length).toBeGreaterThan(0);
    expect(authors.every((name) => name.length > 0)).toBe(true);

    await page.screenshot({ path: join(SCREENSHOTS, 'playground-operation.png') });
  });

  it('shows the query plan of the operation in the editor: one fetch per subgraph', async () => {
    await openPanel('Query plan');
    const plan = page.getByTestId('query-plan');
    await expect.poll(() => plan.textContent(), { timeout: 10_000 }).toContain('Fetch(service: "accounts")');
    const text = (await plan.textContent()) ?? '';
    expect(text).toContain('Fetch(service: "products")');
    expect(text).toContain('Fetch(service: "reviews")');
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-query-plan.png') });
  });

  it('logs in with email and password, then sends the token with every request', async () => {
    await openPanel('Log in');
    await page.getByPlaceholder('alice@shop.test').fill('alice@shop.test');
    await page.getByPlaceholder('password').fill('customer-password');
    await page.locator('form').filter({ hasText: 'Email and password' }).getByRole('button').click();
    await expect
      .poll(() => page.getByTestId('session').textContent())
      .toContain('Logged in as alice@shop.test');
    const sent = page.waitForResponse(
      (response) => response.url().endsWith('/graphql') && response.request().method() === 'POST',
    );
    await page.locator('.graphiql-execute-button').click();
    const response = await sent;
    expect(response.request().headers().authorization).toMatch(/^Bearer ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(response.status()).toBe(200);
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-login.png') });
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  it('sends a pasted token as the Authorization header', async () => {
    const { body } = await stack.graphql<{ logIn: { token: string } }>(
      'mutation { logIn(email: "bob@shop.test", password: "customer-password") { token } }',
    );
    const token = body.data?.logIn.token ?? '';
    await openPanel('Log in');
    await page.getByLabel('token').fill(`Bearer ${token}`);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await expect
      .poll(() => page.getByTestId('session').textContent())
      .toContain('Logged in as a pasted token');
    const sent = page.waitForRequest(
      (request) => request.url().endsWith('/graphql') && request.method() === 'POST',
    );
    await page.locator('.graphiql-execute-button').click();
    expect((await sent).headers().authorization).toBe(`Bearer ${token}`);
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  it('runs a subscription over a WebSocket of the same origin and shows each event as it comes', async () => {
    const upstreamSockets = async () =>
      gaugeSum(await (await fetch(stack.gatewayMetricsUrl)).text(), 'gateway_subgraph_subscription_sockets');
    await openPanel('Log in');
    await page.getByPlaceholder('alice@shop.test').fill('alice@shop.test');
    await page.getByPlaceholder('password').fill('customer-password');
    await page.locator('form').filter({ hasText: 'Email and password' }).getByRole('button').click();
    await expect
      .poll(() => page.getByTestId('session').textContent())
      .toContain('Logged in as alice@shop.test');
    await typeOperation('subscription MyOrders { myOrders { id status } }', 'myOrders');
    const upgraded = page.waitForEvent('websocket');
    await page.locator('.graphiql-execute-button').click();
    expect((await upgraded).url()).toBe(stack.gatewayUrl.replace(/^http/, 'ws'));
    // Opened as alice (the token went in connection_init): orders holds her subscription.
    await expect.poll(upstreamSockets, { timeout: 10_000 }).toBe(1);

    const checkout = await CheckoutClient.open(stack);
    await checkout.setStock(checkoutProduct(0), 10);
    const order = await checkout.placed(checkout.customer(0), {
      lines: [{ productId: checkoutProduct(0), quantity: 1 }],
      paymentToken: 'tok_ok',
    });
    await expect
      .poll(async () => JSON.parse((await editorValue('.result-window')) || '{}'), { timeout: 20_000 })
      .toEqual({ data: { myOrders: { id: order.id, status: 'CONFIRMED' } } });
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-subscription.png') });

    // The same button stops it, and the gateway lets go upstream.
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(upstreamSockets, { timeout: 10_000 }).toBe(0);
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  it('runs a deferred query: the answer comes in parts and the result pane shows them merged', async () => {
    await typeOperation(
      'query { products(first: 2) { edges { node { name ... @defer { reviewCount } } } } }',
      'products',
    );
    const answer = page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url() === stack.gatewayUrl,
    );
    await page.locator('.graphiql-execute-button').click();
    expect((await answer).headers()['content-type']).toMatch(/^multipart\/mixed;.*deferSpec=20220824/);
    await expect
      .poll(async () => JSON.parse((await editorValue('.result-window')) || '{}'), { timeout: 20_000 })
      .toMatchObject({
        data: {
          products: {
            edges: [
              { node: { name: expect.any(String), reviewCount: expect.any(Number) } },
              { node: { name: expect.any(String), reviewCount: expect.any(Number) } },
            ],
          },
        },
      });
  });

  it('loaded without errors in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('the schema history page of the playground', () => {
  let history: Page;

  beforeAll(async () => {
    if (!registry) throw new Error('no registry');
    // The stack's subgraphs as their deploy pipelines would publish them.
    const sources = readSubgraphSources((spec) => stack.subgraphUrl(spec.name));
    const { outcomes } = await publishAtStart({
      registryUrl: registry.url,
      adminToken: ADMIN_TOKEN,
      subgraphs: sources,
      tokens: {},
      commit: 'e2e-start',
    });
    expect(outcomes.filter((outcome) => outcome.kind === 'failed')).toEqual([]);
    history = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(() => history?.close());

  it('is linked from the playground', async () => {
    await openPanel('Schema history');
    expect(await page.getByRole('link', { name: 'Open the schema history' }).getAttribute('href')).toBe(
      '/playground/history',
    );
  });

  it('shows a change as soon as it is published: its subgraph, publisher, commit and classified changes', async () => {
    if (!registry) throw new Error('no registry');
    const products = readSubgraphSources((spec) => stack.subgraphUrl(spec.name)).find(
      (source) => source.name === 'products',
    );
    if (!products) throw new Error('no products subgraph');
    const pipeline = await registry.tokenFor('products', 'products pipeline');
    const changed = products.sdl.replace(
      /(type Product\b[^{]*\{)/,
      '$1\n  "Where the product is kept, for the warehouse."\n  shelfLabel: String\n',
    );
    expect(changed).not.toBe(products.sdl);
    const published = await registry.call('POST', '/publish', {
      token: pipeline.token,
      body: { subgraph: 'products', url: products.url, sdl: changed, commit: 'c0ffee1234567890' },
    });
    expect(published.status).toBe(201);
    const id = published.json.version.id as number;

    const response = await history.goto(new URL('/playground/history', stack.gatewayUrl).toString());
    expect(response?.status()).toBe(200);
    const version = history.locator(`article[data-version="${id}"]`);
    await version.waitFor({ timeout: 10_000 });
    const text = (await version.textContent()) ?? '';
    expect(text).toContain(`Version ${id}`);
    // In development the playground is on: the page links back to it.
    await history.getByRole('link', { name: 'Back to the playground' }).waitFor();
    expect(text).toContain('products published by products pipeline');
    expect(text).toContain('commit c0ffee123456');
    const change = version.locator('li[data-level="safe"]');
    expect(await change.textContent()).toContain("Field 'shelfLabel' was added to object type 'Product'");
    // Newest first: the versions npm start-like publishing made come after it.
    const ids = await history
      .locator('article[data-version]')
      .evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-version'))));
    expect(ids[0]).toBe(id);
    expect(ids.length).toBeGreaterThan(1);
    expect(await history.locator('article[data-version="1"]').textContent()).toContain(
      'The first version: nothing before it to compare with.',
    );
    await history.screenshot({ path: join(SCREENSHOTS, 'playground-history.png'), fullPage: true });
  });

  it('lists the same versions and changes as `npm run schema -- history`', async () => {
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'scripts/schema.ts', 'history', ...args], {
        cwd: ROOT,
        env: { ...process.env, REGISTRY_URL: registry?.url ?? '' },
      }).then(({ stdout }) => stdout);
    const versions = JSON.parse(await cli(['--json', '--limit', '50'])) as {
      id: number;
      subgraph: string;
      publisher: string;
      commit: string | null;
      changes: { level: string; message: string }[];
    }[];
    const shown = await history.locator('article[data-version]').evaluateAll((nodes) =>
      nodes.map((node) => ({
        id: Number(node.getAttribute('data-version')),
        meta: node.querySelector('.meta')?.textContent ?? '',
        changes: [...node.querySelectorAll('li[data-level]')].map(
          (item) => `${item.getAttribute('data-level')}: ${item.textContent}`,
        ),
      })),
    );
    expect(shown.map((version) => version.id)).toEqual(versions.map((version) => version.id));
    versions.forEach((version, index) => {
      const page = shown[index];
      expect(page?.meta).toContain(`${version.subgraph} published by ${version.publisher}`);
      if (version.commit) expect(page?.meta).toContain(version.commit.slice(0, 12));
      expect(page?.changes).toHaveLength(version.changes.length);
      // Each item reads its level badge, then the message (then the coordinate's link).
      expect(page?.changes).toEqual(
        version.changes.map((change) =>
          expect.stringContaining(`${change.level}: ${change.level}${change.message}`),
        ),
      );
    });
    // The text output names the newest version as the page does.
    expect(await cli(['--limit', '1'])).toMatch(
      new RegExp(`^#${versions[0]?.id} .* products by products pipeline at c0ffee123456`, 'm'),
    );
  });

  it("names the operation and client that used a field the storefront's home page asks for", async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'schema/persisted-operations.json'), 'utf8')) as {
      operations: { name: string; body: string }[];
    };
    const homePage = manifest.operations.find((operation) => operation.name === 'HomePage');
    if (!homePage) throw new Error('no HomePage operation in the manifest');
    const answer = await stack.graphql(homePage.body, undefined, {
      'apollographql-client-name': 'storefront',
      'apollographql-client-version': '1.0.0-e2e',
    });
    expect(answer.body.errors).toBeUndefined();

    const row = history.locator('#field-usage tr[data-operation="HomePage"][data-client="storefront"]');
    // Reports leave every 0.2 s: ask again until the page shows it.
    await expect
      .poll(
        async () => {
          await history.getByLabel('Schema coordinate').fill('Product.inStock');
          await history.getByRole('button', { name: 'Show usage' }).click();
          await history.locator('#field-usage h3').waitFor();
          return row.count();
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells).toEqual(['HomePage', 'storefront', '1.0.0-e2e', '1']);
    // The index of used fields lists it too, and a click there shows the same.
    await history.reload();
    const indexed = history.locator('#coordinates button', { hasText: /^Product\.inStock$/ });
    await indexed.waitFor({ timeout: 10_000 });
    await indexed.click();
    await row.waitFor({ timeout: 10_000 });
  });

  it('says plainly when the registry is down', async () => {
    await registry?.stop();
    registry = undefined;
    await history.reload();
    const error = history.getByTestId('registry-error').first();
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toBe('The schema registry cannot be reached: it may be down.');
  });
});
