import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Db } from '../context';

/** How many failed log-ins a window allows, per email and per client address. */
export interface LoginLimits {
  maxFailuresPerEmail: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/** One count an attempt adds to: the email's, or the client address's. */
export interface LoginCounter {
  key: string;
  limit: number;
}

// Expired windows removed per attempt, at most: the table stays small without a sweeper.
const PURGE_BATCH = 100;

/** The counters an attempt at `email` from `clientAddress` adds to. */
export function loginCounters(
  email: string,
  clientAddress: string | null,
  limits: LoginLimits,
): LoginCounter[] {
  const counters = [{ key: digest(`email:${email}`), limit: limits.maxFailuresPerEmail }];
  if (clientAddress !== null)
    counters.push({
      key: digest(`address:${addressBlock(clientAddress)}`),
      limit: limits.maxFailuresPerAddress,
    });
  return counters;
}

/**
 * Counts an attempt before its password is checked, in one atomic statement on the shared
 * table: concurrent attempts, aliases packed into one request and other replicas all count,
 * and none of them gets checked past the limit. A counter whose window is over starts a new
 * one. Returns the seconds until another attempt is allowed when a limit is exceeded, else null.
 */
export async function countLoginAttempt(
  db: Db,
  counters: readonly LoginCounter[],
  windowSeconds: number,
): Promise<number | null> {
  const window = sql`(${windowSeconds}::int * interval '1 second')`;
  const keys = sql.join(
    counters.map((counter) => sql`${counter.key}`),
    sql`, `,
  );
  const rows = await db.execute<{ key: string; failures: number; seconds_left: number }>(sql`
    with purged as (
      delete from login_throttle where key in (
        select key from login_throttle
        where window_started_at <= now() - ${window} and key not in (${keys})
        limit ${PURGE_BATCH} for update skip locked
      )
    )
    insert into login_throttle as counter (key, window_started_at, failures)
    values ${sql.join(
      counters.map((counter) => sql`(${counter.key}, now(), 1)`),
      sql`, `,
    )}
    on conflict (key) do update set
      window_started_at = case when counter.window_started_at <= now() - ${window}
        then now() else counter.window_started_at end,
      failures = case when counter.window_started_at <= now() - ${window}
        then 1 else counter.failures + 1 end
    returning key, failures, ceil(extract(epoch from window_started_at + ${window} - now()))::int as seconds_left
  `);
  let retryAfter: number | null = null;
  for (const row of rows) {
    const limit = counters.find((counter) => counter.key === row.key)?.limit ?? 0;
    if (row.failures > limit) retryAfter = Math.max(retryAfter ?? 1, row.seconds_left);
  }
  return retryAfter;
}

/** A successful log-in was no failure: takes back what `countLoginAttempt` counted for it. */
export async function forgiveLoginAttempt(db: Db, counters: readonly LoginCounter[]): Promise<void> {
  const keys = sql.join(
    counters.map((counter) => sql`${counter.key}`),
    sql`, `,
  );
  await db.execute(
    sql`update login_throttle set failures = greatest(failures - 1, 0) where key in (${keys})`,
  );
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** One IPv6 client usually holds a whole /64: counting single addresses would let it walk past the limit. */
function addressBlock(address: string): string {
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
