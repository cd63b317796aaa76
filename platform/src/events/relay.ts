import type { Sql } from 'postgres';
import type { Logger } from '../logger';
import type { EventMetrics } from '../metrics';
import type { EventEnvelope } from './envelope';
import { OUTBOX_CHANNEL } from './publish';
import { backoffDelayMs, type RetryPolicy } from './retry-policy';
import type { EventTransport, PublishResult } from './transport';
import { runUntilStopped, WakeUp } from './wake-up';

export interface RelayOptions {
  /** The producing service: only its own events are published (from its own stream). */
  producer: string;
  /** A connection pool to the producer's database (the relay's own: its statements are not request work). */
  sql: Sql;
  transport: EventTransport;
  /**
   * Backoff between attempts to publish one event while the bus refuses it. Short by default
   * (0.5 s doubling to 5 s): a failed publish almost always means the bus is away, and once it
   * is back the backlog should go out within seconds.
   */
  retry?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  metrics: EventMetrics;
  logger: Logger;
  /** Rows claimed per transaction. */
  batchSize?: number;
  /** Slow poll in case a notification was missed (the relay was reconnecting); also the stats refresh. */
  pollIntervalMs?: number;
}

export interface OutboxRelay {
  /** Finishes the batch in hand, then stops. Rows it had not marked sent are published by the next relay. */
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  producer: string;
  type: string;
  version: number;
  /** JSON: the payload of a row written before Protobuf (then payload_protobuf is null). */
  payload: unknown;
  payload_protobuf: Uint8Array | null;
  trace_context: Record<string, string>;
  occurred_at: string;
  attempts: number;
}

/**
 * Publishes the outbox. Each round claims due rows with `FOR UPDATE SKIP LOCKED` in one
 * transaction, publishes them and marks them sent (or schedules the next attempt) before it
 * commits: replicas never claim the same row, and rows claimed by a relay that dies are
 * unlocked by Postgres and published by the next round (the bus drops the duplicate by event
 * id). It sleeps until a commit notifies `shop_outbox`, the next retry is due, or the slow poll.
 */
export async function startOutboxRelay(options: RelayOptions): Promise<OutboxRelay> {
  const { sql, transport, metrics, logger, producer } = options;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const retry = options.retry ?? { baseDelayMs: 500, maxDelayMs: 5000 };

  // Starts notified: rows left by an earlier run are published at once.
  const wakeUp = new WakeUp({ notified: true });
  const listener = await sql.listen(OUTBOX_CHANNEL, wakeUp.notify, wakeUp.notify);
  await transport.prepareProducer(producer);

  const publishRound = async (): Promise<number> =>
    sql.begin(async (tx) => {
      // A relay stuck mid-publish gives its rows back instead of holding them forever.
      await tx`set local idle_in_transaction_session_timeout = '60s'`;
      const rows = await tx<ClaimedRow[]>`
        select id, producer, type, version, payload, payload_protobuf, trace_context, attempts,
               -- Formatted here: Drizzle on the same pool turns postgres.js' date parsing off.
               to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
        from outbox
        where sent_at is null and next_attempt_at <= now()
        order by next_attempt_at, id
        limit ${batchSize}
        for update skip locked`;
      if (rows.length === 0) return 0;
      const ours = rows.filter((row) => row.producer === producer);
      const results = new Map<string, PublishResult>();
      for (const row of rows)
        if (row.producer !== producer)
          results.set(row.id, {
            ok: false,
            error: `event written as producer "${row.producer}" in the outbox of "${producer}"`,
          });
      const published = await publishSafely(transport, ours.map(toEnvelope));
      ours.forEach((row, index) => {
        results.set(row.id, published[index] ?? { ok: false, error: 'no result from the transport' });
      });

      const sent: string[] = [];
      const failed: { id: string; error: string; delayMs: number }[] = [];
      for (const row of rows) {
        const result = results.get(row.id);
        if (result?.ok) {
          sent.push(row.id);
          metrics.published.inc({ type: row.type });
        } else {
          const error = result?.error ?? 'not published';
          failed.push({ id: row.id, error, delayMs: backoffDelayMs(retry, row.attempts + 1) });
          metrics.publishFailures.inc({ type: row.type });
        }
      }
      if (sent.length > 0)
        await tx`update outbox set sent_at = now(), last_error = null where id = any(${sent}::uuid[])`;
      if (failed.length > 0) {
        logger.warn(
          { failed: failed.length, error: failed[0]?.error },
          `could not publish ${failed.length} event(s) to ${transport.kind}; retrying with backoff`,
        );
        await tx`
          update outbox set
            attempts = attempts + 1,
            last_error = f.error,
            next_attempt_at = now() + f.delay_ms * interval '1 millisecond'
          from (
            select * from unnest(${failed.map((f) => f.id)}::uuid[], ${failed.map((f) => f.error)}::text[],
                                 ${failed.map((f) => f.delayMs)}::int[]) as t(id, error, delay_ms)
          ) as f
          where outbox.id = f.id`;
      }
      return rows.length;
    });

  /** Refreshes the backlog gauges; returns how long until the earliest unsent row is due. */
  const refreshStats = async (): Promise<number> => {
    const [stats] = await sql<{ backlog: number; oldest_age_s: number | null; next_due_ms: number | null }[]>`
      select count(*)::int as backlog,
             greatest(0, extract(epoch from now() - min(occurred_at)))::float8 as oldest_age_s,
             greatest(0, extract(epoch from min(next_attempt_at) - now()) * 1000)::int as next_due_ms
      from outbox where sent_at is null`;
    metrics.outboxBacklog.set(stats?.backlog ?? 0);
    metrics.outboxOldestAge.set(stats?.oldest_age_s ?? 0);
    return stats?.next_due_ms ?? pollIntervalMs;
  };

  let failures = 0;
  const loop = runUntilStopped(wakeUp, async (stopping) => {
    try {
      wakeUp.beginRound();
      const claimed = await publishRound();
      failures = 0;
      if (claimed >= batchSize || wakeUp.wasNotified) return;
      const dueInMs = await refreshStats();
      // Rows due but not claimed are another replica's batch in flight: give it a moment.
      const pause = Math.max(dueInMs, claimed === 0 ? 250 : 10);
      if (!wakeUp.wasNotified && !stopping()) await wakeUp.pause(Math.min(pollIntervalMs, pause));
    } catch (error) {
      failures += 1;
      logger.error({ err: error }, 'outbox relay round failed (is the database reachable?); retrying');
      if (!stopping())
        await wakeUp.pause(backoffDelayMs({ baseDelayMs: 200, maxDelayMs: pollIntervalMs }, failures));
    }
  });

  return {
    async stop() {
      await loop.stop();
      await listener.unlisten().catch(() => {});
    },
  };
}

async function publishSafely(
  transport: EventTransport,
  envelopes: readonly EventEnvelope[],
): Promise<PublishResult[]> {
  if (envelopes.length === 0) return [];
  try {
    return await transport.publish(envelopes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return envelopes.map(() => ({ ok: false, error: message }));
  }
}

function toEnvelope(row: ClaimedRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type,
    version: row.version,
    producer: row.producer,
    occurredAt: row.occurred_at,
    traceContext: row.trace_context,
    // The bytes when the row has them; a row written before Protobuf goes out as JSON, as it did then.
    payload: row.payload_protobuf ?? row.payload,
  };
}
