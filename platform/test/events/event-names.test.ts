import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent, eventEnvelopeSchema } from '../../src/events';
import { WidgetCreatedSchema } from './fixtures/widget-messages';

const define = (type: string, producer = 'orders') =>
  defineEvent({ producer, type, version: 1, schema: WidgetCreatedSchema, payload: z.object({}) });

describe('event names', () => {
  it('accepts dotted lower-case types whose words may be joined by "_" or "-"', () => {
    for (const type of [
      'product.created',
      'order.payment_requested',
      'stock.reservation_failed',
      'a.b-c.d',
    ]) {
      expect(() => define(type), type).not.toThrow();
      const envelope = {
        id: '0192f0c4-8f3a-7cc1-9b1a-2a4f5e6d7c8b',
        type,
        version: 1,
        producer: 'orders',
        occurredAt: new Date().toISOString(),
        traceContext: {},
        payload: {},
      };
      expect(eventEnvelopeSchema.safeParse(envelope).success, type).toBe(true);
    }
  });

  it('refuses types a bus subject or a reader would trip over', () => {
    for (const type of [
      'placed',
      'Order.placed',
      'order..placed',
      'order.placed.',
      'order.1placed',
      'order placed',
      '_order.placed',
    ])
      expect(() => define(type), type).toThrow(/must look like/);
    expect(() => define('order.placed', 'Orders')).toThrow(/producer/);
  });
});
