import { seedIds } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../src/db/database';
import { estimateShipping } from '../src/domain/shipping';
import type { Context } from '../src/subgraph';
import { inventorySubgraph } from '../src/subgraph';

describe('the shipping estimate rule', () => {
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  it.each([
    // price, product grams, packaging grams, expected amount
    [4999, 100, 60, 499], // under the threshold, light parcel
    [4999, 440, 60, 499], // exactly 500 g with its packaging
    [4999, 441, 60, 799], // one gram over the first band
    [1000, 1800, 200, 799],
    [1000, 9500, 400, 1299],
    [1000, 25_000, 400, 2499],
    [5000, 5_000, 350, 0], // from 50.00 shipping is free
    [99_900, 29_600, 400, 0], // up to the heaviest band
    [99_900, 30_001, 0, 2599], // heavier: the last band plus 1.00 per started kilogram over it
    [1000, 32_500, 500, 2499 + 3 * 100],
  ])('price %i, %i g + %i g packaging: %i', (price, weight, packaging, expected) => {
    expect(estimateShipping(usd(price), weight, packaging)).toEqual(usd(expected));
  });

  it('answers in the currency of the price', () => {
    expect(estimateShipping({ amount: 100, currency: 'EUR' }, 100, 0)).toEqual({
      amount: 499,
      currency: 'EUR',
    });
  });
});

describe('Product.shippingEstimate through @requires', () => {
  let service: TestSubgraph<Tables, Context>;
  beforeAll(async () => {
    service = await startTestSubgraph(inventorySubgraph);
  });
  afterAll(() => service.stop());

  const ESTIMATE = /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Product { shippingEstimate { amount currency } } }
    }
  `;

  it('is computed from the price, weight and packaging the gateway sends, with no query', async () => {
    const before = await service.queryCount();
    const result = await service.execute(ESTIMATE, {
      representations: [
        {
          __typename: 'Product',
          id: seedIds.product(0),
          price: { amount: 1299, currency: 'USD' },
          weightGrams: 1200,
          packagingGrams: 300,
        },
        {
          __typename: 'Product',
          id: seedIds.product(1),
          price: { amount: 12_900, currency: 'USD' },
          weightGrams: 1200,
          packagingGrams: 300,
        },
      ],
    });
    expect(result).toEqual({
      data: {
        _entities: [
          { shippingEstimate: { amount: 799, currency: 'USD' } },
          { shippingEstimate: { amount: 0, currency: 'USD' } },
        ],
      },
    });
    expect(await service.queryCount()).toBe(before);
  });

  it('fails, without guessing, when the required fields are missing', async () => {
    const result = await service.execute(ESTIMATE, {
      representations: [{ __typename: 'Product', id: seedIds.product(0) }],
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
