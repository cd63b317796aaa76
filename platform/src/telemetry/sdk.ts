import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TelemetryConfig } from './config';

export interface Telemetry {
  /** Whether spans leave the process (an OTLP endpoint or extra span processors). */
  recording: boolean;
  /** Sends what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** More span processors, recording every new trace: tests pass an in-memory exporter here. */
  spanProcessors?: SpanProcessor[];
}

/**
 * OpenTelemetry for one service process: W3C trace context in and out, spans batched to an
 * OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set. Without a collector spans are not
 * recorded, yet each still has real ids, so log lines and subgraph calls carry a trace id.
 * Call once per process, before serving.
 */
export async function startTelemetry(
  service: string,
  config: TelemetryConfig,
  options: TelemetryOptions = {},
): Promise<Telemetry> {
  const processors = [...(options.spanProcessors ?? [])];
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT && !config.OTEL_SDK_DISABLED)
    processors.push(new BatchSpanProcessor(await otlpExporter(config)));
  return registerTracing(
    service,
    config,
    processors,
    options.spanProcessors ? 1 : config.OTEL_TRACES_SAMPLER_ARG,
  );
}

/**
 * The tracer provider, context manager and propagator, registered globally. Deliberately not the
 * all-in-one `@opentelemetry/sdk-node`: loading it costs every process about a second at start
 * (metrics, logs, every exporter), for nothing this system uses.
 */
export function registerTracing(
  service: string,
  config: Pick<TelemetryConfig, 'OTEL_SDK_DISABLED'>,
  processors: SpanProcessor[],
  ratio: number,
): Telemetry {
  if (config.OTEL_SDK_DISABLED) return { recording: false, shutdown: async () => {} };
  const recording = processors.length > 0;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service, 'service.instance.id': randomUUID() }),
    spanProcessors: processors,
    // The first service a request meets decides; the others follow its decision (traceparent flags).
    sampler: new ParentBasedSampler({
      root: recording ? new TraceIdRatioBasedSampler(ratio) : new AlwaysOffSampler(),
    }),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    recording,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Loaded only when a collector is configured: the exporters are the heaviest part of the SDK. */
async function otlpExporter(config: TelemetryConfig): Promise<SpanExporter> {
  const options = {
    url: `${String(config.OTEL_EXPORTER_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`,
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
  };
  if (config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}
