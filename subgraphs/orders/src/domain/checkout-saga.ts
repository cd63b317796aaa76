import { type EventEnvelope, publishEvent } from '@shop/platform/events';
import { newId } from '@shop/platform/ids';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import {
  type OrderLineRow,
  type OrderRow,
  type OrderState,
  orderLines,
  orders,
  orderTransitions,
  WAITING_STATES,
} from '../db/schema';
import {
  type FailureReason,
  orderCancellationRequested,
  orderCancelled,
  orderConfirmed,
  orderPaymentRequested,
  orderPlaced,
  orderRejected,
} from '../published-events';
import { orderChangeNotification } from './order-updates';

/**
 * The checkout saga (docs/checkout-and-events.md), orchestrated here: the order row holds its state, every
 * change of state is a conditional update, a row of order_transitions and a published event, all
 * in the caller's transaction.
 */

/** The state placeOrder leaves an order in; `startCheckout` records it and publishes order.placed. */
export const INITIAL_STATE: OrderState = 'RESERVING_STOCK';

interface Transition {
  /** The state it leaves; several when the same cause moves the order from any of them. */
  from: OrderState | readonly OrderState[];
  to: OrderState;
  /** Set on the order when the transition rejects it. */
  failureReason?: FailureReason;
  /** Writes the event that tells the other services what to do next; reads the lines only if it needs them. */
  publish(tx: Db, order: OrderRow, lines: () => Promise<readonly OrderLineRow[]>): Promise<EventEnvelope>;
}

const moneyOf = (order: OrderRow, amount: number) => ({ amount, currency: order.currency });
const fromStates = (transition: Transition): readonly OrderState[] => [transition.from].flat();
const quantitiesOf = (lines: readonly OrderLineRow[]) =>
  lines.map(({ productId, quantity }) => ({ productId, quantity }));

/** Every move the saga can make after placeOrder, by what triggers it: an event type or a user's mutation. */
export const SAGA_TRANSITIONS = {
  'stock.reserved': {
    from: 'RESERVING_STOCK',
    to: 'CHARGING_PAYMENT',
    publish: (tx, order) =>
      publishEvent(tx, orderPaymentRequested, {
        orderId: order.id,
        userId: order.userId,
        amount: moneyOf(order, order.totalAmount),
        paymentToken: order.paymentToken,
      }),
  },
  // The checkout deadline (checkout-deadline.ts): the saga stops waiting and compensates.
  // Inventory releases what it holds and payments refunds a charge, whenever each hears of it.
  deadline: {
    from: WAITING_STATES,
    to: 'REJECTED',
    failureReason: 'TIMED_OUT',
    publish: async (tx, order, lines) =>
      publishEvent(tx, orderRejected, {
        orderId: order.id,
        userId: order.userId,
        reason: 'TIMED_OUT',
        lines: quantitiesOf(await lines()),
      }),
  },
  'stock.reservation_failed': {
    from: 'RESERVING_STOCK',
    to: 'REJECTED',
    failureReason: 'OUT_OF_STOCK',
    publish: async (tx, order, lines) =>
      publishEvent(tx, orderRejected, {
        orderId: order.id,
        userId: order.userId,
        reason: 'OUT_OF_STOCK',
        lines: quantitiesOf(await lines()),
      }),
  },
  'payment.charged': {
    from: 'CHARGING_PAYMENT',
    to: 'CONFIRMED',
    publish: async (tx, order, lines) =>
      publishEvent(tx, orderConfirmed, {
        orderId: order.id,
        userId: order.userId,
        lines: quantitiesOf(await lines()),
      }),
  },
  'payment.declined': {
    from: 'CHARGING_PAYMENT',
    to: 'REJECTED',
    failureReason: 'PAYMENT_DECLINED',
    // Inventory releases the reserved units when it hears of the rejection.
    publish: async (tx, order, lines) =>
      publishEvent(tx, orderRejected, {
        orderId: order.id,
        userId: order.userId,
        reason: 'PAYMENT_DECLINED',
        lines: quantitiesOf(await lines()),
      }),
  },
  cancelOrder: {
    from: 'CONFIRMED',
    to: 'CANCELLING',
    publish: (tx, order) =>
      publishEvent(tx, orderCancellationRequested, { orderId: order.id, userId: order.userId }),
  },
  'payment.refunded': {
    from: 'CANCELLING',
    to: 'CANCELLED',
    // Inventory restocks the sold units when it hears of the cancellation.
    publish: async (tx, order, lines) =>
      publishEvent(tx, orderCancelled, {
        orderId: order.id,
        userId: order.userId,
        lines: quantitiesOf(await lines()),
      }),
  },
} as const satisfies Record<string, Transition>;

export type SagaTrigger = keyof typeof SAGA_TRANSITIONS;

/** The triggers that are another service's event (the rest are a mutation or the deadline). */
export type EventTrigger = Exclude<SagaTrigger, 'cancelOrder' | 'deadline'>;

const NEXT_STATES = new Map<OrderState, OrderState[]>();
for (const transition of Object.values(SAGA_TRANSITIONS) as Transition[])
  for (const from of fromStates(transition))
    NEXT_STATES.set(from, [...(NEXT_STATES.get(from) ?? []), transition.to]);

/** Whether the saga can get from `from` to `to` in one or more steps. */
export function canReach(from: OrderState, to: OrderState): boolean {
  const seen = new Set<OrderState>();
  const pending = [...(NEXT_STATES.get(from) ?? [])];
  for (let state = pending.pop(); state !== undefined; state = pending.pop()) {
    if (state === to) return true;
    if (seen.has(state)) continue;
    seen.add(state);
    pending.push(...(NEXT_STATES.get(state) ?? []));
  }
  return false;
}

/** What caused a transition: an event (by id), a user's mutation (by who asked), or neither (the deadline). */
export interface TransitionCause {
  eventId?: string;
  actorUserId?: string;
}

/**
 * - `applied`: the order moved, its transition is recorded and the next event written.
 * - `already-past`: the order has left the transition's `from` state for a later one: a stale or
 *   repeated cause, nothing to do.
 * - `not-yet`: the order has not reached `from` yet: the cause came early.
 * - `never`: the order is in a state `from` cannot follow nor lead to (cancelling a rejected order).
 * - `missing`: no such order (yet).
 */
export type TransitionResult =
  | { outcome: 'applied' | 'already-past' | 'not-yet' | 'never'; order: OrderRow }
  | { outcome: 'missing' };

/**
 * Applies one transition of the table, inside the caller's transaction. The update is
 * conditional on the order still being in `from`, so two causes racing for the same order
 * (a duplicate event, two cancelOrder calls, a reply and the deadline, two replicas' deadlines)
 * move it once: the second finds it already past.
 */
export async function applyTransition(
  tx: Db,
  orderId: string,
  trigger: SagaTrigger,
  cause: TransitionCause,
): Promise<TransitionResult> {
  const transition: Transition = SAGA_TRANSITIONS[trigger];
  const from = await stateToLeave(tx, orderId, transition);
  const [moved] = from
    ? await tx
        .update(orders)
        .set({
          state: transition.to,
          ...(transition.failureReason ? { failureReason: transition.failureReason } : {}),
          updatedAt: sql`now()`,
        })
        .where(and(eq(orders.id, orderId), eq(orders.state, from)))
        .returning()
    : [];
  if (from && moved) {
    const lines = () =>
      tx.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.position));
    const published = await transition.publish(tx, moved, lines);
    await recordTransition(tx, {
      order: moved,
      fromState: from,
      toState: transition.to,
      trigger,
      cause,
      publishedEventId: published.id,
    });
    return { outcome: 'applied', order: moved };
  }
  const [current] = await tx.select().from(orders).where(eq(orders.id, orderId));
  if (!current) return { outcome: 'missing' };
  const sources = fromStates(transition);
  if (sources.some((source) => canReach(source, current.state)))
    return { outcome: 'already-past', order: current };
  if (sources.some((source) => canReach(current.state, source)))
    return { outcome: 'not-yet', order: current };
  return { outcome: 'never', order: current };
}

/**
 * The state a transition would move the order from: its one `from`, or, for a transition from
 * several, the order's current state if it is one of them, read under a row lock so the
 * conditional update that follows cannot miss.
 */
async function stateToLeave(tx: Db, orderId: string, transition: Transition): Promise<OrderState | null> {
  if (typeof transition.from === 'string') return transition.from;
  const sources = transition.from;
  const [current] = await tx
    .select({ state: orders.state })
    .from(orders)
    .where(eq(orders.id, orderId))
    .for('update');
  return current && sources.includes(current.state) ? current.state : null;
}

/**
 * The saga's first step, for an order placeOrder has just inserted in `INITIAL_STATE` within
 * `tx`: records it and publishes order.placed, which sends inventory reserving.
 */
export async function startCheckout(
  tx: Db,
  order: OrderRow,
  lines: readonly OrderLineRow[],
  actorUserId: string,
): Promise<void> {
  const published = await publishEvent(tx, orderPlaced, {
    orderId: order.id,
    userId: order.userId,
    lines: lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: moneyOf(order, line.unitPriceAmount),
    })),
    total: moneyOf(order, order.totalAmount),
  });
  await recordTransition(tx, {
    order,
    fromState: null,
    toState: order.state,
    trigger: 'placeOrder',
    cause: { actorUserId },
    publishedEventId: published.id,
  });
}

async function recordTransition(
  tx: Db,
  row: {
    order: Pick<OrderRow, 'id' | 'userId'>;
    fromState: OrderState | null;
    toState: OrderState;
    trigger: string;
    cause: TransitionCause;
    publishedEventId: string;
  },
): Promise<void> {
  // One round trip: the transition's row, and the announcement of the change (sent at commit).
  const recorded = tx.$with('recorded').as(
    tx
      .insert(orderTransitions)
      .values({
        id: newId(),
        orderId: row.order.id,
        fromState: row.fromState,
        toState: row.toState,
        trigger: row.trigger,
        triggerEventId: row.cause.eventId ?? null,
        actorUserId: row.cause.actorUserId ?? null,
        publishedEventId: row.publishedEventId,
      })
      .returning({ orderId: orderTransitions.orderId }),
  );
  await tx
    .with(recorded)
    .select({ notified: orderChangeNotification(recorded.orderId, row.order.userId) })
    .from(recorded);
}

/**
 * An event of the saga from inventory or payments, in the consumer's transaction. A stale or
 * repeated one changes nothing; one that came early, or for an order not visible yet, throws so
 * the bus retries it; one the order can never follow throws too, and ends as a dead letter for
 * someone to look at once the retries run out.
 */
export async function advanceCheckout(
  tx: Db,
  trigger: EventTrigger,
  orderId: string,
  envelope: Pick<EventEnvelope, 'id' | 'type'>,
): Promise<void> {
  const result = await applyTransition(tx, orderId, trigger, { eventId: envelope.id });
  switch (result.outcome) {
    case 'applied':
    case 'already-past':
      return;
    case 'missing':
      throw new Error(`order ${orderId} does not exist (yet); ${envelope.type} will be retried`);
    case 'not-yet':
      throw new Error(
        `order ${orderId} is ${result.order.state}, not yet ${SAGA_TRANSITIONS[trigger].from}; ${envelope.type} will be retried`,
      );
    case 'never':
      throw new Error(`order ${orderId} is ${result.order.state}: ${envelope.type} cannot apply to it`);
    default: {
      const unexpected: never = result;
      throw new Error(`unexpected transition result ${JSON.stringify(unexpected)}`);
    }
  }
}
