import { randomUUID } from 'node:crypto';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
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
export function startTelemetry(
  service: string,
  config: TelemetryConfig,
  options: TelemetryOptions = {},
): Telemetry {
  if (config.OTEL_SDK_DISABLED) return { recording: false, shutdown: async () => {} };
  const processors = [...(options.spanProcessors ?? [])];
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) processors.push(new BatchSpanProcessor(otlpExporter(config)));
  const recording = processors.length > 0;
  const ratio = options.spanProcessors ? 1 : config.OTEL_TRACES_SAMPLER_ARG;
  const sdk = new NodeSDK({
    serviceName: service,
    resource: resourceFromAttributes({ 'service.instance.id': randomUUID() }),
    // The SDK registers a tracer provider only when it has a processor; ids need the provider.
    spanProcessors: recording ? processors : [new NoopSpanProcessor()],
    // The first service a request meets decides; the others follow its decision (traceparent flags).
    sampler: new ParentBasedSampler({
      root: recording ? new TraceIdRatioBasedSampler(ratio) : new AlwaysOffSampler(),
    }),
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
    // Metrics are Prometheus (`/metrics`) and logs are JSON lines: the SDK sets up neither.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { recording, shutdown: () => sdk.shutdown() };
}

function otlpExporter(config: TelemetryConfig): SpanExporter {
  const options = {
    url: `${String(config.OTEL_EXPORTER_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`,
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
  };
  return config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json'
    ? new OtlpJsonTraceExporter(options)
    : new OtlpProtobufTraceExporter(options);
}
