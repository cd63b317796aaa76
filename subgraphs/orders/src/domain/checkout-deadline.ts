import { type BackgroundLoop, runUntilStopped, WakeUp } from '@shop/platform/events';
import type { Logger } from '@shop/platform/logger';
import { and, asc, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { orders, waitingStateList } from '../db/schema';
import { applyTransition } from './checkout-saga';

/**
 * The checkout deadline (docs/checkout-and-events.md): an order still waiting for inventory or
 * payments `deadlineSeconds` after it was placed is rejected as TIMED_OUT, which publishes
 * order.rejected so inventory releases its units and payments refunds a charge. Every replica
 * sweeps; the row locks and the saga's conditional update let exactly one of them (or the late
 * reply that beats them) move each order.
 */

/** Orders rejected per transaction: a backlog after an outage goes in short steps. */
const SWEEP_BATCH = 100;

/** How often a replica looks: a quarter of the deadline, between 250 ms and 30 s. */
export function sweepIntervalMs(deadlineSeconds: number): number {
  return Math.min(30_000, Math.max(250, (deadlineSeconds * 1000) / 4));
}

/**
 * The sweep's query: up to `SWEEP_BATCH` orders still waiting `deadlineSeconds` after they were
 * placed, oldest first, locked; `SKIP LOCKED` leaves a row another replica's sweep or a reply's
 * handler holds to them. The partial index of waiting orders answers it.
 */
export function overdueOrders(db: Db, deadlineSeconds: number) {
  return db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        sql`${orders.state} in (${waitingStateList})`,
        lt(orders.createdAt, sql`now() - ${deadlineSeconds}::float8 * interval '1 second'`),
      ),
    )
    .orderBy(asc(orders.createdAt))
    .limit(SWEEP_BATCH)
    .for('update', { skipLocked: true });
}

/** Rejects a batch of overdue orders in one transaction; returns how many. */
export async function rejectOverdueOrders(db: Db, deadlineSeconds: number): Promise<number> {
  return db.transaction(async (tx) => {
    let rejected = 0;
    for (const { id } of await overdueOrders(tx, deadlineSeconds))
      if ((await applyTransition(tx, id, 'deadline', {})).outcome === 'applied') rejected += 1;
    return rejected;
  });
}

/** Sweeps until stopped: at once, then every `sweepIntervalMs`, as long as a batch comes back full. */
export function startCheckoutDeadline(options: {
  db: Db;
  deadlineSeconds: number;
  logger: Logger;
}): BackgroundLoop {
  const { db, deadlineSeconds, logger } = options;
  const wakeUp = new WakeUp();
  return runUntilStopped(wakeUp, async (stopping) => {
    try {
      for (let full = true; full && !stopping(); ) {
        const rejected = await rejectOverdueOrders(db, deadlineSeconds);
        if (rejected > 0)
          logger.warn(
            { rejected, deadlineSeconds },
            `rejected ${rejected} order(s) whose checkout outlasted its deadline (TIMED_OUT)`,
          );
        full = rejected === SWEEP_BATCH;
      }
    } catch (error) {
      logger.warn(
        { err: error },
        'could not sweep overdue checkouts (is the database reachable?); trying later',
      );
    }
    if (!stopping()) await wakeUp.pause(sweepIntervalMs(deadlineSeconds));
  });
}
