import { withoutNats } from '@shop/devkit/testing/services';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config';
import { eventBusOptions } from '../../src/events';
import { handledInboxRows, pruneOldRows } from '../../src/events/housekeeping';
import { inbox } from '../../src/events/tables';
import { subgraphEnv } from '../../src/service';
import {
  createHarness,
  createWidget,
  effectsOf,
  eventually,
  type Harness,
  metricValue,
  type ServiceDatabase,
  sentEnvelope,
  widgetCreated,
} from './harness';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  vi.restoreAllMocks();
});

async function inboxRowsOf(database: ServiceDatabase, ids: string[]): Promise<string[]> {
  const rows = await database.sql<{ event_id: string }[]>`
    select event_id from inbox where event_id = any(${ids}::uuid[]) order by event_id`;
  return rows.map((row) => row.event_id);
}

/** Makes rows look handled (or sent) that many days ago. */
async function age(database: ServiceDatabase, table: 'inbox' | 'outbox', id: string, days: number) {
  if (table === 'inbox')
    await database.sql`update inbox set processed_at = now() - ${days} * interval '1 day' where event_id = ${id}`;
  else await database.sql`update outbox set sent_at = now() - ${days} * interval '1 day' where id = ${id}`;
}

for (const kind of ['pg-boss', 'nats'] as const) {
  it.skipIf(kind === 'nats' && withoutNats())(
    `deletes inbox rows past the retention, keeps the rest, and a redelivery of a kept event stays a no-op (${kind})`,
    async () => {
      harness = await createHarness(kind);
      const widgets = await harness.database('widgets');
      const billing = await harness.database('billing');
      const firstReplica = await harness.startService('billing', billing, {
        consumes: [harness.recordEffects('billing')],
      });
      await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
      const expired = await createWidget(widgets.db, 'handled long ago');
      const kept = await createWidget(widgets.db, 'handled recently');
      await eventually(async () => (await effectsOf(billing, 'billing')).size === 2, 'both events handled');
      // Around the default retention of 30 days.
      await age(billing, 'inbox', expired, 31);
      await age(billing, 'inbox', kept, 29);

      // A replica prunes when it starts (and every 10 minutes after).
      const secondReplica = await harness.startService('billing', billing, {
        consumes: [harness.recordEffects('billing')],
      });
      await eventually(
        async () => !(await inboxRowsOf(billing, [expired])).includes(expired),
        'the expired inbox row deleted',
      );
      expect(await inboxRowsOf(billing, [expired, kept])).toEqual([kept]);

      await harness.redeliver('billing', await sentEnvelope(widgets, kept));
      await eventually(async () => {
        const duplicates = await Promise.all(
          [firstReplica, secondReplica].map(({ metrics }) =>
            metricValue(metrics, 'events_consumed_total', { outcome: 'duplicate' }),
          ),
        );
        return duplicates.reduce((sum, count) => sum + count, 0) === 1;
      }, 'the redelivery taken as a duplicate');
      expect((await effectsOf(billing, 'billing')).get(kept)).toBe(1);
    },
  );
}

it('keeps inbox rows as long as EVENTS_INBOX_RETENTION_HOURS says', async () => {
  harness = await createHarness('pg-boss');
  const widgets = await harness.database('widgets');
  const billing = await harness.database('billing');
  await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
  await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
  const expired = await createWidget(widgets.db, 'a');
  const kept = await createWidget(widgets.db, 'b');
  await eventually(async () => (await effectsOf(billing, 'billing')).size === 2, 'both events handled');
  await age(billing, 'inbox', expired, 60);
  await age(billing, 'inbox', kept, 59);

  await harness.startService(
    'billing',
    billing,
    { consumes: [harness.recordEffects('billing')] },
    { inboxRetentionHours: 60 * 24 - 12 },
  );
  await eventually(
    async () => (await inboxRowsOf(billing, [expired, kept])).length === 1,
    'the expired inbox row deleted',
  );
  expect(await inboxRowsOf(billing, [expired, kept])).toEqual([kept]);
});

it('still deletes sent outbox rows after a day, and never an unsent one', async () => {
  harness = await createHarness('pg-boss');
  const widgets = await harness.database('widgets');
  await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
  const old = await createWidget(widgets.db, 'sent two days ago');
  const recent = await createWidget(widgets.db, 'sent an hour ago');
  await eventually(
    async () => (await widgets.sql`select 1 from outbox where sent_at is null`).length === 0,
    'both sent',
  );
  await age(widgets, 'outbox', old, 2);
  await age(widgets, 'outbox', recent, 1 / 24);
  // An event the bus has refused for days stays until it is sent, however old.
  await widgets.sql`
    insert into outbox (id, producer, type, version, payload, trace_context, occurred_at, next_attempt_at)
    values (${crypto.randomUUID()}, 'widgets', 'widget.created', 1, '{}', '{}',
            now() - interval '3 days', now() + interval '1 day')`;

  await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
  await eventually(
    async () => (await widgets.sql`select 1 from outbox where id = ${old}`).length === 0,
    'the old sent row deleted',
  );
  const left = await widgets.sql<{ id: string; sent: boolean }[]>`
    select id, sent_at is not null as sent from outbox order by sent`;
  expect(left.map((row) => row.sent)).toEqual([false, true]);
  expect(left[1]?.id).toBe(recent);
});

describe('pruning a backlog', () => {
  async function backlog(database: ServiceDatabase, expired: number, recent: number) {
    const row = (daysAgo: number) => ({
      eventId: crypto.randomUUID(),
      consumer: 'billing',
      type: 'widget.created',
      processedAt: new Date(Date.now() - daysAgo * 86_400_000),
    });
    await database.db
      .insert(inbox)
      .values([
        ...Array.from({ length: expired }, () => row(40)),
        ...Array.from({ length: recent }, () => row(1)),
      ]);
  }
  // The default retention: 30 days.
  const handledRows = handledInboxRows();

  it('goes in bounded batches, so no one statement holds a huge backlog', async () => {
    harness = await createHarness('pg-boss');
    const billing = await harness.database('billing');
    await backlog(billing, 25, 5);

    expect(await pruneOldRows(billing.sql, handledRows, { batchSize: 4, maxBatches: 3 })).toBe(12);
    expect(await pruneOldRows(billing.sql, handledRows, { batchSize: 4 })).toBe(13);
    expect(await pruneOldRows(billing.sql, handledRows, { batchSize: 4 })).toBe(0);
    const [left] = await billing.sql<{ count: number }[]>`select count(*)::int as count from inbox`;
    expect(left?.count).toBe(5);
  });

  it('is harmless when several replicas prune at once', async () => {
    harness = await createHarness('pg-boss');
    const billing = await harness.database('billing');
    await backlog(billing, 200, 10);

    const deleted = await Promise.all(
      Array.from({ length: 4 }, () => pruneOldRows(billing.sql, handledRows, { batchSize: 7 })),
    );
    expect(deleted.reduce((sum, count) => sum + count, 0)).toBe(200);
    const [left] = await billing.sql<{ count: number }[]>`select count(*)::int as count from inbox`;
    expect(left?.count).toBe(10);
  });
});

describe('EVENTS_INBOX_RETENTION_HOURS', () => {
  const schema = z.object(subgraphEnv({ port: 4099, database: 'billing' }));

  class Exited extends Error {}
  /** What a service prints when it refuses to start, or its settings. */
  function start(env: Record<string, string>) {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((line) => {
      lines.push(String(line));
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation(() => {
      throw new Exited();
    });
    try {
      return { config: loadConfig('billing', schema, env), lines };
    } catch (error) {
      if (!(error instanceof Exited)) throw error;
      return { config: undefined, lines };
    } finally {
      vi.restoreAllMocks();
    }
  }

  it('keeps inbox rows 30 days unless told otherwise', () => {
    expect(start({}).config?.EVENTS_INBOX_RETENTION_HOURS).toBe(720);
    const { config } = start({ EVENTS_INBOX_RETENTION_HOURS: '2160' });
    expect(config && eventBusOptions(config).inboxRetentionHours).toBe(2160);
  });

  it.each(['0', '-24', 'a week', '400.5', '', '24'])('refuses to start with %j', (value) => {
    const { config, lines } = start({ EVENTS_INBOX_RETENTION_HOURS: value });
    expect(config).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('invalid configuration: EVENTS_INBOX_RETENTION_HOURS');
  });

  it('says why a retention shorter than the bus may redeliver is refused', () => {
    const { lines } = start({ EVENTS_INBOX_RETENTION_HOURS: '168' });
    expect(lines[0]).toContain('must be at least 336 (14 days): the bus may redeliver an event that long');
  });
});
