import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { requestIdFrom, runWithRequestContext } from '../request-context';
import { startServerSpan } from '../telemetry/http-spans';
import { clientAddressOf } from './client-address';
import { HttpError, sendJson } from './respond';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Routes by exact method and path, e.g. `{ 'GET /health': handler }`. */
export type Routes = Record<string, RouteHandler>;

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  routes: Routes;
  /** Seconds an idle kept-alive connection stays open; callers must use a shorter idle timeout than this. */
  keepAliveTimeoutSeconds?: number;
  /** Proxies in front of this server that append to `X-Forwarded-For` (see `clientAddressOf`); 0 by default. */
  trustedProxyHops?: number;
}

// Probes and scrapes arrive every few seconds and say nothing about a user's request: no spans.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * The HTTP server under every service and the gateway: exact routes, a request id on every
 * request (taken from `x-request-id` or made) that logs and downstream calls carry, the
 * client's address, a trace span continuing the caller's trace, request metrics, and a JSON 500
 * that tells nothing internal when a handler throws.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const { logger, metrics, routes } = options;
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const method = req.method ?? 'GET';
    const key = `${method === 'HEAD' ? 'GET' : method} ${path}`;
    const handler = routes[key];
    const route = handler ? path : 'unmatched';
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method, route, status: res.statusCode });
      metrics.httpRequestDuration.observe({ method, route }, seconds);
    });
    const traceContext = UNTRACED_PATHS.has(path)
      ? context.active()
      : startServerSpan(req, res, { method, path, route: handler ? path : undefined });
    const clientAddress = clientAddressOf(req, options.trustedProxyHops ?? 0);
    context.with(traceContext, () =>
      runWithRequestContext({ requestId, clientAddress }, async () => {
        if (!handler) {
          const allowed = Object.keys(routes)
            .filter((candidate) => candidate.endsWith(` ${path}`))
            .map((candidate) => candidate.split(' ')[0]);
          if (allowed.length > 0) res.setHeader('allow', allowed.join(', '));
          sendJson(res, allowed.length > 0 ? 405 : 404, {
            error: allowed.length > 0 ? 'method not allowed' : 'not found',
          });
          return;
        }
        try {
          await handler(req, res);
        } catch (error) {
          const status = error instanceof HttpError ? error.status : 500;
          if (status === 500) logger.error({ err: error, path }, 'request failed');
          if (!res.headersSent)
            sendJson(res, status, {
              error: status === 500 ? 'internal server error' : (error as Error).message,
            });
          else res.destroy();
        }
      }),
    );
  });
  const keepAlive = (options.keepAliveTimeoutSeconds ?? 65) * 1000;
  server.keepAliveTimeout = keepAlive;
  // Must exceed keepAliveTimeout, or Node may close a socket a client is about to reuse.
  server.headersTimeout = keepAlive + 1000;
  server.requestTimeout = 60_000;
  return server;
}

/** Listens, turning "port in use" into a clear error instead of an unhandled event. */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use: stop what is using it or set PORT`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('server is not listening on a TCP port');
  return address.port;
}
