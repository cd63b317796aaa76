import { badUserInput } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';
import { type Page, type PageArgs, readPageArgs } from '@shop/platform/pagination';
import { z } from 'zod';
import type { ProductRow } from '../db/schema';

export type ProductOrder = 'NEWEST' | 'PRICE_ASC' | 'PRICE_DESC' | 'NAME';

export interface ProductFilter {
  categoryId?: string | null;
  search?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
}

/** A checked filter: the search text split into the words a name must all contain. */
export interface ProductListFilter {
  categoryId?: string | null;
  searchWords: string[];
  minPrice?: number | null;
  maxPrice?: number | null;
}

export const MAX_SEARCH_LENGTH = 100;
const MAX_SEARCH_WORDS = 8;

/** The sort key of the last product a client has seen, kept inside the opaque cursor. */
export type ProductCursor = [number | string, string];

export interface ProductListQuery {
  filter: ProductListFilter;
  order: ProductOrder;
  page: Page<ProductCursor>;
}

const cursorSchemas: Record<ProductOrder, z.ZodType<ProductCursor>> = {
  NEWEST: z.tuple([z.iso.datetime(), z.uuid()]),
  PRICE_ASC: z.tuple([z.number().int(), z.uuid()]),
  PRICE_DESC: z.tuple([z.number().int(), z.uuid()]),
  NAME: z.tuple([z.string(), z.uuid()]),
};

/** The cursor of a product in a list sorted by `order`: its sort key and its id. */
export function productCursor(order: ProductOrder, product: ProductRow): ProductCursor {
  switch (order) {
    case 'NEWEST':
      return [product.createdAt.toISOString(), product.id];
    case 'PRICE_ASC':
    case 'PRICE_DESC':
      return [product.priceAmount, product.id];
    case 'NAME':
      return [product.name, product.id];
  }
}

/** Checks a client's list arguments; every mistake is a BAD_USER_INPUT naming the argument. */
export function readProductListArgs(
  args: PageArgs & { filter?: ProductFilter | null; orderBy?: ProductOrder | null },
): ProductListQuery {
  const order = args.orderBy ?? 'NEWEST';
  const filter = args.filter ?? {};
  if (filter.categoryId != null && !isUuid(filter.categoryId)) {
    throw badUserInput('filter.categoryId', 'filter.categoryId is not a category id.');
  }
  for (const field of ['minPrice', 'maxPrice'] as const) {
    const value = filter[field];
    if (value != null && value < 0)
      throw badUserInput(`filter.${field}`, `filter.${field} must not be negative.`);
  }
  if (filter.minPrice != null && filter.maxPrice != null && filter.minPrice > filter.maxPrice) {
    throw badUserInput('filter.maxPrice', 'filter.maxPrice must not be below filter.minPrice.');
  }
  const { search, ...rest } = filter;
  return {
    filter: { ...rest, searchWords: searchWords(search) },
    order,
    page: readPageArgs(args, cursorSchemas[order]),
  };
}

/** The words of a search; blank text is no search at all (an empty search box). */
function searchWords(search: string | null | undefined): string[] {
  if (search == null) return [];
  if (search.length > MAX_SEARCH_LENGTH)
    throw badUserInput('filter.search', `filter.search must be at most ${MAX_SEARCH_LENGTH} characters.`);
  const words = search
    .trim()
    .split(/\s+/u)
    .filter((word) => word.length > 0);
  if (words.length > MAX_SEARCH_WORDS)
    throw badUserInput('filter.search', `filter.search may have at most ${MAX_SEARCH_WORDS} words.`);
  return words;
}
