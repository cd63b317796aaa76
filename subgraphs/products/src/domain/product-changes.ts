import { requireScope, Scope } from '@shop/platform/auth';
import { constraintViolation } from '@shop/platform/db';
import { badUserInput, conflict, notFound } from '@shop/platform/errors';
import { publishEvent } from '@shop/platform/events';
import { isUuid, newId } from '@shop/platform/ids';
import type { RequestScope } from '@shop/platform/service';
import { eq, sql } from 'drizzle-orm';
import type { Db, Tables } from '../db/database';
import { categories, type ProductRow, products } from '../db/schema';
import { type ProductState, productCreated, productUpdated } from '../events';
import {
  type CreateProductInput,
  type ProductValues,
  readCreateProductInput,
  readUpdateProductInput,
  type UpdateProductInput,
} from './product-input';

type CatalogRequest = Pick<RequestScope<Tables>, 'db' | 'caller'>;

/**
 * `createProduct`: checks every field, then inserts; a rejected product leaves no row behind.
 * Publishes `product.created` in the same transaction, so the event exists if and only if the product does.
 */
export async function createProduct(
  { db, caller }: CatalogRequest,
  input: CreateProductInput,
): Promise<ProductRow> {
  requireScope(caller, Scope.CATALOG_WRITE, 'add products');
  const values = readCreateProductInput(input);
  try {
    return await db.transaction(async (tx) => {
      await requireCategory(tx, values.categoryId);
      const [row] = await tx
        .insert(products)
        .values({ id: newId(), ...values })
        .returning();
      if (!row) throw new Error('inserting a product returned no row');
      await publishEvent(tx, productCreated, productState(row));
      return row;
    });
  } catch (error) {
    throw clientErrorOf(error, values.sku) ?? error;
  }
}

/** `updateProduct`: changes only the fields given, all or none of them, and publishes `product.updated`. */
export async function updateProduct(
  { db, caller }: CatalogRequest,
  id: string,
  input: UpdateProductInput,
): Promise<ProductRow> {
  requireScope(caller, Scope.CATALOG_WRITE, 'change products');
  if (!isUuid(id)) throw badUserInput('id', 'id is not a product id.');
  const values: ProductValues = readUpdateProductInput(input);
  try {
    return await db.transaction(async (tx) => {
      if (values.categoryId !== undefined) await requireCategory(tx, values.categoryId);
      const [row] = await tx
        .update(products)
        // Strictly later than the change before, even when two land in the same millisecond or a
        // transaction that started earlier commits later: consumers order changes by it (changedAt).
        .set({ ...values, updatedAt: sql`greatest(now(), ${products.updatedAt} + interval '1 millisecond')` })
        .where(eq(products.id, id))
        .returning();
      if (!row) throw notFound('Product');
      await publishEvent(tx, productUpdated, productState(row));
      return row;
    });
  } catch (error) {
    throw clientErrorOf(error) ?? error;
  }
}

/** The payload of both product events: the product's full state after the change. */
function productState(row: ProductRow): ProductState {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price: { amount: row.priceAmount, currency: row.priceCurrency },
    weightGrams: row.weightGrams,
    changedAt: row.updatedAt.toISOString(),
  };
}

async function requireCategory(db: Db, categoryId: string): Promise<void> {
  const [category] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(eq(categories.id, categoryId));
  if (!category) throw badUserInput('input.categoryId', 'input.categoryId is not a known category.');
}

/** What a client should hear when the database refused the write (a race the checks could not see). */
function clientErrorOf(error: unknown, sku?: string) {
  const violation = constraintViolation(error);
  if (violation?.constraint === 'products_sku_unique')
    return conflict(`A product with SKU ${sku ?? ''} already exists.`, { field: 'input.sku' });
  if (violation?.kind === 'foreign-key')
    return badUserInput('input.categoryId', 'input.categoryId is not a known category.');
  return null;
}
