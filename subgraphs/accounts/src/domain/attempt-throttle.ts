import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { getTableName, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import type { AttemptCounters } from '../db/schema';

/** One count an attempt adds to (its email's, its client address's), and how many the window allows. */
export interface AttemptCounter {
  key: string;
  limit: number;
}

// Expired windows removed per attempt, at most: the table stays small without a sweeper.
const PURGE_BATCH = 100;

/**
 * Counts an attempt before any work is done for it, in one atomic statement on the shared
 * table: concurrent attempts, aliases packed into one request and other replicas all count,
 * and none of them gets through past the limit. A counter whose window is over starts a new
 * one. Returns the seconds until another attempt is allowed when a limit is exceeded, else null.
 */
export async function countAttempt(
  db: Db,
  table: AttemptCounters,
  counters: readonly AttemptCounter[],
  windowSeconds: number,
): Promise<number | null> {
  if (counters.length === 0) return null;
  const name = sql.identifier(getTableName(table));
  const count = sql.identifier(table.count.name);
  const window = sql`(${windowSeconds}::int * interval '1 second')`;
  const keys = sql.join(
    counters.map((counter) => sql`${counter.key}`),
    sql`, `,
  );
  const rows = await db.execute<{ key: string; count: number; seconds_left: number }>(sql`
    with purged as (
      delete from ${name} where key in (
        select key from ${name}
        where window_started_at <= now() - ${window} and key not in (${keys})
        limit ${PURGE_BATCH} for update skip locked
      )
    )
    insert into ${name} as counter (key, window_started_at, ${count})
    values ${sql.join(
      counters.map((counter) => sql`(${counter.key}, now(), 1)`),
      sql`, `,
    )}
    on conflict (key) do update set
      window_started_at = case when counter.window_started_at <= now() - ${window}
        then now() else counter.window_started_at end,
      ${count} = case when counter.window_started_at <= now() - ${window}
        then 1 else counter.${count} + 1 end
    returning key, ${count} as count,
      ceil(extract(epoch from window_started_at + ${window} - now()))::int as seconds_left
  `);
  let retryAfter: number | null = null;
  for (const row of rows) {
    const limit = counters.find((counter) => counter.key === row.key)?.limit ?? 0;
    if (row.count > limit) retryAfter = Math.max(retryAfter ?? 1, row.seconds_left);
  }
  return retryAfter;
}

/** The counter key of `value` (`email:…`, `address:…`): a digest, so no table holds it in clear. */
export function counterKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** One IPv6 client usually holds a whole /64: counting single addresses would let it walk past the limit. */
export function addressBlock(address: string): string {
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  // An embedded IPv4 address at the end takes two groups.
  const width = (groups: string[]) => groups.length + (groups.at(-1)?.includes('.') ? 1 : 0);
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
