import { inject } from 'vitest';

/**
 * True when the tests that need NATS must be skipped: none is reachable and this is not CI (the
 * global setup printed why). Use as `describe.skipIf(withoutNats())(...)`.
 */
export function withoutNats(): boolean {
  return inject('natsSkipReason') !== '';
}

/** True when the tests that need Redis must be skipped, as `withoutNats` for NATS. */
export function withoutRedis(): boolean {
  return inject('redisSkipReason') !== '';
}
