import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadTelemetryConfig } from './config';
import { registerTracing } from './sdk';

export type { ReadableSpan };

export interface InMemoryTelemetry {
  /** Every span ended so far, in the order they ended (once their export, which may lag, is done). */
  spans(): Promise<ReadableSpan[]>;
  shutdown(): Promise<void>;
}

/**
 * Tracing for a test process: every trace recorded, each span kept in memory as it ends, so
 * a test can look at the spans of what it just did. Nothing is exported.
 */
export function recordSpansInMemory(service: string): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const telemetry = registerTracing(service, loadTelemetryConfig(service, {}), [processor], 1);
  return {
    async spans() {
      await processor.forceFlush();
      return exporter.getFinishedSpans();
    },
    shutdown: () => telemetry.shutdown(),
  };
}
