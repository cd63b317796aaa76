import { seedIds } from '@shop/devkit/seed';
import {
  connectEventSource,
  createTestEventBus,
  deliverDirectly,
  eventually,
  startTestSubgraph,
  type TestEventBus,
  type TestSubgraph,
} from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { type Caller, ROLE_SCOPES } from '@shop/platform/auth';
import type { EventEnvelope } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { consumes } from '../src/events';
import type { Context } from '../src/subgraph';
import { reviewsSubgraph } from '../src/subgraph';

let bus: TestEventBus;
let service: TestSubgraph<Tables, Context>;
let source: Awaited<ReturnType<typeof connectEventSource>>;

beforeAll(async () => {
  bus = await createTestEventBus('nats');
  service = await startTestSubgraph(reviewsSubgraph, { events: bus.options });
  source = await connectEventSource(bus.options);
});
afterAll(async () => {
  await source.close();
  await service.stop();
  await bus.drop();
});

const shopper = (index: number): Caller => ({
  userId: seedIds.user(index),
  role: 'CUSTOMER',
  scopes: ROLE_SCOPES.CUSTOMER,
});

/** What orders publishes when an order is confirmed or cancelled (the contract's payloads). */
const orderEvent = (
  type: 'order.confirmed' | 'order.cancelled',
  orderId: string,
  userId: string,
  productIds: string[],
) =>
  source.envelope('orders', type, {
    orderId,
    userId,
    lines: productIds.map((productId) => ({ productId, quantity: 1 })),
  });

async function deliver(...envelopes: EventEnvelope[]): Promise<void> {
  await source.publish(...envelopes);
  const ids = envelopes.map((envelope) => envelope.id);
  await eventually(async () => {
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from inbox where event_id = any(${ids}::uuid[])`;
    return row?.count === ids.length;
  }, `reviews to handle ${ids.length} event(s)`);
}

async function review(userIndex: number, productId: string): Promise<string> {
  const result = await service.execute<{ addReview: { id: string; verifiedPurchase: boolean } }>(
    `mutation ($input: AddReviewInput!) { addReview(input: $input) { id verifiedPurchase } }`,
    { input: { productId, rating: 5, body: 'Lovely thing, works well.' } },
    shopper(userIndex),
  );
  expect(result.errors).toBeUndefined();
  return result.data?.addReview.id ?? '';
}

async function verified(reviewId: string): Promise<boolean | undefined> {
  const result = await service.execute<{ review: { verifiedPurchase: boolean } | null }>(
    `query ($id: ID!) { review(id: $id) { verifiedPurchase } }`,
    { id: reviewId },
  );
  expect(result.errors).toBeUndefined();
  return result.data?.review?.verifiedPurchase;
}

describe.skipIf(withoutNats())('Review.verifiedPurchase', () => {
  it('is false until the author has a confirmed order of the product, and false again once it is cancelled', async () => {
    const productId = newId();
    const other = newId();
    const orderId = newId();
    const reviewId = await review(1, productId);
    expect(await verified(reviewId)).toBe(false);

    await deliver(orderEvent('order.confirmed', orderId, seedIds.user(1), [other, productId]));
    expect(await verified(reviewId)).toBe(true);
    // Someone else's purchase of the product verifies nobody else's review.
    const bystander = await review(2, productId);
    expect(await verified(bystander)).toBe(false);

    await deliver(orderEvent('order.cancelled', orderId, seedIds.user(1), [other, productId]));
    expect(await verified(reviewId)).toBe(false);
  });

  it('stays true while another confirmed order of the product is not cancelled', async () => {
    const productId = newId();
    const [first, second] = [newId(), newId()];
    const reviewId = await review(3, productId);
    await deliver(
      orderEvent('order.confirmed', first, seedIds.user(3), [productId]),
      orderEvent('order.confirmed', second, seedIds.user(3), [productId]),
    );
    await deliver(orderEvent('order.cancelled', first, seedIds.user(3), [productId]));
    expect(await verified(reviewId)).toBe(true);
  });

  it('is the same after duplicate events: the same event delivered again, or the same order confirmed twice', async () => {
    const productId = newId();
    const orderId = newId();
    const reviewId = await review(4, productId);
    const confirmed = orderEvent('order.confirmed', orderId, seedIds.user(4), [productId]);
    await deliver(confirmed);
    expect(
      await deliverDirectly({ consumer: 'reviews', db: service.database.db, handlers: consumes })(confirmed),
    ).toBe('ack');
    await deliver(orderEvent('order.confirmed', orderId, seedIds.user(4), [productId]));
    expect(await verified(reviewId)).toBe(true);
    const [row] = await service.database.sql<{ count: number }[]>`
      select count(*)::int as count from purchases where order_id = ${orderId}`;
    expect(row?.count).toBe(1);

    const cancelled = orderEvent('order.cancelled', orderId, seedIds.user(4), [productId]);
    await deliver(cancelled);
    expect(
      await deliverDirectly({ consumer: 'reviews', db: service.database.db, handlers: consumes })(cancelled),
    ).toBe('ack');
    await deliver(orderEvent('order.cancelled', orderId, seedIds.user(4), [productId]));
    expect(await verified(reviewId)).toBe(false);
  });

  it('stays false when the cancellation overtakes the confirmation on the bus', async () => {
    const productId = newId();
    const orderId = newId();
    const reviewId = await review(5, productId);
    await deliver(orderEvent('order.cancelled', orderId, seedIds.user(5), [productId]));
    await deliver(orderEvent('order.confirmed', orderId, seedIds.user(5), [productId]));
    expect(await verified(reviewId)).toBe(false);
  });

  it('is answered for a whole page of reviews in one statement', async () => {
    const productId = newId();
    for (const userIndex of [6, 7, 8, 9]) await review(userIndex, productId);
    for (const userIndex of [6, 8])
      await deliver(orderEvent('order.confirmed', newId(), seedIds.user(userIndex), [productId]));
    const page = () =>
      service.execute<{
        _entities: {
          reviews: { edges: { node: { author: { id: string }; verifiedPurchase: boolean } }[] };
        }[];
      }>(
        `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Product { reviews(first: 10) { edges { node { author { id } verifiedPurchase } } } } } }`,
        { representations: [{ __typename: 'Product', id: productId }] },
      );
    // Once unmeasured: a connection the pool opens costs a statement of its own (postgres.js reads the types).
    await page();
    const before = await service.queryCount();
    const result = await page();
    // The page of reviews, then one statement for every review's verifiedPurchase.
    expect((await service.queryCount()) - before).toBe(2);
    const byAuthor = new Map(
      result.data?._entities[0]?.reviews.edges.map(({ node }) => [node.author.id, node.verifiedPurchase]),
    );
    expect(byAuthor).toEqual(
      new Map([
        [seedIds.user(6), true],
        [seedIds.user(7), false],
        [seedIds.user(8), true],
        [seedIds.user(9), false],
      ]),
    );
  });
});
