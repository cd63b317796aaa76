import { clientOperation, clientOperations } from '@shop/devkit/operations';
import { type SeedPlan, seedIds, seedProductSku } from '@shop/devkit/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchesPerSubgraph, measureCost, queryPlanOf, runOperation } from '../src/operations';
import { startTestStack, type TestStack } from '../src/test-stack';

// 100 products per category, and a first product with more than 100 reviews.
const PLAN: SeedPlan = { seed: 7, categories: 12, products: 1200, users: 300, reviews: 8000, orders: 0 };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ seed: PLAN });
});
afterAll(() => stack?.stop());

interface ProductCard {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  averageRating: number | null;
  reviewCount: number;
  inStock: boolean;
  shippingEstimate?: { amount: number; currency: string };
}

interface ProductList {
  totalCount: number;
  edges: { cursor: string; node: ProductCard }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface ProductPage {
  product: {
    id: string;
    sku: string;
    price: { amount: number; currency: string };
    weightGrams: number;
    category: { id: string; slug: string };
    stock: { available: number };
    inStock: boolean;
    shippingEstimate: { amount: number; currency: string };
    averageRating: number | null;
    reviewCount: number;
    reviews: {
      totalCount: number;
      edges: { node: { id: string; rating: number; author: { id: string; name: string } } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  } | null;
}

const categoryPage = (variables: Record<string, unknown>) =>
  runOperation<{ categories: { id: string }[]; products: ProductList }>(stack, 'CategoryPage', {
    categoryId: seedIds.category(2),
    ...variables,
  });

describe('the storefront pages through the gateway', () => {
  it('home page: the category menu and the newest products with rating and stock', async () => {
    const { status, body } = await runOperation<{
      categories: { slug: string }[];
      newArrivals: { edges: { node: ProductCard }[] };
    }>(stack, 'HomePage');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.categories).toHaveLength(12);
    const cards = body.data?.newArrivals.edges.map(({ node }) => node) ?? [];
    expect(cards).toHaveLength(8);
    // Seeded products are numbered oldest first: the newest is the last one.
    expect(cards[0]?.sku).toBe(seedProductSku(PLAN, PLAN.products - 1));
    for (const card of cards) expect(typeof card.inStock).toBe('boolean');
  });

  it('category page: filters, order, and pages that neither skip nor repeat', async () => {
    const seen: ProductCard[] = [];
    let after: string | null = null;
    let totalCount = 0;
    for (let page = 0; page < 20; page += 1) {
      const { body } = await categoryPage({
        minPrice: 1000,
        maxPrice: 30000,
        orderBy: 'PRICE_ASC',
        first: 15,
        after,
      });
      expect(body.errors).toBeUndefined();
      const products = body.data?.products as ProductList;
      totalCount = products.totalCount;
      seen.push(...products.edges.map(({ node }) => node));
      if (!products.pageInfo.hasNextPage) break;
      after = products.pageInfo.endCursor;
    }
    expect(seen.length).toBe(totalCount);
    expect(new Set(seen.map((product) => product.id)).size).toBe(seen.length);
    const prices = seen.map((product) => product.price.amount);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    for (const price of prices) expect(price).toBeGreaterThanOrEqual(1000);
    for (const price of prices) expect(price).toBeLessThanOrEqual(30000);
    // Every product of category 2 has a SKU of its prefix.
    for (const product of seen) expect(product.sku).toMatch(/^BOK-/);
  });

  it('search results: a word of a product name finds it, whatever its case', async () => {
    const { body } = await runOperation<{ products: ProductList }>(stack, 'SearchResults', {
      search: 'WALNUT kettle',
      first: 100,
    });
    expect(body.errors).toBeUndefined();
    const names = body.data?.products.edges.map(({ node }) => node.name) ?? [];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/walnut.*kettle/i);
    expect(body.data?.products.totalCount).toBe(names.length);
  });

  it('product page: details, stock, shipping, rating and reviews with their authors, by id or by SKU', async () => {
    const byId = await runOperation<ProductPage>(stack, 'ProductPage', { id: seedIds.product(0) });
    expect(byId.body.errors).toBeUndefined();
    const product = byId.body.data?.product;
    expect(product?.sku).toBe(seedProductSku(PLAN, 0));
    expect(product?.inStock).toBe((product?.stock.available ?? 0) > 0);
    expect(product?.shippingEstimate.currency).toBe(product?.price.currency);
    expect(product?.reviewCount).toBeGreaterThan(100);
    expect(product?.reviews.totalCount).toBe(product?.reviewCount);
    expect(product?.reviews.edges).toHaveLength(10);
    for (const { node } of product?.reviews.edges ?? []) expect(node.author.name).toMatch(/\S/);

    const bySku = await runOperation<ProductPage>(stack, 'ProductPage', { sku: seedProductSku(PLAN, 0) });
    expect(bySku.body).toEqual(byId.body);
  });

  it('product page of a product that does not exist is null, not an error', async () => {
    const { body } = await runOperation(stack, 'ProductPage', { sku: 'NO-SUCH-SKU' });
    expect(body).toEqual({ data: { product: null } });
  });

  it('account page: anonymous until the gateway verifies tokens, so me is null', async () => {
    const { body } = await runOperation(stack, 'AccountPage');
    expect(body).toEqual({ data: { me: null } });
  });

  it('bad filters come back as BAD_USER_INPUT naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ minPrice: -1 }, 'filter.minPrice'],
      [{ minPrice: 500, maxPrice: 100 }, 'filter.maxPrice'],
      [{ search: 'x'.repeat(101) }, 'filter.search'],
      [{ categoryId: 'books' }, 'filter.categoryId'],
      [{ first: 101 }, 'first'],
    ];
    for (const [variables, field] of cases) {
      const { body } = await categoryPage(variables);
      expect(body.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
  });
});

describe('what a page costs does not grow with what it shows', () => {
  it('category page: the same SQL per subgraph and one request per subgraph for 10 products as for 100', async () => {
    const cost = async (first: number) =>
      measureCost(stack, async () => {
        const { body } = await categoryPage({ first });
        expect(body.errors).toBeUndefined();
        expect(body.data?.products.edges).toHaveLength(first);
      });
    const ten = await cost(10);
    const hundred = await cost(100);
    expect(hundred).toEqual(ten);
    expect(ten.requests).toEqual({
      accounts: 0,
      products: 1,
      inventory: 1,
      reviews: 1,
      orders: 0,
      payments: 0,
    });
    // products: categories, the page, its count, the page's categories; the others one batch each.
    expect(ten.statements).toEqual({
      accounts: 0,
      products: 4,
      inventory: 1,
      reviews: 1,
      orders: 0,
      payments: 0,
    });
  });

  it('product page: the same SQL per subgraph and one request per subgraph for 10 reviews as for 100', async () => {
    const cost = async (reviewsFirst: number) =>
      measureCost(stack, async () => {
        const { body } = await runOperation<ProductPage>(stack, 'ProductPage', {
          id: seedIds.product(0),
          reviewsFirst,
        });
        expect(body.errors).toBeUndefined();
        expect(body.data?.product?.reviews.edges).toHaveLength(reviewsFirst);
      });
    const ten = await cost(10);
    const hundred = await cost(100);
    expect(hundred).toEqual(ten);
    expect(ten.requests).toEqual({
      accounts: 1,
      products: 1,
      inventory: 1,
      reviews: 1,
      orders: 0,
      payments: 0,
    });
    // products: the product, its category; reviews: the rating summary, the page, which authors
    // bought what they reviewed; accounts: the authors.
    expect(ten.statements).toEqual({
      accounts: 1,
      products: 2,
      inventory: 1,
      reviews: 3,
      orders: 0,
      payments: 0,
    });
  });

  it('every subgraph is called exactly as often as the query plan fetches from it', async () => {
    const pages: [string, Record<string, unknown>][] = [
      ['HomePage', {}],
      ['CategoryPage', { categoryId: seedIds.category(0), first: 50 }],
      ['SearchResults', { search: 'lamp', first: 50 }],
      ['ProductPage', { id: seedIds.product(0), reviewsFirst: 50 }],
      ['AccountPage', {}],
    ];
    for (const [name, variables] of pages) {
      const cost = await measureCost(stack, async () => {
        const { body } = await runOperation(stack, name, variables);
        expect(body.errors, name).toBeUndefined();
      });
      const fetches = fetchesPerSubgraph(queryPlanOf(clientOperation(name)));
      for (const [service, requests] of Object.entries(cost.requests)) {
        // A fetch whose input is empty (no `me`, for instance) is skipped, never repeated.
        expect(requests, `${name}: requests to ${service}`).toBeLessThanOrEqual(fetches[service] ?? 0);
        // Each of these pages needs each subgraph in one step of its plan at most.
        expect(fetches[service] ?? 0, `${name}: fetches from ${service}`).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('every client operation runs through the gateway', () => {
  const variablesOf: Record<string, Record<string, unknown>> = {
    HomePage: {},
    CategoryPage: { categoryId: seedIds.category(1) },
    SearchResults: { search: 'oak' },
    ProductPage: { id: seedIds.product(1) },
    AccountPage: {},
    ProductEditor: { id: seedIds.product(1) },
    LowStock: {},
    RecentReviews: {},
    CreateProduct: {
      input: {
        sku: 'E2E-000001',
        name: 'Copper Teapot',
        description: 'A teapot made for the end-to-end tests.',
        price: { amount: 1999, currency: 'USD' },
        weightGrams: 500,
        categoryId: seedIds.category(0),
      },
    },
    UpdateProduct: { id: seedIds.product(1), input: { name: 'Renamed Lamp' } },
    SetStock: { productId: seedIds.product(1), available: 7 },
    AddReview: { input: { productId: seedIds.product(1), rating: 5, body: 'Sturdy, and it arrived fast.' } },
    DeleteReview: { id: seedIds.review(0) },
    PlaceOrder: {
      input: {
        lines: [{ productId: seedIds.product(2), quantity: 1 }],
        paymentToken: 'tok_ok',
        idempotencyKey: 'catalog-pages-checkout',
      },
    },
    OrderStatus: { id: seedIds.order(0) },
    CancelOrder: { id: seedIds.order(0) },
    // The storefront's own: the product page (its reviews deferred), the cart's re-read and the catalog list.
    ProductDetails: { id: seedIds.product(1) },
    ProductPageDeferred: { id: seedIds.product(1) },
    ProductList: { categoryId: seedIds.category(1), orderBy: 'PRICE_ASC' },
  };
  /** Run by the logged-in tests below, which need their answers. */
  const loggingIn = ['LogIn', 'SignUp'];
  /** Subscriptions: over the socket only (the storefront's browser tests and persisted-operations.test.ts). */
  const overSocket = ['LowStockAlerts', 'OrderUpdated'];
  /** Operations whose root field is for logged-in callers or admins: refused whole when anonymous. */
  const protectedRoot = new Set([
    'LowStock',
    'RecentReviews',
    'CreateProduct',
    'UpdateProduct',
    'SetStock',
    'AddReview',
    'DeleteReview',
    'PlaceOrder',
    'OrderStatus',
    'CancelOrder',
  ]);

  it('knows every client operation', () => {
    expect([...clientOperations().keys()].sort()).toEqual(
      [...Object.keys(variablesOf), ...loggingIn, ...overSocket].sort(),
    );
  });

  // What a refused write could have touched.
  const snapshot = () =>
    stack.graphql(
      `query Snapshot($id: ID!, $review: ID!) {
        product(id: $id) { name stock { available } reviewCount averageRating }
        created: product(sku: "E2E-000001") { id }
        review(id: $review) { id }
      }`,
      { id: seedIds.product(1), review: seedIds.review(0) },
    );

  describe('anonymously', () => {
    for (const [name, variables] of Object.entries(variablesOf)) {
      it(name, async () => {
        const before = await snapshot();
        expect(before.body.errors).toBeUndefined();
        const cost = await measureCost(stack, async () => {
          const { status, body } = await runOperation(stack, name, variables);
          expect(status).toBe(200);
          if (protectedRoot.has(name)) {
            // A non-null root answers no data; a nullable one (order) answers null.
            for (const value of Object.values(body.data ?? {})) expect(value).toBeNull();
            expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
          } else if (name === 'ProductEditor') {
            // The editor's public fields are served; the admin-only reserved count is not.
            expect(body.errors?.map((error) => error.path)).toEqual([['product', 'stock', 'reserved']]);
            expect(body.data?.categories).toBeTruthy();
          } else {
            expect(body.errors).toBeUndefined();
            expect(body.data).toBeTruthy();
          }
        });
        if (protectedRoot.has(name)) {
          // Refused by the gateway: no subgraph was asked, nothing changed.
          expect(Object.values(cost.requests).every((requests) => requests === 0)).toBe(true);
          expect((await snapshot()).body).toEqual(before.body);
        }
      });
    }
  });

  describe('logged in', () => {
    const logIn = async (email: string, password: string) => {
      const { body } = await runOperation<{ logIn: { token: string } }>(stack, 'LogIn', { email, password });
      expect(body.errors).toBeUndefined();
      return { token: body.data?.logIn.token ?? '' };
    };

    it('an admin edits the catalog and the stock with the admin operations', async () => {
      const admin = await logIn('admin@shop.test', 'admin-password');
      for (const name of [
        'ProductEditor',
        'LowStock',
        'RecentReviews',
        'CreateProduct',
        'UpdateProduct',
        'SetStock',
      ]) {
        const { body } = await runOperation(stack, name, variablesOf[name], admin);
        expect(body.errors, name).toBeUndefined();
      }
      const after = await snapshot();
      expect(after.body.data).toMatchObject({
        product: { name: 'Renamed Lamp', stock: { available: 7 } },
        created: { id: expect.any(String) },
      });
    });

    it('a customer reviews a product and takes the review back, but may not touch the catalog', async () => {
      const { body: signedUp } = await runOperation<{ signUp: { token: string } }>(stack, 'SignUp', {
        input: { email: 'reviewer@example.com', password: 'reviewer-password', name: 'Rita Reviewer' },
      });
      expect(signedUp.errors).toBeUndefined();
      const customer = { token: signedUp.data?.signUp.token ?? '' };
      const added = await runOperation<{ addReview: { id: string } }>(
        stack,
        'AddReview',
        variablesOf.AddReview,
        customer,
      );
      expect(added.body.errors).toBeUndefined();
      const deleted = await runOperation(
        stack,
        'DeleteReview',
        { id: added.body.data?.addReview.id },
        customer,
      );
      expect(deleted.body.errors).toBeUndefined();
      const create = await runOperation(stack, 'CreateProduct', variablesOf.CreateProduct, customer);
      expect(create.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('a customer checks out, watches the order become CONFIRMED, then cancels it', async () => {
      const alice = await logIn('alice@shop.test', 'customer-password');
      type OrderStatus = { order: { status: string; state: string; payment: { status: string } | null } };
      const statusOf = async (id: string) => {
        const { body } = await runOperation<OrderStatus>(stack, 'OrderStatus', { id }, alice);
        expect(body.errors).toBeUndefined();
        return body.data?.order;
      };
      const placed = await runOperation<{ placeOrder: { id: string; status: string } }>(
        stack,
        'PlaceOrder',
        variablesOf.PlaceOrder,
        alice,
      );
      expect(placed.body.errors).toBeUndefined();
      const id = placed.body.data?.placeOrder.id ?? '';
      expect(placed.body.data?.placeOrder.status).toBe('PENDING');
      await expect
        .poll(() => statusOf(id), { timeout: 20_000, interval: 100 })
        .toMatchObject({
          status: 'CONFIRMED',
          payment: { status: 'CHARGED' },
        });
      const cancelled = await runOperation(stack, 'CancelOrder', { id }, alice);
      expect(cancelled.body.errors).toBeUndefined();
      await expect
        .poll(() => statusOf(id), { timeout: 20_000, interval: 100 })
        .toMatchObject({
          status: 'CANCELLED',
          payment: { status: 'REFUNDED' },
        });
    });
  });
});
