import { createHash } from 'node:crypto';
import { requireCaller } from '@shop/platform/auth';
import { badUserInput, conflict } from '@shop/platform/errors';
import { isUuid, newId } from '@shop/platform/ids';
import type { RequestScope } from '@shop/platform/service';
import type { Tables } from '../db/database';
import { type OrderLineRow, type OrderRow, orderLines, orders } from '../db/schema';
import { findCatalogProducts } from './catalog';
import { INITIAL_STATE, startCheckout } from './checkout-saga';
import { findOrderByIdempotencyKey } from './orders';

type OrderRequest = Pick<RequestScope<Tables>, 'db' | 'caller'>;

export const ORDER_LIMITS = {
  lines: 50,
  quantity: 100,
  paymentTokenLength: 200,
  idempotencyKeyLength: 200,
} as const;

// Totals are GraphQL Ints: 32-bit signed.
const MAX_TOTAL = 2_147_483_647;

export interface PlaceOrderInput {
  lines: readonly { productId: string; quantity: number }[];
  paymentToken: string;
  idempotencyKey: string;
}

/** A checked request: product ids in lower case, and the hash that identifies it under its key. */
interface OrderRequestInput {
  lines: { productId: string; quantity: number }[];
  paymentToken: string;
  idempotencyKey: string;
  hash: string;
}

/** An order placeOrder returns; `lines` is null when it is one placed earlier (its lines load as usual). */
export interface PlacedOrder {
  order: OrderRow;
  lines: OrderLineRow[] | null;
}

/**
 * `placeOrder`: prices the lines from the catalog read model (the order keeps those prices),
 * then writes the order, its lines, its first transition and order.placed in one transaction.
 * The same idempotency key with the same request returns the order it placed, however often
 * and however concurrently it is sent; with a different request it is a CONFLICT.
 */
export async function placeOrder({ db, caller }: OrderRequest, input: PlaceOrderInput): Promise<PlacedOrder> {
  const buyer = requireCaller(caller, 'place an order');
  const request = readPlaceOrderInput(input);
  const earlier = await findOrderByIdempotencyKey(db, buyer.userId, request.idempotencyKey);
  if (earlier) return { order: sameRequest(earlier, request), lines: null };

  const catalog = new Map(
    (
      await findCatalogProducts(
        db,
        request.lines.map((line) => line.productId),
      )
    ).map((product) => [product.productId, product]),
  );
  const priced = request.lines.map((line, index) => {
    const product = catalog.get(line.productId);
    if (!product)
      throw badUserInput(
        `input.lines[${index}].productId`,
        `input.lines[${index}].productId is not a product in the catalog.`,
      );
    return { ...line, index, product };
  });
  const currency = priced[0]?.product.priceCurrency ?? '';
  for (const line of priced)
    if (line.product.priceCurrency !== currency)
      throw badUserInput(
        `input.lines[${line.index}].productId`,
        `input.lines[${line.index}].productId is priced in ${line.product.priceCurrency}, the order's first line in ${currency}: an order is paid in one currency.`,
      );
  const total = priced.reduce((sum, line) => sum + line.quantity * line.product.priceAmount, 0);
  if (total > MAX_TOTAL) throw badUserInput('input.lines', 'The order total is too large for one order.');

  const placed = await db.transaction(async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        id: newId(),
        userId: buyer.userId,
        state: INITIAL_STATE,
        totalAmount: total,
        currency,
        paymentToken: request.paymentToken,
        idempotencyKey: request.idempotencyKey,
        requestHash: request.hash,
      })
      // A concurrent request with the same key got there first: this one waits for it, inserts nothing.
      .onConflictDoNothing({ target: [orders.userId, orders.idempotencyKey] })
      .returning();
    if (!order) return null;
    const lines = await tx
      .insert(orderLines)
      .values(
        priced.map((line) => ({
          orderId: order.id,
          position: line.index,
          productId: line.productId,
          productName: line.product.name,
          quantity: line.quantity,
          unitPriceAmount: line.product.priceAmount,
        })),
      )
      .returning();
    lines.sort((a, b) => a.position - b.position);
    await startCheckout(tx, order, lines, buyer.userId);
    return { order, lines };
  });
  if (placed) return placed;
  const winner = await findOrderByIdempotencyKey(db, buyer.userId, request.idempotencyKey);
  if (!winner) throw new Error('an order with this idempotency key conflicted, then could not be found');
  return { order: sameRequest(winner, request), lines: null };
}

function sameRequest(order: OrderRow, request: OrderRequestInput): OrderRow {
  if (order.requestHash !== request.hash)
    throw conflict(
      'This idempotencyKey was already used for a different order. Use a new key for a new order.',
      { field: 'input.idempotencyKey' },
    );
  return order;
}

/** Checks every field, naming the first one that is wrong (`input.lines[2].quantity`). */
export function readPlaceOrderInput(input: PlaceOrderInput): OrderRequestInput {
  if (input.lines.length < 1 || input.lines.length > ORDER_LIMITS.lines)
    throw badUserInput('input.lines', `input.lines must have 1 to ${ORDER_LIMITS.lines} lines.`);
  const firstLineOf = new Map<string, number>();
  const lines = input.lines.map((line, index) => {
    const field = `input.lines[${index}]`;
    if (!isUuid(line.productId))
      throw badUserInput(`${field}.productId`, `${field}.productId is not a product id.`);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > ORDER_LIMITS.quantity)
      throw badUserInput(
        `${field}.quantity`,
        `${field}.quantity must be a whole number from 1 to ${ORDER_LIMITS.quantity}.`,
      );
    const productId = line.productId.toLowerCase();
    const first = firstLineOf.get(productId);
    if (first !== undefined)
      throw badUserInput(
        `${field}.productId`,
        `${field}.productId is already ordered in input.lines[${first}]: order each product once, with the quantity you want.`,
      );
    firstLineOf.set(productId, index);
    return { productId, quantity: line.quantity };
  });
  if (input.paymentToken.trim() === '' || input.paymentToken.length > ORDER_LIMITS.paymentTokenLength)
    throw badUserInput(
      'input.paymentToken',
      `input.paymentToken must be given, at most ${ORDER_LIMITS.paymentTokenLength} characters.`,
    );
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > ORDER_LIMITS.idempotencyKeyLength)
    throw badUserInput(
      'input.idempotencyKey',
      `input.idempotencyKey must be 1 to ${ORDER_LIMITS.idempotencyKeyLength} characters.`,
    );
  return {
    lines,
    paymentToken: input.paymentToken,
    idempotencyKey: input.idempotencyKey,
    hash: requestHash(lines, input.paymentToken),
  };
}

/** The same order however its lines are listed: sorted by product, with the token that pays for it. */
function requestHash(
  lines: readonly { productId: string; quantity: number }[],
  paymentToken: string,
): string {
  const normalized = lines
    .map((line) => [line.productId, line.quantity] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify({ lines: normalized, paymentToken }))
    .digest('hex');
}
