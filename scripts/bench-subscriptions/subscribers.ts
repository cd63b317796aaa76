import { randomUUID } from 'node:crypto';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { CheckoutTarget } from '../bench-checkout/checkout-load';

const FINAL = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);

const ORDER_UPDATED = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status updatedAt } }';
const PLACE_ORDER =
  'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status updatedAt } }';

/** What one subscriber saw of its order. */
export interface FollowedOrder {
  /** When placeOrder answered (epoch ms). */
  placedAt: number;
  /** The status of the subscription's first event: the order as it was when the subscription opened. */
  firstStatus: string | null;
  finalStatus: string | null;
  /** When the final event reached the subscriber (epoch ms). */
  finalReceivedAt: number | null;
  /** The order's updatedAt in that event: set by the saga's transaction that made it final (epoch ms). */
  finalCommittedAt: number | null;
  error: string | null;
}

/** Subscribers connected and authenticated, one WebSocket each, before any order exists. */
export interface Subscribers {
  /** Places an order as subscriber `index`'s customer, then subscribes to it on that subscriber's socket. */
  placeAndFollow(index: number): Promise<void>;
  followed: readonly FollowedOrder[];
  /** Subscribers whose order reached a final state (or failed). */
  settled(): number;
  close(): Promise<void>;
}

export async function connectSubscribers(target: CheckoutTarget, count: number): Promise<Subscribers> {
  const tokenOf = (index: number) => target.customerTokens[index % target.customerTokens.length] as string;
  const clients: Client[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, index) => {
      const client = createClient({
        url: target.gatewayUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: { authorization: `Bearer ${tokenOf(index)}` },
      });
      clients.push(client);
      return new Promise<void>((resolve, reject) => {
        client.on('connected', () => resolve());
        client.on('closed', (event) =>
          reject(new Error(`a subscriber's socket closed: ${String((event as { code?: number }).code)}`)),
        );
      });
    }),
  );
  const followed: FollowedOrder[] = [];
  let settled = 0;
  return {
    followed,
    settled: () => settled,
    async placeAndFollow(index) {
      const client = clients[index] as Client;
      const response = await fetch(target.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(index)}` },
        body: JSON.stringify({
          query: PLACE_ORDER,
          variables: {
            input: {
              idempotencyKey: randomUUID(),
              lines: [{ productId: target.productIds[index % target.productIds.length], quantity: 1 }],
              paymentToken: 'tok_ok',
            },
          },
        }),
      });
      const body = (await response.json()) as { data?: { placeOrder?: { id: string } }; errors?: unknown };
      const order: FollowedOrder = {
        placedAt: Date.now(),
        firstStatus: null,
        finalStatus: null,
        finalReceivedAt: null,
        finalCommittedAt: null,
        error: null,
      };
      followed.push(order);
      const id = body.data?.placeOrder?.id;
      if (!id) {
        order.error = `placeOrder: ${JSON.stringify(body.errors ?? response.status)}`;
        settled += 1;
        return;
      }
      client.subscribe<{ orderUpdated: { status: string; updatedAt: string } }>(
        { query: ORDER_UPDATED, variables: { id } },
        {
          next: (result) => {
            const receivedAt = Date.now();
            const event = result.data?.orderUpdated;
            if (!event) {
              order.error ??= JSON.stringify(result.errors);
              return;
            }
            order.firstStatus ??= event.status;
            if (order.finalStatus || !FINAL.has(event.status)) return;
            order.finalStatus = event.status;
            order.finalReceivedAt = receivedAt;
            order.finalCommittedAt = Date.parse(event.updatedAt);
            settled += 1;
          },
          error: (error) => {
            if (!order.finalStatus) settled += 1;
            order.error ??= Array.isArray(error) ? JSON.stringify(error) : String(error);
          },
          // A CONFIRMED order's subscription stays open (only REJECTED and CANCELLED end it).
          complete: () => {},
        },
      );
    },
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}
