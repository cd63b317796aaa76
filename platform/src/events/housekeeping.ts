import { getTableName } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import type { Logger } from '../logger';
import { inbox, outbox } from './tables';
import { runUntilStopped, WakeUp } from './wake-up';

/** Sent outbox rows are kept a day, to look at (nothing needs them once the bus has the event). */
export const SENT_OUTBOX_RETENTION_MS = 24 * 3600_000;

/**
 * An inbox row must outlive every redelivery of its event, or that redelivery takes effect a
 * second time. The buses deliver an event again only while they still hold it: pg-boss (the
 * embedded default) until 14 days after it was sent (its jobs' default retention, which the
 * transport leaves alone), JetStream while the stream keeps it (7 days, `max_age` in
 * nats-transport.ts); the handler timeout (`ack_wait`/`expireIn`, at most an hour) is small
 * beside either. The row is written after the event was sent, so 14 days is the floor; the
 * default, 30, leaves room for a republish after the bus' dedupe window (2 minutes on JetStream)
 * and for clock skew between the service's database and the bus.
 */
export const INBOX_RETENTION_MIN_HOURS = 14 * 24;
export const INBOX_RETENTION_DEFAULT_HOURS = 30 * 24;

/** Rows of one events table that are kept for a while after a point in time, then deleted. */
export interface PrunedRows {
  /** What they are, for logs: `sent outbox rows`. */
  label: string;
  table: PgTable;
  /** When a row started to age; rows where it is null are never pruned. */
  since: PgColumn;
  /** How long after `since` a row is kept. */
  keepMs: number;
}

/** What a producer prunes. */
export const sentOutboxRows: PrunedRows = {
  label: 'sent outbox rows',
  table: outbox,
  since: outbox.sentAt,
  keepMs: SENT_OUTBOX_RETENTION_MS,
};

/** What a consumer prunes. */
export function handledInboxRows(retentionHours = INBOX_RETENTION_DEFAULT_HOURS): PrunedRows {
  return { label: 'inbox rows', table: inbox, since: inbox.processedAt, keepMs: retentionHours * 3600_000 };
}

export interface PruneOptions {
  /** Rows deleted per statement: each batch is its own short transaction, however big the backlog. */
  batchSize?: number;
  /** Batches per call: a huge backlog goes in steps instead of one long burst of deletes. */
  maxBatches?: number;
  /** Checked between batches, so a stopping service does not wait for the whole backlog. */
  stopping?: () => boolean;
}

/**
 * Deletes rows older than their retention, in batches; returns how many went. Replicas pruning
 * at once take disjoint rows (`SKIP LOCKED`): none waits for another or deadlocks with it.
 */
export async function pruneOldRows(sql: Sql, rows: PrunedRows, options: PruneOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 10_000;
  const maxBatches = options.maxBatches ?? 100;
  const table = sql(getTableName(rows.table));
  const since = sql(rows.since.name);
  let deleted = 0;
  for (let batch = 0; batch < maxBatches && !options.stopping?.(); batch += 1) {
    // ctid: the same statement for every table, whatever its key; the age index finds the rows.
    const result = await sql`
      delete from ${table} where ctid = any(array(
        select ctid from ${table}
        where ${since} < now() - ${rows.keepMs}::float8 * interval '1 millisecond'
        limit ${batchSize}
        for update skip locked))`;
    deleted += result.count;
    if (result.count < batchSize) break;
  }
  return deleted;
}

export interface Housekeeping {
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
}

/** How often a service prunes: rows past their retention may stay this much longer, which is harmless. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Prunes the events tables of a service now and then every 10 minutes until stopped, on the
 * service's events connection pool. Every replica does it; `pruneOldRows` makes that harmless.
 */
export function startHousekeeping(options: {
  sql: Sql;
  pruned: readonly PrunedRows[];
  logger: Logger;
}): Housekeeping {
  const { sql, pruned, logger } = options;
  const wakeUp = new WakeUp();
  return runUntilStopped(wakeUp, async (stopping) => {
    for (const rows of pruned) {
      if (stopping()) break;
      try {
        const deleted = await pruneOldRows(sql, rows, { stopping });
        if (deleted > 0) logger.debug({ deleted }, `pruned ${deleted} ${rows.label}`);
      } catch (error) {
        logger.warn(
          { err: error },
          `could not prune ${rows.label} (is the database reachable?); trying later`,
        );
      }
    }
    if (!stopping()) await wakeUp.pause(PRUNE_EVERY_MS);
  });
}
