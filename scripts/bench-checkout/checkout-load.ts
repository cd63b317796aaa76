import { randomUUID } from 'node:crypto';

/** Where the load goes and who sends it: customers' and the admin's tokens from accounts. */
export interface CheckoutTarget {
  gatewayUrl: string;
  customerTokens: readonly string[];
  /** Reads every order's state (customers could read only their own). */
  adminToken: string;
  productIds: readonly string[];
}

export interface CheckoutLoadSettings {
  rate: number;
  durationSeconds: number;
  drainSeconds: number;
}

export interface FinalOrder {
  state: string;
  /** From sending placeOrder to the first poll that saw the order in a final state. */
  latencyMs: number;
  /** When that poll answered, from the start of the load. */
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
// The gateway allows 20 root fields per operation: that many orders are read per poll.
const ORDERS_PER_POLL = 20;
const POLL_PAUSE_MS = 25;
const POLLS_AT_ONCE = 4;
const PLACE_ORDER = /* GraphQL */ `
  mutation BenchPlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id state } }
`;

/**
 * Sends placeOrder at a steady pace (an open model: one call every 1/rate s, whether or not
 * the earlier ones have been answered) and watches each accepted order until its saga ends, by
 * reading the pending orders' states in batches, one poll right after the other.
 */
export async function runCheckoutLoad(
  target: CheckoutTarget,
  settings: CheckoutLoadSettings,
): Promise<CheckoutLoadResult> {
  const startedAt = performance.now();
  const pending = new Map<string, number>();
  const finals: FinalOrder[] = [];
  const placeLatenciesMs: number[] = [];
  const placeErrors: Record<string, number> = {};
  let accepted = 0;
  let sending = true;

  const settle = (id: string, state: string, sentAt: number) => {
    const now = performance.now();
    pending.delete(id);
    finals.push({ state, latencyMs: now - sentAt, finalAtMs: now - startedAt });
  };

  const place = async (index: number): Promise<void> => {
    const sentAt = performance.now();
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
      placeLatenciesMs.push(performance.now() - sentAt);
      if (FINAL_STATES.has(order.state)) settle(order.id, order.state, sentAt);
      else pending.set(order.id, sentAt);
    } catch (error) {
      count(placeErrors, (error as Error).message);
    }
  };

  const poll = async (ids: string[]): Promise<void> => {
    const fields = ids.map((id, i) => `o${i}: order(id: ${JSON.stringify(id)}) { id state }`).join(' ');
    try {
      const body = await graphql<Record<string, { id: string; state: string } | null>>(
        target.gatewayUrl,
        `query BenchOrderStates { ${fields} }`,
        {},
        target.adminToken,
      );
      for (const order of Object.values(body.data ?? {})) {
        const sentAt = order ? pending.get(order.id) : undefined;
        if (order && sentAt !== undefined && FINAL_STATES.has(order.state))
          settle(order.id, order.state, sentAt);
      }
    } catch {
      // The next poll asks again.
    }
  };

  const watcher = (async () => {
    let drainDeadline = Number.POSITIVE_INFINITY;
    while (sending || (pending.size > 0 && performance.now() < drainDeadline)) {
      if (!sending && drainDeadline === Number.POSITIVE_INFINITY)
        drainDeadline = performance.now() + settings.drainSeconds * 1000;
      // Every pending order in each round (a backlog must not hide the newest), a few batches at a time.
      const ids = [...pending.keys()];
      const batches: string[][] = [];
      for (let i = 0; i < ids.length; i += ORDERS_PER_POLL) batches.push(ids.slice(i, i + ORDERS_PER_POLL));
      for (let i = 0; i < batches.length; i += POLLS_AT_ONCE)
        await Promise.all(batches.slice(i, i + POLLS_AT_ONCE).map(poll));
      await sleep(POLL_PAUSE_MS);
    }
  })();

  const total = Math.max(1, Math.round(settings.rate * settings.durationSeconds));
  const intervalMs = 1000 / settings.rate;
  const placing: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = startedAt + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    placing.push(place(index));
  }
  const sendWindowMs = performance.now() - startedAt;
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
