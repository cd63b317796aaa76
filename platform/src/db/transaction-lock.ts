import { sql } from 'drizzle-orm';
import type { Database } from './database';

/**
 * Takes a lock on `key` (say `order:<id>`) until the caller's transaction ends: transactions
 * about the same thing take turns, each seeing what the one before committed, even when no row
 * exists yet to lock (an event about an order the service has not heard of). Keys are hashed to
 * 64 bits; a rare collision only makes two unrelated transactions wait for each other.
 */
export async function lockUntilCommit<TSchema extends Record<string, unknown>>(
  tx: Database<TSchema>,
  key: string,
): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}
