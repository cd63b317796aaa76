import { defineEvent, eventNamed } from '@shop/platform/events';
import { ProductCreatedSchema, ProductUpdatedSchema } from '@shop/platform/events/contracts/products';
import { z } from 'zod';

/**
 * What the catalog tells other services (see the saga contract): a product's full state after
 * each change, so a consumer needs no earlier event to build its row. `changedAt` is the row's
 * `updatedAt`, strictly increasing per product: consumers keep a change only if it is newer
 * than the one they hold, since the bus does not keep events in order.
 */
const productState = z.object({
  id: z.uuid(),
  sku: z.string().min(1),
  name: z.string().min(1),
  price: z.object({ amount: z.number().int().min(0), currency: z.string().length(3) }),
  weightGrams: z.number().int().min(0),
  changedAt: z.iso.datetime({ offset: true }),
});

export type ProductState = z.infer<typeof productState>;

export const productCreated = defineEvent({
  ...eventNamed(ProductCreatedSchema),
  payload: productState,
});

export const productUpdated = defineEvent({
  ...eventNamed(ProductUpdatedSchema),
  payload: productState,
});

export const publishes = [productCreated, productUpdated];
