import { type AttemptCounter, addressBlock, counterKey } from './attempt-throttle';

/** How many failed log-ins a window allows, per email and per client address. */
export interface LoginLimits {
  maxFailuresPerEmail: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/** The counters a log-in at `email` from `clientAddress` adds to (in `login_throttle`). */
export function loginCounters(
  email: string,
  clientAddress: string | null,
  limits: LoginLimits,
): AttemptCounter[] {
  const counters = [{ key: counterKey(`email:${email}`), limit: limits.maxFailuresPerEmail }];
  if (clientAddress !== null)
    counters.push({
      key: counterKey(`address:${addressBlock(clientAddress)}`),
      limit: limits.maxFailuresPerAddress,
    });
  return counters;
}
