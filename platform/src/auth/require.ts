import { forbidden, unauthenticated } from '../errors';
import type { Caller } from './caller';
import { hasScope, type Scope } from './scopes';

/**
 * The checks a subgraph makes itself, whatever the gateway enforced (defence in depth):
 * anonymous callers get UNAUTHENTICATED, callers without the right get FORBIDDEN. `action`
 * completes "You must be logged in to …".
 */
export function requireCaller(caller: Caller | null, action: string): Caller {
  if (!caller) throw unauthenticated(`You must be logged in to ${action}.`);
  return caller;
}

export function requireScope(caller: Caller | null, scope: Scope, action: string): Caller {
  const known = requireCaller(caller, action);
  if (!hasScope(known, scope)) throw forbidden(`You need the ${scope} scope to ${action}.`);
  return known;
}
