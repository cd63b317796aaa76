import type { IncomingMessage } from 'node:http';
import type { Caller } from '@shop/platform/auth';
import { type RouteHandler, sendJson } from '@shop/platform/http';
import type { AccessTokenVerifier } from './access-tokens';

/**
 * Verifies the bearer token of each GraphQL request before anything else is done with it. An
 * invalid, expired or forged token is answered 401 UNAUTHENTICATED with the challenge RFC 6750
 * asks for (never treated as anonymous); no token is anonymous. `callerOf` gives the request's
 * verified caller to the GraphQL context.
 */
export function bearerAuthentication(verify: AccessTokenVerifier) {
  const callers = new WeakMap<IncomingMessage, { caller: Caller | null; expiresAt: number | null }>();
  return {
    wrap(handler: RouteHandler): RouteHandler {
      return async (req, res) => {
        const authentication = await verify(req.headers.authorization);
        switch (authentication.outcome) {
          case 'caller':
            callers.set(req, { caller: authentication.caller, expiresAt: authentication.expiresAt });
            return handler(req, res);
          case 'invalid':
            res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
            sendJson(res, 401, {
              errors: [{ message: authentication.message, extensions: { code: 'UNAUTHENTICATED' } }],
            });
            return;
          case 'keys-unavailable':
            sendJson(res, 503, {
              errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
            });
            return;
        }
      };
    },
    callerOf: (req: IncomingMessage): Caller | null => callers.get(req)?.caller ?? null,
    /** When the request's token expires (ms since the epoch); null when anonymous. */
    expiryOf: (req: IncomingMessage): number | null => callers.get(req)?.expiresAt ?? null,
  };
}
