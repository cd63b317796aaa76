import {
  createTestDatabase,
  createTestEventBus,
  startTestSubgraph,
  type TestEventBus,
} from '@shop/devkit/testing';
import { withoutNats } from '@shop/devkit/testing/services';
import { createLogger } from '@shop/platform/logger';
import { parse } from 'graphql';
import { afterEach, expect, it } from 'vitest';
import { handleEvent } from '../../src/events';
import type { RequestScope, SubgraphDefinition } from '../../src/service';
import { StartupError, startSubgraph } from '../../src/service';
import { startOutageProxy } from './fixtures/outage-proxy';
import * as tables from './fixtures/schema';
import {
  createWidget,
  eventually,
  MIGRATIONS,
  type Tables,
  widgetCreated,
  widgetCreatedSeenByConsumer,
} from './harness';

type Context = RequestScope<Tables>;

const widgetsSubgraph: SubgraphDefinition<Tables, Context> = {
  name: 'widgets',
  typeDefs: parse(`
    type Query { "How many widgets there are." widgetCount: Int! }
    type Mutation { "Makes a widget; others hear about it." createWidget(name: String!): ID! }
  `),
  resolvers: {
    Query: {
      widgetCount: async (_: unknown, __: unknown, { db }: Context) =>
        (await db.select().from(tables.widgets)).length,
    },
    Mutation: {
      createWidget: (_: unknown, { name }: { name: string }, { db }: Context) => createWidget(db, name),
    },
  },
  tables,
  migrationsFolder: MIGRATIONS,
  createContext: (scope) => scope,
  events: { publishes: [widgetCreated] },
};

const billingSubgraph: SubgraphDefinition<Tables, Context> = {
  ...widgetsSubgraph,
  name: 'billing',
  events: {
    consumes: [
      handleEvent(widgetCreatedSeenByConsumer, async (tx, payload, envelope) => {
        await tx
          .insert(tables.effects)
          .values({ eventId: envelope.id, consumer: 'billing', value: payload.name });
      }),
    ],
  },
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function bus(kind: 'pg-boss' | 'nats'): Promise<TestEventBus> {
  const created = await createTestEventBus(kind);
  cleanups.push(() => created.drop());
  return created;
}

for (const kind of ['pg-boss', 'nats'] as const) {
  it.skipIf(kind === 'nats' && withoutNats())(
    `runs a subgraph's relay and consumer with the service (${kind})`,
    async () => {
      const shared = await bus(kind);
      const billing = await startTestSubgraph(billingSubgraph, { events: shared.options });
      cleanups.push(() => billing.stop());
      const widgets = await startTestSubgraph(widgetsSubgraph, { events: shared.options });
      cleanups.push(() => widgets.stop());

      const created = await widgets.execute<{ createWidget: string }>(
        'mutation { createWidget(name: "gear") }',
      );
      const eventId = created.data?.createWidget;
      expect(eventId).toBeTruthy();
      await eventually(async () => {
        const rows = await billing.database.sql`select value from effects where event_id = ${eventId ?? ''}`;
        return rows.length === 1 && rows[0]?.value === 'gear';
      }, 'the effect in billing');

      for (const service of [widgets, billing]) {
        const ready = await fetch(service.url.replace('/graphql', '/ready'));
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ checks: { database: 'ok', events: 'ok' } });
      }
      const metrics = await (await fetch(widgets.url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/^events_published_total\{[^}]*type="widget.created"[^}]*\} 1$/m);
      expect(metrics).toMatch(/^events_outbox_backlog\{[^}]*\} 0$/m);
    },
  );
}

it('is not ready while the bus is away, and ready again once it is back', async () => {
  const shared = await bus('pg-boss');
  if (shared.options.bus.transport !== 'pg-boss') throw new Error('expected pg-boss');
  const target = new URL(shared.options.bus.databaseUrl);
  const proxy = await startOutageProxy({ host: target.hostname, port: Number(target.port) });
  cleanups.push(() => proxy.close());
  target.port = String(proxy.port);
  const widgets = await startTestSubgraph(widgetsSubgraph, {
    events: { ...shared.options, bus: { transport: 'pg-boss', databaseUrl: target.toString() } },
  });
  cleanups.push(() => widgets.stop());
  const readyUrl = widgets.url.replace('/graphql', '/ready');
  expect((await fetch(readyUrl)).status).toBe(200);

  await proxy.cut();
  const down = await fetch(readyUrl);
  expect(down.status).toBe(503);
  const body = (await down.json()) as { checks: Record<string, string> };
  expect(body.checks.database).toBe('ok');
  expect(body.checks.events).not.toBe('ok');

  await proxy.restore();
  await eventually(async () => (await fetch(readyUrl)).status === 200, 'ready again');
});

it('refuses to start without a reachable bus, saying which one', async () => {
  const shared = await bus('pg-boss');
  const options = {
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('widgets', 'silent'),
    introspection: false,
    shutdownGraceSeconds: 1,
    gatewaySecrets: [],
  };
  const database = await createTestDatabaseFor('widgets');
  await expect(startSubgraph(widgetsSubgraph, { ...options, databaseUrl: database.url })).rejects.toThrow(
    new StartupError('widgets publishes or consumes events but has no event bus'),
  );
  await expect(
    startSubgraph(widgetsSubgraph, {
      ...options,
      databaseUrl: database.url,
      events: { ...shared.options, bus: { transport: 'nats', url: 'nats://127.0.0.1:1' } },
    }),
  ).rejects.toThrow(/cannot start events on NATS at nats:\/\/127\.0\.0\.1:1 \(NATS_URL\)/);
});

async function createTestDatabaseFor(label: string) {
  const database = await createTestDatabase(label);
  cleanups.push(() => database.drop());
  return database;
}
