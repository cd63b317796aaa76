import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_CONTRACTS, eventNamed, eventOf } from '../../src/events';
import { StockReservationFailedSchema } from '../../src/events/__generated__/inventory_pb';
import { MoneySchema, OrderPaymentRequestedSchema } from '../../src/events/__generated__/orders_pb';

const GENERATED = new URL('../../src/events/__generated__/', import.meta.url);

describe('event contracts', () => {
  it('names an event by its option and its package: producer, type, version', () => {
    expect(eventNamed(OrderPaymentRequestedSchema)).toEqual({
      producer: 'orders',
      type: 'order.payment_requested',
      version: 1,
      schema: OrderPaymentRequestedSchema,
    });
    expect(eventOf(StockReservationFailedSchema)).toEqual({
      producer: 'inventory',
      type: 'stock.reservation_failed',
      version: 1,
    });
  });

  it('refuses to name a message that is part of an event, not an event', () => {
    expect(eventOf(MoneySchema)).toBeUndefined();
    expect(() => eventNamed(MoneySchema)).toThrow('shop.orders.v1.Money is no event');
  });

  it('lists every event of every generated file, once', () => {
    // A generated file with an event_type option that EVENT_CONTRACTS leaves out would go unchecked.
    const withEvents = readdirSync(GENERATED)
      .filter((file) => /^(?!options_|envelope_).*_pb\.ts$/.test(file))
      .filter((file) => readFileSync(new URL(file, GENERATED), 'utf8').includes('Message<'));
    const packages = new Set(EVENT_CONTRACTS.map(({ schema }) => schema.file.name));
    expect([...packages].sort()).toEqual(withEvents.map((file) => file.replace('_pb.ts', '')).sort());
    const names = EVENT_CONTRACTS.map(({ event }) => `${event.producer}/${event.type}@${event.version}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(16);
  });
});
