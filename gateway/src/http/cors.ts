import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RouteHandler, sendJson } from '@shop/platform/http';

// PUT and DELETE, and the stream token: GraphQL over SSE's single-connection mode.
const ALLOWED_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';
const ALLOWED_HEADERS =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id, x-graphql-event-stream-token, apollographql-client-name, apollographql-client-version';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for browser apps on other origins, from `CORS_ORIGINS` (none by default: only same-origin
 * pages and non-browser clients can read answers). Allowed origins get their own origin echoed
 * back, never `*` with credentials, and `Vary: Origin` so caches keep answers apart.
 */
export function corsPolicy(origins: readonly string[]) {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  const allows = (origin: string | undefined): origin is string =>
    origin !== undefined && (anyOrigin || allowed.has(origin));

  const allowOrigin = (req: IncomingMessage, res: ServerResponse): boolean => {
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    if (!allows(origin)) return false;
    res.setHeader('access-control-allow-origin', origin);
    return true;
  };

  return {
    /**
     * A WebSocket upgrade (browsers send Origin but no preflight, and read what the socket says):
     * an allowed origin, the gateway's own (a page it served), or none (not a browser) may open one.
     */
    acceptsUpgrade(req: IncomingMessage): boolean {
      const origin = req.headers.origin;
      if (origin === undefined || allows(origin)) return true;
      const host = req.headers.host;
      return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
    },
    /** The same handler, with CORS headers on answers to allowed origins. */
    wrap(handler: RouteHandler): RouteHandler {
      return (req, res) => {
        if (allowOrigin(req, res)) res.setHeader('access-control-expose-headers', 'x-request-id');
        return handler(req, res);
      };
    },
    /** `OPTIONS /graphql`: 204 with what an allowed origin may send, 403 for any other origin. */
    preflight: ((req, res) => {
      if (!allowOrigin(req, res)) {
        sendJson(res, 403, { error: 'origin not allowed' });
        return;
      }
      res.writeHead(204, {
        'access-control-allow-methods': ALLOWED_METHODS,
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
      });
      res.end();
    }) satisfies RouteHandler,
  };
}
