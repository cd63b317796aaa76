/**
 * How often and how soon a failing handler runs again. The transport counts the attempts
 * (across replicas and restarts); after `maxAttempts` failures the event is dead-lettered.
 */
export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before the second attempt; each later one doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** Deliveries the bus itself allows beyond `maxAttempts`: room for a process that died mid-handler. */
export const EXTRA_DELIVERIES = 3;

/** Exponential backoff with jitter (between half and all of the delay), so retries of many events spread out. */
export function backoffDelayMs(
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  attempt: number,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * Math.random());
}
