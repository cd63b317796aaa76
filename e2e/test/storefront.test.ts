import AxeBuilder from '@axe-core/playwright';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { launchChromium } from '@shop/devkit/testing/browser';
import { freePort } from '@shop/platform/http';
import { buildStorefront, serveStorefront, storefrontOrigins } from '@shop/scripts/lib/storefront';
import type { StorefrontServer } from '@shop/storefront/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../src/test-stack';

// The storefront as a shopper and an admin use it: the built app, served as `npm start` serves it,
// in a real Chromium, on one system shared by every journey of this file.
let stack: TestStack;
let storefront: StorefrontServer;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  [stack, browser] = await Promise.all([
    startTestStack({ seed: DEMO_SEED_PLAN, env: { CORS_ORIGINS: storefrontOrigins(port).join(',') } }),
    launchChromium(),
    buildStorefront(),
  ]);
  storefront = await serveStorefront({ port, gatewayUrl: stack.gatewayUrl });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await storefront?.close();
  await stack?.stop();
});

/** A fresh shopper: own storage (cart, session), console errors and failed requests recorded. */
async function newShopper(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`console: ${message.text()} (${page.url()}, ${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // A request the app cancelled (a poll when its screen unmounts, a closing context) is no failure.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown';
    if (reason !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.method()} ${request.url()} (${reason})`);
  });
  return { context, page };
}

const url = (path: string) => `${storefront.url.replace('localhost', '127.0.0.1')}${path}`;

/** No serious or critical accessibility violation on the screen as it is now. */
async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const serious = result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
  expect(serious).toEqual([]);
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByRole('link', { name: 'Log in' }).click();
  await expect.poll(() => page.title()).toBe('Log in · Shop');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

async function firstInStockProductName(): Promise<{ id: string; name: string }> {
  const { body } = await stack.graphql<{
    products: { edges: { node: { id: string; name: string; stock: { available: number } } }[] };
  }>('{ products(first: 40, orderBy: NAME) { edges { node { id name stock { available } } } } }');
  const product = body.data?.products.edges
    .map((edge) => edge.node)
    .find((node) => node.stock.available >= 5);
  if (!product) throw new Error('no product with stock in the demo data');
  return product;
}

async function placeOrderFromCart(page: Page, token: string, clicks = 1): Promise<void> {
  await page.getByRole('link', { name: /^Cart/ }).click();
  await page.getByRole('heading', { name: 'Checkout' }).waitFor();
  await page.getByLabel(new RegExp(`\\(${token}\\)`)).check();
  await page.getByRole('button', { name: 'Place order' }).click({ clickCount: clicks });
  await page.getByTestId('order-status').waitFor();
}

describe('a shopper', () => {
  it('browses, searches, adds to the cart, logs in, checks out and sees the order CONFIRMED without a reload', async () => {
    const product = await firstInStockProductName();
    const { context, page } = await newShopper();
    await page.goto(url('/'));
    await page.getByRole('heading', { name: 'New arrivals' }).waitFor();
    await page.locator('.grid .card').first().waitFor();
    expect(await page.title()).toBe('Home · Shop');
    await expectAccessible(page);

    await page.getByLabel('Search products').fill(product.name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.url()).toContain('/products?search=');
    const result = page.getByRole('link', { name: product.name }).first();
    await result.waitFor();
    await expectAccessible(page);
    await result.click();

    await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
    await page.getByTestId('stock').waitFor();
    await page.getByRole('heading', { name: 'Reviews' }).waitFor();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added to your cart').waitFor();

    // The cart is kept across a reload.
    await page.reload();
    await page.getByRole('link', { name: 'Cart (1)' }).waitFor();

    await logIn(page, 'alice@shop.test', 'customer-password');
    await expectAccessible(page);
    await page.getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('heading', { name: 'Checkout' }).waitFor();
    await expectAccessible(page);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 30_000 })
      .toBe('CONFIRMED');
    // The status moved on the page itself: the app routed, the browser never loaded a page.
    expect(navigations.every((frame) => frame.includes('/orders/'))).toBe(true);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'All your orders' }).click();
    await page.getByRole('heading', { name: 'Your orders' }).waitFor();
    await expectAccessible(page);
    await context.close();
  });

  it('sees why a declined card rejected the order', async () => {
    const product = await firstInStockProductName();
    const { context, page } = await newShopper();
    await page.goto(url(`/product/${product.id}`));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(page, 'bob@shop.test', 'customer-password');
    await placeOrderFromCart(page, 'tok_declined');
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 30_000 })
      .toBe('REJECTED');
    expect(await page.getByTestId('order-failure').textContent()).toContain('PAYMENT_DECLINED');
    await expectAccessible(page);
    await context.close();
  });

  it('makes one order with a double-clicked "Place order"', async () => {
    const product = await firstInStockProductName();
    const login = await stack.graphql<{ logIn: { token: string } }>(
      'mutation { logIn(email: "bob@shop.test", password: "customer-password") { token } }',
    );
    const headers = { authorization: `Bearer ${login.body.data?.logIn.token}` };
    const countOrders = async () =>
      (
        await stack.graphql<{ me: { orders: { totalCount: number } } }>(
          '{ me { orders { totalCount } } }',
          {},
          headers,
        )
      ).body.data?.me.orders.totalCount ?? -1;
    const before = await countOrders();
    const { context, page } = await newShopper();
    await page.goto(url(`/product/${product.id}`));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(page, 'bob@shop.test', 'customer-password');
    await placeOrderFromCart(page, 'tok_ok', 2);
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 30_000 })
      .toBe('CONFIRMED');
    expect(await countOrders()).toBe(before + 1);
    await context.close();
  });
});

describe('the back office', () => {
  it('lets an admin create a product that a customer then finds by search', async () => {
    const { context, page } = await newShopper();
    await page.goto(url('/'));
    await logIn(page, 'admin@shop.test', 'admin-password');
    await page.getByRole('link', { name: 'Back office' }).click();
    await page.getByRole('heading', { name: 'New product' }).waitFor();
    await page.getByRole('heading', { name: 'Low stock' }).waitFor();
    await expectAccessible(page);

    // A wrong field: the API's message is shown at that field.
    await page.getByLabel('SKU').fill('bad sku');
    await page.getByLabel('Name').fill('Storefront Test Lamp');
    await page.getByLabel('Description').fill('A lamp made by the storefront test.');
    await page.getByLabel('Price (USD)').fill('24.99');
    await page.getByLabel('Weight (grams)').fill('800');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.locator('#error-sku').waitFor();
    await expect.poll(() => page.getByLabel('SKU').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page);

    await page.getByLabel('SKU').fill('LAMP-STOREFRONT-1');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByText('Created').waitFor();
    await page.getByRole('link', { name: 'Storefront Test Lamp' }).click();
    await page.getByRole('heading', { name: 'Edit Storefront Test Lamp' }).waitFor();
    await page.getByLabel('Units available').fill('7');
    await page.getByRole('button', { name: 'Set stock' }).click();
    await page.getByText('Stock saved.').waitFor();
    await expectAccessible(page);
    await context.close();

    const shopper = await newShopper();
    await shopper.page.goto(url('/products?search=Storefront%20Test%20Lamp'));
    await shopper.page.getByRole('link', { name: 'Storefront Test Lamp' }).click();
    await shopper.page.getByTestId('stock').getByText('7 in stock').waitFor();
    await shopper.context.close();
  });

  it('is not shown to a customer, and the API refuses them even if they try', async () => {
    const { context, page } = await newShopper();
    await page.goto(url('/'));
    await logIn(page, 'alice@shop.test', 'customer-password');
    expect(await page.getByRole('link', { name: 'Back office' }).count()).toBe(0);
    await page.goto(url('/admin'));
    await page.getByText("The back office is for the shop's admins.").waitFor();
    await expectAccessible(page);
    await context.close();

    const login = await stack.graphql<{ logIn: { token: string } }>(
      'mutation { logIn(email: "alice@shop.test", password: "customer-password") { token } }',
    );
    const { body } = await stack.graphql(
      'mutation { setStock(productId: "x", available: 5) { available } }',
      {},
      { authorization: `Bearer ${login.body.data?.logIn.token}` },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('with the reviews service stopped', () => {
  it('the product page still shows name, price and stock, with the reviews part marked unavailable', async () => {
    const product = await firstInStockProductName();
    await stack.subgraphs.get('reviews')?.stop();
    try {
      const { context, page } = await newShopper();
      await page.goto(url(`/product/${product.id}`));
      await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
      await page.locator('.product .price').waitFor();
      await page
        .getByTestId('stock')
        .getByText(/in stock/)
        .waitFor();
      await page.getByText('Reviews are unavailable right now').waitFor();
      // Neither a spinner left behind nor a blank part: the reviews section says what happened.
      expect(await page.getByText('Loading reviews').count()).toBe(0);
      await expectAccessible(page);
      await context.close();
    } finally {
      await stack.restartSubgraph('reviews');
    }
  });
});

describe('every journey', () => {
  it('had no console errors and no failed requests', () => {
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
