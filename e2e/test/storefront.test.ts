import AxeBuilder from '@axe-core/playwright';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { launchChromium } from '@shop/devkit/testing/browser';
import { freePort } from '@shop/platform/http';
import { buildStorefront, serveStorefront, storefrontOrigins } from '@shop/scripts/lib/storefront';
import type { StorefrontServer } from '@shop/storefront/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaugeSum } from '../src/gateway-subscriptions';
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
  return { context, page: await watchedPage(context) };
}

/** A new tab of `context` whose console errors and failed requests count as problems. */
async function watchedPage(context: BrowserContext): Promise<Page> {
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
  return page;
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

interface ShownPicture {
  alt: string;
  src: string;
  /** The size the page gives it before it loads (its width and height attributes): no layout jump. */
  attributes: [number, number];
  /** The size it is drawn at. */
  rendered: [number, number];
  naturalWidth: number;
}

/** What the browser's <img> offers (this file is typed without the DOM's types). */
interface ImageElement {
  complete: boolean;
  alt: string;
  naturalWidth: number;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
}

/** The pictures `selector` finds, once every one of them has loaded (a broken one never does). */
async function loadedPictures(page: Page, selector: string): Promise<ShownPicture[]> {
  const pictures = page.locator(selector);
  await pictures.first().waitFor();
  await expect
    .poll(() =>
      pictures.evaluateAll((images) => images.every((image) => (image as unknown as ImageElement).complete)),
    )
    .toBe(true);
  return pictures.evaluateAll((images) =>
    (images as unknown as ImageElement[]).map((image) => {
      const box = image.getBoundingClientRect();
      return {
        alt: image.alt,
        src: image.getAttribute('src') ?? '',
        attributes: [Number(image.getAttribute('width')), Number(image.getAttribute('height'))],
        rendered: [Math.round(box.width), Math.round(box.height)],
        naturalWidth: image.naturalWidth,
      } satisfies ShownPicture;
    }),
  );
}

/** A product as the API knows it, for what its page and picture must show. */
async function productWithCategory(id: string): Promise<{ sku: string; name: string; category: string }> {
  const { body } = await stack.graphql<{
    product: { sku: string; name: string; category: { name: string } };
  }>('query ($id: ID!) { product(id: $id) { sku name category { name } } }', { id });
  const product = body.data?.product;
  if (!product) throw new Error(`no product ${id}`);
  return { sku: product.sku, name: product.name, category: product.category.name };
}

/** A picture from the storefront's server, as a browser would fetch it. */
const picture = (sku: string, query: Record<string, string> = {}) =>
  fetch(url(`/images/products/${sku}.svg?${new URLSearchParams(query)}`));

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

/** A socket the page opened to the gateway: the token its connection_init carried, and whether it closed. */
interface GatewaySocket {
  token: string | undefined;
  closed: boolean;
}

/** Every socket `page` opens to the gateway from now on, as it opens, authenticates and closes. */
function gatewaySocketsOf(page: Page): GatewaySocket[] {
  const sockets: GatewaySocket[] = [];
  page.on('websocket', (socket) => {
    if (socket.url() !== stack.gatewayUrl.replace(/^http/, 'ws')) return;
    const entry: GatewaySocket = { token: undefined, closed: false };
    sockets.push(entry);
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as {
        type: string;
        payload?: { authorization?: string };
      };
      if (message.type === 'connection_init')
        entry.token = message.payload?.authorization?.replace(/^Bearer /, '');
    });
    socket.on('close', () => {
      entry.closed = true;
    });
  });
  return sockets;
}

/** The session the storefront keeps for the page's origin (its token and user), if logged in. */
const storedSession = (page: Page) =>
  page.evaluate<{ token: string; expiresAt: string; user: { name: string } } | null>(
    "JSON.parse(localStorage.getItem('shop.session') ?? 'null')",
  );

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
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 30_000 })
      .toBe('CONFIRMED');
    // The status moved on the page itself: the app routed, the browser never loaded a page.
    expect(navigations.every((frame) => frame.includes('/orders/'))).toBe(true);
    // It came by the orderUpdated subscription, over a socket to the gateway's /graphql.
    expect(sockets).toEqual([stack.gatewayUrl.replace(/^http/, 'ws')]);
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

  it("still sees the order CONFIRMED when the gateway's socket keeps dropping (the page polls instead)", async () => {
    const product = await firstInStockProductName();
    const { context, page } = await newShopper();
    // Every socket to the gateway closes as soon as it opens, as behind a proxy that drops them.
    let socketsRefused = 0;
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      socketsRefused += 1;
      socket.close({ code: 1001, reason: 'Going away' });
    });
    const statusReads: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.postData()?.includes('query OrderStatus'))
        statusReads.push(request.url());
    });
    await page.goto(url(`/product/${product.id}`));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(page, 'bob@shop.test', 'customer-password');
    // The flaky card keeps the order PENDING for seconds (two failed charges retried): it must move on screen.
    await placeOrderFromCart(page, 'tok_flaky');
    expect(await page.getByTestId('order-status').textContent()).toContain('PENDING');
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 60_000 })
      .toBe('CONFIRMED');
    // The socket was tried again (graphql-ws's retries) before the page fell back to reading the order.
    expect(socketsRefused).toBeGreaterThan(1);
    expect(statusReads.length).toBeGreaterThan(0);
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

describe('the order page’s socket', () => {
  it('follows a new token on an open order page: the subscription goes on over a new socket that carries it, and the status still moves live', async () => {
    const product = await firstInStockProductName();
    const { context, page } = await newShopper();
    const sockets = gatewaySocketsOf(page);
    await page.goto(url(`/product/${product.id}`));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(page, 'bob@shop.test', 'customer-password');
    const first = await storedSession(page);
    await placeOrderFromCart(page, 'tok_ok');
    const status = () => page.getByTestId('order-status').textContent();
    await expect.poll(status, { timeout: 30_000 }).toBe('CONFIRMED');
    const orderId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    expect(sockets.map((socket) => socket.token)).toEqual([first?.token]);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    // Logged in again in a second tab: a new token for the session both tabs share.
    // Tokens are issued per second: the next one is a new token only a second later.
    await page.waitForTimeout(1000);
    const tab = await watchedPage(context);
    await tab.goto(url('/login'));
    await tab.getByLabel('Email').fill('bob@shop.test');
    await tab.getByLabel('Password').fill('customer-password');
    await tab.getByRole('button', { name: 'Log in' }).click();
    // Logged in, the form leaves for the home page (the tab showed "Log out" all along).
    await expect.poll(() => new URL(tab.url()).pathname, { timeout: 15_000 }).toBe('/');
    const second = await storedSession(tab);
    expect(second?.token).toBeTruthy();
    expect(second?.token).not.toBe(first?.token);

    // The order page, never left nor reloaded, closed the first token's socket and opened one with the new token.
    await expect
      .poll(() => sockets.some((socket) => socket.token === second?.token && !socket.closed), {
        timeout: 15_000,
      })
      .toBe(true);
    expect(sockets.filter((socket) => socket.token === first?.token).every((socket) => socket.closed)).toBe(
      true,
    );
    expect(navigations).toEqual([]);

    // Cancelled elsewhere: the page hears it over the new socket (a poll would read OrderStatus over HTTP).
    const statusReads: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.postData()?.includes('query OrderStatus'))
        statusReads.push(request.url());
    });
    const cancelled = await stack.graphql<{ cancelOrder: { id: string } }>(
      'mutation ($id: ID!) { cancelOrder(id: $id) { id } }',
      { id: orderId },
      { authorization: `Bearer ${second?.token}` },
    );
    expect(cancelled.body.errors).toBeUndefined();
    await expect.poll(status, { timeout: 30_000 }).toBe('CANCELLED');
    expect(statusReads).toEqual([]);
    await context.close();
  });

  it('closes the socket cleanly when the session expires on an open order page', async () => {
    const product = await firstInStockProductName();
    const { context, page } = await newShopper();
    await page.goto(url(`/product/${product.id}`));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(page, 'bob@shop.test', 'customer-password');
    await placeOrderFromCart(page, 'tok_ok');
    const status = () => page.getByTestId('order-status').textContent();
    await expect.poll(status, { timeout: 30_000 }).toBe('CONFIRMED');
    // The token runs out 10 seconds from now: the session as stored, read again by a reload.
    const session = await storedSession(page);
    const expiresAt = new Date(Date.now() + 10_000).toISOString();
    await page.evaluate(
      `localStorage.setItem('shop.session', ${JSON.stringify(JSON.stringify({ ...session, expiresAt }))})`,
    );
    const sockets = gatewaySocketsOf(page);
    const problemsBefore = problems.length;
    await page.reload();
    await expect.poll(status, { timeout: 15_000 }).toBe('CONFIRMED');
    await expect
      .poll(() => sockets.some((socket) => socket.token === session?.token && !socket.closed), {
        timeout: 15_000,
      })
      .toBe(true);

    // At its expiry the session ends: logged out, the socket of its token closed, the order still shown.
    await page.getByRole('link', { name: 'Log in' }).waitFor({ timeout: 20_000 });
    await expect
      .poll(() =>
        sockets.filter((socket) => socket.token === session?.token).every((socket) => socket.closed),
      )
      .toBe(true);
    expect(await status()).toBe('CONFIRMED');
    // Nothing reconnects with the expired token, and nothing went wrong on screen or in the console.
    await page.waitForTimeout(1000);
    expect(sockets.filter((socket) => !socket.closed).every((socket) => socket.token === undefined)).toBe(
      true,
    );
    expect(problems.slice(problemsBefore)).toEqual([]);
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

  it('shows an admin a product that falls to low stock while the list is open, without a reload', async () => {
    const admin = await stack.graphql<{ logIn: { token: string } }>(
      'mutation { logIn(email: "admin@shop.test", password: "admin-password") { token } }',
    );
    const headers = { authorization: `Bearer ${admin.body.data?.logIn.token}` };
    const categories = await stack.graphql<{ categories: { id: string }[] }>('{ categories { id } }');
    const created = await stack.graphql<{ createProduct: { id: string; sku: string } }>(
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id sku } }',
      {
        input: {
          sku: 'A-LIVE-LOW-STOCK-1',
          name: 'Live Low Stock Kettle',
          description: 'A kettle the low-stock journey sells out.',
          price: { amount: 3999, currency: 'USD' },
          weightGrams: 1200,
          categoryId: categories.body.data?.categories[0]?.id,
        },
      },
      headers,
    );
    const productId = created.body.data?.createProduct.id;
    const setStock = (available: number) =>
      stack.graphql(
        'mutation ($id: ID!, $available: Int!) { setStock(productId: $id, available: $available) { available } }',
        { id: productId, available },
        headers,
      );
    // Inventory hears of the new product by an event: until then setStock answers NOT_FOUND.
    await expect.poll(async () => (await setStock(20)).body.errors, { timeout: 20_000 }).toBeUndefined();

    const { context, page } = await newShopper();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(url('/'));
    await logIn(page, 'admin@shop.test', 'admin-password');
    await page.getByRole('link', { name: 'Back office' }).click();
    const lowStock = page.getByRole('region', { name: 'Low stock' });
    await lowStock.getByRole('listitem').first().waitFor();
    expect(await lowStock.getByText('A-LIVE-LOW-STOCK-1').count()).toBe(0);
    // The lowStock subscription is open before the stock falls (the socket is up, subscribed).
    await expect.poll(() => sockets).toEqual([stack.gatewayUrl.replace(/^http/, 'ws')]);
    await expect
      .poll(async () =>
        gaugeSum(
          await (await fetch(stack.gatewayMetricsUrl)).text(),
          'gateway_subgraph_subscription_sockets',
        ),
      )
      .toBe(1);
    // Sold out: first in the list (fewest first, then by SKU), whatever else runs low.
    expect((await setStock(0)).body.errors).toBeUndefined();
    await lowStock.getByText('A-LIVE-LOW-STOCK-1').waitFor({ timeout: 10_000 });
    expect(
      await lowStock.getByRole('listitem').filter({ hasText: 'A-LIVE-LOW-STOCK-1' }).textContent(),
    ).toContain('0 available');
    await context.close();
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
  it("lets an admin delete a shopper's review on the product page; a customer sees no such button and the API refuses them", async () => {
    const alice = await stack.graphql<{ logIn: { token: string; user: { id: string } } }>(
      'mutation { logIn(email: "alice@shop.test", password: "customer-password") { token user { id } } }',
    );
    const aliceId = alice.body.data?.logIn.user.id;
    const { body } = await stack.graphql<{
      products: {
        edges: {
          node: {
            id: string;
            reviews: { edges: { node: { id: string; body: string; author: { id: string } | null } }[] };
          };
        }[];
      };
    }>(
      '{ products(first: 40) { edges { node { id reviews(first: 10) { edges { node { id body author { id } } } } } } } }',
    );
    // A review the page shows (its first 10), by someone else, whose text no other shown review has.
    const target = body.data?.products.edges
      .flatMap(({ node }) =>
        node.reviews.edges.map(({ node: review }, _index, all) => ({
          productId: node.id,
          review,
          unique: all.filter((other) => other.node.body === review.body).length === 1,
        })),
      )
      .find(({ review, unique }) => unique && review.author && review.author.id !== aliceId);
    if (!target) throw new Error('no review by another shopper than alice in the demo data');

    // The customer: no delete button on someone else's review, and the API refuses the deletion.
    const customer = await newShopper();
    await customer.page.goto(url('/'));
    await logIn(customer.page, 'alice@shop.test', 'customer-password');
    await customer.page.goto(url(`/product/${target.productId}`));
    const shown = (page: Page) => page.getByText(target.review.body, { exact: true });
    await shown(customer.page).waitFor();
    expect(await customer.page.getByRole('button', { name: 'Delete review' }).count()).toBe(0);
    await customer.context.close();
    const refused = await stack.graphql(
      'mutation ($id: ID!) { deleteReview(id: $id) { deletedReviewId } }',
      { id: target.review.id },
      { authorization: `Bearer ${alice.body.data?.logIn.token}` },
    );
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The admin deletes it from the product page.
    const { context, page } = await newShopper();
    await page.goto(url('/'));
    await logIn(page, 'admin@shop.test', 'admin-password');
    await page.goto(url(`/product/${target.productId}`));
    const review = page.getByRole('listitem').filter({ has: shown(page) });
    await review.getByRole('button', { name: 'Delete review' }).click();
    await expect.poll(() => shown(page).count()).toBe(0);
    await expectAccessible(page);
    await context.close();
    const gone = await stack.graphql<{ review: unknown }>('query ($id: ID!) { review(id: $id) { id } }', {
      id: target.review.id,
    });
    expect(gone.body.data?.review).toBeNull();
  });
});

describe('review moderation', () => {
  it('shows an admin a review just written, newest first, and deletes it; a customer cannot reach the page', async () => {
    // A new shopper has reviewed nothing yet, so their review of any product is accepted.
    const signedUp = await stack.graphql<{ signUp: { token: string } }>(
      'mutation { signUp(input: { email: "critic@example.com", password: "critic-password", name: "Carla Critic" }) { token } }',
    );
    const critic = { authorization: `Bearer ${signedUp.body.data?.signUp.token}` };
    const product = await firstInStockProductName();
    const text = 'Arrived scratched, and the seller never answered.';
    const added = await stack.graphql<{ addReview: { id: string } }>(
      'mutation ($input: AddReviewInput!) { addReview(input: $input) { id } }',
      { input: { productId: product.id, rating: 1, body: text } },
      critic,
    );
    const reviewId = added.body.data?.addReview.id;
    expect(reviewId).toBeTruthy();

    const { context, page } = await newShopper();
    await page.goto(url('/'));
    await logIn(page, 'admin@shop.test', 'admin-password');
    await page.getByRole('link', { name: 'Back office' }).click();
    await page.getByRole('link', { name: 'Moderate reviews' }).click();
    await expect.poll(() => page.title()).toBe('Moderate reviews · Shop');
    const reviews = page.getByRole('list', { name: 'Newest reviews' }).getByRole('listitem');
    const review = reviews.filter({ hasText: text });
    // Newest first: the review just written heads the list, with its author and product.
    await expect.poll(() => reviews.first().textContent()).toContain(text);
    expect(await review.textContent()).toContain('1 / 5 by Carla Critic');
    await review.getByRole('link', { name: product.name, exact: true }).waitFor();
    await expectAccessible(page);
    await review.getByRole('button', { name: 'Delete review' }).click();
    await expect.poll(() => review.count()).toBe(0);
    await context.close();
    const gone = await stack.graphql<{ review: unknown }>('query ($id: ID!) { review(id: $id) { id } }', {
      id: reviewId,
    });
    expect(gone.body.data?.review).toBeNull();

    // A customer: no link, the page refuses, and so does the API.
    const customer = await newShopper();
    await customer.page.goto(url('/'));
    await logIn(customer.page, 'alice@shop.test', 'customer-password');
    await customer.page.goto(url('/admin/reviews'));
    await customer.page.getByText("The back office is for the shop's admins.").waitFor();
    expect(await customer.page.getByRole('button', { name: 'Delete review' }).count()).toBe(0);
    await expectAccessible(customer.page);
    await customer.context.close();
    const refused = await stack.graphql('{ recentReviews { totalCount } }', {}, critic);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('narrows the list to poor reviews and to one product, kept in the URL: a reload and the back button keep them', async () => {
    const admin = await stack.graphql<{ logIn: { token: string } }>(
      'mutation { logIn(email: "admin@shop.test", password: "admin-password") { token } }',
    );
    const headers = { authorization: `Bearer ${admin.body.data?.logIn.token}` };
    const matching = async (filter: Record<string, unknown>) =>
      (
        await stack.graphql<{ recentReviews: { totalCount: number } }>(
          'query ($filter: RecentReviewsFilter) { recentReviews(filter: $filter) { totalCount } }',
          { filter },
          headers,
        )
      ).body.data?.recentReviews.totalCount;

    const { context, page } = await newShopper();
    await page.goto(url('/'));
    await logIn(page, 'admin@shop.test', 'admin-password');
    await page.getByRole('link', { name: 'Back office' }).click();
    await page.getByRole('link', { name: 'Moderate reviews' }).click();
    const reviews = page.getByRole('list', { name: 'Newest reviews' }).getByRole('listitem');
    await reviews.first().waitFor();
    /** The stars of each review listed, and the products they are of. */
    const shown = () =>
      Promise.all([
        reviews.locator('strong').allTextContents(),
        reviews.locator('a[href^="/product/"]').allTextContents(),
      ]);
    const countLine = () => page.getByText(/ newest first\.$/).textContent();

    await page.getByLabel('Rating').selectOption({ label: '2 stars or fewer' });
    await page.getByRole('button', { name: 'Apply' }).click();
    const poor = await matching({ maxRating: 2 });
    expect(poor).toBeGreaterThan(0);
    await expect.poll(countLine).toBe(`${poor} matching reviews, newest first.`);
    expect(new URL(page.url()).search).toBe('?rating=2');
    const [stars] = await shown();
    expect(stars.length).toBe(Math.min(poor ?? 0, 20));
    expect(stars.every((text) => text === '1 / 5' || text === '2 / 5')).toBe(true);
    await expectAccessible(page);

    // One product's poor reviews, from a link on one of them.
    const [, products] = await shown();
    const product = products[0] ?? '';
    await reviews
      .first()
      .getByRole('link', { name: `only ${product}` })
      .click();
    await expect.poll(() => new URL(page.url()).searchParams.get('product')).toBeTruthy();
    const productId = new URL(page.url()).searchParams.get('product');
    const poorOfProduct = await matching({ maxRating: 2, productId });
    await expect.poll(countLine).toBe(`${poorOfProduct} matching reviews, newest first.`);
    expect(await page.getByTestId('product-filter').textContent()).toContain(
      `Only the reviews of ${product}`,
    );
    expect((await shown())[1].every((name) => name === product)).toBe(true);

    // The URL is the state: a reload shows the same list and the form says what is chosen.
    await page.reload();
    await expect.poll(countLine).toBe(`${poorOfProduct} matching reviews, newest first.`);
    expect(await page.getByLabel('Rating').inputValue()).toBe('2');
    // Back: every product's poor reviews again; once more: the unfiltered list.
    await page.goBack();
    await expect.poll(countLine).toBe(`${poor} matching reviews, newest first.`);
    expect(await page.getByTestId('product-filter').count()).toBe(0);
    await page.goBack();
    await expect.poll(countLine).toBe(`${await matching({})} reviews in the shop, newest first.`);
    expect(await page.getByLabel('Rating').inputValue()).toBe('');
    await context.close();
  });
});

describe('the product page', () => {
  it('comes in parts: details, price and stock first, its reviews as a deferred part of the same answer', async () => {
    const product = await firstInStockProductName();
    const { context, page } = await newShopper();
    const answer = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' &&
        (response.request().postData() ?? '').includes('"ProductPageDeferred"'),
    );
    await page.goto(url(`/product/${product.id}`));
    const response = await answer;
    expect(response.headers()['content-type']).toMatch(/^multipart\/mixed;.*deferSpec=20220824/);
    // The app names itself, so the registry's usage says which client and version asked.
    expect(response.request().headers()).toMatchObject({
      'apollographql-client-name': 'storefront',
      'apollographql-client-version': expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
    await page.getByText(/out of 5, \d+ reviews|No reviews yet/).waitFor();
    expect(await page.getByText('Loading reviews').count()).toBe(0);
    await context.close();
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

describe('product pictures', () => {
  it('every card and the product page show a generated picture of fixed size with alt text', async () => {
    const { context, page } = await newShopper();
    await page.goto(url('/'));
    const cards = await loadedPictures(page, '.grid .card img');
    expect(cards).toHaveLength(8);
    for (const card of cards) {
      expect(card.src).toMatch(/^\/images\/products\/[A-Z0-9-]+\.svg\?name=.+&category=.+$/);
      expect(card.alt).toMatch(/^Picture of .+ \(.+\)$/);
      expect(card.attributes).toEqual([200, 150]);
      expect(card.rendered).toEqual([200, 150]);
      expect(card.naturalWidth).toBeGreaterThan(0);
    }

    const { id } = await firstInStockProductName();
    const product = await productWithCategory(id);
    await page.goto(url(`/product/${id}`));
    const [shown, ...more] = await loadedPictures(page, '.product img');
    expect(more).toEqual([]);
    expect(shown).toMatchObject({
      alt: `Picture of ${product.name} (${product.category})`,
      attributes: [320, 240],
      rendered: [320, 240],
    });
    expect(shown?.naturalWidth).toBeGreaterThan(0);
    expect(shown?.src).toContain(`/images/products/${product.sku}.svg?`);
    await expectAccessible(page);
    await context.close();
  });

  it('are SVG cached for a day, never sniffed, and allowed to load or run nothing', async () => {
    const response = await picture('LAMP-001', { name: 'Oak Desk Lamp', category: 'Lighting' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; sandbox",
    );
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('>Oak Desk Lamp<');
    expect(svg).toContain('>Lighting<');
    expect(svg).toContain('>OD<');
    // The same SKU is drawn the same way every time; another SKU in other colours.
    expect(await (await picture('LAMP-001', { name: 'Oak Desk Lamp', category: 'Lighting' })).text()).toBe(
      svg,
    );
    const other = await (await picture('LAMP-002', { name: 'Oak Desk Lamp', category: 'Lighting' })).text();
    expect(other.match(/fill="hsl\([^"]+"/)?.[0]).not.toBe(svg.match(/fill="hsl\([^"]+"/)?.[0]);
  });

  it('keep markup in a name as text', async () => {
    // Short enough to be written whole (a longer name is cut to fit the picture).
    const name = '<script>pwned=1</script>&"S"';
    const response = await picture('XSS-1', { name, category: '<b>Tools</b>' });
    expect(response.status).toBe(200);
    const svg = await response.text();
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('>&#60;script&#62;pwned=1&#60;/script&#62;&#38;&#34;S&#34;</text>');
    expect(svg).toContain('&#60;b&#62;Tools&#60;/b&#62;');

    // Opened on its own, it is a well-formed picture whose text runs nothing.
    const context = await browser.newContext();
    const page = await context.newPage();
    const opened = await page.goto(url(`/images/products/XSS-1.svg?${new URLSearchParams({ name })}`));
    expect(opened?.status()).toBe(200);
    expect(await page.locator('text').last().textContent()).toBe(name);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    await context.close();
  });

  it('refuse a bad SKU or an over-long or malformed parameter with 400', async () => {
    const bad: [string, Record<string, string>][] = [
      ['lamp-001', {}],
      ['LAMP_001', {}],
      ['LAMP--001', {}],
      ['%3Cscript%3E', {}],
      ['A'.repeat(65), {}],
      ['LAMP-001', { name: 'x'.repeat(121) }],
      ['LAMP-001', { category: 'x'.repeat(121) }],
      ['LAMP-001', { name: 'two\nlines' }],
    ];
    for (const [sku, query] of bad) {
      const response = await picture(sku, query);
      expect(response.status, `${sku} ${JSON.stringify(query)}`).toBe(400);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
    expect((await fetch(url('/images/products/LAMP-001.png'))).status).toBe(400);
    expect((await picture('LAMP-001', { name: 'x'.repeat(120) })).status).toBe(200);
  });
});

describe('the storefront server', () => {
  it('answers a malformed URL with 400 and goes on serving', async () => {
    for (const path of ['/%E0', '/products/%E0%A4%A', '/images/products/%E0.svg', '/assets/%FF.js']) {
      const response = await fetch(url(path));
      expect(response.status, path).toBe(400);
      expect(await response.text()).toBe('bad request: malformed URL');
    }
    expect((await fetch(url('/health'))).status).toBe(200);
    const home = await fetch(url('/'));
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<div id="root">');
  });
});

describe('every journey', () => {
  it('had no console errors and no failed requests', () => {
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
