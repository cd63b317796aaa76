import postgres from 'postgres';

/** An order the saga has finished, as its own database holds it. */
export interface FinishedOrder {
  id: string;
  state: string;
  /** When the transaction that made it final began (`updated_at = now()`), epoch ms. */
  finishedAt: number;
}

/** The benchmark's own reads of a service's database: one connection, and no statement may hang the run. */
export const READER_OPTIONS = {
  max: 1,
  connect_timeout: 10,
  connection: { statement_timeout: 10_000 },
  onnotice: () => {},
} as const;

export interface FinalStateReader {
  /** The orders among `ids` in a final state. */
  read(ids: readonly string[]): Promise<FinishedOrder[]>;
  /** Every order the database holds, and those not final yet (placeOrder calls the gateway gave up on included). */
  count(): Promise<{ orders: number; unfinished: number }>;
  close(): Promise<void>;
}

/**
 * Sees an order end without adding load to what is measured: one indexed statement on the
 * orders database per round, beside the system (no gateway, no subgraph), instead of reading
 * every pending order through the gateway.
 */
export function finalStateReader(ordersDatabaseUrl: string): FinalStateReader {
  const sql = postgres(ordersDatabaseUrl, READER_OPTIONS);
  return {
    async read(ids) {
      if (ids.length === 0) return [];
      const rows = await sql<{ id: string; state: string; updated_at: Date }[]>`
        select id, state, updated_at from orders
        where id = any(${ids as string[]}::uuid[]) and state in ('CONFIRMED', 'REJECTED', 'CANCELLED')`;
      return rows.map((row) => ({ id: row.id, state: row.state, finishedAt: row.updated_at.getTime() }));
    },
    async count() {
      const [row] = await sql<{ orders: number; unfinished: number }[]>`
        select count(*)::int as orders,
          count(*) filter (where state not in ('CONFIRMED', 'REJECTED', 'CANCELLED'))::int as unfinished
        from orders`;
      return row ?? { orders: 0, unfinished: 0 };
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
