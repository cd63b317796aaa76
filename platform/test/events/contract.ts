import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { handleEvent, publishEvent, type RetryPolicy } from '../../src/events';
import { startOutageProxy } from './fixtures/outage-proxy';
import { effects } from './fixtures/schema';
import {
  createHarness,
  createWidget,
  type Db,
  effectsOf,
  eventually,
  type Harness,
  metricValue,
  sentEnvelope,
  type TransportKind,
  widgetCreated,
  widgetCreatedLoose,
  widgetCreatedV2,
  widgetPainted,
  writeLegacyOutboxRow,
} from './harness';

const CRASHING_RELAY = fileURLToPath(new URL('./fixtures/crashing-relay.ts', import.meta.url));
const STUCK_CONSUMER = fileURLToPath(new URL('./fixtures/stuck-consumer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * What every event transport must do, run once per transport (pg-boss, NATS JetStream) against
 * the real thing: real Postgres databases per service, the real bus.
 */
export function eventTransportContract(kind: TransportKind): void {
  // pg-boss schedules retries in whole seconds; JetStream takes milliseconds.
  const retry: RetryPolicy =
    kind === 'pg-boss'
      ? { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 4000 }
      : { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 2000 };
  let harness: Harness;
  beforeEach(async () => {
    harness = await createHarness(kind, { retry });
  });
  afterEach(async () => {
    await harness.close();
  });

  it('delivers an event once its transaction commits, and never one whose transaction rolled back', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });

    const rolledBack = await createWidget(widgets.db, 'never', { rollback: true });
    const committed = await createWidget(widgets.db, 'kept');
    await eventually(
      async () => (await effectsOf(billing, 'billing')).get(committed) === 1,
      'the committed event',
    );
    const later = await createWidget(widgets.db, 'later');
    await eventually(async () => (await effectsOf(billing, 'billing')).get(later) === 1, 'a later event');

    expect((await effectsOf(billing, 'billing')).has(rolledBack)).toBe(false);
    expect(await widgets.sql`select 1 from outbox where id = ${rolledBack}`).toHaveLength(0);
    const sent = await widgets.sql`select id from outbox where sent_at is not null order by id`;
    expect(sent.map((row) => row.id).sort()).toEqual([committed, later].sort());
  });

  it('hands each event to its handler within milliseconds of the commit', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
    const latencies: number[] = [];
    for (let round = 0; round < 20; round += 1) {
      const id = await createWidget(widgets.db, `w${round}`);
      const committedAt = Date.now();
      const [handledAt] = await eventually(async () => harness.calls.get(`billing:${id}`), `event ${round}`);
      latencies.push((handledAt ?? Number.NaN) - committedAt);
    }
    latencies.sort((a, b) => a - b);
    console.info(
      `${kind}: commit to handler p50 ${latencies[10]} ms, max ${latencies[19]} ms (20 events, one at a time)`,
    );
    expect((await effectsOf(billing, 'billing')).size).toBe(20);
  });

  it('fans an event out to every consuming service', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const shipping = await harness.database('shipping');
    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
    await harness.startService('shipping', shipping, { consumes: [harness.recordEffects('shipping')] });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });

    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, index) => createWidget(widgets.db, `w${index}`)),
    );
    for (const [consumer, database] of [
      ['billing', billing],
      ['shipping', shipping],
    ] as const) {
      const effects = await eventually(async () => {
        const found = await effectsOf(database, consumer);
        return found.size === ids.length ? found : undefined;
      }, `all events at ${consumer}`);
      for (const id of ids) expect(effects.get(id)).toBe(1);
    }
  });

  it('shares the events among replicas of one consumer, each taking effect once', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const replicas = await Promise.all(
      [1, 2].map(() =>
        harness.startService('billing', billing, {
          consumes: [harness.recordEffects('billing', { delayMs: 30 })],
        }),
      ),
    );
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });

    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, index) => createWidget(widgets.db, `w${index}`)),
    );
    const effects = await eventually(async () => {
      const found = await effectsOf(billing, 'billing');
      return found.size === ids.length ? found : undefined;
    }, 'all events handled');
    for (const id of ids) expect(effects.get(id)).toBe(1);
    const handledBy = await Promise.all(
      replicas.map(({ metrics }) => metricValue(metrics, 'events_consumed_total', { outcome: 'handled' })),
    );
    expect(handledBy[0]).toBeGreaterThan(0);
    expect(handledBy[1]).toBeGreaterThan(0);
    expect((handledBy[0] ?? 0) + (handledBy[1] ?? 0)).toBe(40);
  });

  it('runs relays of several replicas at once without publishing any event twice', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
    const ids = await Promise.all(
      Array.from({ length: 60 }, (_, index) => createWidget(widgets.db, `w${index}`)),
    );
    const relays = await Promise.all(
      [1, 2, 3].map(() =>
        harness.startService('widgets', widgets, { publishes: [widgetCreated] }, { relay: { batchSize: 5 } }),
      ),
    );
    const effects = await eventually(async () => {
      const found = await effectsOf(billing, 'billing');
      return found.size === ids.length ? found : undefined;
    }, 'all events handled');
    for (const id of ids) expect(effects.get(id)).toBe(1);
    const published = await Promise.all(
      relays.map(({ metrics }) => metricValue(metrics, 'events_published_total')),
    );
    expect(published.reduce((sum, count) => sum + count, 0)).toBe(60);
  });

  it('takes no second effect when the same event is delivered again', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const consumer = await harness.startService('billing', billing, {
      consumes: [harness.recordEffects('billing')],
    });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
    const id = await createWidget(widgets.db, 'once');
    await eventually(async () => (await effectsOf(billing, 'billing')).get(id) === 1, 'the first delivery');

    const envelope = await sentEnvelope(widgets, id);
    await harness.redeliver('billing', envelope);
    await harness.redeliver('billing', envelope);
    await eventually(
      async () =>
        (await metricValue(consumer.metrics, 'events_consumed_total', { outcome: 'duplicate' })) === 2,
      'both redeliveries',
    );
    expect((await effectsOf(billing, 'billing')).get(id)).toBe(1);
    expect(await billing.sql`select * from inbox where event_id = ${id}`).toHaveLength(1);
  });

  it('reads events written before Protobuf: a JSON outbox row, a JSON envelope on the bus', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
    // An outbox row left by the previous version, relayed by this one as it was written (JSON).
    const fromOutbox = await writeLegacyOutboxRow(widgets, 'from the old outbox');
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
    // A message the previous version's relay put on the bus, still queued when this one started.
    const queued = crypto.randomUUID();
    await harness.redeliver('billing', {
      id: queued,
      type: 'widget.created',
      version: 1,
      producer: 'widgets',
      occurredAt: new Date().toISOString(),
      traceContext: {},
      payload: { id: crypto.randomUUID(), name: 'from the old bus', color: 'red' },
    });
    // And one written by this version, Protobuf all the way.
    const current = await createWidget(widgets.db, 'protobuf');

    await eventually(async () => {
      const effects = await effectsOf(billing, 'billing');
      return [fromOutbox, queued, current].every((id) => effects.get(id) === 1);
    }, 'the three events handled');
    const values = await billing.sql`select event_id, value from effects order by value`;
    expect(Object.fromEntries(values.map((row) => [row.event_id, row.value]))).toEqual({
      [fromOutbox]: 'from the old outbox',
      [queued]: 'from the old bus',
      [current]: 'protobuf',
    });
    const [sent] = await widgets.sql`select payload_protobuf from outbox where id = ${current}`;
    expect(sent?.payload_protobuf).toBeInstanceOf(Uint8Array);
    expect(await billing.sql`select 1 from dead_letters`).toHaveLength(0);
  });

  it('retries a failing handler with growing delays, then dead-letters the event without blocking others', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const consumer = await harness.startService('billing', billing, {
      consumes: [
        harness.recordEffects('billing', {
          failOn: (name, call) => name === 'doomed' || (name === 'flaky' && call <= 2),
        }),
      ],
    });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
    const doomed = await createWidget(widgets.db, 'doomed');
    const flaky = await createWidget(widgets.db, 'flaky');
    const fine = await createWidget(widgets.db, 'fine');

    await eventually(async () => (await effectsOf(billing, 'billing')).get(fine) === 1, 'the healthy event');
    const [dead] = await eventually(
      async () => {
        const rows = await billing.sql`select * from dead_letters where event_id = ${doomed}`;
        return rows.length > 0 ? rows : undefined;
      },
      'the dead letter',
      30_000,
    );
    expect(dead).toMatchObject({
      consumer: 'billing',
      reason: 'handler_failed',
      attempts: retry.maxAttempts,
    });
    expect(dead?.detail).toContain('refusing doomed');
    // The bytes that travelled, and the payload decoded for whoever reads the table.
    expect(dead?.envelope).toMatchObject({
      id: doomed,
      type: 'widget.created',
      payload: { name: 'doomed' },
      payloadProtobuf: expect.any(String),
    });

    const calls = harness.calls.get(`billing:${doomed}`) ?? [];
    expect(calls).toHaveLength(retry.maxAttempts);
    const gaps = calls.slice(1).map((at, index) => at - (calls[index] ?? at));
    // Each wait is at least half the doubled delay (the other half is jitter).
    gaps.forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual((retry.baseDelayMs * 2 ** index) / 2);
    });

    await eventually(async () => (await effectsOf(billing, 'billing')).get(flaky) === 1, 'the flaky event');
    expect(harness.calls.get(`billing:${flaky}`)).toHaveLength(3);
    expect(await billing.sql`select 1 from dead_letters where event_id = ${flaky}`).toHaveLength(0);
    expect((await effectsOf(billing, 'billing')).has(doomed)).toBe(false);
    expect(
      await metricValue(consumer.metrics, 'events_dead_letters_total', { reason: 'handler_failed' }),
    ).toBe(1);
    expect(await metricValue(consumer.metrics, 'events_handler_failures_total')).toBe(retry.maxAttempts + 2);
  });

  it('dead-letters unknown versions, invalid payloads and unreadable messages at once', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const consumer = await harness.startService('billing', billing, {
      consumes: [harness.recordEffects('billing')],
    });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });

    const newer = await createWidget(widgets.db, 'from the future', { event: widgetCreatedV2 });
    const invalid = await createWidget(widgets.db, '', { event: widgetCreatedLoose });
    await harness.redeliver('billing', { hello: 'not an envelope' });
    const fine = await createWidget(widgets.db, 'fine');

    await eventually(async () => (await effectsOf(billing, 'billing')).get(fine) === 1, 'the valid event');
    const dead = await eventually(async () => {
      const rows = await billing.sql<
        { event_id: string; reason: string; attempts: number; version: number | null }[]
      >`
        select event_id, reason, attempts, version from dead_letters order by reason`;
      return rows.length === 3 ? rows : undefined;
    }, 'three dead letters');
    expect(dead.map((row) => row.reason)).toEqual(['invalid_envelope', 'invalid_payload', 'unknown_version']);
    expect(dead.find((row) => row.reason === 'unknown_version')).toMatchObject({
      event_id: newer,
      version: 2,
    });
    expect(dead.find((row) => row.reason === 'invalid_payload')).toMatchObject({ event_id: invalid });
    for (const row of dead) expect(row.attempts).toBe(1);
    expect(harness.calls.has(`billing:${newer}`)).toBe(false);
    expect(harness.calls.has(`billing:${invalid}`)).toBe(false);
    for (const reason of ['invalid_envelope', 'invalid_payload', 'unknown_version'])
      expect(await metricValue(consumer.metrics, 'events_dead_letters_total', { reason })).toBe(1);
  });

  it('stops sending a consumer the types it no longer handles, without dead letters', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const before = await harness.startService('billing', billing, {
      consumes: [harness.recordEffects('billing')],
    });
    await before.events.stop();
    const painted = handleEvent(widgetPainted, async (tx: Db, payload, envelope) => {
      await tx.insert(effects).values({ eventId: envelope.id, consumer: 'billing', value: payload.color });
    });
    await harness.startService('billing', billing, { consumes: [painted] });
    await harness.startService('widgets', widgets, { publishes: [widgetCreated, widgetPainted] });

    const created = await createWidget(widgets.db, 'unwanted');
    const paint = await widgets.db.transaction((tx) =>
      publishEvent(tx, widgetPainted, { id: crypto.randomUUID(), color: 'red' }),
    );
    await eventually(
      async () => (await effectsOf(billing, 'billing')).get(paint.id) === 1,
      'the painted event',
    );
    await eventually(
      async () => (await widgets.sql`select 1 from outbox where sent_at is null`).length === 0,
      'both events sent',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await effectsOf(billing, 'billing')).has(created)).toBe(false);
    expect(await billing.sql`select * from dead_letters`).toHaveLength(0);
  });

  it('hands an event held by a consumer that died mid-handler to another replica, with one effect', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    const options = { ...harness.options, handlerTimeoutSeconds: 2 };
    const child = spawn(process.execPath, ['--import', 'tsx', STUCK_CONSUMER], {
      cwd: ROOT,
      env: { ...process.env, STUCK_CONSUMER: JSON.stringify({ databaseUrl: billing.url, options }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const output = lines(child.stdout);
    await output.waitFor((line) => line === 'started');
    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
    const id = await createWidget(widgets.db, 'held');
    await output.waitFor((line) => line === `handling ${id}`);

    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] }, options);
    child.kill('SIGKILL');
    await exited;
    await eventually(
      async () => (await effectsOf(billing, 'billing')).get(id) === 1,
      'the event handled again',
      40_000,
    );
    expect(harness.calls.get(`billing:${id}`)).toHaveLength(1);
    expect(await billing.sql`select * from dead_letters`).toHaveLength(0);
  });

  it('publishes later the events a relay had claimed but not marked sent when it was killed', async () => {
    const widgets = await harness.database('widgets');
    const billing = await harness.database('billing');
    await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
    const ids: string[] = [];
    for (let index = 0; index < 10; index += 1) ids.push(await createWidget(widgets.db, `w${index}`));

    const child = spawn(process.execPath, ['--import', 'tsx', CRASHING_RELAY], {
      cwd: ROOT,
      env: {
        ...process.env,
        CRASHING_RELAY: JSON.stringify({ databaseUrl: widgets.url, options: harness.options }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const publishedBeforeCrash: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        for (const match of buffered.matchAll(/published (\S+)\n/g))
          if (match[1] && !publishedBeforeCrash.includes(match[1])) publishedBeforeCrash.push(match[1]);
        // The first batch of 4 is marked sent; 2 of the second batch are out but not marked.
        if (publishedBeforeCrash.length >= 6) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`the relay process exited early: ${buffered}`)));
    });
    await exited;

    const unsent = (await widgets.sql`select id from outbox where sent_at is null`).map((row) => row.id);
    expect(unsent).toHaveLength(6);
    const claimedNotMarked = publishedBeforeCrash.filter((id) => unsent.includes(id));
    expect(claimedNotMarked.length).toBeGreaterThanOrEqual(2);

    await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
    const effects = await eventually(async () => {
      const found = await effectsOf(billing, 'billing');
      return found.size === ids.length ? found : undefined;
    }, 'every event after the crash');
    for (const id of ids) expect(effects.get(id)).toBe(1);
    expect(await widgets.sql`select 1 from outbox where sent_at is null`).toHaveLength(0);
  });

  it('loses nothing while the bus is away: writes go on, events follow once it is back', async () => {
    const target =
      harness.options.bus.transport === 'pg-boss'
        ? new URL(harness.options.bus.databaseUrl)
        : new URL(
            harness.options.bus.url.includes('://')
              ? harness.options.bus.url
              : `nats://${harness.options.bus.url}`,
          );
    const proxy = await startOutageProxy({ host: target.hostname, port: Number(target.port) });
    try {
      const proxied = new URL(target);
      proxied.port = String(proxy.port);
      const bus =
        harness.options.bus.transport === 'pg-boss'
          ? { transport: 'pg-boss' as const, databaseUrl: proxied.toString() }
          : { transport: 'nats' as const, url: proxied.toString() };
      const widgets = await harness.database('widgets');
      const billing = await harness.database('billing');
      await harness.startService(
        'billing',
        billing,
        { consumes: [harness.recordEffects('billing')] },
        { bus },
      );
      const producer = await harness.startService(
        'widgets',
        widgets,
        { publishes: [widgetCreated] },
        { bus },
      );
      const first = await createWidget(widgets.db, 'before');
      await eventually(async () => (await effectsOf(billing, 'billing')).get(first) === 1, 'the first event');

      await proxy.cut();
      await expect(producer.events.ping()).rejects.toThrow();
      const during: string[] = [];
      for (let index = 0; index < 10; index += 1) {
        during.push(await createWidget(widgets.db, `during ${index}`));
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      await eventually(
        async () =>
          (await widgets.sql`select 1 from outbox where sent_at is null and attempts > 0`).length > 0,
        'a failed publish attempt',
      );
      expect(await metricValue(producer.metrics, 'events_publish_failures_total')).toBeGreaterThan(0);
      await eventually(
        async () => (await metricValue(producer.metrics, 'events_outbox_backlog')) > 0,
        'the backlog in metrics',
      );
      expect(await metricValue(producer.metrics, 'events_outbox_oldest_age_seconds')).toBeGreaterThan(0);

      await proxy.restore();
      const effects = await eventually(
        async () => {
          const found = await effectsOf(billing, 'billing');
          return found.size === during.length + 1 ? found : undefined;
        },
        'every event written during the outage',
        60_000,
      );
      for (const id of [first, ...during]) expect(effects.get(id)).toBe(1);
      await producer.events.ping();
      await eventually(
        async () => (await metricValue(producer.metrics, 'events_outbox_backlog')) === 0,
        'an empty backlog in metrics',
      );
    } finally {
      await proxy.close();
    }
  });
}

/** The lines a child process prints, and a way to wait for one. */
function lines(stream: NodeJS.ReadableStream) {
  const seen: string[] = [];
  const waiting = new Set<() => void>();
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    seen.push(...parts);
    for (const wake of waiting) wake();
  });
  return {
    waitFor(match: (line: string) => boolean, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such line within ${timeoutMs} ms: ${seen.join(' | ')}`)),
          timeoutMs,
        );
        const check = () => {
          if (!seen.some(match)) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      });
    },
  };
}
