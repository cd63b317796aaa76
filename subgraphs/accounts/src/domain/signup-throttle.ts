import { type AttemptCounter, addressBlock, counterKey } from './attempt-throttle';

/** How many sign-ups a window allows from one client address. */
export interface SignUpLimits {
  maxPerAddress: number;
  windowSeconds: number;
}

/**
 * The counter a sign-up from `clientAddress` adds to (in `signup_throttle`); none when the
 * address is unknown (a caller other than the gateway, which always says where a client is).
 */
export function signUpCounters(clientAddress: string | null, limits: SignUpLimits): AttemptCounter[] {
  if (clientAddress === null) return [];
  return [{ key: counterKey(`address:${addressBlock(clientAddress)}`), limit: limits.maxPerAddress }];
}
