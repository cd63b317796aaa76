/**
 * Who is making a request, as verified by the gateway (from the access token) and proven to
 * the subgraph by the gateway's signature. In a resolver it is `context.caller`; `null` means
 * anonymous. Never take a user id from arguments or representations to decide what a caller
 * may do: take it from here.
 */
export interface Caller {
  userId: string;
  role: Role;
  /** What the caller's token allows beyond being logged in (`Scope`). */
  scopes: readonly string[];
}

export type Role = 'CUSTOMER' | 'ADMIN';

/** `if (!caller) throw unauthenticated()` is the check for "logged in"; this one is for admins. */
export function isAdmin(caller: Caller | null): boolean {
  return caller?.role === 'ADMIN';
}

/**
 * The caller is this user, or an admin: the rule for a user's own data (their email, their
 * orders). For example `if (!isSelfOrAdmin(caller, order.userId)) throw forbidden()`.
 */
export function isSelfOrAdmin(caller: Caller | null, userId: string): boolean {
  return caller !== null && (caller.userId === userId || caller.role === 'ADMIN');
}
