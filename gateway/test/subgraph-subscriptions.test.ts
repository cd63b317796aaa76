import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeenNonces, verifyGatewayRequest } from '@shop/platform/auth';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { SUBSCRIPTION_PROOF_REQUEST } from '@shop/platform/service';
import { buildSchema } from 'graphql';
import { useServer as serveGraphQLOverWebSocket } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { SubgraphEvent } from '../src/execution/subscription-events';
import { SUBSCRIPTION_QUEUE_LIMIT, subgraphSubscriptions } from '../src/subscriptions/subgraph-subscriptions';
import { subgraphSubscriptionSockets } from '../src/subscriptions/subscription-metrics';

/**
 * The gateway's side of a subgraph's subscriptions, against a real graphql-ws server: the init
 * is signed for the caller, a client that does not read is not buffered past the limit, and
 * every way a subscription ends closes its socket.
 */
const SECRET = 'a-test-secret-long-enough-for-the-gateway-proof';
const schema = buildSchema('type Query { ok: Boolean } type Subscription { count(to: Int!): Int! }');
const callers: (string | null)[] = [];
let server: Server;
let webSockets: WebSocketServer;
let url: string;

beforeAll(async () => {
  server = createServer();
  webSockets = new WebSocketServer({ server, path: '/graphql' });
  serveGraphQLOverWebSocket(
    {
      schema,
      roots: {
        subscription: {
          count: async function* ({ to }: { to: number }) {
            for (let i = 1; i <= to; i++) yield { count: i };
          },
        },
      },
      onConnect: (ctx) => {
        const headers = (ctx.connectionParams?.headers ?? {}) as Record<string, string>;
        const proven = verifyGatewayRequest(SECRET, {
          ...SUBSCRIPTION_PROOF_REQUEST,
          headers,
          nonces: new SeenNonces(),
        });
        callers.push(proven.caller?.userId ?? null);
        return true;
      },
    },
    webSockets,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  for (const client of webSockets.clients) client.terminate();
  await new Promise((resolve) => webSockets.close(resolve));
  await new Promise((resolve) => server.close(resolve));
});

function source() {
  const metrics = createMetrics('gateway');
  const subscriptions = subgraphSubscriptions({
    name: 'counter',
    url,
    secret: SECRET,
    sockets: subgraphSubscriptionSockets(metrics),
    logger: createLogger('gateway', 'silent'),
  });
  const openSockets = async () =>
    (await metrics.registry.getSingleMetric('gateway_subgraph_subscription_sockets')?.get())?.values[0]
      ?.value;
  return { subscriptions, openSockets };
}

const request = (to: number) => ({
  query: 'subscription ($to: Int!) { count(to: $to) }',
  operationName: undefined,
  variables: { to },
  caller: { userId: 'user-1', role: 'CUSTOMER' as const, scopes: [] },
  clientAddress: '203.0.113.9',
});

async function drain(
  events: AsyncIterableIterator<SubgraphEvent>,
): Promise<{ read: number; error: unknown }> {
  let read = 0;
  try {
    for await (const _event of events) read++;
    return { read, error: null };
  } catch (error) {
    return { read, error };
  }
}

describe('a subgraph subscription opened by the gateway', () => {
  it('signs the init for the caller, delivers every event in order, and closes its socket at the end', async () => {
    const { subscriptions, openSockets } = source();
    const events = subscriptions.open(request(3));
    const received: unknown[] = [];
    for await (const event of events) received.push(event.data);
    expect(received).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }]);
    expect(callers.at(-1)).toBe('user-1');
    await expect.poll(openSockets).toBe(0);
  });

  it(`ends with SUBSCRIPTION_ENDED when more than ${SUBSCRIPTION_QUEUE_LIMIT} events wait for a client that does not read`, async () => {
    const { subscriptions, openSockets } = source();
    const connected = callers.length;
    const events = subscriptions.open(request(SUBSCRIPTION_QUEUE_LIMIT * 3));
    // Not reading while the subgraph sends them all and completes (its socket then closes).
    await expect.poll(() => callers.length).toBe(connected + 1);
    await expect.poll(openSockets).toBe(0);
    const { read, error } = await drain(events);
    expect(read).toBe(SUBSCRIPTION_QUEUE_LIMIT);
    expect(error).toMatchObject({ extensions: { code: 'SUBSCRIPTION_ENDED' } });
    await expect.poll(openSockets).toBe(0);
  });

  it('closes the socket at once when the client stops reading', async () => {
    const { subscriptions, openSockets } = source();
    const events = subscriptions.open(request(1_000_000));
    await events.next();
    expect(await openSockets()).toBe(1);
    await events.return?.();
    await expect.poll(openSockets).toBe(0);
  });
});
