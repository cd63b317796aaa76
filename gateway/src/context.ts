import type { IncomingMessage } from 'node:http';
import { currentRequestContext } from '@shop/platform/request-context';

/** What the gateway knows about one client request while planning and fetching. */
export interface GatewayContext {
  requestId: string;
}

export async function createGatewayContext(_req: IncomingMessage): Promise<GatewayContext> {
  return { requestId: currentRequestContext()?.requestId ?? 'unknown' };
}
