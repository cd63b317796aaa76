/**
 * The seam for distributed tracing: how a producer's trace context is written into an
 * envelope and how a handler runs inside it. Without tracing both do nothing; the telemetry
 * setup installs an OpenTelemetry implementation once at start with `useTracePropagation`.
 */
export interface TracePropagation {
  /** The current trace context as a string map (W3C `traceparent`, `tracestate`). */
  inject(): Record<string, string>;
  /** Runs `fn` as a continuation of the trace in `carrier`. */
  extract<T>(carrier: Record<string, string>, fn: () => T): T;
}

const noTracing: TracePropagation = {
  inject: () => ({}),
  extract: (_carrier, fn) => fn(),
};

let propagation: TracePropagation = noTracing;

export function useTracePropagation(implementation: TracePropagation): void {
  propagation = implementation;
}

export function currentTracePropagation(): TracePropagation {
  return propagation;
}
