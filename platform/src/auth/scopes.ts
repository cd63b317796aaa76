import type { Caller, Role } from './caller';

/**
 * What a token may do beyond being logged in. Access tokens carry the scopes of the user's role
 * (`scope` claim); the SDL marks fields with `@requiresScopes` for the gateway, and subgraphs
 * check the same scopes again themselves, for example
 * `if (!hasScope(caller, Scope.CATALOG_WRITE)) throw forbidden()` in `createProduct`.
 */
export const Scope = {
  CATALOG_WRITE: 'catalog:write',
  INVENTORY_WRITE: 'inventory:write',
  ORDERS_MANAGE: 'orders:manage',
  USERS_READ: 'users:read',
  REVIEWS_MODERATE: 'reviews:moderate',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  CUSTOMER: [],
  ADMIN: Object.values(Scope),
};

/** The caller is logged in and their token grants `scope`. Anonymous callers have no scopes. */
export function hasScope(caller: Caller | null, scope: Scope): boolean {
  return caller?.scopes.includes(scope) ?? false;
}
