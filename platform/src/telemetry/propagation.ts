import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Trace context as plain string fields (`traceparent`, and `tracestate` when there is one):
 * what an HTTP request's headers or an event's envelope carry from one service to the next.
 */
export type TraceCarrier = Record<string, string>;

export const tracer = trace.getTracer('@shop/platform');

/** The current trace context, written into `carrier` (a new object by default) and returned. */
export function injectTraceContext(
  carrier: TraceCarrier = {},
  from: Context = context.active(),
): TraceCarrier {
  propagation.inject(from, carrier);
  return carrier;
}

/** The trace context a carrier holds; anything that is not a string field is ignored. */
export function extractTraceContext(carrier: Readonly<Record<string, unknown>> | null | undefined): Context {
  const fields: TraceCarrier = {};
  for (const [key, value] of Object.entries(carrier ?? {})) {
    if (typeof value === 'string') fields[key.toLowerCase()] = value;
  }
  return propagation.extract(ROOT_CONTEXT, fields);
}

/**
 * Runs `work` in a new span that continues the trace in `carrier` (an event consumer: the
 * span becomes a child of the span that published the event). The span ends, with an error
 * status when `work` throws, when `work` settles.
 */
export function runInTraceContext<T>(
  carrier: Readonly<Record<string, unknown>> | null | undefined,
  spanName: string,
  work: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.CONSUMER,
): Promise<T> {
  return tracer.startActiveSpan(spanName, { kind }, extractTraceContext(carrier), (span) =>
    endWhenSettled(span, () => work(span)),
  );
}

/** Runs `work` and ends `span` when it settles, with an error status when it throws. */
export async function endWhenSettled<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Ids of the span running now, for log lines; undefined outside any trace (or with tracing off). */
export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
