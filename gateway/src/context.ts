import type { IncomingMessage } from 'node:http';
import type { Caller } from '@shop/platform/auth';
import { currentRequestContext } from '@shop/platform/request-context';
import type { AccessTokenVerifier } from './auth/access-tokens';

/** What the gateway knows about one client request while planning and fetching. */
export interface GatewayContext {
  requestId: string;
  /** The verified user behind the request; null for anonymous requests. */
  caller: Caller | null;
}

/** The context of each request: its id and the caller its bearer token proves (an invalid token fails the request). */
export function gatewayContextFactory(verifyAccessToken: AccessTokenVerifier) {
  return async (req: IncomingMessage): Promise<GatewayContext> => ({
    requestId: currentRequestContext()?.requestId ?? 'unknown',
    caller: await verifyAccessToken(req.headers.authorization),
  });
}
