import type { IncomingMessage } from 'node:http';
import type { Caller } from '@shop/platform/auth';
import { currentRequestContext } from '@shop/platform/request-context';

/** What the gateway knows about one client request while planning and fetching. */
export interface GatewayContext {
  requestId: string;
  /** The verified user behind the request; null for anonymous requests. */
  caller: Caller | null;
}

/** The context of each request: its id and the caller its bearer token proved (see auth/authenticate). */
export function gatewayContextFactory(callerOf: (req: IncomingMessage) => Caller | null) {
  return async (req: IncomingMessage): Promise<GatewayContext> => ({
    requestId: currentRequestContext()?.requestId ?? 'unknown',
    caller: callerOf(req),
  });
}
