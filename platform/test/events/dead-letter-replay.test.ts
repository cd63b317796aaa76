import { withoutNats } from '@shop/devkit/testing/services';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  connectEventTransport,
  type EventTransport,
  eventEnvelopeSchema,
  type ReplayResult,
  type RetryPolicy,
  replayDeadLetters,
  replayExitCode,
} from '../../src/events';
import { OrderRejectedSchema } from '../../src/events/__generated__/orders_pb';
import { encodePayload, toStoredEnvelope } from '../../src/events/wire';
import { createLogger } from '../../src/logger';
import type { Metrics } from '../../src/metrics';
import { WidgetCreatedSchema } from './fixtures/widget-messages';
import {
  createHarness,
  createWidget,
  effectsOf,
  eventually,
  type Harness,
  metricValue,
  type ServiceDatabase,
  sentEnvelope,
  type TransportKind,
  widgetCreated,
} from './harness';

// Two attempts, then the dead letter: pg-boss retries in whole seconds, JetStream in milliseconds.
const RETRY: Record<TransportKind, RetryPolicy> = {
  'pg-boss': { maxAttempts: 2, baseDelayMs: 1000, maxDelayMs: 2000 },
  nats: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 },
};

for (const kind of ['pg-boss', 'nats'] as const)
  describe.skipIf(kind === 'nats' && withoutNats())(`replaying dead letters (${kind})`, () => {
    let harness: Harness;
    let transport: EventTransport;
    beforeEach(async () => {
      harness = await createHarness(kind, { retry: RETRY[kind] });
      transport = await connectEventTransport(
        harness.options,
        'events-replay',
        createLogger('events-replay', 'silent'),
      );
    });
    afterEach(async () => {
      await transport.close();
      await harness.close();
    });

    const replay = (
      billing: ServiceDatabase,
      select: { eventIds: string[] } | 'all',
      options: { dryRun?: boolean; reason?: string } = {},
    ) => {
      const lines: string[] = [];
      const result = replayDeadLetters({
        sql: billing.sql,
        transport,
        consumer: 'billing',
        select,
        ...options,
        print: (line) => lines.push(line),
        contracts: [{ schema: WidgetCreatedSchema, event: widgetCreated }],
      });
      return result.then((outcome): { result: ReplayResult; lines: string[] } => ({
        result: outcome,
        lines,
      }));
    };

    const deadLetterIds = async (database: ServiceDatabase) =>
      (await database.sql`select event_id from dead_letters where consumer = 'billing'`).map(
        (row) => row.event_id as string,
      );
    const inboxHas = async (database: ServiceDatabase, consumer: string, id: string) =>
      (await database.sql`select 1 from inbox where event_id = ${id} and consumer = ${consumer}`).length > 0;
    const consumed = (metrics: Metrics, outcome: 'handled' | 'duplicate') =>
      metricValue(metrics, 'events_consumed_total', { outcome });

    /** widgets → billing (broken until fixed) and shipping (healthy); one event, dead-lettered by billing. */
    async function deadLetteredEvent() {
      const fix = { broken: true };
      const widgets = await harness.database('widgets');
      const billing = await harness.database('billing');
      const shippingDb = await harness.database('shipping');
      const billingService = await harness.startService('billing', billing, {
        consumes: [harness.recordEffects('billing', { failOn: () => fix.broken })],
      });
      const shipping = await harness.startService('shipping', shippingDb, {
        consumes: [harness.recordEffects('shipping')],
      });
      await harness.startService('widgets', widgets, { publishes: [widgetCreated] });
      const id = await createWidget(widgets.db, 'gear');
      await eventually(async () => (await deadLetterIds(billing)).includes(id), 'the dead letter');
      await eventually(async () => (await effectsOf(shippingDb, 'shipping')).get(id) === 1, 'shipping');
      return { fix, id, widgets, billing, billingService, shippingDb, shipping };
    }

    it('delivers a dead letter again to its consumer only, once the cause is fixed: one effect, the row gone', async () => {
      const { fix, id, billing, shippingDb, shipping } = await deadLetteredEvent();
      expect(await inboxHas(billing, 'billing', id)).toBe(true);
      fix.broken = false;

      const { result, lines } = await replay(billing, { eventIds: [id] });
      expect(result).toEqual({ kind: 'done', selected: 1, replayed: 1, skipped: 0, failed: 0 });
      expect(replayExitCode(result)).toBe(0);
      expect(lines[0]).toMatch(
        new RegExp(
          `^replayed ${id}  widgets/widget.created@1  reason=handler_failed  attempts=2  dead-lettered `,
        ),
      );
      expect(lines.at(-1)).toBe('billing: 1 dead letter(s) selected, 1 replayed, 0 skipped, 0 failed');
      expect(await deadLetterIds(billing)).toEqual([]);
      await eventually(
        async () => (await effectsOf(billing, 'billing')).get(id) === 1,
        'the replayed effect',
      );

      // Long enough for a stray copy to reach shipping, had the replay gone to every consumer.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(harness.calls.get(`shipping:${id}`)).toHaveLength(1);
      expect((await effectsOf(shippingDb, 'shipping')).get(id)).toBe(1);
      expect(await consumed(shipping.metrics, 'handled')).toBe(1);
      expect(await consumed(shipping.metrics, 'duplicate')).toBe(0);
      expect((await effectsOf(billing, 'billing')).get(id)).toBe(1);
    });

    it('changes nothing on a dry run, and lists what it would replay', async () => {
      const { id, billing } = await deadLetteredEvent();
      const calls = harness.calls.get(`billing:${id}`)?.length;

      const { result, lines } = await replay(billing, 'all', { dryRun: true });
      expect(result).toEqual({ kind: 'done', selected: 1, replayed: 0, skipped: 0, failed: 0 });
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^would    ${id}  widgets/widget.created@1  reason=handler_failed  attempts=2  dead-lettered \\d{4}-`,
          ),
        ),
        // The Protobuf payload, decoded for a person to read.
        expect.stringMatching(/^ {9}payload \{"id":"[0-9a-f-]{36}","name":"gear","color":"blue"\}$/),
        'billing: 1 dead letter(s) selected, 1 would replay, 0 skipped, 0 failed (dry run: nothing changed)',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await deadLetterIds(billing)).toEqual([id]);
      expect(await inboxHas(billing, 'billing', id)).toBe(true);
      expect(harness.calls.get(`billing:${id}`)).toHaveLength(calls ?? 0);
    });

    it('refuses an event id that is not a dead letter of the consumer, and replays nothing', async () => {
      const { id, billing, fix } = await deadLetteredEvent();
      fix.broken = false;
      const stranger = crypto.randomUUID();

      const { result, lines } = await replay(billing, { eventIds: [id, stranger] });
      expect(result).toEqual({ kind: 'refused', unknown: [stranger] });
      expect(replayExitCode(result)).toBe(2);
      expect(lines).toEqual([`${stranger} is not a dead letter of billing`, 'nothing replayed']);
      const other = await replay(billing, { eventIds: [id] }, { reason: 'invalid_payload' });
      expect(other.lines[0]).toBe(`${id} is not a dead letter of billing with reason invalid_payload`);
      expect(await deadLetterIds(billing)).toEqual([id]);
    });

    it('is harmless when run twice, or when the bus delivers the replay twice', async () => {
      const { fix, id, widgets, billing, billingService } = await deadLetteredEvent();
      fix.broken = false;
      const first = await replay(billing, 'all');
      expect(first.result).toMatchObject({ replayed: 1 });
      await eventually(
        async () => (await effectsOf(billing, 'billing')).get(id) === 1,
        'the replayed effect',
      );

      // Run again: the dead letter is gone, so there is nothing to do.
      const again = await replay(billing, 'all');
      expect(again.result).toEqual({ kind: 'done', selected: 0, replayed: 0, skipped: 0, failed: 0 });
      expect((await replay(billing, { eventIds: [id] })).result).toEqual({ kind: 'refused', unknown: [id] });

      // A crash between the bus taking the replay and the commit means a second copy: the inbox drops it.
      await transport.redeliver('billing', eventEnvelopeSchema.parse(await sentEnvelope(widgets, id)));
      await eventually(
        async () => (await consumed(billingService.metrics, 'duplicate')) === 1,
        'the second copy, taken as a duplicate',
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await effectsOf(billing, 'billing')).get(id)).toBe(1);
      expect(await deadLetterIds(billing)).toEqual([]);
    });

    it('replays a dead letter written before Protobuf (a JSON envelope), printing its payload', async () => {
      const billing = await harness.database('billing');
      await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
      const id = crypto.randomUUID();
      const envelope = {
        id,
        type: 'widget.created',
        version: 1,
        producer: 'widgets',
        occurredAt: new Date().toISOString(),
        traceContext: {},
        payload: { id: crypto.randomUUID(), name: 'old', color: 'red' },
      };
      // As the previous version's consumer left it: the JSON envelope, and the inbox row.
      await billing.sql`
        insert into dead_letters (event_id, consumer, producer, type, version, reason, detail, envelope, attempts)
        values (${id}, 'billing', 'widgets', 'widget.created', 1, 'handler_failed', 'refusing old',
                ${JSON.stringify(envelope)}::jsonb, 2)`;
      await billing.sql`insert into inbox (event_id, consumer, type) values (${id}, 'billing', 'widget.created')`;

      const { result, lines } = await replay(billing, 'all');
      expect(result).toEqual({ kind: 'done', selected: 1, replayed: 1, skipped: 0, failed: 0 });
      expect(lines[1]).toBe(`         payload ${JSON.stringify(envelope.payload)}`);
      await eventually(
        async () => (await effectsOf(billing, 'billing')).get(id) === 1,
        'the replayed effect',
      );
      expect(await deadLetterIds(billing)).toEqual([]);
    });

    it("prints a shop event's payload decoded with its message from schema/events", async () => {
      const billing = await harness.database('billing');
      const id = crypto.randomUUID();
      const payload = {
        orderId: crypto.randomUUID(),
        userId: crypto.randomUUID(),
        reason: 'TIMED_OUT',
        lines: [],
      };
      const envelope = {
        id,
        type: 'order.rejected',
        version: 1,
        producer: 'orders',
        occurredAt: new Date().toISOString(),
        traceContext: {},
        payload: encodePayload(OrderRejectedSchema, payload),
      };
      // Kept by a consumer that did not know the message: the bytes only.
      await billing.sql`
        insert into dead_letters (event_id, consumer, producer, type, version, reason, detail, envelope, attempts)
        values (${id}, 'billing', 'orders', 'order.rejected', 1, 'unknown_type', 'not read here',
                ${JSON.stringify(toStoredEnvelope(envelope))}::jsonb, 1)`;
      const lines: string[] = [];
      await replayDeadLetters({
        sql: billing.sql,
        transport,
        consumer: 'billing',
        select: 'all',
        dryRun: true,
        print: (line) => lines.push(line),
      });
      expect(lines[1]).toBe(`         payload ${JSON.stringify(payload)}`);
    });

    it('skips, with a clear line, a dead letter whose message is no envelope at all', async () => {
      const billing = await harness.database('billing');
      await harness.startService('billing', billing, { consumes: [harness.recordEffects('billing')] });
      await harness.redeliver('billing', { hello: 'not an envelope' });
      await eventually(async () => (await deadLetterIds(billing)).length === 1, 'the unreadable dead letter');
      const [unreadable] = await deadLetterIds(billing);

      const { result, lines } = await replay(billing, 'all');
      expect(result).toEqual({ kind: 'done', selected: 1, replayed: 0, skipped: 1, failed: 0 });
      expect(replayExitCode(result)).toBe(1);
      expect(lines[0]).toContain(
        `skip     ${unreadable}  invalid_envelope: the stored message is no readable envelope`,
      );
      expect(await deadLetterIds(billing)).toEqual([unreadable]);
    });

    it('fails, leaving the dead letter, when the consumer does not read that producer on this bus', async () => {
      const { id, billing } = await deadLetteredEvent();
      const lines: string[] = [];
      const result = await replayDeadLetters({
        sql: billing.sql,
        // Billing's dead letters, handed to a consumer the bus has never seen.
        transport: { redeliver: (_consumer, envelope) => transport.redeliver('nobody', envelope) },
        consumer: 'billing',
        select: 'all',
        print: (line) => lines.push(line),
      });
      expect(result).toMatchObject({ kind: 'done', replayed: 0, failed: 1 });
      expect(lines[0]).toMatch(new RegExp(`^FAILED   ${id} .*nobody`));
      expect(await deadLetterIds(billing)).toEqual([id]);
      expect(await inboxHas(billing, 'billing', id)).toBe(true);
    });
  });
