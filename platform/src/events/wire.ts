import {
  create,
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EnvelopeSchema } from './__generated__/envelope_pb';
import type { EventEnvelope } from './envelope';

/**
 * How events are written down: on the bus, in the outbox, in dead letters. The one place where a
 * payload's JSON form (what zod schemas and handlers see) meets its Protobuf message.
 *
 * A payload travels as the binary encoding of its event's message, inside a
 * `shop.events.v1.Envelope` (schema/events/envelope.proto) that names the type, version and
 * producer. Events written before that (JSON payload in a JSON envelope) are still read: in an
 * envelope a `Uint8Array` payload is Protobuf binary, anything else is such an older JSON payload.
 */

/**
 * The payload's JSON form to its message's binary encoding. The JSON form is Protobuf's canonical
 * JSON mapping, which is also what the JSON events used: lowerCamelCase field names, enums by
 * name (`OUT_OF_STOCK`), Timestamps as RFC 3339 strings, 32-bit integers as numbers; 64-bit
 * integers are read from numbers or decimal strings. A field the message lacks is an error.
 */
export function encodePayload(schema: DescMessage, payload: unknown): Uint8Array {
  // Through JSON text first: drops `undefined` members and turns Dates into ISO strings.
  const json = JSON.parse(JSON.stringify(payload ?? null)) as JsonValue;
  return toBinary(schema, fromJson(schema, json));
}

/**
 * A payload's binary encoding to its JSON form, every field present (a 0 or an empty list too,
 * as the JSON events had them). 64-bit integers come out as decimal strings (the JSON mapping:
 * a number could lose digits), so a zod schema reads them with `z.coerce.bigint()` or as text;
 * the shop's events have none today.
 */
export function decodePayload(schema: DescMessage, bytes: Uint8Array): unknown {
  return toJson(schema, fromBinary(schema, bytes), { alwaysEmitImplicit: true });
}

/** An envelope whose payload is Protobuf binary: the `shop.events.v1.Envelope` bytes that travel. */
export function envelopeToBinary(envelope: EventEnvelope<Uint8Array>): Uint8Array {
  return toBinary(
    EnvelopeSchema,
    create(EnvelopeSchema, {
      id: envelope.id,
      producer: envelope.producer,
      type: envelope.type,
      version: envelope.version,
      occurredAt: timestampFromDate(new Date(envelope.occurredAt)),
      traceContext: envelope.traceContext,
      payload: envelope.payload,
    }),
  );
}

/** `shop.events.v1.Envelope` bytes to an envelope (unchecked: the consumer checks it); throws on bytes that are none. */
export function envelopeFromBinary(bytes: Uint8Array): EventEnvelope<Uint8Array> {
  const message = fromBinary(EnvelopeSchema, bytes);
  return {
    id: message.id,
    type: message.type,
    version: message.version,
    producer: message.producer,
    occurredAt: message.occurredAt ? timestampDate(message.occurredAt).toISOString() : '',
    traceContext: { ...message.traceContext },
    payload: message.payload,
  };
}

/**
 * What a bus message body holds: `shop.events.v1.Envelope` bytes, or (written before Protobuf)
 * a JSON envelope. A JSON body starts with `{`; an Envelope never does (its first byte is the tag
 * of field 1, 0x0a), so the first byte tells them apart. Returns the bytes, or the parsed JSON
 * (an unparsable text as is, for the consumer to dead-letter).
 */
export function readBusBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return '';
  if (bytes[0] !== OPEN_BRACE) return bytes;
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const OPEN_BRACE = 0x7b;

/**
 * pg-boss job data is JSON: a Protobuf envelope goes as `{ "envelope": "<base64 of its bytes>" }`;
 * an envelope with a JSON payload as the JSON envelope itself, as before.
 */
export function toJobData(envelope: EventEnvelope): object {
  if (!(envelope.payload instanceof Uint8Array)) return envelope;
  return { envelope: Buffer.from(envelopeToBinary(withBinaryPayload(envelope))).toString('base64') };
}

/** The body a pg-boss job carries: the Envelope bytes for `{ envelope }`, anything else as it is. */
export function fromJobData(data: unknown): unknown {
  if (isObject(data) && typeof data.envelope === 'string' && !('id' in data))
    return new Uint8Array(Buffer.from(data.envelope, 'base64'));
  return data;
}

/**
 * An envelope as a dead letter keeps it (jsonb): the Protobuf payload as base64 under
 * `payloadProtobuf` (what `events:replay` sends again) and, when the consumer knows the message,
 * decoded under `payload` for whoever reads the table; a JSON payload under `payload` as before.
 */
export function toStoredEnvelope(envelope: EventEnvelope, schema?: DescMessage): object {
  if (!(envelope.payload instanceof Uint8Array)) return envelope;
  const { payload, ...header } = envelope;
  let decoded: unknown;
  try {
    decoded = schema ? decodePayload(schema, payload) : undefined;
  } catch {
    // Bytes that are no such message: the base64 is all there is to keep.
  }
  return {
    ...header,
    ...(decoded === undefined ? {} : { payload: decoded }),
    payloadProtobuf: Buffer.from(payload).toString('base64'),
  };
}

/**
 * A dead letter's stored envelope back to one to deliver (unchecked); `payloadProtobuf` becomes
 * bytes again. A pg-boss job body `{ envelope }` that a consumer older than Protobuf set aside
 * unread is decoded too, so such dead letters replay once that consumer is upgraded.
 */
export function fromStoredEnvelope(stored: unknown): unknown {
  if (isObject(stored) && typeof stored.envelope === 'string' && !('id' in stored)) {
    try {
      return envelopeFromBinary(new Uint8Array(Buffer.from(stored.envelope, 'base64')));
    } catch {
      return stored;
    }
  }
  if (!isObject(stored) || typeof stored.payloadProtobuf !== 'string') return stored;
  // The bytes are the event; a decoded `payload` next to them is only there to be read.
  const { payloadProtobuf, payload: _decoded, ...header } = stored;
  return { ...header, payload: new Uint8Array(Buffer.from(payloadProtobuf, 'base64')) };
}

/** A body that could not be read as an envelope, in a form jsonb keeps. */
export function storableBody(body: unknown): unknown {
  if (body instanceof Uint8Array) return { unreadable: Buffer.from(body).toString('base64') };
  return body ?? 'empty message';
}

function withBinaryPayload(envelope: EventEnvelope): EventEnvelope<Uint8Array> {
  if (!(envelope.payload instanceof Uint8Array)) throw new Error('the payload is no Protobuf binary');
  return { ...envelope, payload: envelope.payload };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
