import { describe, expect, it } from 'vitest';
import { readEnvelope } from '../../src/events';
import { OrderPlacedSchema, OrderRejectedSchema } from '../../src/events/__generated__/orders_pb';
import { ProductCreatedSchema } from '../../src/events/__generated__/products_pb';
import {
  decodePayload,
  encodePayload,
  envelopeToBinary,
  fromJobData,
  fromStoredEnvelope,
  readBusBody,
  toJobData,
  toStoredEnvelope,
} from '../../src/events/wire';

const ORDER = '0192f0c4-8f3a-7cc1-9b1a-2a4f5e6d7c8b';
const USER = '0192f0c4-8f3a-7cc1-9b1a-2a4f5e6d7c8c';
const header = {
  id: '0192f0c4-8f3a-7cc1-9b1a-2a4f5e6d7c8d',
  type: 'order.rejected',
  version: 1,
  producer: 'orders',
  occurredAt: '2026-01-02T03:04:05.678Z',
  traceContext: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};

describe('payloads in Protobuf binary', () => {
  it('reads back the JSON form it was written from: enums by name, times as RFC 3339, zeros present', () => {
    const rejected = { orderId: ORDER, userId: USER, reason: 'PAYMENT_DECLINED', lines: [] };
    expect(decodePayload(OrderRejectedSchema, encodePayload(OrderRejectedSchema, rejected))).toEqual(
      rejected,
    );

    const product = {
      id: ORDER,
      sku: 'KIT-1',
      name: 'Kettle',
      price: { amount: 0, currency: 'EUR' },
      weightGrams: 0,
      changedAt: '2026-01-02T03:04:05.678Z',
    };
    expect(decodePayload(ProductCreatedSchema, encodePayload(ProductCreatedSchema, product))).toEqual(
      product,
    );
  });

  it('refuses a payload with a field its message lacks, or of the wrong type', () => {
    expect(() => encodePayload(OrderPlacedSchema, { orderId: ORDER, coupon: 'X' })).toThrow(/coupon/);
    expect(() => encodePayload(OrderPlacedSchema, { orderId: 7 })).toThrow();
  });

  it('travels in an Envelope on both buses, and reads a JSON envelope of the previous code too', () => {
    const payload = encodePayload(OrderRejectedSchema, { orderId: ORDER, reason: 'OUT_OF_STOCK' });
    const envelope = { ...header, payload };
    const bytes = envelopeToBinary(envelope);
    expect(readEnvelope(readBusBody(bytes))).toEqual({ success: true, data: envelope });
    expect(readEnvelope(fromJobData(JSON.parse(JSON.stringify(toJobData(envelope)))))).toEqual({
      success: true,
      data: envelope,
    });

    const legacy = { ...header, payload: { orderId: ORDER, reason: 'OUT_OF_STOCK' } };
    const text = new TextEncoder().encode(JSON.stringify(legacy));
    expect(readEnvelope(readBusBody(text))).toEqual({ success: true, data: legacy });
    expect(readEnvelope(fromJobData(legacy))).toEqual({ success: true, data: legacy });
  });

  it('keeps the bytes of a dead letter, with the payload decoded beside them for people', () => {
    const payload = encodePayload(OrderRejectedSchema, { orderId: ORDER, reason: 'OUT_OF_STOCK' });
    const stored = JSON.parse(JSON.stringify(toStoredEnvelope({ ...header, payload }, OrderRejectedSchema)));
    expect(stored.payload).toMatchObject({ orderId: ORDER, reason: 'OUT_OF_STOCK' });
    expect(fromStoredEnvelope(stored)).toEqual({ ...header, payload });
    // A pg-boss job a consumer older than Protobuf dead-lettered unread: still replayable.
    expect(fromStoredEnvelope(toJobData({ ...header, payload }))).toEqual({ ...header, payload });
  });

  it('dead-letters bytes that are no Envelope', () => {
    expect(readEnvelope(new Uint8Array([0xff, 0xff, 0xff])).success).toBe(false);
    expect(readEnvelope(readBusBody(new Uint8Array())).success).toBe(false);
  });
});
