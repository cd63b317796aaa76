import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { launchChromium } from '@shop/devkit/testing/browser';
import { ROOT } from '@shop/scripts/lib/services';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckoutClient, checkoutProduct } from '../src/checkout';
import { gaugeSum } from '../src/gateway-subscriptions';
import { startTestStack, type TestStack } from '../src/test-stack';

const SCREENSHOTS = join(ROOT, 'test-results');

let stack: TestStack;
let browser: Browser;
let page: Page;
let operationsDir: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // The playground offers the operations of a folder; this one has a fragment in a second file.
  operationsDir = await mkdtemp(join(tmpdir(), 'playground-operations-'));
  await mkdir(join(operationsDir, 'storefront'));
  await writeFile(
    join(operationsDir, 'storefront', 'products.graphql'),
    `# What the shop's front page shows.
query FrontPage($first: Int = 3) {
  products(first: $first, orderBy: NAME) {
    edges { node { ...ProductCard } }
  }
}
`,
  );
  await writeFile(
    join(operationsDir, 'fragments.graphql'),
    `fragment ProductCard on Product {
  name
  price { amount currency }
  reviews(first: 2) { edges { node { rating author { name } } } }
}
`,
  );
  [stack, browser] = await Promise.all([
    startTestStack({ seed: DEMO_SEED_PLAN, env: { PLAYGROUND_OPERATIONS_DIR: operationsDir } }),
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
  if (operationsDir) await rm(operationsDir, { recursive: true, force: true });
});

/** The text of one of GraphiQL's editors (CodeMirror renders only the visible lines, so ask it). */
function editorValue(selector: string): Promise<string> {
  // Evaluated in the page (this file is not compiled against the DOM's types).
  const element = JSON.stringify(`${selector} .CodeMirror`);
  return page.evaluate<string>(`document.querySelector(${element})?.CodeMirror?.getValue() ?? ''`);
}

/** Opens a sidebar panel of GraphiQL by its title; clicking an open panel's button would close it. */
async function openPanel(title: string): Promise<void> {
  const button = page.getByRole('button', { name: `Show ${title}` });
  if ((await button.count()) > 0) await button.click();
}

describe('the playground at GET / on the gateway', () => {
  it('runs an operation from schema/operations across three subgraphs and shows the data', async () => {
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
    // The fragment from the other file came along, so the operation runs as it is.
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
    const subscription = JSON.stringify('subscription MyOrders { myOrders { id status } }');
    await page.evaluate(
      `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${subscription})`,
    );
    // GraphiQL parses the editor's text 100 ms after a change; executing before would send the old operation.
    await expect
      .poll(() =>
        page.evaluate<string>(
          "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.documentAST?.definitions[0]?.operation ?? ''",
        ),
      )
      .toBe('subscription');
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

  it('loaded without errors in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
