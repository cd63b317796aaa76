import type { IncomingMessage } from 'node:http';
import type { Caller } from '@shop/platform/auth';
import { currentRequestContext } from '@shop/platform/request-context';

/** What the gateway knows about one client request while planning and fetching. */
export interface GatewayContext {
  requestId: string;
  /** The verified user behind the request; null for anonymous requests. */
  caller: Caller | null;
}

export async function createGatewayContext(_req: IncomingMessage): Promise<GatewayContext> {
  return { requestId: currentRequestContext()?.requestId ?? 'unknown', caller: null };
}
