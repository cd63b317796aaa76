import PgBoss from 'pg-boss';
import postgres from 'postgres';
import { redactUrlPassword } from '../config';
import type { Logger } from '../logger';
import { CoalescedWrites } from './coalesced-writes';
import type { EventEnvelope } from './envelope';
import { EXTRA_DELIVERIES, type RetryPolicy } from './retry-policy';
import type {
  Delivery,
  DeliveryOutcome,
  EventSubscription,
  EventTransport,
  RunningConsumer,
} from './transport';
import { runUntilStopped, WakeUp } from './wake-up';
import { fromJobData, toJobData } from './wire';

export interface PgBossTransportOptions {
  /** The `events` database every service of the system shares (its own role, its own tables). */
  url: string;
  /** Prefix of queue and event names, so several systems (or test runs) can share one database. */
  namespace: string;
  retry: RetryPolicy;
  logger: Logger;
  /** How long a handler may hold an event before pg-boss gives it to another replica. */
  handlerTimeoutSeconds: number;
  /** Slow poll for new jobs in case a wake-up notification was missed. */
  pollIntervalMs?: number;
}

// Consumers LISTEN here; the relay notifies the queues it just filled, so delivery takes
// milliseconds instead of a polling interval.
const WAKE_CHANNEL = 'shop_events';

/**
 * The embedded default: pg-boss 10 on a Postgres database. One queue per consuming service
 * (its replicas fetch with SKIP LOCKED, so they share the work), subscribed to the event
 * types it reads; publishing inserts one job per subscribed queue with the event id as the
 * job id, so a second publish of the same event is dropped by the job table's primary key.
 * A queue receives the events published after it first subscribed.
 */
export async function connectPgBossTransport(options: PgBossTransportOptions): Promise<EventTransport> {
  const { logger, namespace, retry } = options;
  const displayUrl = redactUrlPassword(options.url);
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const poolSettings = {
    connectionString: options.url,
    application_name: 'shop-events',
    max: 4,
    schedule: false,
    // Maintenance hands the events of replicas that died back to the queue: soon after their timeout.
    maintenanceIntervalSeconds: 10,
    // pg's own pool settings (pg-boss hands its options to pg.Pool): fail fast while the bus is down.
    connectionTimeoutMillis: 5000,
    query_timeout: 30_000,
  };
  const boss = new PgBoss(poolSettings);
  // pg-boss reports connection trouble as events; without a listener they would crash the process.
  boss.on('error', (error) => logger.warn({ err: error }, 'pg-boss: events database error'));
  await boss.start();
  const db = boss.getDb();
  const wakeups = postgres(options.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  const waiting = new Map<string, Set<() => void>>();
  await wakeups.listen(WAKE_CHANNEL, (queue) => {
    for (const wake of waiting.get(queue) ?? []) wake();
  });

  const eventName = (event: Pick<EventSubscription, 'producer' | 'type'>) =>
    `${namespace}:${event.producer}/${event.type}`;
  const queueName = (consumer: string) => `${namespace}.${consumer}`;

  return {
    kind: 'pg-boss',
    displayUrl,

    async prepareProducer() {},

    async publish(envelopes: readonly EventEnvelope[]) {
      const events = [...new Set(envelopes.map(eventName))];
      // The subscription table directly, not boss.publish(): that one swallows failed sends.
      const { rows } = await db.executeSql(
        'select event, name from pgboss.subscription where event = any($1::text[])',
        [events],
      );
      const queuesOf = new Map<string, string[]>();
      for (const row of rows as { event: string; name: string }[])
        queuesOf.set(row.event, [...(queuesOf.get(row.event) ?? []), row.name]);
      const jobs = envelopes.flatMap((envelope) =>
        (queuesOf.get(eventName(envelope)) ?? []).map((name) => ({
          id: envelope.id,
          name,
          data: toJobData(envelope),
        })),
      );
      if (jobs.length > 0) {
        // One statement: every job of the batch is inserted, or none is.
        await boss.insert(jobs);
        const queues = [...new Set(jobs.map((job) => job.name))];
        await db.executeSql('select pg_notify($1, queue) from unnest($2::text[]) as queue', [
          WAKE_CHANNEL,
          queues,
        ]);
      }
      return envelopes.map(() => ({ ok: true as const }));
    },

    async consume(consumer, subscriptions, deliver, consumeOptions): Promise<RunningConsumer> {
      const queue = queueName(consumer);
      const settings = {
        name: queue,
        // pg-boss counts retries, not attempts; the extra ones leave room for a replica that died mid-handler.
        retryLimit: retry.maxAttempts - 1 + EXTRA_DELIVERIES,
        // Whole seconds, doubled per retry with jitter by pg-boss itself.
        retryDelay: Math.max(1, Math.round(retry.baseDelayMs / 1000)),
        retryBackoff: true,
        expireInSeconds: options.handlerTimeoutSeconds,
      };
      await retryOnDeadlock(async () => {
        await boss.createQueue(queue, settings);
        await boss.updateQueue(queue, settings);
        const wanted = new Set(subscriptions.map(eventName));
        for (const event of wanted) await boss.subscribe(event, queue);
        // Event types this service no longer handles stop coming (instead of being dead-lettered).
        const { rows } = await db.executeSql('select event from pgboss.subscription where name = $1', [
          queue,
        ]);
        for (const { event } of rows as { event: string }[])
          if (!wanted.has(event)) await boss.unsubscribe(event, queue);
      });

      const wakeUp = new WakeUp();
      const wakers = waiting.get(queue) ?? new Set<() => void>();
      waiting.set(queue, wakers);
      wakers.add(wakeUp.notify);

      // Completions of jobs handled at the same time share one statement.
      const completions = new CoalescedWrites<string>((ids) => boss.complete(queue, ids));
      const handle = async (job: PgBoss.JobWithMetadata<unknown>) => {
        const delivery: Delivery = {
          messageId: job.id,
          body: fromJobData(job.data),
          attempt: job.retryCount + 1,
        };
        const outcome: DeliveryOutcome = await deliver(delivery);
        if (outcome === 'ack') await completions.add(job.id);
        else await boss.fail(queue, job.id, { message: 'handler failed; retrying' });
      };

      // A pipeline, not batches: a free slot takes the next job at once instead of waiting for
      // the slowest job of its batch. A job whose completion failed stays active until it
      // expires and comes again (the inbox makes that harmless).
      const inFlight = new Set<Promise<void>>();
      const start = (job: PgBoss.JobWithMetadata<unknown>) => {
        const handled: Promise<void> = handle(job)
          .catch((error: unknown) =>
            logger.error({ err: error, jobId: job.id }, `consumer ${consumer} could not finish a job`),
          )
          .finally(() => inFlight.delete(handled));
        inFlight.add(handled);
      };
      let failures = 0;
      const loop = runUntilStopped(wakeUp, async (stopping) => {
        try {
          const free = consumeOptions.concurrency - inFlight.size;
          if (free <= 0) {
            await Promise.race(inFlight);
            return;
          }
          wakeUp.beginRound();
          const jobs = await boss.fetch<unknown>(queue, { batchSize: free, includeMetadata: true });
          failures = 0;
          for (const job of jobs) start(job);
          // Fewer than asked for: the queue is empty until the relay's notification (or the slow poll).
          if (jobs.length < free && !wakeUp.wasNotified && !stopping()) await wakeUp.pause(pollIntervalMs);
        } catch (error) {
          failures += 1;
          logger.error({ err: error }, `consumer ${consumer} cannot reach the events database; retrying`);
          if (!stopping()) await wakeUp.pause(Math.min(pollIntervalMs, 200 * 2 ** failures));
        }
      });
      return {
        async stop() {
          await loop.stop();
          await Promise.all(inFlight);
          wakers.delete(wakeUp.notify);
        },
      };
    },

    async redeliver(consumer, envelope) {
      const queue = queueName(consumer);
      if (!(await boss.getQueue(queue)))
        throw new Error(`there is no queue ${queue} on this bus: ${consumer} has never consumed events here`);
      // A fresh job id: the first delivery's job keeps the event id (done, then archived) and would swallow it.
      // The queue's retry settings apply, as to any job of the queue.
      await boss.insert([{ name: queue, data: toJobData(envelope) }]);
      await db.executeSql('select pg_notify($1, $2)', [WAKE_CHANNEL, queue]);
    },

    async ping() {
      await db.executeSql('select 1', []);
    },

    async close() {
      await wakeups.end({ timeout: 5 });
      await boss.stop({ graceful: false, close: true, wait: true, timeout: 5000 });
    },
  };
}

/** Replicas starting together create the same queue at once; pg-boss' DDL can deadlock then, and the retry finds it made. */
async function retryOnDeadlock(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await work();
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '23505')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}
