/** Who is making a request, as verified by the gateway. `null` in a context means anonymous. */
export interface Caller {
  userId: string;
  role: Role;
  scopes: readonly string[];
}

export type Role = 'CUSTOMER' | 'ADMIN';

export function isAdmin(caller: Caller | null): boolean {
  return caller?.role === 'ADMIN';
}

/** The caller is this user, or an admin. */
export function isSelfOrAdmin(caller: Caller | null, userId: string): boolean {
  return caller !== null && (caller.userId === userId || caller.role === 'ADMIN');
}
