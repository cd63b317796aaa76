import postgres from 'postgres';
import { READER_OPTIONS } from './final-states';

/** What the checkout promises, checked in each service's own database once the load is over. */
export interface CheckoutInvariants {
  ordersNotFinal: number;
  /** Confirmed orders without exactly one CHARGED payment, plus CHARGED payments of orders not confirmed. */
  chargeMismatches: number;
  /** Products whose available + reserved + sold is not what setStock put in, or whose sold units differ from the confirmed orders'. */
  stockMismatches: number;
  /** Units reserved for orders that are final (nothing should stay held). */
  unitsStillReserved: number;
}

export const invariantsHold = (result: CheckoutInvariants): boolean =>
  Object.values(result).every((value) => value === 0);

/**
 * The invariants once the system has settled: checked again every half second until they hold or
 * `deadlineMs` (epoch) passes, since the last events (inventory's order.confirmed) land after the
 * last order is final. The last result either way.
 */
export async function settledInvariants(
  databaseUrls: ReadonlyMap<string, string>,
  unitsStocked: number,
  deadlineMs: number,
): Promise<CheckoutInvariants> {
  for (;;) {
    const result = await checkInvariants(databaseUrls, unitsStocked);
    if (invariantsHold(result) || Date.now() >= deadlineMs) return result;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Every order final; one charge per confirmed order and none for the rest; no unit oversold,
 * lost or counted twice: each product's units still add up to what was stocked, and what
 * inventory sold is what orders confirmed.
 */
export async function checkInvariants(
  databaseUrls: ReadonlyMap<string, string>,
  unitsStocked: number,
): Promise<CheckoutInvariants> {
  const open = (service: string) => {
    const url = databaseUrls.get(service);
    if (!url) throw new Error(`no database for ${service}`);
    return postgres(url, READER_OPTIONS);
  };
  const [orders, payments, inventory] = [open('orders'), open('payments'), open('inventory')];
  try {
    const [orderRows, soldByOrders, charges, stock] = await Promise.all([
      orders<{ id: string; state: string }[]>`select id, state from orders`,
      orders<{ product_id: string; units: number }[]>`
        select l.product_id, sum(l.quantity)::int as units from order_lines l
        join orders o on o.id = l.order_id where o.state = 'CONFIRMED' group by l.product_id`,
      payments<{ order_id: string; status: string }[]>`select order_id, status from payments`,
      inventory<{ product_id: string; available: number; reserved: number; sold: number }[]>`
        select product_id, available, reserved, sold from stock`,
    ]);
    const confirmed = new Set(orderRows.filter((row) => row.state === 'CONFIRMED').map((row) => row.id));
    const charged = charges.filter((row) => row.status === 'CHARGED').map((row) => row.order_id);
    const chargedOnce = new Set(charged);
    const sold = new Map(soldByOrders.map((row) => [row.product_id, row.units]));
    return {
      ordersNotFinal: orderRows.filter((row) => !['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(row.state))
        .length,
      chargeMismatches:
        charged.length -
        chargedOnce.size +
        [...confirmed].filter((id) => !chargedOnce.has(id)).length +
        [...chargedOnce].filter((id) => !confirmed.has(id)).length,
      stockMismatches: stock.filter(
        (row) =>
          row.available + row.reserved + row.sold !== unitsStocked ||
          row.sold !== (sold.get(row.product_id) ?? 0),
      ).length,
      unitsStillReserved: stock.reduce((sum, row) => sum + row.reserved, 0),
    };
  } finally {
    await Promise.all([orders.end(), payments.end(), inventory.end()]);
  }
}
