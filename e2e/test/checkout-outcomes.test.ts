import { randomUUID } from 'node:crypto';
import { seedIds } from '@shop/devkit/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADD_REVIEW,
  bearer,
  CHECKOUT_SEED_PLAN,
  CheckoutClient,
  CREATE_PRODUCT,
  checkoutProduct,
  consumedEvents,
  errorCode,
  type OrderView,
  sleep,
} from '../src/checkout';
import { startTestStack, type TestStack } from '../src/test-stack';

/** What a customer sees at each end of the saga, through the gateway. */

let stack: TestStack;
let client: CheckoutClient;

beforeAll(async () => {
  stack = await startTestStack({ seed: CHECKOUT_SEED_PLAN });
  client = await CheckoutClient.open(stack);
});
afterAll(() => stack?.stop());

const oneOf = (productId: string, quantity = 1) => [{ productId, quantity }];

async function finalOrder(id: string): Promise<OrderView> {
  return (await client.waitUntilFinal([id], 30_000)).get(id) as OrderView;
}

describe('checkout', () => {
  it('confirms and charges an order paid with a good card, and refunds and restocks it when cancelled', async () => {
    const product = checkoutProduct(0);
    await client.setStock(product, 10);
    const alice = client.customer(0);
    const placed = await client.placed(alice, { lines: oneOf(product, 3), paymentToken: 'tok_ok' });
    expect(placed).toMatchObject({ status: 'PENDING', failureReason: null });

    const confirmed = await finalOrder(placed.id);
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', state: 'CONFIRMED', failureReason: null });
    expect(confirmed.payment).toMatchObject({ status: 'CHARGED', amount: confirmed.total });
    expect(confirmed.total.amount).toBe(3 * (confirmed.lines[0]?.unitPrice.amount ?? Number.NaN));
    expect(await client.waitForStock(product, (stock) => stock.reserved === 0)).toEqual({
      available: 7,
      reserved: 0,
      sold: 3,
    });

    const cancelling = await client.cancelOrder(placed.id, alice);
    expect(cancelling.body.errors).toBeUndefined();
    // Still the customer's until refunded: CANCELLING shows as CONFIRMED.
    expect(['CANCELLING', 'CANCELLED']).toContain(cancelling.body.data?.cancelOrder.state);
    const cancelled = await finalOrder(placed.id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', state: 'CANCELLED' });
    expect(cancelled.payment).toMatchObject({ status: 'REFUNDED', amount: confirmed.total });
    expect(await client.waitForStock(product, (stock) => stock.sold === 0)).toEqual({
      available: 10,
      reserved: 0,
      sold: 0,
    });

    // Cancelling it again changes nothing: the order comes back as it is.
    const again = await client.cancelOrder(placed.id, alice);
    expect(again.body.data?.cancelOrder).toMatchObject({
      state: 'CANCELLED',
      payment: { status: 'REFUNDED' },
    });
    expect(await client.stock(product)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('rejects an order whose card is declined, PAYMENT_DECLINED, and releases its stock', async () => {
    const product = checkoutProduct(1);
    await client.setStock(product, 5);
    const placed = await client.placed(client.customer(1), {
      lines: oneOf(product, 2),
      paymentToken: 'tok_declined',
    });
    const rejected = await finalOrder(placed.id);
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      state: 'REJECTED',
      failureReason: 'PAYMENT_DECLINED',
    });
    expect(rejected.payment).toMatchObject({ status: 'DECLINED' });
    expect(await client.waitForStock(product, (stock) => stock.reserved === 0)).toEqual({
      available: 5,
      reserved: 0,
      sold: 0,
    });
    // Nothing to cancel: it was never confirmed.
    expect(errorCode(await client.cancelOrder(placed.id, client.customer(1)))).toBe('CONFLICT');
  });

  it('declines a token the processor does not know', async () => {
    const placed = await client.placed(client.customer(0), {
      lines: oneOf(checkoutProduct(1)),
      paymentToken: 'tok_stolen',
    });
    expect(await finalOrder(placed.id)).toMatchObject({
      status: 'REJECTED',
      failureReason: 'PAYMENT_DECLINED',
    });
  });

  it('confirms an order whose card fails a few times first (tok_flaky), charged once', async () => {
    const product = checkoutProduct(2);
    await client.setStock(product, 5);
    const placed = await client.placed(client.customer(0), {
      lines: oneOf(product),
      paymentToken: 'tok_flaky',
    });
    const confirmed = await finalOrder(placed.id);
    expect(confirmed).toMatchObject({
      status: 'CONFIRMED',
      payment: { status: 'CHARGED', amount: confirmed.total },
    });
  });

  it('takes all lines of an order or none: one short product rejects it and leaves the other untouched', async () => {
    const [plenty, short] = [checkoutProduct(3), checkoutProduct(4)];
    await client.setStock(plenty, 100);
    await client.setStock(short, 1);
    const placed = await client.placed(client.customer(1), {
      lines: [...oneOf(plenty, 2), ...oneOf(short, 2)],
      paymentToken: 'tok_ok',
    });
    const rejected = await finalOrder(placed.id);
    expect(rejected).toMatchObject({ status: 'REJECTED', failureReason: 'OUT_OF_STOCK', payment: null });
    expect(await client.stock(plenty)).toEqual({ available: 100, reserved: 0, sold: 0 });
    expect(await client.stock(short)).toEqual({ available: 1, reserved: 0, sold: 0 });
  });

  it('sells a product an admin has just created, at its price, once stocked', async () => {
    const created = await stack.graphql<{ createProduct: { id: string; price: { amount: number } } }>(
      CREATE_PRODUCT,
      {
        input: {
          sku: `NEW-${randomUUID().slice(0, 8).toUpperCase()}`,
          name: 'Freshly listed kettle',
          description: 'Listed a moment ago.',
          price: { amount: 2350, currency: 'USD' },
          weightGrams: 900,
          categoryId: seedIds.category(0),
        },
      },
      bearer(client.admin.token),
    );
    const product = created.body.data?.createProduct;
    if (!product) throw new Error(`createProduct failed: ${JSON.stringify(created.body.errors)}`);
    // Inventory learns of the product from its event: until then setStock answers NOT_FOUND.
    await client.setStockOnceKnown(product.id, 3);

    // Orders learns of the product from its event: until then it is not in orders' catalog.
    const alice = client.customer(0);
    let answer = await client.placeOrder(alice, { lines: oneOf(product.id, 2), paymentToken: 'tok_ok' });
    const deadline = Date.now() + 15_000;
    while (errorCode(answer) === 'BAD_USER_INPUT' && Date.now() < deadline) {
      await sleep(200);
      answer = await client.placeOrder(alice, { lines: oneOf(product.id, 2), paymentToken: 'tok_ok' });
    }
    const placed = answer.body.data?.placeOrder;
    if (!placed) throw new Error(`placeOrder failed: ${JSON.stringify(answer.body.errors)}`);
    expect(placed.total).toEqual({ amount: 4700, currency: 'USD' });

    expect(await finalOrder(placed.id)).toMatchObject({ state: 'CONFIRMED', payment: { status: 'CHARGED' } });
    expect(await client.waitForStock(product.id, (stock) => stock.reserved === 0)).toEqual({
      available: 1,
      reserved: 0,
      sold: 2,
    });
  });

  it('gives the same order for the same idempotency key, and only one', async () => {
    const product = checkoutProduct(5);
    await client.setStock(product, 5);
    const input = { lines: oneOf(product), paymentToken: 'tok_ok', idempotencyKey: randomUUID() };
    const first = await client.placed(client.customer(0), input);
    const again = await client.placed(client.customer(0), input);
    expect(again.id).toBe(first.id);
    await finalOrder(first.id);
    expect(await client.waitForStock(product, (stock) => stock.reserved === 0)).toMatchObject({ sold: 1 });
  });
});

describe('who may do what', () => {
  it('wants a logged-in customer to place an order', async () => {
    const answer = await stack.graphql(
      'mutation { placeOrder(input: { lines: [], paymentToken: "tok_ok", idempotencyKey: "k" }) { id } }',
    );
    expect(errorCode(answer)).toBe('UNAUTHENTICATED');
  });

  it('refuses bad lines with BAD_USER_INPUT naming the field', async () => {
    const alice = client.customer(0);
    for (const lines of [
      [],
      oneOf(checkoutProduct(0), 0),
      oneOf(checkoutProduct(0), -1),
      oneOf('not-a-product'),
    ]) {
      const answer = await client.placeOrder(alice, { lines, paymentToken: 'tok_ok' });
      expect({ lines, code: errorCode(answer) }).toEqual({ lines, code: 'BAD_USER_INPUT' });
      expect(answer.body.errors?.[0]?.extensions?.field).toMatch(/lines/);
    }
  });

  it("keeps a customer's orders from another customer", async () => {
    const [alice, bob] = [client.customer(0), client.customer(1)];
    const placed = await client.placed(alice, { lines: oneOf(checkoutProduct(0)), paymentToken: 'tok_ok' });
    const seenByBob = await stack.graphql<{ order: unknown }>(
      'query ($id: ID!) { order(id: $id) { id } }',
      { id: placed.id },
      bearer(bob.token),
    );
    // Not Bob's: as if there were no such order, or forbidden; never the order itself.
    expect(seenByBob.body.data?.order ?? null).toBeNull();
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(errorCode(await client.cancelOrder(placed.id, bob)));
    await finalOrder(placed.id);
  });
});

describe('reviews', () => {
  it('marks a review verifiedPurchase once its author has a confirmed order of the product, not otherwise', async () => {
    const product = checkoutProduct(6);
    await client.setStock(product, 5);
    const [alice, bob] = [client.customer(0), client.customer(1)];
    const reviewsHeardBefore = await consumedEvents(stack, 'reviews', 'order.confirmed', 'handled');
    const placed = await client.placed(alice, { lines: oneOf(product), paymentToken: 'tok_ok' });
    expect(await finalOrder(placed.id)).toMatchObject({ state: 'CONFIRMED' });
    // Reviews hears of the confirmation on its own time: wait until it has.
    const deadline = Date.now() + 15_000;
    while (
      (await consumedEvents(stack, 'reviews', 'order.confirmed', 'handled')) <= reviewsHeardBefore &&
      Date.now() < deadline
    )
      await sleep(100);

    const review = (who: typeof alice) =>
      stack.graphql<{ addReview: { verifiedPurchase: boolean } }>(
        ADD_REVIEW,
        { input: { productId: product, rating: 5, body: 'Does what it says on the box.' } },
        bearer(who.token),
      );
    const byBuyer = await review(alice);
    expect(byBuyer.body.errors).toBeUndefined();
    expect(byBuyer.body.data?.addReview.verifiedPurchase).toBe(true);
    const byOther = await review(bob);
    expect(byOther.body.data?.addReview.verifiedPurchase).toBe(false);
  });
});
