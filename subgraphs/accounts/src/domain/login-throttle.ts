import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { addressBlock, counterKey } from './attempt-throttle';

/**
 * How many failed log-ins a window allows. Like the big identity providers: the tight limit is
 * per email *and* address pair (a guesser at one account), a looser one per address (one source
 * trying many accounts), and per email across addresses only growing delays, never a lock, so
 * nobody can lock anyone out (the admin included) by failing on purpose.
 */
export interface LoginLimits {
  maxFailuresPerPair: number;
  maxFailuresPerAddress: number;
  /** Failures for one email, from anywhere, after which each attempt waits longer (from 250 ms, doubling, at most 8 s). */
  emailFailuresBeforeDelay: number;
  windowSeconds: number;
}

/** A limited counter (`login_throttle`). */
interface LimitedKey {
  key: string;
  limit: number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;
// Attempts wait this long at most for log-ins in flight (which may yet fail) to be checked.
const IN_FLIGHT_WAIT_MS = 5_000;
const IN_FLIGHT_POLL_MS = 25;
// Expired windows removed per attempt, at most: the table stays small without a sweeper.
const PURGE_BATCH = 100;

/** Too many failures: the attempt is refused without checking its password. */
export class LoginRateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed log-ins. Try again in ${retryAfterSeconds} seconds.`);
  }
}

/** What one log-in attempt counts against, held while its password is checked. */
export interface LoginGate {
  /** Ends the attempt: a failure counts against every key, a success against none. */
  settle(failed: boolean): Promise<void>;
}

/**
 * Admits a log-in at `email` from `clientAddress` (null: unknown) or throws LoginRateLimited.
 * The pair's and the address's counters hold the attempt as in flight, atomically and only while
 * failures and attempts in flight stay under the limit, so concurrent guesses (replicas, aliases)
 * get no more than the limit; an attempt that only waits for others in flight waits, as those
 * may succeed. An email with many failures from anywhere makes each attempt wait longer first.
 */
export async function admitLogin(
  db: Db,
  email: string,
  clientAddress: string | null,
  limits: LoginLimits,
): Promise<LoginGate> {
  const address = clientAddress === null ? 'unknown' : addressBlock(clientAddress);
  const limited: LimitedKey[] = [
    { key: counterKey(`pair:${email}\n${address}`), limit: limits.maxFailuresPerPair },
    ...(clientAddress === null
      ? []
      : [{ key: counterKey(`address:${address}`), limit: limits.maxFailuresPerAddress }]),
  ];
  const emailKey = counterKey(`email:${email}`);
  const window = sql`(${limits.windowSeconds}::int * interval '1 second')`;

  const giveUpAt = Date.now() + IN_FLIGHT_WAIT_MS;
  for (;;) {
    const refused = await reserve(db, limited, window);
    if (refused === null) break;
    if (refused.failures >= refused.limit || Date.now() >= giveUpAt)
      throw new LoginRateLimited(Math.max(1, refused.secondsLeft));
    await sleep(IN_FLIGHT_POLL_MS);
  }

  const [emailCount] = await db.execute<{ failures: number }>(sql`
    select failures from login_throttle where key = ${emailKey} and window_started_at > now() - ${window}`);
  const over = (emailCount?.failures ?? 0) - limits.emailFailuresBeforeDelay;
  if (over >= 0) await sleep(Math.min(FIRST_DELAY_MS * 2 ** Math.min(over, 16), MAX_DELAY_MS));

  return {
    async settle(failed) {
      const keys = sql.join(
        limited.map(({ key }) => sql`${key}`),
        sql`, `,
      );
      await db.execute(sql`
        update login_throttle set in_flight = greatest(in_flight - 1, 0),
          failures = failures + ${failed ? 1 : 0}
        where key in (${keys})`);
      if (!failed) return;
      await db.execute(sql`
        with purged as (
          delete from login_throttle where key in (
            select key from login_throttle
            where window_started_at <= now() - ${window} and in_flight = 0 and key <> ${emailKey}
            limit ${PURGE_BATCH} for update skip locked
          )
        )
        insert into login_throttle as counter (key, window_started_at, failures)
        values (${emailKey}, now(), 1)
        on conflict (key) do update set
          window_started_at = case when counter.window_started_at <= now() - ${window}
            then now() else counter.window_started_at end,
          failures = case when counter.window_started_at <= now() - ${window}
            then 1 else counter.failures + 1 end`);
    },
  };
}

interface Refusal {
  limit: number;
  failures: number;
  secondsLeft: number;
}

/** Holds the attempt on every key, or on none: the first key at its limit, or null when held. */
async function reserve(
  db: Db,
  keys: readonly LimitedKey[],
  window: ReturnType<typeof sql>,
): Promise<Refusal | null> {
  let refusal: Refusal | null = null;
  await db
    .transaction(async (tx) => {
      for (const { key, limit } of keys) {
        const held = await tx.execute<{ key: string }>(sql`
          insert into login_throttle as counter (key, window_started_at, failures, in_flight)
          values (${key}, now(), 0, 1)
          on conflict (key) do update set
            window_started_at = case when counter.window_started_at <= now() - ${window}
              then now() else counter.window_started_at end,
            failures = case when counter.window_started_at <= now() - ${window}
              then 0 else counter.failures end,
            in_flight = case when counter.window_started_at <= now() - ${window}
              then 1 else counter.in_flight + 1 end
          where counter.window_started_at <= now() - ${window} or counter.failures + counter.in_flight < ${limit}
          returning key`);
        if (held.length > 0) continue;
        const [row] = await tx.execute<{ failures: number; seconds_left: number }>(sql`
          select failures, ceil(extract(epoch from window_started_at + ${window} - now()))::int as seconds_left
          from login_throttle where key = ${key}`);
        refusal = { limit, failures: row?.failures ?? 0, secondsLeft: row?.seconds_left ?? 1 };
        throw new HeldNothing();
      }
    })
    .catch((error: unknown) => {
      if (!(error instanceof HeldNothing)) throw error;
    });
  return refusal;
}

class HeldNothing extends Error {}
