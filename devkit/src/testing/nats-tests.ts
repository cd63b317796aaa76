import { inject } from 'vitest';

/**
 * True when the tests that need NATS must be skipped: none is reachable and this is not CI (the
 * global setup printed why). Use as `describe.skipIf(withoutNats())(...)`.
 */
export function withoutNats(): boolean {
  return inject('natsSkipReason') !== '';
}
