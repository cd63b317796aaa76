import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { runWithRequestContext } from '../src/request-context';
import {
  extractTraceContext,
  type InMemoryTelemetry,
  injectTraceContext,
  recordSpansInMemory,
  runInTraceContext,
  tracer,
} from '../src/telemetry';
import { loadTelemetryConfig } from '../src/telemetry/config';

let telemetry: InMemoryTelemetry;
beforeAll(() => {
  telemetry = recordSpansInMemory('telemetry-test');
});
afterAll(() => telemetry.shutdown());

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('telemetry-test', 'info', stream), lines };
}

describe('log lines', () => {
  it('carry the request id and the trace id of the span they were written in', async () => {
    const { logger, lines } = captureLogs();
    let traceId = '';
    await tracer.startActiveSpan('request', async (span) => {
      traceId = span.spanContext().traceId;
      runWithRequestContext({ requestId: 'req-1' }, () => logger.info('serving'));
      span.end();
    });
    logger.info('outside any request');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({
      msg: 'serving',
      requestId: 'req-1',
      traceId,
      service: 'telemetry-test',
    });
    expect(lines[0]?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(lines[1]).not.toHaveProperty('traceId');
    expect(lines[1]).not.toHaveProperty('requestId');
  });
});

describe('trace context in a plain object (event envelopes)', () => {
  it('injects the current context and continues it on the other side as a child span', async () => {
    let carrier: Record<string, string> = {};
    let publisherSpanId = '';
    let traceId = '';
    tracer.startActiveSpan('publish', (span) => {
      carrier = injectTraceContext();
      publisherSpanId = span.spanContext().spanId;
      traceId = span.spanContext().traceId;
      span.end();
    });
    expect(carrier.traceparent).toBe(`00-${traceId}-${publisherSpanId}-01`);
    // Through JSON, as an envelope would travel.
    const envelope = JSON.parse(JSON.stringify({ id: 'event-1', trace: carrier })) as { trace: unknown };
    const consumed = await runInTraceContext(
      envelope.trace as Record<string, unknown>,
      'consume',
      async (span) => {
        expect(span.spanContext().traceId).toBe(traceId);
        return 'done';
      },
    );
    expect(consumed).toBe('done');
    const consumer = (await telemetry.spans()).find((span) => span.name === 'consume');
    expect(consumer?.parentSpanContext?.spanId).toBe(publisherSpanId);
  });

  it('starts a new trace from a missing or malformed carrier, and records a failure', async () => {
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'garbage' }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(null))).toBeUndefined();
    await expect(
      runInTraceContext({ traceparent: 42 }, 'failing consumer', async () => {
        throw new Error('consumer failed');
      }),
    ).rejects.toThrow('consumer failed');
    const failed = (await telemetry.spans()).find((span) => span.name === 'failing consumer');
    expect(failed?.parentSpanContext).toBeUndefined();
    expect(failed?.status.code).toBe(2);
  });
});

describe('configuration', () => {
  it('reads the standard OTEL_ variables and refuses a bad endpoint', () => {
    expect(
      loadTelemetryConfig('test', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret,tenant=shop',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toMatchObject({
      OTEL_SDK_DISABLED: false,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_HEADERS: { 'x-api-key': 'secret', tenant: 'shop' },
      OTEL_TRACES_SAMPLER_ARG: 0.25,
    });
    expect(loadTelemetryConfig('test', { OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      undefined,
    );
  });
});
