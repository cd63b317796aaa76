import { type SeedProduct, seedProducts } from './catalog';
import { type SeedPlan, seedIds } from './plan';
import { createRandom } from './random';

/**
 * The demo's past orders, derived from the plan alone: orders seeds them as CONFIRMED, payments
 * seeds their charges, inventory counts their units as sold and reviews marks their buyers'
 * reviews as verified purchases, each from this one function, so the services agree.
 */
export interface SeedOrder {
  id: string;
  userId: string;
  lines: SeedOrderLine[];
  totalAmount: number;
  currency: string;
  createdAt: Date;
}

export interface SeedOrderLine {
  productId: string;
  /** Index of the product in the plan (for `seedIds.product` and `seedProductSku`). */
  productIndex: number;
  quantity: number;
  unitPriceAmount: number;
}

const ORDERS_EPOCH = Date.UTC(2026, 0, 1);

export function seedOrders(
  plan: Pick<SeedPlan, 'seed' | 'categories' | 'products' | 'users' | 'orders'>,
  products: readonly SeedProduct[] = seedProducts(plan),
): SeedOrder[] {
  if (products.length === 0 || plan.users === 0) return [];
  const random = createRandom(plan.seed, 'orders');
  return Array.from({ length: plan.orders }, (_, index) => {
    // The demo customers (users 0 and 1) get every fourth order each, so they have a history.
    const userIndex = index % 4 < 2 ? index % 4 : random.int(0, plan.users - 1);
    const productIndexes = new Set<number>();
    const lineCount = random.int(1, 3);
    while (productIndexes.size < Math.min(lineCount, products.length)) {
      productIndexes.add(random.int(0, products.length - 1));
    }
    const lines = [...productIndexes].map((productIndex) => {
      const product = products[productIndex] as SeedProduct;
      return {
        productId: product.id,
        productIndex,
        quantity: random.int(1, 3),
        unitPriceAmount: product.priceAmount,
      };
    });
    return {
      id: seedIds.order(index),
      userId: seedIds.user(userIndex),
      lines,
      totalAmount: lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0),
      currency: 'USD',
      // Spread over the past year, newest order last.
      createdAt: new Date(ORDERS_EPOCH - (plan.orders - index) * 5 * 3_600_000),
    };
  });
}
