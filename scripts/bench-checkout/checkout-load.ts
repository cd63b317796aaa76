import { randomUUID } from 'node:crypto';
import type { FinalStateReader } from './final-states';

/** Where the load goes and who sends it: customers' and the admin's tokens from accounts. */
export interface CheckoutTarget {
  gatewayUrl: string;
  customerTokens: readonly string[];
  productIds: readonly string[];
}

export interface CheckoutLoadSettings {
  rate: number;
  durationSeconds: number;
  drainSeconds: number;
}

export interface FinalOrder {
  state: string;
  /** From sending placeOrder to the transaction that made the order final. */
  latencyMs: number;
  /** When that transaction began, from the start of the load. */
  finalAtMs: number;
}

export interface CheckoutLoadResult {
  sent: number;
  /** placeOrder answered with an order. */
  accepted: number;
  /** placeOrder answered with errors (or not at all), by first error code or message. */
  placeErrors: Record<string, number>;
  /** How long placeOrder itself took (the order written, the saga not yet run). */
  placeLatenciesMs: number[];
  finals: FinalOrder[];
  /** Orders still in their saga when the drain time ran out. */
  unfinished: number;
  /** The send window: from the first placeOrder to the last. */
  sendWindowMs: number;
}

const FINAL_STATES = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);
// How often the orders' database is asked which pending orders have ended.
const READ_PAUSE_MS = 100;
const PLACE_ORDER = /* GraphQL */ `
  mutation BenchPlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id state } }
`;

/**
 * Sends placeOrder at a steady pace (an open model: one call every 1/rate s, whether or not
 * the earlier ones have been answered) and watches each accepted order until its saga ends,
 * through `finalStates` (a read beside the system, not through it).
 */
export async function runCheckoutLoad(
  target: CheckoutTarget,
  settings: CheckoutLoadSettings,
  finalStates: FinalStateReader,
): Promise<CheckoutLoadResult> {
  // Epoch ms: the final states carry the database's clock, the same machine's.
  const startedAt = Date.now();
  const pending = new Map<string, number>();
  const finals: FinalOrder[] = [];
  const placeLatenciesMs: number[] = [];
  const placeErrors: Record<string, number> = {};
  let accepted = 0;
  let sending = true;

  const settle = (id: string, state: string, sentAt: number, finishedAt: number) => {
    pending.delete(id);
    finals.push({ state, latencyMs: finishedAt - sentAt, finalAtMs: finishedAt - startedAt });
  };

  const place = async (index: number): Promise<void> => {
    const sentAt = Date.now();
    try {
      const body = await graphql<{ placeOrder: { id: string; state: string } }>(
        target.gatewayUrl,
        PLACE_ORDER,
        {
          input: {
            lines: [{ productId: pick(target.productIds, index), quantity: 1 }],
            paymentToken: 'tok_ok',
            idempotencyKey: randomUUID(),
          },
        },
        pick(target.customerTokens, index),
      );
      const order = body.data?.placeOrder;
      if (!order) {
        const error = body.errors?.[0];
        count(placeErrors, String(error?.extensions?.code ?? error?.message ?? 'no data'));
        return;
      }
      accepted += 1;
      placeLatenciesMs.push(Date.now() - sentAt);
      if (FINAL_STATES.has(order.state)) settle(order.id, order.state, sentAt, Date.now());
      else pending.set(order.id, sentAt);
    } catch (error) {
      count(placeErrors, (error as Error).message);
    }
  };

  const watcher = (async () => {
    let drainDeadline = Number.POSITIVE_INFINITY;
    while (sending || (pending.size > 0 && Date.now() < drainDeadline)) {
      if (!sending && drainDeadline === Number.POSITIVE_INFINITY)
        drainDeadline = Date.now() + settings.drainSeconds * 1000;
      try {
        for (const order of await finalStates.read([...pending.keys()])) {
          const sentAt = pending.get(order.id);
          if (sentAt !== undefined) settle(order.id, order.state, sentAt, order.finishedAt);
        }
      } catch {
        // The next round asks again.
      }
      await sleep(READ_PAUSE_MS);
    }
  })();

  const total = Math.max(1, Math.round(settings.rate * settings.durationSeconds));
  const intervalMs = 1000 / settings.rate;
  const placing: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = startedAt + index * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    placing.push(place(index));
  }
  const sendWindowMs = Date.now() - startedAt;
  await Promise.all(placing);
  sending = false;
  await watcher;

  return {
    sent: total,
    accepted,
    placeErrors,
    placeLatenciesMs,
    finals,
    unfinished: pending.size,
    sendWindowMs,
  };
}

interface GraphQLBody<TData> {
  data?: TData | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function graphql<TData>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<GraphQLBody<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  return (await response.json()) as GraphQLBody<TData>;
}

function pick<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
