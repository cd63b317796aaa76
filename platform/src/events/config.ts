import { z } from 'zod';
import { postgresUrlEnv } from '../config';
import { INBOX_RETENTION_DEFAULT_HOURS, INBOX_RETENTION_MIN_HOURS } from './housekeeping';
import type { EventBusOptions } from './runtime';

/** The event bus settings every subgraph reads (part of `subgraphEnv`); defaults fit the embedded mode. */
export const eventsEnv = {
  /** The shared `events` database pg-boss keeps its queues in (the embedded default bus). */
  EVENTS_DATABASE_URL: postgresUrlEnv('postgres://postgres@127.0.0.1:5432/events'),
  /** When set, NATS JetStream is the bus instead of pg-boss. */
  NATS_URL: z
    .string()
    .optional()
    .transform((value) => value?.trim() || undefined)
    .refine((value) => value === undefined || /^((nats|tls):\/\/)?[^\s/]+$/.test(value), {
      message: 'must be a NATS server address such as nats://127.0.0.1:4222',
    }),
  /** Prefix of queue, stream and subject names: several systems (or test runs) can share one bus. */
  EVENTS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "_" and "-"')
    .default('shop'),
  /** Attempts at handling an event before it is dead-lettered. */
  EVENTS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** Delay before the second attempt; doubled for each further one (up to a minute). */
  EVENTS_RETRY_DELAY_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  /** Events one process handles at once. */
  EVENTS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** A handler holding an event longer (or whose process died) loses it to another replica. */
  EVENTS_HANDLER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How long a handled event's inbox row is kept; shorter than the bus may redeliver would break exactly-once. */
  EVENTS_INBOX_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(
      INBOX_RETENTION_MIN_HOURS,
      `must be at least ${INBOX_RETENTION_MIN_HOURS} (14 days): the bus may redeliver an event that long after it was sent`,
    )
    .max(10 * 365 * 24)
    .default(INBOX_RETENTION_DEFAULT_HOURS),
};

export type EventsConfig = z.output<z.ZodObject<typeof eventsEnv>>;

export function eventBusOptions(config: EventsConfig): EventBusOptions {
  return {
    bus: config.NATS_URL
      ? { transport: 'nats', url: config.NATS_URL }
      : { transport: 'pg-boss', databaseUrl: config.EVENTS_DATABASE_URL },
    namespace: config.EVENTS_NAMESPACE,
    retry: {
      maxAttempts: config.EVENTS_MAX_ATTEMPTS,
      baseDelayMs: config.EVENTS_RETRY_DELAY_MS,
      maxDelayMs: 60_000,
    },
    concurrency: config.EVENTS_CONCURRENCY,
    handlerTimeoutSeconds: config.EVENTS_HANDLER_TIMEOUT_SECONDS,
    inboxRetentionHours: config.EVENTS_INBOX_RETENTION_HOURS,
  };
}
