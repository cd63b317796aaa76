export { loadTelemetryConfig, type TelemetryConfig, telemetryEnv } from './config';
export { startServerSpan, traceOutgoingRequest } from './http-spans';
export { type InMemoryTelemetry, type ReadableSpan, recordSpansInMemory } from './in-memory';
export { traceStep } from './internal-spans';
export {
  currentTraceIds,
  extractTraceContext,
  injectTraceContext,
  runInTraceContext,
  type TraceCarrier,
  tracer,
} from './propagation';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk';
export { observeSql, type SqlObserver } from './sql-observer';
