import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { EventBusOptions } from '@shop/platform/events';
import { testNatsUrl } from './env';
import { createTestDatabase } from './test-database';

export interface TestEventBus {
  options: EventBusOptions;
  /** Drops what the bus kept: the events database, or the namespace's NATS streams. */
  drop(): Promise<void>;
}

/**
 * A private event bus for one test file: pg-boss on a fresh `events` database, or NATS
 * JetStream (NATS_URL, default 127.0.0.1:4222) under a namespace of its own. A NATS server
 * that cannot be reached fails the test with a clear message (tests skip before they get here when NATS is missing outside CI).
 */
export async function createTestEventBus(
  transport: 'pg-boss' | 'nats',
  overrides: Partial<Omit<EventBusOptions, 'bus'>> = {},
): Promise<TestEventBus> {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const base = {
    namespace,
    retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 },
    concurrency: 4,
    ...overrides,
  };
  if (transport === 'pg-boss') {
    const database = await createTestDatabase('events');
    return {
      options: { ...base, bus: { transport: 'pg-boss', databaseUrl: database.url } },
      drop: () => database.drop(),
    };
  }
  const url = testNatsUrl();
  await assertNatsReachable(url);
  return {
    options: { ...base, bus: { transport: 'nats', url } },
    drop: () => deleteNatsStreams(url, `${base.namespace}_`),
  };
}

async function assertNatsReachable(url: string): Promise<void> {
  try {
    const nc = await connect({ servers: url, timeout: 3000, maxReconnectAttempts: 0 });
    await jetstreamManager(nc);
    await nc.close();
  } catch (error) {
    throw new Error(
      `NATS with JetStream is not reachable at ${url} (${(error as Error).message}): the event tests need it. ` +
        'Start one (nats-server -js) or point NATS_URL at one.',
    );
  }
}

/** Deletes the streams (and with them their consumers) whose name starts with `prefix`. */
export async function deleteNatsStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url, timeout: 3000 });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}
