import { badUserInput } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';

/** The catalog is priced in one currency; a price in another is a mistake, not a conversion. */
export const CATALOG_CURRENCY = 'USD';
export const MAX_PRICE_AMOUNT = 100_000_000;
export const MAX_WEIGHT_GRAMS = 1_000_000;
const SKU = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;
const NAME_LENGTH = { min: 2, max: 120 };
const DESCRIPTION_LENGTH = { min: 1, max: 5000 };
// Control characters (newlines, tabs, NUL) have no place in a one-line name.
const CONTROL_CHARACTER = /\p{Cc}/u;

export interface MoneyInput {
  amount: number;
  currency: string;
}

/** What a product's row gets from a create or update input, every value checked. */
export interface ProductValues {
  name?: string;
  description?: string;
  priceAmount?: number;
  priceCurrency?: string;
  weightGrams?: number;
  categoryId?: string;
}

export interface CreateProductInput {
  sku: string;
  name: string;
  description: string;
  price: MoneyInput;
  weightGrams: number;
  categoryId: string;
}

export interface UpdateProductInput {
  name?: string | null;
  description?: string | null;
  price?: MoneyInput | null;
  weightGrams?: number | null;
  categoryId?: string | null;
}

export function readCreateProductInput(input: CreateProductInput): Required<ProductValues> & { sku: string } {
  const sku = input.sku.trim();
  if (sku.length < 3 || sku.length > 32 || !SKU.test(sku)) {
    throw badUserInput(
      'input.sku',
      'input.sku must be 3 to 32 upper-case letters, digits and single dashes, such as KIT-000123.',
    );
  }
  return {
    sku,
    name: readName(input.name),
    description: readDescription(input.description),
    ...readPrice(input.price),
    weightGrams: readWeight(input.weightGrams),
    categoryId: readCategoryId(input.categoryId),
  };
}

/** Only the fields given change; an explicit null is a mistake (leave the field out to keep it). */
export function readUpdateProductInput(input: UpdateProductInput): ProductValues {
  const given = Object.entries(input).filter(([, value]) => value !== undefined);
  if (given.length === 0) throw badUserInput('input', 'input must change at least one field.');
  for (const [field, value] of given) {
    if (value === null)
      throw badUserInput(
        `input.${field}`,
        `input.${field} cannot be null; leave it out to keep it as it is.`,
      );
  }
  return {
    ...(input.name != null ? { name: readName(input.name) } : {}),
    ...(input.description != null ? { description: readDescription(input.description) } : {}),
    ...(input.price != null ? readPrice(input.price) : {}),
    ...(input.weightGrams != null ? { weightGrams: readWeight(input.weightGrams) } : {}),
    ...(input.categoryId != null ? { categoryId: readCategoryId(input.categoryId) } : {}),
  };
}

function readName(value: string): string {
  const name = value.trim();
  const length = [...name].length;
  if (length < NAME_LENGTH.min || length > NAME_LENGTH.max)
    throw badUserInput(
      'input.name',
      `input.name must be ${NAME_LENGTH.min} to ${NAME_LENGTH.max} characters.`,
    );
  if (CONTROL_CHARACTER.test(name))
    throw badUserInput('input.name', 'input.name must be a single line of text.');
  return name;
}

function readDescription(value: string): string {
  const description = value.trim();
  const length = [...description].length;
  if (length < DESCRIPTION_LENGTH.min || length > DESCRIPTION_LENGTH.max) {
    throw badUserInput(
      'input.description',
      `input.description must be ${DESCRIPTION_LENGTH.min} to ${DESCRIPTION_LENGTH.max.toLocaleString('en')} characters.`,
    );
  }
  return description;
}

function readPrice(price: MoneyInput): { priceAmount: number; priceCurrency: string } {
  if (!Number.isInteger(price.amount) || price.amount < 0 || price.amount > MAX_PRICE_AMOUNT) {
    throw badUserInput(
      'input.price.amount',
      `input.price.amount must be a whole number of cents from 0 to ${MAX_PRICE_AMOUNT}.`,
    );
  }
  if (price.currency !== CATALOG_CURRENCY) {
    throw badUserInput(
      'input.price.currency',
      `input.price.currency must be ${CATALOG_CURRENCY}: the catalog is priced in ${CATALOG_CURRENCY}.`,
    );
  }
  return { priceAmount: price.amount, priceCurrency: price.currency };
}

function readWeight(weightGrams: number): number {
  if (!Number.isInteger(weightGrams) || weightGrams < 0 || weightGrams > MAX_WEIGHT_GRAMS) {
    throw badUserInput(
      'input.weightGrams',
      `input.weightGrams must be a whole number of grams from 0 to ${MAX_WEIGHT_GRAMS}.`,
    );
  }
  return weightGrams;
}

function readCategoryId(categoryId: string): string {
  if (!isUuid(categoryId)) throw badUserInput('input.categoryId', 'input.categoryId is not a category id.');
  return categoryId;
}
