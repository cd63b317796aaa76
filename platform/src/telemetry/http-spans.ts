import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { endWhenSettled, extractTraceContext, injectTraceContext, tracer } from './propagation';

/**
 * The span of one request a service serves, continuing the caller's trace (`traceparent`).
 * Returns the context to serve the request in; the span ends when the response does.
 */
export function startServerSpan(
  req: IncomingMessage,
  res: ServerResponse,
  request: { method: string; path: string; route: string | undefined },
): Context {
  const parent = extractTraceContext(req.headers);
  const span = tracer.startSpan(
    request.route ? `${request.method} ${request.route}` : request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_PATH]: request.path,
        ...(request.route ? { [ATTR_HTTP_ROUTE]: request.route } : {}),
        ...(req.socket.localPort ? { [ATTR_SERVER_PORT]: req.socket.localPort } : {}),
      },
    },
    parent,
  );
  res.once('finish', () => endServerSpan(span, res.statusCode));
  // A client that went away before the answer was written.
  res.once('close', () => {
    if (!res.writableFinished) endServerSpan(span, res.statusCode, 'client closed the connection');
  });
  return trace.setSpan(parent, span);
}

function endServerSpan(span: Span, status: number, problem?: string): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  // 4xx is the client's mistake, not the server's (OpenTelemetry's HTTP conventions).
  if (status >= 500 || problem)
    span.setStatus({ code: SpanStatusCode.ERROR, ...(problem ? { message: problem } : {}) });
  span.end();
}

/**
 * A call to another service: a client span around `send`, which gets the headers that carry
 * the trace on (`traceparent`) to add to its request.
 */
export function traceOutgoingRequest<TResponse extends { status: number }>(
  request: { method: string; url: string; spanName?: string },
  send: (traceHeaders: Record<string, string>) => Promise<TResponse>,
): Promise<TResponse> {
  const url = new URL(request.url);
  return tracer.startActiveSpan(
    request.spanName ?? request.method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_FULL]: `${url.origin}${url.pathname}`,
        [ATTR_SERVER_ADDRESS]: url.hostname,
        ...(url.port ? { [ATTR_SERVER_PORT]: Number(url.port) } : {}),
      },
    },
    (span) =>
      endWhenSettled(span, async () => {
        const response = await send(injectTraceContext());
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
        if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      }),
  );
}
