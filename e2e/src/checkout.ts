import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { type SeedPlan, seedIds } from '@shop/devkit/seed';
import { createTestEventBus } from '@shop/devkit/testing';
import postgres from 'postgres';
import type { GraphQLResponse, TestStack } from './test-stack';

/**
 * What the checkout tests share: a small seed plan (stacks start in seconds), the operations a
 * shop's client sends for checkout, customers with real tokens from accounts, and waiting for
 * orders to end their saga. Everything goes through the gateway over HTTP, as a client's would.
 */

/** A small catalog with no past orders: every unit sold in a test was sold by that test. */
export const CHECKOUT_SEED_PLAN: SeedPlan = {
  seed: 11,
  categories: 2,
  products: 8,
  users: 4,
  reviews: 0,
  orders: 0,
};

/**
 * These tests check the saga, not latency: a rush of 200 placeOrders on 2 shared cores can keep
 * the orders subgraph busy past the gateway's default 5 s per call, and a circuit opened by those
 * timeouts would then fail calls that were fine.
 */
export const ROOMY_GATEWAY_ENV: Record<string, string> = {
  SUBGRAPH_TIMEOUT_MS: '20000',
  CIRCUIT_MIN_REQUESTS: '1000',
};

/** Saga settings for stacks whose processes get killed: a dead consumer's events come back in seconds. */
export const QUICK_REDELIVERY_ENV: Record<string, string> = {
  ...ROOMY_GATEWAY_ENV,
  EVENTS_HANDLER_TIMEOUT_SECONDS: '2',
  EVENTS_RETRY_DELAY_MS: '100',
  // A restarted subgraph is tried again soon instead of after the default 2 s of open circuit.
  CIRCUIT_RESET_MS: '300',
};

/** The machine's shared NATS server; tests that use it fail (never skip) when it is not there. */
export const NATS_URL = process.env.NATS_URL?.trim() || 'nats://127.0.0.1:4222';

export type Transport = 'pg-boss' | 'nats';
export const TRANSPORTS: readonly Transport[] = ['pg-boss', 'nats'];

/** Fails (never skips) with a message saying how to start NATS when there is none at NATS_URL. */
export async function assertNatsReachable(): Promise<void> {
  await (await createTestEventBus('nats')).drop();
}

/** The environment that puts a test stack's events on `transport`. */
export function transportEnv(transport: Transport, natsUrl = NATS_URL): Record<string, string> {
  return { NATS_URL: transport === 'nats' ? natsUrl : '' };
}

/** Where a saga ends (Order.state). */
export const FINAL_STATES = ['CONFIRMED', 'REJECTED', 'CANCELLED'] as const;

export interface Money {
  amount: number;
  currency: string;
}

/** An order as the checkout tests read it through the gateway. */
export interface OrderView {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
  state: string;
  failureReason: string | null;
  total: Money;
  lines: { product: { id: string }; quantity: number; unitPrice: Money }[];
  payment: { id: string; status: 'CHARGED' | 'DECLINED' | 'REFUNDED'; amount: Money } | null;
}

export interface StockView {
  available: number;
  reserved: number;
  sold: number;
}

const ORDER_FIELDS = /* GraphQL */ `
  id status state failureReason
  total { amount currency }
  lines { product { id } quantity unitPrice { amount currency } }
  payment { id status amount { amount currency } }
`;

export const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }
`;
export const ORDER = /* GraphQL */ `
  query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }
`;
export const CANCEL_ORDER = /* GraphQL */ `
  mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }
`;
export const PRODUCT_STOCK = /* GraphQL */ `
  query ProductStock($id: ID) { product(id: $id) { id stock { available reserved sold } } }
`;
export const SET_STOCK = /* GraphQL */ `
  mutation SetStock($productId: ID!, $available: Int!) {
    setStock(productId: $productId, available: $available) { productId available reserved sold }
  }
`;
export const CREATE_PRODUCT = /* GraphQL */ `
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) { id sku price { amount currency } }
  }
`;
export const ADD_REVIEW = /* GraphQL */ `
  mutation AddReview($input: AddReviewInput!) { addReview(input: $input) { id verifiedPurchase } }
`;
const LOG_IN = /* GraphQL */ `
  mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { token user { id } } }
`;
const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id } } }
`;

export interface Customer {
  id: string;
  token: string;
}

export interface PlaceOrderInput {
  lines: { productId: string; quantity: number }[];
  paymentToken: string;
  idempotencyKey: string;
}

/** A seeded product of CHECKOUT_SEED_PLAN (index 0 … products - 1). */
export const checkoutProduct = (index: number): string => seedIds.product(index);

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The first error's code, or undefined. */
export function errorCode(response: GraphQLResponse<unknown>): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

/**
 * The checkout as a shop's client and its admin see it, over one test stack's gateway. Tokens
 * are real: issued by accounts on log-in and sign-up.
 */
export class CheckoutClient {
  private constructor(
    readonly stack: Pick<TestStack, 'graphql'>,
    readonly admin: Customer,
    readonly customers: Customer[],
  ) {}

  /** Logs in the seeded admin and Alice and Bob, and signs up `extraCustomers` more. */
  static async open(stack: Pick<TestStack, 'graphql'>, extraCustomers = 0): Promise<CheckoutClient> {
    const logIn = async (email: string, password: string): Promise<Customer> => {
      const answer = await stack.graphql<{ logIn: { token: string; user: { id: string } } }>(LOG_IN, {
        email,
        password,
      });
      const payload = answer.body.data?.logIn;
      if (!payload) throw new Error(`cannot log in ${email}: ${JSON.stringify(answer.body.errors)}`);
      return { id: payload.user.id, token: payload.token };
    };
    const signUp = async (index: number): Promise<Customer> => {
      const email = `shopper-${index}-${randomUUID().slice(0, 8)}@checkout.test`;
      const answer = await stack.graphql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, {
        input: { email, password: 'shopper-password', name: `Shopper ${index}` },
      });
      const payload = answer.body.data?.signUp;
      if (!payload) throw new Error(`cannot sign up ${email}: ${JSON.stringify(answer.body.errors)}`);
      return { id: payload.user.id, token: payload.token };
    };
    const [admin, alice, bob, ...others] = await Promise.all([
      logIn('admin@shop.test', 'admin-password'),
      logIn('alice@shop.test', 'customer-password'),
      logIn('bob@shop.test', 'customer-password'),
      ...Array.from({ length: extraCustomers }, (_, index) => signUp(index)),
    ]);
    if (!admin || !alice || !bob) throw new Error('the seeded admin and customers did not log in');
    return new CheckoutClient(stack, admin, [alice, bob, ...others]);
  }

  customer(index: number): Customer {
    const customer = this.customers[index % this.customers.length];
    if (!customer) throw new Error('no customers');
    return customer;
  }

  placeOrder(
    who: Customer,
    input: Omit<PlaceOrderInput, 'idempotencyKey'> & { idempotencyKey?: string },
  ): Promise<GraphQLResponse<{ placeOrder: OrderView }>> {
    return this.stack.graphql<{ placeOrder: OrderView }>(
      PLACE_ORDER,
      { input: { idempotencyKey: randomUUID(), ...input } },
      bearer(who.token),
    );
  }

  /** placeOrder that must succeed: the order as placed. */
  async placed(
    who: Customer,
    input: Omit<PlaceOrderInput, 'idempotencyKey'> & { idempotencyKey?: string },
  ): Promise<OrderView> {
    const answer = await this.placeOrder(who, input);
    const order = answer.body.data?.placeOrder;
    if (!order) throw new Error(`placeOrder failed: ${JSON.stringify(answer.body.errors ?? answer.body)}`);
    return order;
  }

  /**
   * What a client does when placeOrder fails on the way (a subgraph down or too slow to answer):
   * it asks again with the same idempotency key, so an order placed by a call whose answer was
   * lost is returned instead of placed twice. Other errors are thrown.
   */
  async placeRetrying(who: Customer, input: PlaceOrderInput, timeoutMs = 60_000): Promise<OrderView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.placeOrder(who, input).catch(() => null);
      const order = answer?.body.data?.placeOrder;
      if (order) return order;
      if (answer && errorCode(answer) !== 'INTERNAL_SERVER_ERROR')
        throw new Error(`placeOrder refused: ${JSON.stringify(answer.body.errors)}`);
      if (Date.now() > deadline) throw new Error(`placeOrder failed for ${timeoutMs} ms`);
      this.retries += 1;
      await sleep(200);
    }
  }

  /** placeOrder calls sent again by placeRetrying. */
  retries = 0;

  /** The order as `who` (the admin by default) sees it; throws on errors. */
  async order(id: string, who: Customer = this.admin): Promise<OrderView | null> {
    const answer = await this.stack.graphql<{ order: OrderView | null }>(ORDER, { id }, bearer(who.token));
    if (answer.body.errors)
      throw new Error(`order(${id}) failed: ${JSON.stringify(answer.body.errors)} (HTTP ${answer.status})`);
    return answer.body.data?.order ?? null;
  }

  cancelOrder(id: string, who: Customer): Promise<GraphQLResponse<{ cancelOrder: OrderView }>> {
    return this.stack.graphql<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id }, bearer(who.token));
  }

  async stock(productId: string): Promise<StockView> {
    const answer = await this.stack.graphql<{ product: { stock: StockView } | null }>(
      PRODUCT_STOCK,
      { id: productId },
      bearer(this.admin.token),
    );
    const stock = answer.body.data?.product?.stock;
    if (!stock || answer.body.errors)
      throw new Error(`the stock of ${productId}: ${JSON.stringify(answer.body.errors ?? answer.body)}`);
    return stock;
  }

  async setStock(productId: string, available: number): Promise<StockView> {
    const answer = await this.stack.graphql<{ setStock: StockView }>(
      SET_STOCK,
      { productId, available },
      bearer(this.admin.token),
    );
    const stock = answer.body.data?.setStock;
    if (!stock) throw new Error(`setStock(${productId}) failed: ${JSON.stringify(answer.body.errors)}`);
    return stock;
  }

  /** setStock of a product just created: inventory knows it once the catalog's event arrived (NOT_FOUND until then). */
  async setStockOnceKnown(productId: string, available: number, timeoutMs = 15_000): Promise<StockView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.stack.graphql<{ setStock: StockView }>(
        SET_STOCK,
        { productId, available },
        bearer(this.admin.token),
      );
      const stock = answer.body.data?.setStock;
      if (stock) return stock;
      if (answer.body.errors?.[0]?.extensions?.code !== 'NOT_FOUND' || Date.now() > deadline)
        throw new Error(`setStock(${productId}) failed: ${JSON.stringify(answer.body.errors)}`);
      await sleep(100);
    }
  }

  /** Reads a product's stock until `done` holds (inventory hears of a saga's end after the order does), or the time is up. */
  async waitForStock(
    productId: string,
    done: (stock: StockView) => boolean,
    timeoutMs = 15_000,
  ): Promise<StockView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stock = await this.stock(productId);
      if (done(stock) || Date.now() > deadline) return stock;
      await sleep(100);
    }
  }

  /**
   * Waits until every order is in a final state and returns them; throws, naming the ones still
   * pending and their saga states, when `timeoutMs` passes first.
   */
  async waitUntilFinal(ids: readonly string[], timeoutMs: number): Promise<Map<string, OrderView>> {
    const final = new Map<string, OrderView>();
    const last = new Map<string, OrderView | null>();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = ids.filter((id) => !final.has(id));
      await mapConcurrently(pending, 16, async (id) => {
        try {
          const order = await this.order(id);
          last.set(id, order);
          if (order && isFinal(order)) final.set(id, order);
        } catch {
          // A subgraph restarting: the next round asks again.
        }
      });
      if (final.size === ids.length) return final;
      if (Date.now() > deadline) {
        const stuck = ids
          .filter((id) => !final.has(id))
          .map((id) => `${id}: ${last.get(id)?.state ?? 'unreadable'}`);
        throw new Error(
          `${stuck.length} of ${ids.length} orders not final after ${timeoutMs} ms: ${stuck.slice(0, 10).join(', ')}`,
        );
      }
      await sleep(200);
    }
  }
}

export function isFinal(order: Pick<OrderView, 'state'>): boolean {
  return (FINAL_STATES as readonly string[]).includes(order.state);
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function mapConcurrently<TItem, TResult>(
  items: readonly TItem[],
  limit: number,
  work: (item: TItem, index: number) => Promise<TResult>,
): Promise<TResult[]> {
  const results: TResult[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as TItem, index);
    }
  });
  await Promise.all(workers);
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sum of amounts, checking they are all in one currency. */
export function sumMoney(amounts: readonly Money[]): number {
  const currencies = new Set(amounts.map((money) => money.currency));
  if (currencies.size > 1) throw new Error(`amounts in several currencies: ${[...currencies].join(', ')}`);
  return amounts.reduce((sum, money) => sum + money.amount, 0);
}

/**
 * The payment processor's own record (payments' `processor_operations`, kept apart from its
 * `payments` rows as a real provider's would be): what it actually charged and refunded, one row
 * per idempotency key (`charge:<orderId>`, `refund:<orderId>`). Read straight from payments'
 * database, as an auditor would.
 */
export interface ProcessorOperation {
  idempotencyKey: string;
  kind: 'charge' | 'refund';
  orderId: string;
  amount: number;
  /** Whether the processor moved the money (not declined, not failed). */
  succeeded: boolean;
  row: Record<string, unknown>;
}

export async function readProcessorLedger(paymentsDatabaseUrl: string): Promise<ProcessorOperation[]> {
  const sql = postgres(paymentsDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<Record<string, unknown>[]>`select * from processor_operations`;
    return rows.map((row) => {
      const idempotencyKey = String(row.idempotency_key);
      const [kind, orderId] = idempotencyKey.split(':');
      if ((kind !== 'charge' && kind !== 'refund') || !orderId)
        throw new Error(`unexpected idempotency key ${idempotencyKey} in the processor's ledger`);
      return {
        idempotencyKey,
        kind,
        orderId,
        amount: Number(row.amount),
        succeeded: String(row.status ?? row.outcome ?? row.result).toLowerCase() === 'succeeded',
        row,
      };
    });
  } finally {
    await sql.end();
  }
}

/** A service's events_consumed_total for one event type and outcome (`handled` or `duplicate`), from its /metrics. */
export async function consumedEvents(
  stack: Pick<TestStack, 'subgraphs'>,
  service: string,
  type: string,
  outcome: 'handled' | 'duplicate',
): Promise<number> {
  const port = stack.subgraphs.get(service)?.port;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('events_consumed_total{') &&
        line.includes(`consumer="${service}"`) &&
        line.includes(`type="${type}"`) &&
        line.includes(`outcome="${outcome}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/**
 * Events a service gave up on (its `dead_letters` rows), as `service: type (reason)`; services
 * without the table consume nothing. After a saga test there should be none.
 */
export async function deadLetters(stack: Pick<TestStack, 'databaseUrls'>): Promise<string[]> {
  const found: string[] = [];
  for (const [service, url] of stack.databaseUrls) {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [table] = await sql<
        { exists: boolean }[]
      >`select to_regclass('dead_letters') is not null as exists`;
      if (!table?.exists) continue;
      const rows = await sql<
        { type: string | null; reason: string }[]
      >`select type, reason from dead_letters`;
      for (const row of rows) found.push(`${service}: ${row.type ?? 'unreadable'} (${row.reason})`);
    } finally {
      await sql.end();
    }
  }
  return found;
}

/** Kills a subgraph without warning (SIGKILL: no shutdown, transactions cut mid-way). */
export async function killSubgraph(stack: TestStack, service: string): Promise<void> {
  const process = stack.subgraphs.get(service);
  if (!process) throw new Error(`no subgraph ${service}`);
  process.child.kill('SIGKILL');
  await process.exited;
}

/** A TCP proxy to a server the machine shares (NATS), whose connections a test can cut and give back. */
export interface CuttableProxy {
  /** nats://127.0.0.1:<port>: where services connect instead of the server itself. */
  url: string;
  /** Drops every open connection and refuses new ones, as a server gone from the network would. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function openCuttableProxy(target: string): Promise<CuttableProxy> {
  const upstream = new URL(target.includes('://') ? target : `nats://${target}`);
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const server = connect(Number(upstream.port || 4222), upstream.hostname);
    const end = () => {
      for (const socket of [client, server]) {
        socket.destroy();
        sockets.delete(socket);
      }
    };
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('error', end).on('close', end);
    }
    client.pipe(server).pipe(client);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('the proxy has no port'));
    });
  });
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: `${upstream.protocol}//127.0.0.1:${port}`,
    cut() {
      open = false;
      dropAll();
    },
    restore() {
      open = true;
    },
    close() {
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
